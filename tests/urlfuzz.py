"""Seeded URL states for the fuzz tests, each with what a correct reader must say about it.

``states(seed, count)`` gives query strings as (key, value) pairs, every class of bad input
mixed with good values: huge and over-long numbers, Unicode digits, floats, NaN, inf,
booleans, empty and whitespace-only values, repeated and unknown keys, sizes over the work
cap, and weights that are malformed or that no upload made. The first ``len(CLASSES)`` states
put each class first, so any prefix of that length covers them all. ``expected(pairs,
config)`` is the independent reference: it
decides which values are invalid from how they were made (the generator's label), not from
``rnnviz.config``, and derives the effective config from the rules in docs/links.md.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# The rules, restated here rather than imported: this module is the reference.
SIZES = {
    "N": (1, 2000, 10),
    "T": (1, 500, 10),
    "D": (1, 64, 3),
    "M": (1, 256, 5),
    "K": (1, 32, 2),
    "layers": (1, 3, 1),
    "seed": (0, 2**31 - 1, 0),
}
CELLS = ("simple", "lstm", "gru")
SWITCHES = {"reset_after": True, "return_sequences": False, "bidirectional": False}
# dtype and bug: every precision, and the bugs whose reach is easy to restate here: three
# that apply to every model, and one only to a GRU with reset_after
CHOICES = {
    "dtype": ("float32", "float64"),
    "bug": ("none", "h0_ones", "bias_dropped", "activations_swapped", "reset_before"),
}
CHOICE_DEFAULTS = {"dtype": "float32", "bug": "none"}
# weights: "initial" (or its old name, "seeded"), "trained" (weights trained on the reader's
# server, which a fresh reader never holds), or 16 hex digits naming uploaded weights, which a
# fresh reader never holds either
SEEDED, TRAINED, DIGEST_CHARS = "initial", "trained", 16
# task -> (the D it fixes, the K it fixes, its least T); data: "none" or 16 hex digits naming
# uploaded data, which a fresh reader never holds; epochs: 1..200, read with weights=trained
TASKS = {
    "random": (None, None, 1),
    "sine": (1, 1, 1),
    "adding": (2, 1, 2),
    "parity": (1, 2, 1),
    "copy": (5, 4, 2),
}
EPOCHS = (1, 200, 20)
SOURCE = ("task", "data", "epochs")
SIZE_MEANINGS = {"D": "input features", "K": "outputs"}
HEX = "0123456789abcdef"
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
SECTIONS = ("shapes", "summary", "weights", "time", "agreement", "mistakes", "spectrum")
# The what-if: whh_scale, a decimal in [0.1, 3] with at most 2 decimals, written without
# trailing zeros; the input pattern; and the pulse's place, read only with a pulse or a step,
# where it must fit the effective T (1..T) and D (0..D-1), else it falls back with a warning.
INPUTS = ("random", "pulse", "step")
PULSE = {"pulse_t": (1, 500, 1), "pulse_d": (0, 63, 0)}  # the static range, and the default
GOOD_SCALES = ["1", "0.5", "2.25", "3", "0.1", "1.", ".5", "0.10", "1.00", "2.9"]
BAD_SCALES = [
    "abc",
    "0",
    "0.05",
    "3.01",
    "10",
    "-1",
    "1e-1",
    "nan",
    "inf",
    "",
    " ",
    "0.125",
    "1,5",
    "١.٥",
    "+1",
    "1" * 20,
    "0.5.5",
    "true",
]
CAP = 5_000_000
QUOTED = 40

# Bad text for any numeric key (none of it is a plain number in range, whatever the config).
NOT_A_NUMBER = [
    "٣",  # Arabic-Indic three
    "５",  # fullwidth five
    "1٣",
    "²",
    "1_0",
    "+3",
    "3.0",
    "2.5",
    "1e3",
    ".5",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "true",
    "false",
    "",
    " ",
    "   ",
    "\t",
    " \n ",
    "abc",
    "0x10",
    "1,000",
    "1 2",
    "-",
    "'",
    "\\",
    "10 000",
]
HUGE = ["9" * 5000, "1" * 4301, "1" * 13, str(2**64), "-" + "9" * 20, "x" * 300]
UNKNOWN_KEYS = ["n", "m", "zzz", "utm_source", "N ", "٣", "q" * 300, "Step"]
CAP_COMBOS = [  # {field: value}: every one has an array over the cap
    {"N": "2000", "T": "500", "M": "256"},
    {"N": "2000", "T": "500", "M": "6"},
    {"N": "400", "T": "500", "M": "256", "layers": "3", "bidirectional": "true"},
    {"N": "1000", "T": "500", "M": "5", "layers": "2", "bidirectional": "true"},
    {"N": "256", "T": "256", "M": "256"},
    {"N": "2000", "T": "100", "M": "100", "layers": "3"},
    {"N": "2000", "T": "500", "M": "1", "D": "64"},  # X alone: N·T·D
    {"N": "2000", "T": "500", "M": "1", "K": "32", "return_sequences": "true"},  # y alone
    {"N": "100", "T": "500", "M": "256", "D": "64", "K": "32", "return_sequences": "1"},
]
BAD_NUMBERS = (  # the classes that are a number key's text not being a plain number
    "unicode digits",
    "float",
    "nan or inf",
    "boolean for a number",
    "empty",
    "whitespace",
    "huge",
    "over long",
)
CLASSES = (
    *BAD_NUMBERS,
    "out of range",
    "repeated key",
    "unknown key",
    "work cap",
    "bad switch",
    "bad cell",
    "bad view value",
    "view out of range",
    "bad dtype or bug",
    "bug the model lacks",
    "bad weights",
    "weights not held",
    "bad whh_scale",
    "bad input",
    "pulse out of range",
    "bad x_edit",
    "x_edit not held",
    "bad task",
    "task fixes sizes",
    "bad data",
    "data not held",
    "bad epochs",
    "trained not held",
)


@dataclass
class State:
    pairs: list[tuple[str, str]] = field(default_factory=list)
    invalid: set[tuple[str, str]] = field(default_factory=set)  # field values bad by making

    def add(self, key: str, value: str, valid: bool) -> None:
        self.pairs.append((key, value))
        if not valid:
            self.invalid.add((key, value))

    def as_params(self) -> dict[str, str | list[str]]:
        """The pairs as AppTest (and ``st.query_params``) hold them: a list for a repeat."""
        out: dict[str, list[str]] = {}
        for key, value in self.pairs:
            out.setdefault(key, []).append(value)
        return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


def _good(rng: random.Random, key: str) -> str:
    """A value valid for ``key`` whatever the rest of the URL (view keys: their smallest)."""
    if key in SIZES:
        low, high, default = SIZES[key]
        # few distinct sizes, so the page's caches keep the fuzz fast; N·T·M stays small
        picks = [low, default, min(high, 20)] + ([high] if key in ("D", "K", "seed") else [])
        text = str(rng.choice(picks))
    elif key == "cell":
        text = rng.choice(CELLS)
        text = text.upper() if rng.random() < 0.2 else text
    elif key in CHOICES:
        text = rng.choice(CHOICES[key])
        text = text.upper() if rng.random() < 0.2 else text
    elif key in SWITCHES or key in ("present", "quiz"):
        text = rng.choice(TRUE + FALSE)
        text = text.upper() if rng.random() < 0.2 else text
    elif key == "section":
        text = rng.choice(SECTIONS)
    elif key == "view_direction":
        text = "fwd"
    elif key == "weights":
        text = rng.choice([SEEDED, "seeded"])
        text = text.upper() if rng.random() < 0.2 else text
    elif key == "task":
        text = rng.choice(list(TASKS))
        text = text.upper() if rng.random() < 0.2 else text
    elif key == "data":
        text = "none"
    elif key == "epochs":
        text = str(rng.choice(EPOCHS))
    elif key == "whh_scale":
        text = rng.choice(GOOD_SCALES)
    elif key == "input":
        text = rng.choice(INPUTS)
        text = text.upper() if rng.random() < 0.2 else text
    elif key == "x_edit":
        text = NO_EDIT.upper() if rng.random() < 0.2 else NO_EDIT
    elif key in PULSE:  # the default fits every config
        text = str(PULSE[key][2])
    else:  # sample, step, view_layer: the smallest is valid for every config
        text = "0" if key == "sample" else "1"
    return f" {text} " if rng.random() < 0.1 else text


WHAT_IF = ("whh_scale", "input", *PULSE, "x_edit")
NO_EDIT = "none"  # x_edit: X as drawn, or 16 hex digits naming an edit a fresh reader never holds


def scale_text(value: float) -> str:
    """How the page writes a whh_scale: 2 decimals at most, no trailing zeros: 1, 0.5."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _bad_number(rng: random.Random, kind: str) -> str:
    pools = {
        "unicode digits": ["٣", "５", "1٣", "²"],
        "float": ["3.0", "2.5", "1e3", ".5"],
        "nan or inf": ["NaN", "nan", "inf", "-inf", "Infinity"],
        "boolean for a number": ["true", "false"],
        "empty": [""],
        "whitespace": [" ", "   ", "\t", " \n "],
        "huge": HUGE[:4],
        "over long": HUGE[4:] + ["1" * 13],
    }
    return rng.choice(pools.get(kind, NOT_A_NUMBER))


