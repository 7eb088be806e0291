"""The one validated description of an experiment.

Every entry point (the sidebar, the URL, the CLI, the tests) builds an
``RNNConfig``; its constructor is the single place where the sizes are checked, and
``parse_field`` the single place where a link's or a flag's text becomes a value.
The symbols follow the "Importance of shapes" notebook: N samples, T time
steps, D input features, M hidden units, K outputs.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rnnviz.recurrence.bugs import BUGS, NONE, bug_of
from rnnviz.recurrence.cells import CELLS, LAYOUTS, SWITCH_DEFAULTS
from rnnviz.tasks import TASKS

# The most numbers in any array a run keeps: every h_t of every layer for the visualiser
# (N·T·M, times layers and directions), the input X (N·T·D) and, with return_sequences,
# the output y (N·T·K). 5e6 float32 = 20 MB an array; an LSTM's gates and c_t make its
# trace at most six times that, so a run stays under ~150 MB whatever a link asks for.
# In float64 each number takes twice the bytes, so half as many fit (``work_cap``).
WORK_CAP = 5_000_000

# precision -> (bytes a number, what it is for); float32 is Keras' default
DTYPES: dict[str, tuple[int, str]] = {
    "float32": (4, "Keras' default: Keras and NumPy agree to about 1e-7"),
    "float64": (8, "both sides in double precision: they agree to about 1e-15"),
}


def work_cap(dtype: str) -> int:
    """The most numbers an array may hold in ``dtype``: WORK_CAP float32s' worth of bytes."""
    return WORK_CAP * DTYPES["float32"][0] // DTYPES[dtype][0]


# symbol -> (meaning, low, high); the order is the order of the sidebar and URL.
BOUNDS: dict[str, tuple[str, int, int]] = {
    "N": ("samples", 1, 2000),
    "T": ("time steps", 1, 500),
    "D": ("input features", 1, 64),
    "M": ("hidden units", 1, 256),
    "K": ("outputs", 1, 32),
    "layers": ("stacked recurrent layers", 1, 3),
    "seed": ("random seed", 0, 2**31 - 1),
}

# switch -> what it means when on
SWITCHES: dict[str, str] = {
    "reset_after": "GRU applies the reset gate after the recurrent matmul (Keras' default)",
    "return_sequences": "the Dense head reads every h_t, so y is (N, T, K)",
    "bidirectional": "a second layer reads the sequence backwards; outputs are concatenated",
}
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")

# The weights field: the seed's initial weights, the weights trained from them on the task or
# the uploaded data (rnnviz.training; held by the server that trained them), or weights
# uploaded from PyTorch or read from a .keras file, named by the first DIGEST_CHARS hex digits
# of their sha256 (rnnviz.imported), so the config, its cache keys and its link stay small
# and exact. "seeded", the initial weights' name before training existed, still reads.
SEEDED = "initial"
TRAINED = "trained"
SEEDED_ALIASES = ("seeded",)
DIGEST_CHARS = 16
_DIGEST = re.compile(f"[0-9a-f]{{{DIGEST_CHARS}}}")
WEIGHTS_ALLOWED = (
    f"weights must be {SEEDED}, {TRAINED} or the {DIGEST_CHARS} hex digits that name weights "
    "uploaded to this server"
)


# The x_edit field: X as drawn, or one sample's X edited on the page (rnnviz.edits), named
# like imported weights by DIGEST_CHARS hex digits.
NO_EDIT = "none"
X_EDIT_ALLOWED = (
    f"x_edit must be {NO_EDIT} or the {DIGEST_CHARS} hex digits that name an edit of X made "
    "on this server"
)

# The data field: X (and y) drawn by the task, or uploaded (rnnviz.userdata), named by digest.
NO_DATA = "none"
DATA_ALLOWED = (
    f"data must be {NO_DATA} or the {DIGEST_CHARS} hex digits that name data uploaded to this "
    "server"
)

# field -> (its plain values, what it allows): fields that are one of those or a digest
DIGESTS = {
    "weights": ((SEEDED, TRAINED), WEIGHTS_ALLOWED),
    "x_edit": ((NO_EDIT,), X_EDIT_ALLOWED),
    "data": ((NO_DATA,), DATA_ALLOWED),
}

