"""What a correct reader must make of a fuzz state (tests/urlfuzz.py): the independent reference.

``expected(state)`` decides which values are invalid from how they were made (the generator's
label), not from ``rnnviz.config``, and derives the effective config from the rules in
docs/links.md, restated in ``tests/urlfuzz.py``; ``check`` holds a reader's config and warnings
(and a rewritten link) against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.urlfuzz import (
    CAP,
    CHOICE_DEFAULTS,
    CHOICES,
    EPOCHS,
    NO_EDIT,
    PER_STEP,
    PULSE,
    QUOTED,
    SEEDED,
    SIZE_MEANINGS,
    SIZES,
    SOURCE,
    SWITCHES,
    TASKS,
    TRAINED,
    TRUE,
    WHAT_IF,
    State,
    scale_text,
)


def shown(value: str) -> str:
    """How a message quotes ``value`` (only the characters the generator makes): at most
    QUOTED characters, an escape never cut in two, and the length when cut."""
    escapes = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t"}
    pieces = []
    for char in value:
        piece = escapes.get(char, char)
        if sum(map(len, pieces)) + len(piece) > QUOTED:
            return f"'{''.join(pieces)}…' ({len(value):,} characters)"
        pieces.append(piece)
    return f"'{''.join(pieces)}'"


def _as_number(text: str) -> int | None:
    text = text.strip()
    if text and all(c in "0123456789" for c in text) and len(text) <= 12:
        return int(text)
    return None


def _work(c: dict, width: str) -> int:
    """Numbers in the kept array whose own width is ``width``: h (M), X (D) or y (K)."""
    if width == "M":
        return c["N"] * c["T"] * c["M"] * c["layers"] * (2 if c["bidirectional"] else 1)
    if width == "K" and not c["return_sequences"]:
        return c["N"] * c["K"]  # y is (N, K): never near the cap
    return c["N"] * c["T"] * c[width]


@dataclass
class Expected:
    config: dict  # every field's effective value
    named: list[tuple[str, str]]  # every invalid (key, value), once per occurrence
    unknown: list[str]
    fell_back: list[str]  # which fields the work cap lowered, one per array over it
    lacked: str | None = None  # a bug valid in form that the effective model does not have
    unheld: str | None = None  # weights valid in form that the reader does not hold
    unedited: str | None = None  # an x_edit valid in form that the reader does not hold
    outside: list[tuple[str, int]] = field(default_factory=list)  # pulse places that do not fit
    undata: str | None = None  # data valid in form that the reader does not hold
    untrained: bool = False  # weights=trained that the reader has not trained
    mended: list[str] = field(default_factory=list)  # the task's warnings: their start


def expected(state: State) -> Expected:
    """What a correct reader makes of ``state``: last valid wins, the cap rule, every bad
    value named. View values valid in form are judged against the effective config."""
    config = {k: default for k, (_, _, default) in SIZES.items()}
    config |= {"cell": "simple", **SWITCHES, **CHOICE_DEFAULTS, "weights": SEEDED}
    config |= {"whh_scale": 1.0, "input": "random", "x_edit": NO_EDIT}
    config |= {k: default for k, (_, _, default) in PULSE.items()}
    config |= {"task": "random", "data": "none", "epochs": EPOCHS[2]}
    named, unknown = [], []
    fields = [*SIZES, "cell", *SWITCHES, *CHOICES, "weights", *WHAT_IF, *SOURCE]
    views = ["sample", "step", "unit", "view_layer", "view_direction", "present", "section", "quiz"]
    views += ["layout", "theme"]
    for key, value in state.pairs:
        if key not in fields + views:
            if key not in unknown:
                unknown.append(key)
        elif key in fields and (key, value) not in state.invalid:
            text = value.strip().lower()
            if key in SIZES or key in PULSE or key == "epochs":
                config[key] = int(text)
            elif key == "whh_scale":
                config[key] = float(text)
            elif key in ("cell", "weights", "input", "x_edit", "task", "data") or key in CHOICES:
                config[key] = SEEDED if text == "seeded" else text
            else:
                config[key] = text in TRUE
    undata = None
    if config["data"] != "none":  # the last valid value, if it names uploaded data
        undata, config["data"] = config["data"], "none"
    given = {key for key, _ in state.pairs}
    fixed_D, fixed_K, least_T = TASKS[config["task"]]
    mended = []
    for key, fixed in (("D", fixed_D), ("K", fixed_K)):
        if fixed is not None and config[key] != fixed:
            if key in given:  # a size the link left takes the task's silently
                mended.append(f"URL parameter {key} ({SIZE_MEANINGS[key]}) is fixed at {fixed} ")
            config[key] = fixed
    per_step = config["task"] in PER_STEP
    if per_step and not config["return_sequences"]:
        mended.append(f"URL parameter the {PER_STEP[config['task']]} task has a target at every ")
        config["return_sequences"] = True
    if config["T"] < least_T:
        mended.append("URL parameter T (time steps) must be at least ")
        config["T"] = least_T
    if config["input"] != "random" and config["task"] != "random":
        mended.append(f"URL parameter input={config['input']} sets X by hand")
        config["input"] = "random"
    one_per_sequence = config["return_sequences"] and not per_step
    if config["weights"] == TRAINED and (config["task"] == "random" or one_per_sequence):
        mended.append("URL parameter weights=trained needs ")
        config["weights"] = SEEDED
    fell_back = []
    cap = CAP // 2 if config["dtype"] == "float64" else CAP  # the same bytes, twice as wide
    for width in "MDK":  # h, then X, then y: lower the largest of N, T and the width
        if _work(config, width) > cap:
            name = max("NT" + width, key=lambda k: config[k])
            others = _work(config, width) // config[name]
            config[name] = cap // others
            fell_back.append(name)
    if config["cell"] != "gru":  # only the GRU has two variants; the others take the default
        config["reset_after"] = True
    outside = []
    fits = {"pulse_t": (1, config["T"]), "pulse_d": (0, config["D"] - 1)}
    for key, (_, _, default) in PULSE.items():
        low, high = fits[key]
        if config["input"] != "random" and not low <= config[key] <= high:
            outside.append((key, config[key]))
        if config["input"] == "random" or not low <= config[key] <= high:
            config[key] = default  # random X has no pulse; a place that does not fit falls back
    lacked = None
    if config["bug"] == "reset_before" and not (config["cell"] == "gru" and config["reset_after"]):
        lacked, config["bug"] = "reset_before", "none"
    untrained = config["weights"] == TRAINED  # the reader has trained nothing
    if untrained:
        config["weights"] = SEEDED
    config["epochs"] = EPOCHS[2]  # read only with trained weights, which are never held here
    unheld = None
    if config["weights"] != SEEDED:  # the last valid value, if it names uploaded weights
        unheld, config["weights"] = config["weights"], SEEDED
    limits = {"sample": config["N"] - 1, "step": config["T"], "unit": config["M"] - 1}
    limits["view_layer"] = config["layers"]
    for key, value in state.pairs:
        if key in fields and (key, value) in state.invalid:
            named.append((key, value))
        elif key in limits:
            number = _as_number(value)
            low = 0 if key in ("sample", "unit") else 1
            if (key, value) in state.invalid or number is None or not low <= number <= limits[key]:
                named.append((key, value))
        elif key == "view_direction":
            allowed = ("fwd", "bwd") if config["bidirectional"] else ("fwd",)
            if value.strip() not in allowed:
                named.append((key, value))
        elif key in views and (key, value) in state.invalid:
            named.append((key, value))
    unedited = None
    if config["x_edit"] != NO_EDIT:  # the last valid value, if it names an edit of X
        unedited, config["x_edit"] = config["x_edit"], NO_EDIT
    return Expected(
        config,
        named,
        unknown,
        fell_back,
        lacked,
        unheld,
        unedited,
        outside,
        undata,
        untrained,
        mended,
    )


def check(state: State, config: dict, warnings: list[str], query: dict | None = None) -> None:
    """Assert what a reader produced for ``state``: the effective ``config``, one warning
    per invalid value (and none for a valid one), the unknown keys and the cap's fallback
    named; with ``query`` (the URL after the run), that no bad or unknown value survives."""
    want = expected(state)
    short = [(k, v if len(v) <= 60 else f"{v[:20]}…({len(v)} chars)") for k, v in state.pairs]
    context = f"\nstate: {short!r}\nwarnings: {[w[:300] for w in warnings]!r}"
    assert config == want.config, f"config {config} != {want.config}{context}"
    value_warnings = [w for w in warnings if w.startswith("URL parameter ")]
    for key, value in want.named:
        prefix = f"URL parameter {key}={shown(value)} "
        assert any(w.startswith(prefix) for w in value_warnings), f"{prefix!r} not named{context}"
    # valid in form, yet not usable here: a bug the model lacks, weights no upload made
    dropped = 0
    for key, value, words in (
        ("bug", want.lacked, "applies only to"),
        ("weights", want.unheld, "are not on this server"),
        ("x_edit", want.unedited, "is not on this server"),
        ("data", want.undata, "is not on this server"),
        ("weights", TRAINED if want.untrained else None, "names weights this server has not"),
    ):
        lines = [w for w in value_warnings if w.startswith(f"URL parameter {key}=")]
        lines = [w for w in lines if f" {words} " in w]
        assert len(lines) == bool(value), context
        assert not value or lines[0].startswith(f"URL parameter {key}={value} {words} "), context
        dropped += len(lines)
    for key, value in want.outside:  # a pulse's place valid in form that the sizes do not fit
        line = f"URL parameter {key}={value} is out of range for this model; "
        assert sum(w.startswith(line) for w in value_warnings) == 1, f"{line!r}{context}"
        dropped += 1
    for start in want.mended:  # what the task changed
        assert sum(w.startswith(start) for w in value_warnings) == 1, f"{start!r}{context}"
        dropped += 1
    assert len(value_warnings) == len(want.named) + dropped, f"expected {want.named}{context}"
    if want.unknown:
        (line,) = [w for w in warnings if w.startswith("Unknown URL parameter")]
        for key in want.unknown:
            assert shown(key) in line, f"unknown key {key!r} not named{context}"
    cap_lines = [w for w in warnings if w.startswith("URL parameters ")]
    if want.fell_back:
        (line,) = cap_lines
        for name in want.fell_back:
            assert f"so {name} fell back" in line, context
        assert line.count(" fell back ") == len(want.fell_back), context
    else:
        assert not cap_lines, context
    assert len(warnings) == len(value_warnings) + bool(want.unknown) + len(cap_lines), context
    for line in warnings:
        # a warning never quotes more than QUOTED characters of one value
        longest = max((len(run) for run in _runs(line)), default=0)
        assert longest <= QUOTED + 2, f"a quote of {longest} characters{context}"
    if query is not None:
        assert set(query) <= set(fields_and_views()), f"URL kept {set(query)}{context}"
        for key, value in want.named:
            kept = query.get(key)
            assert kept != value and value not in (kept if isinstance(kept, list) else []), (
                f"the bad value {key}={value!r} survived into the URL{context}"
            )
        for key, value in config.items():
            written = value if not isinstance(value, bool) else str(value).lower()
            written = scale_text(value) if isinstance(value, float) else written
            assert query[key] == str(written), f"URL {key}={query[key]!r}{context}"


def fields_and_views() -> list[str]:
    return [*SIZES, "cell", *SWITCHES, *CHOICES, "weights", *WHAT_IF, *SOURCE] + [
        "sample",
        "step",
        "unit",
        "view_layer",
        "view_direction",
        "present",
        "section",
        "quiz",
        "layout",
        "theme",
    ]


def _runs(line: str) -> list[str]:
    """The quoted stretches of a warning: between a ' that follows = or a space and the
    next unescaped '."""
    runs, i = [], 0
    while (start := line.find("'", i)) != -1:
        j = start + 1
        while j < len(line) and line[j] != "'":
            j += 2 if line[j] == "\\" else 1
        runs.append(line[start + 1 : j])
        i = j + 1
    return runs
