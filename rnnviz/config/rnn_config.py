"""The one validated description of a run: ``RNNConfig``, whose class body is the table of fields.

Every entry point (the sidebar, the URL, the CLI, the tests) builds an ``RNNConfig``; its
constructor is the single place where the values are checked, each by its ``Field``
(``rnnviz.config.fields``), and then against each other: the sizes against the work cap, the
task against the sizes it fixes, the pulse against T and D, the bug against the model. Each
field's line below is all there is to know about it: its type and default, its kind and
bounds or choices, what it means, and its flag on the command line (the URL key is the name).
The symbols follow the "Importance of shapes" notebook: N samples, T time steps, D input
features, M hidden units, K outputs.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from rnnviz.config.fields import SCALE_PLACES, ConfigError, Field, as_text
from rnnviz.recurrence.bugs import BUGS, NONE, bug_of
from rnnviz.recurrence.cells import CELLS, SIMPLE, SWITCH_DEFAULTS, Cell, cell_of
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
# input pattern -> what X is (rnnviz.tasks.make_X); every sample gets the same pulse or step
INPUTS: dict[str, str] = {
    "random": "X ~ N(0, 1), drawn from the seed (the notebook's)",
    "pulse": "zeros, except x_t0 = 1 on feature d0: one kick, then silence",
    "step": "zeros before t0, then 1 on feature d0 from t0 to T",
}
# The weights: the seed's initial ones, the ones trained from them on the task or the data
# (rnnviz.keras_side.training), or imported ones named by their digest (rnnviz.inputs).
# "seeded", the initial weights' name before training existed, still reads.
SEEDED, TRAINED = "initial", "trained"
NO_EDIT = "none"  # X as drawn, or one sample's X edited on the page (rnnviz.inputs.x_edits)
NO_DATA = "none"  # X (and y) drawn by the task, or uploaded (rnnviz.inputs.userdata)
LEARNABLE = tuple(key for key, task in TASKS.items() if task.kind != "none")


def work_cap(dtype: str) -> int:
    """The most numbers an array may hold in ``dtype``: WORK_CAP float32s' worth of bytes."""
    return WORK_CAP * DTYPES["float32"][0] // DTYPES[dtype][0]


# ---- the kinds of field, as the class body below writes them ----


def _field(default, kind: str, **facts):
    """A dataclass field whose metadata is its ``Field`` (named once the class exists)."""
    spec = Field("", kind, default=default, **facts)
    return dataclasses.field(default=default, metadata={"field": spec})


def whole(default: int, meaning: str, low: int, high: int, flag: str | None = None):
    return _field(default, "integer", meaning=meaning, low=low, high=high, flag=flag)


def choice(default: str, choices, help: str = "", flag: str | None = None):
    return _field(default, "choice", choices=tuple(choices), help=help, flag=flag)


def switch(default: bool, help: str, flag: str):
    return _field(default, "switch", help=help, flag=flag)


def digest(default: str, plain: tuple[str, ...], names: str, flag: str | None = None, **facts):
    return _field(default, "digest", choices=plain, names=names, flag=flag, **facts)


def high_of(size) -> int:
    """The highest value of a field declared above in the class body (T's, for t0)."""
    return size.metadata["field"].high