# epochs: how many the trained weights were trained for (rnnviz.training); read only with
# weights=trained, else it takes the default, one model one config.
EPOCHS_MEANING, EPOCHS_LOW, EPOCHS_HIGH, EPOCHS_DEFAULT = "epochs of training", 1, 200, 20


class ConfigError(ValueError):
    """A value outside what rnnviz allows; ``field`` names the offending symbol."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# input pattern -> what X is (rnnviz.data.make_X); every sample gets the same pulse or step
INPUTS: dict[str, str] = {
    "random": "X ~ N(0, 1), drawn from the seed (the notebook's)",
    "pulse": "zeros, except x_t0 = 1 on feature d0: one kick, then silence",
    "step": "zeros before t0, then 1 on feature d0 from t0 to T",
}

CHOICES: dict[str, tuple[str, ...]] = {
    "cell": tuple(CELLS),
    "dtype": tuple(DTYPES),
    "bug": (NONE, *BUGS),
    "input": tuple(INPUTS),
    "task": tuple(TASKS),
}

# The pulse's (or step's) place: symbol -> (meaning, low, highest any config allows). The
# config's own T and D bound them further (``pulse_bounds``).
PULSE_BOUNDS: dict[str, tuple[str, int, int]] = {
    "pulse_t": ("t0, the step of the pulse", 1, 500),
    "pulse_d": ("d0, the feature of the pulse", 0, 63),
}
PULSE_DEFAULTS = {"pulse_t": 1, "pulse_d": 0}
# every whole-number field: symbol -> (meaning, low, high)
INTEGERS = BOUNDS | PULSE_BOUNDS | {"epochs": (EPOCHS_MEANING, EPOCHS_LOW, EPOCHS_HIGH)}


def pulse_bounds(T: int, D: int) -> dict[str, tuple[str, int, int]]:
    """pulse_t in 1..T and pulse_d in 0..D - 1, with their meanings."""
    (t_meaning, t_low, _), (d_meaning, d_low, _) = PULSE_BOUNDS.values()
    return {"pulse_t": (t_meaning, t_low, T), "pulse_d": (d_meaning, d_low, D - 1)}


# whh_scale: the what-if factor on every recurrent kernel W_hh, a decimal number with at most
# SCALE_PLACES decimals (so a link is exact and one value has one spelling).
SCALE_MEANING, SCALE_LOW, SCALE_HIGH, SCALE_PLACES = "recurrent kernel scale", 0.1, 3.0, 2


def check_field(name: str, value) -> None:
    """Raise ConfigError unless ``value`` is allowed for field ``name``."""
    if name in CHOICES:
        if value not in CHOICES[name]:
            allowed = ", ".join(CHOICES[name])
            raise ConfigError(name, f"{name} must be one of {allowed}, got {value!r}")
        return
    if name in DIGESTS:
        plain, allowed = DIGESTS[name]
        if not (value in plain or isinstance(value, str) and _DIGEST.fullmatch(value)):
            raise ConfigError(name, f"{allowed}, got {value!r}")
        return
    if name in SWITCHES:
        if not isinstance(value, bool):
            raise ConfigError(name, f"{name} must be true or false, got {value!r}")
        return
    if name == "whh_scale":
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not (numeric and math.isfinite(value) and SCALE_LOW <= value <= SCALE_HIGH):
            raise ConfigError(name, f"{SCALE_ALLOWED}, got {value!r}")
        if round(value, SCALE_PLACES) != value:
            raise ConfigError(name, f"{SCALE_ALLOWED}, got {value!r}")
        return
    meaning, low, high = INTEGERS[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(
            name,
            f"{name} ({meaning}) must be a whole number between {low} and {high}, got {value!r}",
        )
    if not low <= value <= high:
        raise ConfigError(name, f"{name} ({meaning}) must be between {low} and {high}, got {value}")


def task_problems(values) -> list[tuple[str, str]]:
    """What does not fit together among the task, the data, the input pattern, the sizes a
    task fixes and trained weights, as (field, message) pairs; ``values`` is an RNNConfig or
    a mapping of its fields. The constructor raises the first; ``from_query`` mends each."""
    get = values.get if isinstance(values, Mapping) else lambda name: getattr(values, name)
    task = TASKS[get("task")]
    problems = []
    if get("data") != NO_DATA and get("task") != "random":
        problems.append(
            (
                "task",
                f"task={task.key} and uploaded data both say what X is; use task=random "
                "with data, or no data with a task",
            )
        )
    for symbol in ("D", "K"):
        fixed = getattr(task, symbol)
        if fixed is not None and get(symbol) != fixed:
            meaning = BOUNDS[symbol][0]
            problems.append(
                (
                    symbol,
                    f"{symbol} ({meaning}) is fixed at {fixed} by the {task.title} task "
                    f"({task.why_fixed}), got {get(symbol)}",
                )
            )
    if get("T") < task.T_min:
        problems.append(
            (
                "T",
                f"T (time steps) must be at least {task.T_min} for the {task.title} task "
                f"({task.T_why}), got {get('T')}",
            )
        )
    if get("input") != "random" and (get("task") != "random" or get("data") != NO_DATA):
        what = f"the {task.title} task" if get("data") == NO_DATA else "uploaded data"
        problems.append(
            (
                "input",
                f"input={get('input')} sets X by hand, which only task=random without "
                f"data allows; {what} brings its own X",
            )
        )
    if get("weights") == TRAINED:
        if get("task") == "random" and get("data") == NO_DATA:
            problems.append(
                (
                    "weights",
                    "weights=trained needs something to learn: a task with a target "
                    "(sine, adding, parity, copy) or uploaded data with y",
                )
            )
        elif get("return_sequences"):
            problems.append(
                (
                    "weights",
                    "weights=trained needs return_sequences off: every task has one "
                    "target per sequence",
                )
            )
    return problems


@dataclass(frozen=True)
class Work:
    """The size of one kept array: its factors by symbol, e.g. {"N": 2000, "T": 500, "D": 64}."""

    factors: dict[str, int]
    width: str  # the factor that is the array's own width: M, D or K

    @property
    def numbers(self) -> int:
        return math.prod(self.factors.values())

    def __str__(self) -> str:  # N·T·D = 2000·500·64 = 64,000,000
        symbols, values = "·".join(self.factors), "·".join(map(str, self.factors.values()))
        return f"{symbols} = {values} = {self.numbers:,}"


def works(values: Mapping) -> list[Work]:
    """The arrays WORK_CAP bounds, for the sizes in ``values``: every layer's hidden
    states, the input X and, with return_sequences, the output y."""
    hidden = {k: values[k] for k in ("N", "T", "M")}
    if values["layers"] > 1:
        hidden["layers"] = values["layers"]
    if values["bidirectional"]:
        hidden["directions"] = 2
    out = [Work(hidden, "M"), Work({k: values[k] for k in ("N", "T", "D")}, "D")]
    if values["return_sequences"]:
        out.append(Work({k: values[k] for k in ("N", "T", "K")}, "K"))
    return out


@dataclass(frozen=True)
class RNNConfig:
    """Sizes and seed of one run: ``Input((T, D)) -> RNN cell(M) -> Dense(K)``."""

    N: int = 10  # samples in X
    T: int = 10  # sequence length
    D: int = 3  # input features per step
    M: int = 5  # hidden units
    K: int = 2  # outputs of the Dense head
    seed: int = 0  # seeds X and every weight initialiser
    cell: str = "simple"  # key into rnnviz.cells.CELLS
    reset_after: bool = True  # GRU only: Keras' default variant, bias (2, 3M)
    return_sequences: bool = False  # Dense on every h_t: y is (N, T, K) instead of (N, K)
    layers: int = 1  # stacked recurrent layers; all but the last return sequences
    bidirectional: bool = False  # each layer also runs backwards; widths concatenate to 2M
    dtype: str = "float32"  # the precision of both sides: float32 (Keras' default) or float64
    bug: str = NONE  # a classic mistake planted in the NumPy side only (rnnviz.bugs)
    weights: str = SEEDED  # the seed's, or the digest of weights imported from PyTorch
    whh_scale: float = 1.0  # what if: every W_hh times this, in a model of its own (0.1 to 3)
    input: str = "random"  # X: random, or a pulse or a step of 1 (rnnviz.data.make_X)
    pulse_t: int = 1  # t0, the pulse's (or the step's) first step, 1..T
    pulse_d: int = 0  # d0, the feature it is on, 0..D-1
    x_edit: str = NO_EDIT  # X as drawn, or the digest of one sample's X edited on the page
    task: str = "random"  # what X is and the target y (rnnviz.tasks); random has no y
    data: str = NO_DATA  # X (and y) uploaded instead: the digest naming it (rnnviz.userdata)
    epochs: int = EPOCHS_DEFAULT  # with weights=trained: the epochs they were trained for

    def __post_init__(self):
        for f in dataclasses.fields(self):
            check_field(f.name, getattr(self, f.name))
        object.__setattr__(self, "whh_scale", float(self.whh_scale))  # 1 and 1.0: one key
        if self.weights != TRAINED:  # epochs name trained weights only: one model one config
            object.__setattr__(self, "epochs", EPOCHS_DEFAULT)
        for name, problem in task_problems(self):
            raise ConfigError(name, problem)
        # Random X has no pulse: its place takes the default, one run one config.
        if self.input == "random":
            for name, default in PULSE_DEFAULTS.items():
                object.__setattr__(self, name, default)
        for name, (meaning, low, high) in pulse_bounds(self.T, self.D).items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise ConfigError(
                    name, f"{name} ({meaning}) must be between {low} and {high}, got {value}"
                )
        # A switch that no variant of this cell depends on (reset_after for an LSTM) takes
        # its default, so that one model has one config: one cache key and one URL.
        for name, default in SWITCH_DEFAULTS.items():
            if name not in CELLS[self.cell].switches:
                object.__setattr__(self, name, default)
        cap = work_cap(self.dtype)
        for work in works(dataclasses.asdict(self)):
            if work.numbers > cap:
                raise ConfigError(
                    f"N·T·{work.width}",
                    f"{work} is over the limit of {cap:,}{_in(self.dtype)}; "
                    f"lower N, T or {work.width}",
                )
        where = bug_of(self.bug).needs(self)
        if where is not None:
            raise ConfigError("bug", f"bug={self.bug} applies only to {where}")

    @property
    def imported(self) -> bool:
        """Whether the weights are uploaded ones, named by their digest."""
        return self.weights not in DIGESTS["weights"][0]

    @property
    def trained(self) -> bool:
        return self.weights == TRAINED

    @property
    def drawn(self) -> bool:
        """Whether X is drawn here (by the task) rather than uploaded."""
        return self.data == NO_DATA

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def paths(self) -> list[tuple[int, str]]:
        """Every (layer l, direction) the input flows through, l from 1, "fwd" before "bwd"."""
        dirs = ("fwd", "bwd") if self.bidirectional else ("fwd",)
        return [(layer, d) for layer in range(1, self.layers + 1) for d in dirs]

    @property
    def head_width(self) -> int:
        """What the last layer outputs per step, both directions side by side: M or 2M."""
        return self.M * self.directions

    def width(self, layer: int) -> int:
        """Input width of recurrent layer ``layer``: D, then M or 2M for stacked layers."""
        return self.D if layer == 1 else self.M * self.directions

    @property
    def model_config(self) -> RNNConfig:
        """The same config with N = 1, no bug and random X: the Keras model depends on none
        of them (it does on whh_scale: a scaled model is a model of its own). Trained weights
        depend on what they were trained on, so a trained model keeps its N samples' task or
        data."""
        same = dataclasses.replace(self, bug=NONE, input="random", x_edit=NO_EDIT)
        if self.trained:  # trained on the N samples: another N, other weights
            return same
        return same.replace(N=1, task="random", data=NO_DATA)

    @property
    def training_key(self) -> RNNConfig:
        """What trained weights depend on: the model's sizes and seed, the task or the data
        and the epochs, and the N samples trained on; not the precision nor the what-if (a
        float64 or scaled view of trained weights widens or scales the float32 ones)."""
        return dataclasses.replace(
            self, weights=TRAINED, bug=NONE, x_edit=NO_EDIT, dtype="float32", whh_scale=1.0
        )

    @property
    def itemsize(self) -> int:
        """Bytes a number: 4 in float32, 8 in float64."""
        return DTYPES[self.dtype][0]

    def replace(self, **changes) -> RNNConfig:
        return dataclasses.replace(self, **changes)

    def to_query(self) -> dict[str, str]:
        """The config as URL query parameters (every field, so a link is exact)."""
        return {f.name: as_text(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _in(dtype: str) -> str:
    """What a cap's message adds where it is not float32's: " in float64"."""
    return "" if dtype == "float32" else f" in {dtype}"


def suffix(layer: int, direction: str) -> str:
    """Name suffix of a layer's arrays: "" for layer 1 forward, "_2", "_bwd", "_2_bwd"."""
    return ("" if layer == 1 else f"_{layer}") + ("_bwd" if direction == "bwd" else "")