def _out_of_range(rng: random.Random, key: str) -> str:
    low, high, _ = SIZES[key]
    return str(rng.choice([low - 1, high + 1, -5, high * 10 + 7]))


NUMERIC = [k for k in SIZES if k != "seed"] + ["seed"]


def _forced(rng: random.Random, state: State, kind: str) -> None:
    """Add one instance of class ``kind`` to ``state``."""
    if kind in BAD_NUMBERS:
        key = rng.choice(NUMERIC + ["sample", "step", "view_layer", *PULSE])
        state.add(key, _bad_number(rng, kind), valid=False)
    elif kind == "out of range":
        key = rng.choice(NUMERIC)
        state.add(key, _out_of_range(rng, key), valid=False)
    elif kind == "repeated key":
        key = rng.choice(NUMERIC + ["cell", "bidirectional", "section", "sample"])
        for _ in range(rng.randint(2, 4)):
            if rng.random() < 0.5:
                state.add(key, _good(rng, key), valid=True)
            else:
                bad = _out_of_range(rng, key) if key in SIZES else rng.choice(NOT_A_NUMBER)
                if key in ("cell", "bidirectional", "section"):
                    bad = rng.choice(["maybe", "", " ", "lstmx", "٣", "x" * 100])
                state.add(key, bad, valid=False)
    elif kind == "unknown key":
        state.add(rng.choice(UNKNOWN_KEYS), rng.choice(["1", "", "x" * 60]), valid=False)
    elif kind == "work cap":
        for key, value in rng.choice(CAP_COMBOS).items():
            state.add(key, value, valid=True)
    elif kind == "bad switch":
        key = rng.choice(list(SWITCHES) + ["present", "quiz"])
        state.add(key, rng.choice(["maybe", "2", "", " ", "tru", "٣", "y" * 100]), valid=False)
    elif kind == "bad cell":
        state.add(
            "cell", rng.choice(["transformer", "lstmx", "", "  ", "ＬＳＴＭ", "c" * 80]), False
        )
    elif kind == "bad view value":
        key = rng.choice(["section", "view_direction"])
        state.add(key, rng.choice(["nope", "FWD", "", " ", "s" * 70, "time?"]), False)
    elif kind == "bad dtype or bug":
        key = rng.choice(list(CHOICES))
        state.add(key, rng.choice(["float16", "double", "", " ", "h0", "b" * 90]), False)
    elif kind == "bug the model lacks":  # valid in form; an LSTM has no reset gate
        state.add("cell", "lstm", True)
        state.add("bug", "reset_before", True)
    elif kind == "bad weights":
        digits = "".join(rng.choice(HEX) for _ in range(DIGEST_CHARS))
        bad = [digits[:-1], digits + "0", digits[:-1] + "g", "seed", "", " ", "w" * 90, "٣" * 16]
        state.add("weights", rng.choice(bad), False)
    elif kind == "weights not held":  # valid in form; nothing was uploaded to this reader
        digits = "".join(rng.choice(HEX) for _ in range(DIGEST_CHARS))
        state.add("weights", digits.upper() if rng.random() < 0.2 else digits, True)
    elif kind == "bad x_edit":
        digits = "".join(rng.choice(HEX) for _ in range(DIGEST_CHARS))
        bad = [digits[:-1], digits + "1", "nothing", "", " ", "e" * 90, "seeded"]
        state.add("x_edit", rng.choice(bad), False)
    elif kind == "x_edit not held":  # valid in form; nothing was edited on this reader
        digits = "".join(rng.choice(HEX) for _ in range(DIGEST_CHARS))
        state.add("x_edit", digits.upper() if rng.random() < 0.2 else digits, True)
    elif kind == "bad whh_scale":
        state.add("whh_scale", rng.choice(BAD_SCALES), False)
    elif kind == "bad input":
        state.add("input", rng.choice(["noise", "", " ", "pulses", "٣", "i" * 80, "sine"]), False)
    elif kind == "pulse out of range":
        # valid in form; whether it fits depends on the effective input, T and D
        state.add("input", rng.choice(["pulse", "step", "random"]), True)
        key = rng.choice(list(PULSE))
        low, high, _ = PULSE[key]
        if rng.random() < 0.3:  # out of even the static range: bad in form
            state.add(key, str(rng.choice([low - 1, high + 1, 10**6])), False)
        else:
            state.add(key, str(rng.choice([low, 2, 9, 10, 11, high])), True)
    elif kind == "bad task":
        state.add("task", rng.choice(["sines", "", " ", "add", "٣", "t" * 80, "none"]), False)
    elif kind == "task fixes sizes":  # valid in form; the task overrides D, K or a short T
        state.add("task", rng.choice(["sine", "adding", "parity", "copy"]), True)
        key = rng.choice(["D", "K", "T"])
        state.add(key, {"D": "3", "K": "3", "T": "1"}[key], True)
    elif kind == "bad data":
        digits = "".join(rng.choice(HEX) for _ in range(DIGEST_CHARS))
        bad = [digits[:-1], digits + "2", "nothing", "", " ", "d" * 90, "seeded"]
        state.add("data", rng.choice(bad), False)
    elif kind == "data not held":  # valid in form; nothing was uploaded to this reader
        digits = "".join(rng.choice(HEX) for _ in range(DIGEST_CHARS))
        state.add("data", digits.upper() if rng.random() < 0.2 else digits, True)
    elif kind == "bad epochs":
        state.add("epochs", rng.choice(["0", "201", "-1", "1.5", "", "many", "9" * 30]), False)
    elif kind == "trained not held":  # valid in form; nothing was trained on this reader
        if rng.random() < 0.7:
            state.add("task", rng.choice(["sine", "adding", "parity", "copy"]), True)
        state.add("weights", rng.choice([TRAINED, TRAINED.upper()]), True)
        if rng.random() < 0.5:
            state.add("epochs", str(rng.choice([1, 7, 200])), True)
    elif kind == "view out of range":
        # valid in form; whether it is in range depends on the effective config
        key = rng.choice(["sample", "step", "view_layer", "view_direction"])
        value = {"sample": "9", "step": "10", "view_layer": "2", "view_direction": "bwd"}[key]
        state.add(key, rng.choice([value, str(10**9)]) if key != "view_direction" else value, True)