@dataclass(frozen=True)
class RNNConfig:
    """Sizes and seed of one run: ``Input((T, D)) -> RNN cell(M) -> Dense(K)``."""

    N: int = whole(10, "samples", 1, 2000, "--N")  # samples in X
    T: int = whole(10, "time steps", 1, 500, "--T")  # sequence length
    D: int = whole(3, "input features", 1, 64, "--D")  # features per step
    M: int = whole(5, "hidden units", 1, 256, "--M")
    K: int = whole(2, "outputs", 1, 64, "--K")  # of the Dense head (64: a text's alphabet)
    seed: int = whole(0, "random seed", 0, 2**31 - 1, "--seed")  # X and every initial weight
    cell: str = choice(SIMPLE.key, CELLS, "the recurrent cell", "--cell")  # the notebook's
    reset_after: bool = switch(  # GRU only: Keras' default variant, bias (2, 3M)
        True, "GRU only: the reset gate applies after the recurrent matmul, as Keras' default "
        "does, bias (2, 3M); off, before it, the textbook GRU, bias (3M,)", "--no-reset-after",
    )  # fmt: skip
    return_sequences: bool = switch(  # y is (N, T, K) instead of (N, K)
        False, "the Dense head reads every h_t, so y is (N, T, K)", "--return-sequences"
    )
    layers: int = whole(1, "stacked recurrent layers", 1, 3, "--layers")  # all but the last
    # return sequences
    bidirectional: bool = switch(  # widths concatenate to 2M
        False, "a second layer reads the sequence backwards; outputs are concatenated",
        "--bidirectional",
    )  # fmt: skip
    dtype: str = choice("float32", DTYPES, "the precision of both sides", "--dtype")
    bug: str = choice(NONE, (NONE, *BUGS), "a mistake planted in the NumPy side", "--plant-bug")
    weights: str = digest(  # the seed's, trained, or the digest of imported ones
        SEEDED, (SEEDED, TRAINED), "weights uploaded to this server", "--train",
        aliases={"seeded": SEEDED},
    )  # fmt: skip
    whh_scale: float = _field(  # what if: every W_hh times this, in a model of its own
        1.0, "decimal", meaning="recurrent kernel scale", low=0.1, high=3.0,
        places=SCALE_PLACES, flag="--whh-scale", help="what if: every recurrent kernel W_hh "
        "times S, in the Keras model and the NumPy recurrence alike",
    )  # fmt: skip
    input: str = choice("random", INPUTS, "what X is, by hand", "--input")
    pulse_t: int = whole(1, "t0, the step of the pulse", 1, high_of(T), "--pulse-t")  # ≤ T
    pulse_d: int = whole(0, "d0, the feature of the pulse", 0, high_of(D) - 1, "--pulse-d")
    x_edit: str = digest(NO_EDIT, (NO_EDIT,), "an edit of X made on this server")
    task: str = choice("random", TASKS, "what X is and the target y", "--task")
    data: str = digest(NO_DATA, (NO_DATA,), "data uploaded to this server", "--data")
    epochs: int = whole(20, "epochs of training", 1, 200, "--train")  # of weights=trained

    def __post_init__(self):
        for name, spec in FIELDS.items():
            spec.check(getattr(self, name))
        object.__setattr__(self, "whh_scale", float(self.whh_scale))  # 1 and 1.0: one key
        if self.weights != TRAINED:  # epochs name trained weights only: one model one config
            object.__setattr__(self, "epochs", FIELDS["epochs"].default)
        for name, problem in task_problems(self):
            raise ConfigError(name, problem)
        # Random X has no pulse: its place takes the default, one run one config.
        if self.input == "random":
            for name in PULSE:
                object.__setattr__(self, name, FIELDS[name].default)
        for name, spec in pulse_fields(self.T, self.D).items():
            spec.check(getattr(self, name))
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
        return self.weights not in (SEEDED, TRAINED)

    @property
    def trained(self) -> bool:
        return self.weights == TRAINED

    @functools.cached_property
    def variant(self) -> Cell:
        """The cell table's entry for this config's cell and switches (a GRU's depends on
        reset_after), looked up once per config."""
        return cell_of(self.cell, self.reset_after)

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
        return {name: as_text(getattr(self, name)) for name in FIELDS}

    def held(self) -> dict[str, Hashable]:
        """What this config names that only a server holding it can give, by field, under
        the key it is held by: an upload's or an edit's digest, or, for trained weights,
        what they were trained for (``training_key``). Empty for a config of the seed."""
        named: dict[str, Hashable] = {}
        if not self.drawn:
            named["data"] = self.data
        if self.trained:
            named["weights"] = self.training_key
        elif self.imported:
            named["weights"] = self.weights
        if self.x_edit != NO_EDIT:
            named["x_edit"] = self.x_edit
        return named


# The table: every field's Field, by name, in the order of the class body (and of a link).
FIELDS: dict[str, Field] = {
    f.name: dataclasses.replace(f.metadata["field"], name=f.name)
    for f in dataclasses.fields(RNNConfig)
}
SIZES = ("N", "T", "D", "M", "K")  # the notebook's symbols
PULSE = ("pulse_t", "pulse_d")  # the pulse's (or the step's) place: t0 and d0


def pulse_fields(T: int, D: int) -> dict[str, Field]:
    """pulse_t within 1..T and pulse_d within 0..D - 1: the pulse's place for these sizes."""
    t0, d0 = FIELDS["pulse_t"], FIELDS["pulse_d"]
    return {"pulse_t": t0.within(t0.low, T), "pulse_d": d0.within(d0.low, D - 1)}


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
            meaning = FIELDS[symbol].meaning
            problems.append(
                (
                    symbol,
                    f"{symbol} ({meaning}) is fixed at {fixed} by the {task.title} task "
                    f"({task.why_fixed}), got {get(symbol)}",
                )
            )
    if task.per_step and not get("return_sequences"):
        problems.append(
            (
                "return_sequences",
                f"the {task.title} task has a target at every step (the next character), so "
                "return_sequences must be on",
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
                    f"({', '.join(LEARNABLE)}) or uploaded data with y",
                )
            )
        elif get("return_sequences") and not task.per_step and get("data") == NO_DATA:
            # (uploaded data may have a target at every step, a text's: training checks y)
            problems.append(
                (
                    "weights",
                    f"weights=trained needs return_sequences off: the {task.title} task has "
                    "one target per sequence",
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


def _in(dtype: str) -> str:
    """What a cap's message adds where it is not float32's: " in float64"."""
    return "" if dtype == "float32" else f" in {dtype}"


DEFAULT = RNNConfig()