def as_text(value) -> str:
    """A field's value as it is written in a URL: 5, lstm, true, 0.5 (a decimal with at
    most SCALE_PLACES decimals and no trailing zeros: 1, 0.5, 2.25)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.{SCALE_PLACES}f}".rstrip("0").rstrip(".")
    return str(value)


DEFAULT = RNNConfig()
FIELDS = tuple(f.name for f in dataclasses.fields(RNNConfig))


QUOTED = 40  # a warning quotes at most this many characters of a bad value
# Every allowed number has at most 10 digits; a longer text is refused before int(), which
# would refuse more than 4,300 digits with its own ValueError.
DIGITS = 12
_PLAIN = re.compile(rf"-?[0-9]{{1,{DIGITS}}}")  # what int() is given: ASCII digits only
_NUMBER_LIKE = re.compile(r"[+-]?([0-9]*[.][0-9]*([eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)")


def quote(raw: str) -> str:
    """``raw`` as a message shows it: quoted, escapes for unprintable characters, and at
    most QUOTED characters of it, with its length when cut: '1000…' (10,000 characters)."""
    pieces, size = [], 0
    for char in raw:
        piece = char
        if char in "'\\" or not char.isprintable():
            piece = char.encode("unicode_escape").decode("ascii").replace("'", "\\'")
        if size + len(piece) > QUOTED:  # never cut an escape in two
            return f"'{''.join(pieces)}…' ({len(raw):,} characters)"
        pieces.append(piece)
        size += len(piece)
    return f"'{''.join(pieces)}'"


def _form(text: str) -> str:
    """What is wrong with ``text`` (already stripped) as a whole number."""
    if any(c.isdigit() and c not in "0123456789" for c in text):
        return "is not a plain number (only the ASCII digits 0-9 are read)"
    if len(text) > DIGITS and re.fullmatch(r"[+-]?[0-9]+", text):
        return "is too long for a number"
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return "is not a number"
    if _NUMBER_LIKE.fullmatch(text):
        return "is not a whole number"
    if text.startswith("+"):
        return "is not a plain number (no + sign)"
    if "_" in text or "," in text:
        return "is not a plain number (no _ or , between the digits)"
    return "is not a number"


def _integer(name: str, raw: str, meaning: str, low: int, high: int) -> int:
    """The whole number ``raw`` spells, within [low, high], or ConfigError saying why not."""
    allowed = f"{name} ({meaning}) must be a whole number between {low} and {high}"
    text = raw.strip()
    if not raw:
        problem = "is empty"
    elif not text:
        problem = "is only whitespace"
    elif _PLAIN.fullmatch(text):
        value = int(text)
        if low <= value <= high:
            return value
        problem = "is out of range"
    else:
        problem = _form(text)
    raise ConfigError(name, f"{name}={quote(raw)} {problem}; {allowed}")


SCALE_ALLOWED = (
    f"whh_scale ({SCALE_MEANING}) must be a number between {as_text(SCALE_LOW)} and "
    f"{as_text(SCALE_HIGH)}, with at most {SCALE_PLACES} decimals"
)
_DECIMAL = re.compile(r"-?[0-9]{1,4}([.][0-9]*)?|-?[.][0-9]+")  # what float() is given


def _decimal(name: str, raw: str) -> float:
    """The decimal number ``raw`` spells (ASCII digits, one optional point, at most
    SCALE_PLACES decimals), within [SCALE_LOW, SCALE_HIGH], or ConfigError saying why not.
    Its form is checked before float() sees it: no exponent, nan, inf, sign or separator."""
    text = raw.strip()
    if not raw:
        problem = "is empty"
    elif not text:
        problem = "is only whitespace"
    elif len(text) > DIGITS:
        problem = "is too long for a number"
    elif _DECIMAL.fullmatch(text):
        places = len(text.partition(".")[2])
        value = float(text)
        if places > SCALE_PLACES:
            problem = f"has more than {SCALE_PLACES} decimals"
        elif SCALE_LOW <= value <= SCALE_HIGH:
            return value
        else:
            problem = "is out of range"
    elif any(c.isdigit() and c not in "0123456789" for c in text):
        problem = "is not a plain number (only the ASCII digits 0-9 are read)"
    elif text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        problem = "is not a number"
    elif re.fullmatch(r"[+-]?[0-9.]+[eE][+-]?[0-9]+", text):
        problem = "is not a plain number (no exponent)"
    elif text.startswith("+"):
        problem = "is not a plain number (no + sign)"
    elif "_" in text or "," in text:
        problem = "is not a plain number (no _ or , in it; the decimal mark is a point)"
    else:
        problem = "is not a number"
    raise ConfigError(name, f"{name}={quote(raw)} {problem}; {SCALE_ALLOWED}")


def _choice(
    name: str, raw: str, allowed: tuple[str, ...], lower: bool = True, why: str = ""
) -> str:
    text = raw.strip().lower() if lower else raw.strip()
    if text in allowed:
        return text
    problem = "is empty" if not raw else "is only whitespace" if not text else "is not allowed"
    raise ConfigError(
        name, f"{name}={quote(raw)} {problem}; {name} must be one of {', '.join(allowed)}{why}"
    )


def _switch(name: str, raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE + _FALSE:
        return text in _TRUE
    problem = "is empty" if not raw else "is only whitespace" if not text else "is not a switch"
    raise ConfigError(
        name,
        f"{name}={quote(raw)} {problem}; {name} must be true or false (or 1, 0, yes, no, on, off)",
    )


def _digest(name: str, raw: str) -> str:
    """Field ``name``'s plain value (initial, trained, none) or DIGEST_CHARS hex digits."""
    plain, allowed = DIGESTS[name]
    text = raw.strip().lower()
    if name == "weights" and text in SEEDED_ALIASES:
        return SEEDED
    if text in plain or _DIGEST.fullmatch(text):
        return text
    problem = "is empty" if not raw else "is only whitespace" if not text else "is not allowed"
    raise ConfigError(name, f"{name}={quote(raw)} {problem}; {allowed}")


