"""What each recurrent cell is: one table entry per cell, and every view reads from it.

An entry holds everything the rest of the code knows about a cell: its Keras layer and
options, its weights and their shapes, its gates in Keras' order, the equations of one step
(for the page and for the step panel), and its NumPy recurrence. The parameter count and its
derivation are computed from the weight shapes. Adding a cell is one entry here and one
recurrence in ``rnnviz.recurrence``.

Weights keep Keras' layout: the gates' blocks sit side by side along the last axis, in
Keras' order, so ``W_xh`` of an LSTM is (D, 4M). In a weight's shape, D stands for the
layer's input width: D for the first layer, M (or 2M when bidirectional) for the layers
stacked on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from rnnviz import recurrence


@dataclass(frozen=True)
class Weight:
    """One weight tensor of a layer, named as on the page. Its columns are the cell's gate
    blocks side by side (gM); its rows are ``rows``, or it is a vector of gM."""

    symbol: str  # "W_xh": its name in code, the export and the ledger
    latex: str  # "W_{xh}": its name in equations
    rows: str  # "D" (what the layer reads), "M", "H", "2" (two bias rows) or "" (a vector)
    meaning: str  # "input to hidden"
    columns: str = ""  # its columns when they are not a cell's gate blocks: "K" for the head
    row_labels: tuple[str, ...] = ()  # what each row is, where rows are not units or inputs

    def shape(self, columns: str = "") -> str:
        """The shape in symbols, with ``columns`` (a cell's "4M") unless the weight has its
        own: "(D, 4M)", "(4M,)", "(2, 3M)", "(H, K)"."""
        columns = self.columns or columns
        return f"({self.rows}, {columns})" if self.rows else f"({columns},)"


@dataclass(frozen=True)
class Gate:
    """One activation traced per step (a gate, a candidate or a state), (N, T, M)."""

    key: str  # trace key: "f"
    latex: str  # "f_t"
    name: str  # "forget gate f"
    bounds: tuple[float, float] | None = (-1.0, 1.0)  # σ: (0, 1), tanh: (-1, 1), c: None


class ShapeError(ValueError):
    """A weight of the wrong shape given to a NumPy recurrence."""


@dataclass(frozen=True)
class Cell:
    key: str  # value of --cell and ?cell=
    title: str  # human name
    keras_name: str  # the Keras layer class: keras.layers.<keras_name>
    weights: tuple[Weight, ...]  # in the order of layer.get_weights()
    gates: tuple[Gate, ...]  # the blocks along each weight's last axis, in Keras' order
    states: tuple[Gate, ...]  # what is carried from step to step: h, and c for an LSTM
    # One step's equations in order, (LaTeX left side, right side): the page shows them,
    # and the step panel gives each its numbers.
    formulas: tuple[tuple[str, str], ...]
    start: str  # the initial state, LaTeX: "h_0 = 0"
    params_note: str  # one line on where the count comes from
    recurrence: Callable[..., dict[str, np.ndarray]]  # NumPy: (X, **weights) -> trace
    step: Callable[..., list[tuple[str, np.ndarray]]]  # NumPy: one step's (name, value)s
    options: Mapping[str, object] = field(default_factory=dict)  # Keras options of the variant
    switches: tuple[str, ...] = ()  # the config switches that choose among its variants
    # PyTorch: the torch.nn module with the same equations ("" if none), the gates in its
    # order (by their keys here) and its names for them; or why there is no equivalent.
    torch_name: str = ""
    torch_gates: tuple[tuple[str, str], ...] = ()  # (key here, PyTorch's name), its order
    torch_refusal: str = ""

    @property
    def blocks(self) -> int:
        """How many gate blocks sit side by side in each weight: 1, 3 or 4."""
        return len(self.gates) or 1

    @property
    def width(self) -> str:
        """A weight's columns as a symbol: "M", "3M", "4M"."""
        return f"{self.blocks}M" if self.blocks > 1 else "M"

    def shape(self, w: Weight) -> str:
        """``w``'s shape in symbols: "(D, 4M)", "(4M,)", "(2, 3M)"."""
        return w.shape(self.width)

    def numeric_shape(self, w: Weight, D: int, M: int) -> tuple[int, ...]:
        """``w``'s shape for a layer that reads D values per step: (3, 20) for "(D, 4M)"."""
        columns = self.blocks * M
        if not w.rows:
            return (columns,)
        rows = {"D": D, "M": M}.get(w.rows) or int(w.rows)
        return (rows, columns)

    def params(self, D: int, M: int) -> int:
        """Parameters of one direction of a layer that reads D values per step."""
        return sum(math.prod(self.numeric_shape(w, D, M)) for w in self.weights)

    def _row_terms(self) -> list[str]:
        """What each weight adds per column: "D", "M", then the bias rows summed: "1"."""
        symbols = [w.rows for w in self.weights if w.rows in ("D", "M")]
        bias = sum(1 if not w.rows else int(w.rows) for w in self.weights if w.rows not in symbols)
        return [*symbols, str(bias)] if bias else symbols

    @property
    def params_formula(self) -> str:
        """The count in symbols, read off the shapes: "4M(D + M + 1)"."""
        return f"{self.width}({' + '.join(self._row_terms())})"

    def params_numbers(self, D: int, M: int) -> str:
        """The formula with this layer's numbers: "4·5·(3 + 5 + 1)"."""
        terms = [{"D": str(D), "M": str(M)}.get(t, t) for t in self._row_terms()]
        factor = f"{self.blocks}·{M}" if self.blocks > 1 else str(M)
        return f"{factor}·({' + '.join(terms)})"

    @property
    def equations(self) -> tuple[str, ...]:
        """The step's equations as the page shows them, two to a line, then h_0."""
        parts = [f"{name} = {formula}" for name, formula in self.formulas]
        lines = [r",\quad ".join(parts[i : i + 2]) for i in range(0, len(parts), 2)]
        lines[-1] += r",\quad " + self.start
        return tuple(lines)

    def check(self, weights: Mapping[str, np.ndarray], D: int, M: int) -> None:
        """Every weight is there and of its shape for a layer reading D values per step, or a
        ShapeError that names it, e.g. "W_hh must be (M, 4M) = (5, 20) for LSTM(5) reading
        D = 3 values per step, got (20, 5)"."""
        for w in self.weights:
            if w.symbol not in weights:
                raise ShapeError(f"{w.symbol} is missing; {self.keras_name} needs {self.names}")
            expected = self.numeric_shape(w, D, M)
            got = np.shape(weights[w.symbol])
            if got != expected:
                raise ShapeError(
                    f"{w.symbol} must be {self.shape(w)} = {shape_text(expected)} for "
                    f"{self.keras_name}({M}{variant_text(self)}) reading D = {D} values per "
                    f"step, got {shape_text(got)}"
                )

    @property
    def parts(self) -> tuple[Weight, Weight, Weight]:
        """The input kernel, the recurrent kernel and the bias, told apart by their rows."""
        kernels = {w.rows: w for w in self.weights if w.rows in ("D", "M")}
        (bias,) = (w for w in self.weights if w.rows not in ("D", "M"))
        return kernels["D"], kernels["M"], bias

    @property
    def names(self) -> str:
        return ", ".join(w.symbol for w in self.weights)

    def run(
        self, X: np.ndarray, weights: Mapping[str, np.ndarray], M: int
    ) -> dict[str, np.ndarray]:
        """The recurrence of M units over X (N, T, D), with the weights given by name: each
        traced quantity (N, T, M). Every shape is checked first."""
        if np.ndim(X) != 3:
            raise ShapeError(f"X must be (N, T, D), got {shape_text(np.shape(X))}")
        self.check(weights, X.shape[2], M)
        return self.recurrence(X, **{w.symbol: weights[w.symbol] for w in self.weights})

    def step_terms(self, x_t, prev, now, weights: Mapping[str, np.ndarray], **activations):
        """One step for one sample, term by term, with each term's formula from the table.
        ``activations`` (tanh=...) replace the step's own, as a planted bug does."""
        formulas = dict(self.formulas)
        W = {w.symbol: weights[w.symbol] for w in self.weights}
        values = self.step(x_t, prev, now, **W, **activations)
        return [recurrence.Term(name, formulas.get(name, ""), value) for name, value in values]


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as Python prints it: (3, 5), (5,)."""
    shape = tuple(shape)
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


H = Gate("h", "h_t", "hidden state h")

SIMPLE = Cell(
    key="simple",
    title="SimpleRNN (Elman)",
    keras_name="SimpleRNN",
    weights=(
        Weight("W_xh", "W_{xh}", "D", "input to hidden"),
        Weight("W_hh", "W_{hh}", "M", "hidden to hidden"),
        Weight("b_h", "b_h", "", "hidden bias"),
    ),
    gates=(),
    states=(H,),
    formulas=(
        ("a_t", r"x_t W_{xh} + h_{t-1} W_{hh} + b_h"),
        ("h_t", r"\tanh(a_t)"),
    ),
    start="h_0 = 0",
    params_note="Each hidden unit has a weight per input (D), one per hidden unit (M) and a bias.",
    recurrence=recurrence.simple_rnn,
    step=recurrence.simple_rnn_step,
    torch_name="RNN",  # nonlinearity="tanh", its default
)


def _gate(name: str, activation: str = r"\sigma") -> str:
    """A gate's pre-activation from its own blocks: σ(x_t W_xh^(f) + h_{t-1} W_hh^(f) + b_h^(f))."""
    return (
        rf"{activation}(x_t W_{{xh}}^{{({name})}} + h_{{t-1}} W_{{hh}}^{{({name})}}"
        rf" + b_h^{{({name})}})"
    )


LSTM = Cell(
    key="lstm",
    title="LSTM",
    keras_name="LSTM",  # unit_forget_bias: b_h^(f) starts at 1
    weights=(
        Weight("W_xh", "W_{xh}", "D", "input to the 4 gates"),
        Weight("W_hh", "W_{hh}", "M", "hidden to the 4 gates"),
        Weight("b_h", "b_h", "", "gate biases (forget gate's start at 1)"),
    ),
    gates=(
        Gate("i", "i_t", "input gate i", (0.0, 1.0)),
        Gate("f", "f_t", "forget gate f", (0.0, 1.0)),
        Gate("g", "g_t", "candidate g (Keras: c)"),
        Gate("o", "o_t", "output gate o", (0.0, 1.0)),
    ),
    states=(H, Gate("c", "c_t", "cell state c", None)),
    formulas=(
        ("i_t", _gate("i")),
        ("f_t", _gate("f")),
        ("g_t", _gate("g", r"\tanh")),
        ("o_t", _gate("o")),
        ("c_t", r"f_t \odot c_{t-1} + i_t \odot g_t"),
        ("h_t", r"o_t \odot \tanh(c_t)"),
    ),
    start="h_0 = c_0 = 0",
    params_note="Four SimpleRNN-sized blocks, one per gate (i, f, g, o): 4× the parameters.",
    recurrence=recurrence.lstm,
    step=recurrence.lstm_step,
    torch_name="LSTM",
    torch_gates=(("i", "i"), ("f", "f"), ("g", "g"), ("o", "o")),  # Keras' order too
)

_GRU_GATES = (
    Gate("z", "z_t", "update gate z", (0.0, 1.0)),
    Gate("r", "r_t", "reset gate r", (0.0, 1.0)),
    Gate("hh", r"\tilde h_t", "candidate h̃"),
)
_GRU_W = (
    Weight("W_xh", "W_{xh}", "D", "input to the 3 blocks"),
    Weight("W_hh", "W_{hh}", "M", "hidden to the 3 blocks"),
)
_H = r"(\tilde h)"


def _gru_formulas(candidate: str) -> tuple[tuple[str, str], ...]:
    return (
        ("z_t", _gate("z")),
        ("r_t", _gate("r")),
        (r"\tilde h_t", candidate),
        ("h_t", r"z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t"),
    )


GRU = Cell(
    key="gru",
    title="GRU",
    keras_name="GRU",
    weights=(
        *_GRU_W,
        Weight(
            "b_h",
            "b_h",
            "2",
            "input bias (row 0), recurrent bias (row 1)",
            row_labels=("input b", "recurrent b'"),
        ),
    ),
    gates=_GRU_GATES,
    states=(H,),
    formulas=_gru_formulas(
        rf"\tanh(x_t W_{{xh}}^{{{_H}}} + b_h^{{{_H}}} + r_t \odot "
        rf"(h_{{t-1}} W_{{hh}}^{{{_H}}} + b'^{{{_H}}}_h))"
    ),
    start="h_0 = 0",
    params_note=(
        "reset_after=True (Keras' default) keeps the recurrent part's bias b' apart so the "
        "reset gate can scale it: a second bias row, M·3 more than the textbook 3M(D + M + 1)."
    ),
    recurrence=recurrence.gru,
    step=recurrence.gru_step,
    options={"reset_after": True},
    switches=("reset_after",),
    torch_name="GRU",  # n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn)): reset after
    torch_gates=(("r", "r"), ("z", "z"), ("hh", "n")),
)

GRU_RESET_BEFORE = Cell(
    key="gru",
    title="GRU (reset_after=False)",
    keras_name="GRU",
    weights=(*_GRU_W, Weight("b_h", "b_h", "", "biases")),
    gates=_GRU_GATES,
    states=(H,),
    formulas=_gru_formulas(
        rf"\tanh(x_t W_{{xh}}^{{{_H}}} + (r_t \odot h_{{t-1}}) W_{{hh}}^{{{_H}}} + b_h^{{{_H}}})"
    ),
    start="h_0 = 0",
    params_note="reset_after=False: one bias per block, the textbook 3M(D + M + 1).",
    recurrence=recurrence.gru,
    step=recurrence.gru_step,
    options={"reset_after": False},
    switches=("reset_after",),
    torch_refusal=(
        "Keras' GRU with reset_after=False has no PyTorch equivalent: torch.nn.GRU applies "
        "the reset gate after the recurrent matmul, n_t = tanh(W_in x_t + b_in + r_t ⊙ "
        "(W_hn h_{t-1} + b_hn)), as Keras' default reset_after=True does; this one multiplies "
        "r_t ⊙ h_{t-1} before it. Choose reset_after=True to convert."
    ),
)

CELLS: dict[str, Cell] = {c.key: c for c in (SIMPLE, LSTM, GRU)}  # each key's default variant
VARIANTS: tuple[Cell, ...] = (SIMPLE, LSTM, GRU, GRU_RESET_BEFORE)
SWITCH_DEFAULTS = {"reset_after": True}  # a switch's value where no variant depends on it


def cell_of(key: str, reset_after: bool = True) -> Cell:
    """The entry for ``key`` and its switches (a GRU's depends on ``reset_after``)."""
    chosen = {"reset_after": reset_after}
    for cell in VARIANTS:
        if cell.key == key and all(cell.options[s] == chosen[s] for s in cell.switches):
            return cell
    raise KeyError(f"no cell {key!r}; the cells are {', '.join(CELLS)}")


def variant_text(cell: Cell) -> str:
    """The Keras options in which this variant differs from its cell's default, as the
    model's name shows them: ", reset_after=False"."""
    default = CELLS[cell.key].options
    return "".join(f", {k}={v}" for k, v in cell.options.items() if default.get(k) != v)


# The Dense head, y = h_T W_o + b_o, is the same whatever the cell; "H" is the width
# of what it reads: M, or 2M when the last layer is bidirectional.
HEAD = (
    Weight("W_o", "W_o", "H", "hidden to output", columns="K"),
    Weight("b_o", "b_o", "", "output bias", columns="K"),
)
