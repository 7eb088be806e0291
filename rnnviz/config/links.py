"""A link's query as a config: every key read by its field, and every rule of the link contract.

``from_query`` never raises. A bad value becomes a warning that names it, and that field alone
falls back; sizes over the work cap come down to the largest that fit; a task mends the sizes
it fixes; and whatever the link names that only the server holding it can give (uploaded
data, imported or trained weights, an edited sample) is asked of ``held``, once, by the key it
is held under, with one reason when it is not there. Keys the caller reads itself (the page's
view: n, t, the section) come with their fields from ``views``; any other key is named as
unknown. The rules are listed in ``from_query``'s docstring and in docs/links.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

from rnnviz.config.fields import ConfigError, Field, as_text, quote
from rnnviz.config.rnn_config import (
    DEFAULT,
    FIELDS,
    NO_DATA,
    NO_EDIT,
    SEEDED,
    TRAINED,
    RNNConfig,
    pulse_fields,
    task_problems,
    work_cap,
    works,
)
from rnnviz.recurrence.bugs import NONE, bug_of
from rnnviz.tasks import TASKS

# Why a link's value cannot be used on this server: it names something this server does not
# hold (in another session, on another server or before a restart), by what the value names.
NOT_HERE = {
    "weights": "are not on this server (they were uploaded in another session or before a "
    "restart); using the seeded weights. Upload the .npz again to use them.",
    TRAINED: "names weights this server has not trained (they were trained on another server "
    "or before a restart); showing the initial weights. Press Train to train them.",
    "x_edit": "is not on this server (X was edited in another session or before a restart); "
    "using X as drawn. Edit it again to use it.",
    "data": "is not on this server (it was uploaded in another session or before a restart); "
    "drawing X instead. Upload the file again to use it.",
}
# What a field falls back to when what it names cannot be used.
INSTEAD = {"weights": SEEDED, "x_edit": NO_EDIT, "data": NO_DATA}

Query = Mapping[str, "str | Sequence[str]"] | Iterable[tuple[str, str]]
Held = Callable[[Hashable], object]  # key -> what this server holds under it, or None


def nothing_held(key: Hashable) -> None:
    """``from_query``'s default server, which holds nothing: every digest is somebody else's."""
    return None


def not_here(name: str, value: str) -> str:
    """The one reason for a value that names what this server does not hold, as a warning
    goes on after "URL parameter weights=<digest> "."""
    return NOT_HERE[TRAINED if name == "weights" and value == TRAINED else name]


def occurrences(params: Query) -> dict[str, list[str]]:
    """Every value of every key, in order: from a mapping of key -> value or list of values
    (as ``st.query_params.get_all`` gives them), or from (key, value) pairs."""
    pairs = params.items() if isinstance(params, Mapping) else params
    found: dict[str, list[str]] = {}
    for key, raw in pairs:
        found.setdefault(key, []).extend([raw] if isinstance(raw, str) else raw)
    return found


def fit_under_cap(values: Mapping) -> tuple[dict, str | None]:
    """``values`` with each array over WORK_CAP brought under it by lowering the largest
    of N, T and that array's width (M, D or K; ties in that order) to the largest value
    that fits, and a sentence saying what fell back (None if nothing had to). One field
    per array suffices: the other factors' product is at most 2000·256·3·2 < WORK_CAP,
    so the lowered one is at least 1; lowering N or T can only shrink the other arrays."""
    fitted, said = dict(values), []
    dtype = values.get("dtype", "float32")
    cap = work_cap(dtype)
    in_dtype = "" if dtype == "float32" else f" in {dtype}"
    for work in works(values):
        work = next(w for w in works(fitted) if w.width == work.width)  # after earlier falls
        if work.numbers <= cap:
            continue
        name = max(("N", "T", work.width), key=lambda k: fitted[k])  # max() keeps the first
        fitted[name] = cap // (work.numbers // fitted[name])
        new = next(w for w in works(fitted) if w.width == work.width)
        said.append(
            f"{work} is over the limit of {cap:,}{in_dtype}, so {name} fell back from "
            f"{values[name]} to {fitted[name]}, the largest {name} that fits ({new})"
        )
    return fitted, "; and ".join(said) or None


def mend_task(values: dict, given: Mapping = ()) -> list[str]:
    """Make ``values`` (a config's fields) fit their task, data and input, in place, as
    ``task_problems`` asks; returns a warning for each change a link (``given``'s keys)
    asked for otherwise. A size the task fixes changes silently when the link left it."""
    mended = {"task": "random", "input": "random", "weights": SEEDED, "return_sequences": True}
    warnings = []
    for _ in range(len(mended) + 3):  # each pass mends one field; a mend never undoes one
        problems = task_problems(values)
        if not problems:
            break
        name, problem = problems[0]
        if name in ("D", "K"):
            value = getattr(TASKS[values["task"]], name)
        elif name == "T":
            value = TASKS[values["task"]].T_min
        else:
            value = mended[name]
        if name in given or name not in ("D", "K"):
            warnings.append(f"URL parameter {problem}. Using {name}={as_text(value)}.")
        values[name] = value
    return warnings


def from_query(
    params: Query,
    base: RNNConfig = DEFAULT,
    held: Held = nothing_held,
    views: Callable[[RNNConfig], Mapping[str, Field]] = lambda config: {},
) -> tuple[RNNConfig, dict[str, object], list[str]]:
    """Read a URL's query parameters; never raises.

    Returns the config, the view (the value of each key of ``views(config)`` that the link
    gives validly) and the warnings. The rules:

    - a key given several times takes its last valid value; every invalid value is
      named in its own warning, quoting at most QUOTED characters of it;
    - a key with no valid value falls back to ``base``'s value (a view key: to its field's
      default), that field alone;
    - unknown keys are named in one warning and ignored;
    - over WORK_CAP, the largest of N, T, M falls back to the largest value that fits
      (``fit_under_cap``), and the warning names it;
    - ``pulse_t`` and ``pulse_d`` (read only with a pulse or a step input) must fit the
      effective T and D, else they fall back to 1 and 0, named in a warning;
    - ``data=<digest>``, ``weights=<digest>``, ``weights=trained`` and ``x_edit=<digest>``
      name what only the server holding them can give (``RNNConfig.held``): ``held(key)``
      gives it, or None, and then the field falls back (``INSTEAD``) with the reason
      (``NOT_HERE``); what is held but does not fit the effective config says why itself
      (its ``problem(config)``). Uploaded data's N, T, D (and K where its targets fix it)
      replace the link's;
    - a task fixes D and K (and a least T): they take the task's values, with a warning
      where the link said otherwise; a pulse or step input, or a task beside data, is
      dropped (``task_problems``).
    """
    given = occurrences(params)
    warnings: list[str] = []

    def read(spec: Field, fallback) -> tuple[object, bool]:
        """The last valid value of ``spec``'s key (or ``fallback``) and whether one was."""
        key, values, problems = spec.name, [], []
        for i, raw in enumerate(given[key], start=1):
            try:
                values.append(spec.read(raw))
            except ConfigError as err:
                problems.append((i, err))
        value = values[-1] if values else fallback
        n = len(given[key])
        for i, err in problems:
            which = f" (value {i} of {n} given for {key})" if n > 1 else ""
            using = ", the last valid one" if values else ""
            warnings.append(f"URL parameter {err}{which}. Using {key}={as_text(value)}{using}.")
        return value, bool(values)

    known = [*FIELDS, *views(base)]
    unknown = [key for key in given if key not in known]
    if unknown:
        names = ", ".join(quote(key) for key in unknown)
        warnings.append(
            f"Unknown URL parameter{'s' if len(unknown) > 1 else ''} {names} ignored; "
            f"allowed: {', '.join(known)}."
        )

    values = dataclasses.asdict(base)
    for key, spec in FIELDS.items():
        if key in given:
            values[key], _ = read(spec, values[key])
    if values["data"] != NO_DATA:
        data = held(values["data"])
        if data is None:
            warnings.append(f"URL parameter data={values['data']} {not_here('data', '')}")
            values["data"] = NO_DATA
        else:
            for symbol, value in data.sizes().items():
                if symbol in given and values[symbol] != value:
                    warnings.append(
                        f"URL parameter {symbol}={values[symbol]} does not fit the uploaded "
                        f"data, whose {symbol} is {value}. Using {symbol}={value}."
                    )
                values[symbol] = value
    warnings += mend_task(values, given)
    values, fell_back = fit_under_cap(values)
    if fell_back:
        warnings.append(f"URL parameters {fell_back}.")
    if values["input"] != "random":  # random X has no pulse: its place is not read
        for key, spec in pulse_fields(values["T"], values["D"]).items():
            if not spec.low <= values[key] <= spec.high:
                warnings.append(
                    f"URL parameter {key}={values[key]} is out of range for this model; "
                    f"{spec.allowed}. Using {key}={spec.default}."
                )
                values[key] = spec.default
    where = bug_of(values["bug"]).needs(RNNConfig(**(values | {"bug": NONE})))
    if where is not None:
        warnings.append(
            f"URL parameter bug={values['bug']} applies only to {where}, not to this model. "
            f"Using bug={NONE}."
        )
        values["bug"] = NONE
    if values["data"] != NO_DATA and fell_back:  # the data's N and T cannot fall back
        warnings.append(
            f"URL parameter data={values['data']} does not fit under the limit with M = "
            f"{values['M']}; drawing X instead."
        )
        values["data"] = NO_DATA
        warnings += mend_task(values, given)
    config = RNNConfig(**values)
    for name, key in config.held().items():
        if name == "data":
            continue  # read above: its sizes are the config's
        value = getattr(config, name)
        found = held(key)
        problem = not_here(name, value) if found is None else found.problem(config)
        if problem is not None:
            warnings.append(f"URL parameter {name}={value} {problem}")
            config = config.replace(**{name: INSTEAD[name]})

    view: dict[str, object] = {}
    for key, spec in views(config).items():
        if key in given:
            value, valid = read(spec, spec.default)
            if valid:
                view[key] = value
    return config, view, warnings