NOT_EDITED_HERE = (
    "is not on this server (X was edited in another session or before a restart); using X "
    "as drawn. Edit it again to use it."
)


def none_edited(config: RNNConfig) -> str:
    """``from_query``'s default check of an edited X: no edit is held."""
    return NOT_EDITED_HERE


NOT_HELD = (
    "are not on this server (they were uploaded in another session or before a restart); "
    "using the seeded weights. Upload the .npz again to use them."
)


def none_held(config: RNNConfig) -> str:
    """``from_query``'s default check of imported weights: nothing is imported here."""
    return NOT_HELD


NO_DATA_HERE = (
    "is not on this server (it was uploaded in another session or before a restart); "
    "drawing X instead. Upload the file again to use it."
)


def no_data(digest: str) -> Mapping[str, int] | None:
    """``from_query``'s default sizes of uploaded data: none is held."""
    return None


NOT_TRAINED_HERE = (
    "names weights this server has not trained (they were trained on another server or "
    "before a restart); showing the initial weights. Press Train to train them."
)


def none_trained(config: RNNConfig) -> str:
    """``from_query``'s default check of trained weights: none are held."""
    return NOT_TRAINED_HERE


def mend_task(values: dict, given: Mapping = ()) -> list[str]:
    """Make ``values`` (a config's fields) fit their task, data and input, in place, as
    ``task_problems`` asks; returns a warning for each change a link (``given``'s keys)
    asked for otherwise. A size the task fixes changes silently when the link left it."""
    mended = {
        "task": "random",
        "input": "random",
        "weights": SEEDED,
    }
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