def states(seed: int, count: int) -> list[State]:
    """``count`` URL states from ``seed``; state i starts with class i % len(CLASSES)."""
    rng = random.Random(seed)
    out = []
    keys = list(SIZES) + ["cell", *SWITCHES, *CHOICES, "weights", *WHAT_IF, *SOURCE]
    keys += ["sample", "step", "view_layer"]
    keys += ["view_direction", "present", "section", "quiz"]
    for i in range(count):
        state = State()
        _forced(rng, state, CLASSES[i % len(CLASSES)])
        for _ in range(rng.randint(0, 4)):  # a few more, good or bad, in any order
            if rng.random() < 0.5:
                _forced(rng, state, rng.choice(CLASSES))
            else:
                key = rng.choice(keys)
                state.add(key, _good(rng, key), valid=True)
        rng.shuffle(state.pairs)
        out.append(state)
    return out


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
    views = ["sample", "step", "view_layer", "view_direction", "present", "section", "quiz"]
    views.append("layout")
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
    if config["T"] < least_T:
        mended.append("URL parameter T (time steps) must be at least ")
        config["T"] = least_T
    if config["input"] != "random" and config["task"] != "random":
        mended.append(f"URL parameter input={config['input']} sets X by hand")
        config["input"] = "random"
    if config["weights"] == TRAINED and (config["task"] == "random" or config["return_sequences"]):
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
    limits = {"sample": config["N"] - 1, "step": config["T"], "view_layer": config["layers"]}
    for key, value in state.pairs:
        if key in fields and (key, value) in state.invalid:
            named.append((key, value))
        elif key in limits:
            number = _as_number(value)
            low = 0 if key == "sample" else 1
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
        "view_layer",
        "view_direction",
        "present",
        "section",
        "quiz",
        "layout",
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