def parse_field(name: str, raw: str, config: RNNConfig | None = None):
    """One URL/CLI string as the value of field or view key ``name``, or ConfigError.

    The single place a value's text is read: its form is checked before any conversion,
    and the message names the field, quotes at most QUOTED characters of the value, says
    what is wrong and what is allowed. View keys depend on the ``config`` they view.
    """
    if name in CHOICES:
        return _choice(name, raw, CHOICES[name])
    if name in SWITCHES or name in VIEW_SWITCHES:
        return _switch(name, raw)
    if name in BOUNDS:
        return _integer(name, raw, *BOUNDS[name])
    if name in PULSE_BOUNDS or name == "epochs":
        return _integer(name, raw, *INTEGERS[name])
    if name == "whh_scale":
        return _decimal(name, raw)
    config = config or DEFAULT
    if name in DIGESTS:
        return _digest(name, raw)
    if name == "section":
        return _choice(name, raw, tuple(SECTIONS), lower=False)
    if name == "layout":
        return _choice(name, raw, tuple(LAYOUTS))
    if name == "view_direction":
        allowed = ("fwd", "bwd") if config.bidirectional else ("fwd",)
        return _choice(name, raw, allowed, lower=False, why=" for this config")
    meaning, low, high = view_bounds(config)[name]
    return _integer(name, raw, meaning, low, high)


# View state that is not part of the experiment but belongs in a shared link:
# which sample n and which step t the lecturer is pointing at (1-based t).
# For stacked or bidirectional models, also which layer and which direction;
# and the lecture mode: present (one section at a time), which section, quiz; and the
# layout the weights are written in (keras, pytorch or textbook), which changes no number.
VIEW_KEYS = (
    "sample",
    "step",
    "view_layer",
    "view_direction",
    "present",
    "section",
    "quiz",
    "layout",
)
VIEW_SWITCHES = ("present", "quiz")
# section key -> its title; lecture mode shows one at a time
SECTIONS: dict[str, str] = {
    "training": "Training",
    "shapes": "Shapes",
    "summary": "Summary",
    "weights": "Weights",
    "time": "States and steps",
    "agreement": "Agreement",
    "mistakes": "Shape mistakes",
    "gradients": "Gradients",
    "spectrum": "Spectrum of W_hh",
}


def view_bounds(config: RNNConfig) -> dict[str, tuple[str, int, int]]:
    """The numeric view keys' meanings and ranges for ``config``: n, t and l."""
    return {
        "sample": ("n, the sample shown", 0, config.N - 1),
        "step": ("t, the step shown", 1, config.T),
        "view_layer": ("l, the layer shown", 1, config.layers),
    }


def view_default(key: str, config: RNNConfig) -> int | str | bool:
    """What the page shows for view key ``key`` when the link does not set it (or badly)."""
    defaults = {"sample": 0, "step": config.T, "view_layer": config.layers}
    defaults |= {"view_direction": "fwd", "present": False, "section": "time", "quiz": False}
    defaults["layout"] = "keras"
    return defaults[key]


def fit_under_cap(values: Mapping) -> tuple[dict, str | None]:
    """``values`` with each array over WORK_CAP brought under it by lowering the largest
    of N, T and that array's width (M, D or K; ties in that order) to the largest value
    that fits, and a sentence saying what fell back (None if nothing had to). One field
    per array suffices: the other factors' product is at most 2000·256·3·2 < WORK_CAP,
    so the lowered one is at least 1; lowering N or T can only shrink the other arrays."""
    fitted, said = dict(values), []
    dtype = values.get("dtype", "float32")
    cap = work_cap(dtype)
    for work in works(values):
        work = next(w for w in works(fitted) if w.width == work.width)  # after earlier falls
        if work.numbers <= cap:
            continue
        name = max(("N", "T", work.width), key=lambda k: fitted[k])  # max() keeps the first
        fitted[name] = cap // (work.numbers // fitted[name])
        new = next(w for w in works(fitted) if w.width == work.width)
        said.append(
            f"{work} is over the limit of {cap:,}{_in(dtype)}, so {name} fell back from "
            f"{values[name]} to {fitted[name]}, the largest {name} that fits ({new})"
        )
    return fitted, "; and ".join(said) or None


Query = Mapping[str, "str | Sequence[str]"] | Iterable[tuple[str, str]]


def occurrences(params: Query) -> dict[str, list[str]]:
    """Every value of every key, in order: from a mapping of key -> value or list of values
    (as ``st.query_params.get_all`` gives them), or from (key, value) pairs."""
    pairs = params.items() if isinstance(params, Mapping) else params
    found: dict[str, list[str]] = {}
    for key, raw in pairs:
        found.setdefault(key, []).extend([raw] if isinstance(raw, str) else raw)
    return found


def from_query(
    params: Query,
    base: RNNConfig = DEFAULT,
    held: Callable[[RNNConfig], str | None] = none_held,
    edited: Callable[[RNNConfig], str | None] = none_edited,
    data_sizes: Callable[[str], Mapping[str, int] | None] = no_data,
    trained: Callable[[RNNConfig], str | None] = none_trained,
) -> tuple[RNNConfig, dict[str, int | str | bool], list[str]]:
    """Read a URL's query parameters; never raises.

    Returns the config, the view state ({"sample": n, "step": t, "view_layer": l,
    "view_direction": "fwd" or "bwd", "present": bool, "section": key, "quiz": bool,
    "layout": "keras", "pytorch" or "textbook"}
    for the keys present and valid) and the warnings. The rules:

    - a key given several times takes its last valid value; every invalid value is
      named in its own warning, quoting at most QUOTED characters of it;
    - a key with no valid value falls back to ``base``'s value (a view key: to
      ``view_default``), that field alone;
    - unknown keys are named in one warning and ignored;
    - over WORK_CAP, the largest of N, T, M falls back to the largest value that fits
      (``fit_under_cap``), and the warning names it;
    - ``pulse_t`` and ``pulse_d`` (read only with a pulse or a step input) must fit the
      effective T and D, else they fall back to 1 and 0, named in a warning;
    - ``weights=<digest>`` names imported weights, which only the server that holds them
      can use: ``held(config)`` says why they cannot be used for the effective config (None
      if they can; by default none are held), and then the seeded weights are;
    - ``x_edit=<digest>`` names one sample's X edited on the server that holds it:
      ``edited(config)`` says why it cannot be used (None if it can), and then X as drawn is;
    - ``data=<digest>`` names data uploaded to the server that holds it: ``data_sizes``
      gives its N, T, D (and K where its targets fix it), which replace the link's, or None
      when it is not held, and then the task's X is drawn;
    - a task fixes D and K (and a least T): they take the task's values, with a warning
      where the link said otherwise; a pulse or step input, or a task beside data, is
      dropped (``task_problems``);
    - ``weights=trained`` names weights trained on this server: ``trained(config)`` says
      why they cannot be used (None if they can), and then the initial weights are.
    """
    given = occurrences(params)
    warnings: list[str] = []

    def read(key: str, config: RNNConfig | None, fallback) -> tuple[object, bool]:
        """The last valid value of ``key`` (or ``fallback``) and whether one was valid."""
        values, problems = [], []
        for i, raw in enumerate(given[key], start=1):
            try:
                values.append(parse_field(key, raw, config))
            except ConfigError as err:
                problems.append((i, err))
        value = values[-1] if values else fallback
        n = len(given[key])
        for i, err in problems:
            which = f" (value {i} of {n} given for {key})" if n > 1 else ""
            using = ", the last valid one" if values else ""
            warnings.append(f"URL parameter {err}{which}. Using {key}={as_text(value)}{using}.")
        return value, bool(values)

    unknown = [key for key in given if key not in FIELDS + VIEW_KEYS]
    if unknown:
        names = ", ".join(quote(key) for key in unknown)
        warnings.append(
            f"Unknown URL parameter{'s' if len(unknown) > 1 else ''} {names} ignored; "
            f"allowed: {', '.join(FIELDS + VIEW_KEYS)}."
        )

    values = dataclasses.asdict(base)
    for key in FIELDS:
        if key in given:
            values[key], _ = read(key, None, values[key])
    if values["data"] != NO_DATA:
        sizes = data_sizes(values["data"])
        if sizes is None:
            warnings.append(f"URL parameter data={values['data']} {NO_DATA_HERE}")
            values["data"] = NO_DATA
        else:
            for symbol, value in sizes.items():
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
        for key, (meaning, low, high) in pulse_bounds(values["T"], values["D"]).items():
            if not low <= values[key] <= high:
                warnings.append(
                    f"URL parameter {key}={values[key]} is out of range for this model; {key} "
                    f"({meaning}) must be a whole number between {low} and {high}. "
                    f"Using {key}={PULSE_DEFAULTS[key]}."
                )
                values[key] = PULSE_DEFAULTS[key]
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
    if config.trained:
        problem = trained(config)
        if problem is not None:
            warnings.append(f"URL parameter weights={TRAINED} {problem}")
            config = config.replace(weights=SEEDED)
    if config.imported:
        problem = held(config)
        if problem is not None:
            warnings.append(f"URL parameter weights={config.weights} {problem}")
            config = config.replace(weights=SEEDED)
    if config.x_edit != NO_EDIT:
        problem = edited(config)
        if problem is not None:
            warnings.append(f"URL parameter x_edit={config.x_edit} {problem}")
            config = config.replace(x_edit=NO_EDIT)

    view: dict[str, int | str | bool] = {}
    for key in VIEW_KEYS:
        if key in given:
            value, valid = read(key, config, view_default(key, config))
            if valid:
                view[key] = value
    return config, view, warnings
