"""What each recurrent cell is: one table entry per cell, and every view reads from it.

An entry holds everything the rest of the code knows about a cell: its Keras layer and options, its
weights and their shapes, its gates in Keras' order, the equations of one step (for the page and for
the step panel), and its NumPy recurrence. The parameter count and its derivation are computed from
the weight shapes. Adding a cell is one entry here, one recurrence in ``rnnviz.recurrence.forward``
and its backpropagation through time in ``rnnviz.recurrence.bptt``.

Weights keep Keras' layout: the gates' blocks sit side by side along the last axis, in
Keras' order, so ``W_xh`` of an LSTM is (D, 4M). In a weight's shape, D stands for the
layer's input width: D for the first layer, M (or 2M when bidirectional) for the layers
stacked on it.

Each entry also says how the other two layouts write it (``LAYOUTS``; ``rnnviz.shapes.layouts``
converts the numbers): PyTorch's, with its gate order and its documented equations, and the
textbook's column vectors, one W^(g) (M, D), U^(g) (M, M) and b^(g) per gate, named by each
gate's ``letter`` and each weight's ``textbook`` symbols (W, U, b, and b' for the GRU's
recurrent bias). A ``Notation`` holds a layout's equations and its names for the step's terms.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from rnnviz.recurrence import bptt, forward


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
    # Its name in the textbook layout, one per row of a two-row bias: ("W",), ("b", "b'").
    textbook: tuple[str, ...] = ()

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
    letter: str = ""  # the textbook's subscript of its weights: "f" in W_f; "" for a state
    # The gate that scales this block's recurrent part: the GRU's candidate is reset by r,
    # after the matmul, r_t ⊙ (h_{t-1} W + b'), or (one bias row) before it, (r_t ⊙ h_{t-1}) W.
    reset_by: str = ""


LAYOUTS: dict[str, str] = {  # how weights are named, shaped and written: key -> title
    "keras": "Keras",  # x_t @ W, kernels (D, gM), the blocks side by side in columns
    "pytorch": "PyTorch",  # W @ x_t, weight_ih_l0 (gM, D), bias_ih and bias_hh
    "textbook": "textbook",  # column vectors, one W^(g) (M, D) and U^(g) (M, M) per gate
}


@dataclass(frozen=True)
class Notation:
    """How a layout other than Keras' writes one step: its equations, (left, right) in
    LaTeX, and its names for the step's terms where they differ from Keras'."""

    formulas: tuple[tuple[str, str], ...]
    names: Mapping[str, str] = field(default_factory=dict)  # Keras' term name -> this one's


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
    # NumPy BPTT: (trace, δh, **weights) -> (∂s/∂x_t, ∂s/∂h_t), each (N, T, ·);
    # rnnviz.recurrence.bptt
    backward: Callable[..., tuple[np.ndarray, np.ndarray]]
    options: Mapping[str, object] = field(default_factory=dict)  # Keras options of the variant
    switches: tuple[str, ...] = ()  # the config switches that choose among its variants
    # PyTorch: the torch.nn module with the same equations ("" if none), the gates in its
    # order (by their keys here) and its names for them; or why there is no equivalent.
    torch_name: str = ""
    torch_gates: tuple[tuple[str, str], ...] = ()  # (key here, PyTorch's name), its order
    torch_refusal: str = ""
    notations: Mapping[str, Notation] = field(default_factory=dict)  # "pytorch", "textbook"
    # What step t sends back to the state before it, δ^rec_{t-1}, as LaTeX for the step panel's
    # backward mode; and, where it is short enough to show term by term, a NumPy step (δ_t, now,
    # **weights) -> (name, value)s whose last is δ^rec_{t-1} (rnnviz.recurrence.bptt).
    delta: str = r"\delta_t\, \partial h_t / \partial h_{t-1}"
    delta_step: Callable[..., list[tuple[str, np.ndarray]]] | None = None

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

    def formulas_in(self, layout: str = "keras") -> tuple[tuple[str, str], ...]:
        """One step's equations as ``layout`` writes them."""
        return self.notations[layout].formulas if layout in self.notations else self.formulas

    @property
    def equations(self) -> tuple[str, ...]:
        return self.equations_in("keras")

    def equations_in(self, layout: str = "keras") -> tuple[str, ...]:
        """The step's equations as the page shows them, two to a line, then h_0."""
        parts = [f"{name} = {formula}" for name, formula in self.formulas_in(layout)]
        lines = [r",\quad ".join(parts[i : i + 2]) for i in range(0, len(parts), 2)]
        lines[-1] += r",\quad " + self.start
        return tuple(lines)

    def check(self, weights: Mapping[str, np.ndarray], D: int, M: int, suffix: str = "") -> None:
        """Every weight is there (named with ``suffix``: "W_hh_2_bwd") and of its shape for a
        layer reading D values per step, or a ShapeError that names it, e.g. "W_hh must be
        (M, 4M) = (5, 20) for LSTM(5) reading D = 3 values per step, got (20, 5)"."""
        for w in self.weights:
            name = w.symbol + suffix
            if name not in weights:
                needs = ", ".join(v.symbol + suffix for v in self.weights)
                raise ShapeError(f"{name} is missing; {self.keras_name} needs {needs}")
            expected = self.numeric_shape(w, D, M)
            got = np.shape(weights[name])
            if got != expected:
                raise ShapeError(
                    f"{name} must be {self.shape(w)} = {shape_text(expected)} for "
                    f"{self.keras_name}({M}{variant_text(self)}) reading D = {D} values per "
                    f"step, got {shape_text(got)}"
                )

    @functools.cached_property
    def traced(self) -> int:
        """How many (N, T, M) arrays the recurrence keeps (h, and the gates and states), from
        running it once on a single zero step."""
        zeros = {w.symbol: np.zeros(self.numeric_shape(w, 1, 1), np.float32) for w in self.weights}
        return len(self.forward(np.zeros((1, 1, 1), dtype=np.float32), zeros, 1))

    def path_weights(
        self, weights: Mapping[str, np.ndarray], suffix: str = ""
    ) -> dict[str, np.ndarray]:
        """One path's weights by their symbols (W_xh, W_hh, b_h), out of every weight by its
        export name (W_xh_2_bwd for ``suffix`` "_2_bwd")."""
        return {w.symbol: weights[w.symbol + suffix] for w in self.weights}

    @property
    def parts(self) -> tuple[Weight, Weight, Weight]:
        """The input kernel, the recurrent kernel and the bias, told apart by their rows."""
        kernels = {w.rows: w for w in self.weights if w.rows in ("D", "M")}
        (bias,) = (w for w in self.weights if w.rows not in ("D", "M"))
        return kernels["D"], kernels["M"], bias

    @property
    def names(self) -> str:
        return ", ".join(w.symbol for w in self.weights)

    def forward(
        self, X: np.ndarray, weights: Mapping[str, np.ndarray], M: int
    ) -> dict[str, np.ndarray]:
        """The recurrence of M units over X (N, T, D), with the weights given by name: each
        traced quantity (N, T, M). Every shape is checked first."""
        if np.ndim(X) != 3:
            raise ShapeError(f"X must be (N, T, D), got {shape_text(np.shape(X))}")
        self.check(weights, X.shape[2], M)
        return self.recurrence(X, **{w.symbol: weights[w.symbol] for w in self.weights})

    def backprop(
        self, trace: Mapping[str, np.ndarray], δh: np.ndarray, weights: Mapping[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Backpropagation through time over a trace of ``forward``, with the weights given by
        name: δh (N, T, M), the gradient reaching each h_t from outside the layer, in;
        ∂s/∂x_t (N, T, D) and ∂s/∂h_t (N, T, M) in total, out (``rnnviz.recurrence.bptt``)."""
        return self.backward(trace, δh, **{w.symbol: weights[w.symbol] for w in self.weights})

    def step_terms(
        self, x_t, prev, now, weights: Mapping[str, np.ndarray], layout="keras", **activations
    ):
        """One step for one sample, term by term, with each term's formula from the table,
        named and written as ``layout`` does: the same numbers in every layout.
        ``activations`` (tanh=...) replace the step's own, as a planted bug does."""
        formulas = dict(self.formulas_in(layout))
        names = self.notations[layout].names if layout in self.notations else {}
        W = {w.symbol: weights[w.symbol] for w in self.weights}
        values = self.step(x_t, prev, now, **W, **activations)
        terms = [(names.get(name, name), value) for name, value in values]
        return [forward.Term(name, formulas.get(name, ""), value) for name, value in terms]


def suffix(layer: int, direction: str) -> str:
    """Name suffix of a layer's arrays: "" for layer 1 forward, "_2", "_bwd", "_2_bwd"."""
    return ("" if layer == 1 else f"_{layer}") + ("_bwd" if direction == "bwd" else "")


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as Python prints it: (3, 5), (5,)."""
    shape = tuple(shape)
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


HIDDEN = Gate("h", "h_t", "hidden state h")

SIMPLE = Cell(
    key="simple",
    title="SimpleRNN (Elman)",
    keras_name="SimpleRNN",
    weights=(
        Weight("W_xh", "W_{xh}", "D", "input to hidden", textbook=("W",)),
        Weight("W_hh", "W_{hh}", "M", "hidden to hidden", textbook=("U",)),
        Weight("b_h", "b_h", "", "hidden bias", textbook=("b",)),
    ),
    gates=(),
    states=(HIDDEN,),
    formulas=(
        ("a_t", r"x_t W_{xh} + h_{t-1} W_{hh} + b_h"),
        ("h_t", r"\tanh(a_t)"),
    ),
    start="h_0 = 0",
    params_note="Each hidden unit has a weight per input (D), one per hidden unit (M) and a bias.",
    recurrence=forward.simple_rnn,
    step=forward.simple_rnn_step,
    backward=bptt.simple_rnn_backward,
    delta=r"(\delta_t \odot (1 - h_t^2))\, W_{hh}^\top",
    delta_step=bptt.simple_rnn_delta_step,
    torch_name="RNN",  # nonlinearity="tanh", its default
    notations={
        "pytorch": Notation(  # torch.nn.RNN's documented equation, split like Keras'
            (
                ("a_t", r"x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh}"),
                ("h_t", r"\tanh(a_t)"),
            ),
            {
                r"x_t W_{xh}": r"x_t W_{ih}^T",
                r"h_{t-1} W_{hh}": r"h_{t-1} W_{hh}^T",
                "b_h": r"b_{ih} + b_{hh}",  # Keras' one bias is their sum
            },
        ),
        "textbook": Notation(
            (("a_t", r"W x_t + U h_{t-1} + b"), ("h_t", r"\tanh(a_t)")),
            {r"x_t W_{xh}": r"W x_t", r"h_{t-1} W_{hh}": r"U h_{t-1}", "b_h": "b"},
        ),
    },
)


def _gate(name: str, activation: str = r"\sigma") -> str:
    """A gate's pre-activation from its own blocks: σ(x_t W_xh^(f) + h_{t-1} W_hh^(f) + b_h^(f))."""
    return (
        rf"{activation}(x_t W_{{xh}}^{{({name})}} + h_{{t-1}} W_{{hh}}^{{({name})}}"
        rf" + b_h^{{({name})}})"
    )


def _torch_gate(g: str, activation: str = r"\sigma") -> str:
    """PyTorch's documented gate: σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf) for g = "f"."""
    return rf"{activation}(W_{{i{g}}} x_t + b_{{i{g}}} + W_{{h{g}}} h_{{t-1}} + b_{{h{g}}})"


def _textbook_gate(g: str, activation: str = r"\sigma", two_biases: bool = False) -> str:
    """The textbook's gate: σ(W_f x_t + U_f h_{t-1} + b_f); with two biases (Keras' GRU
    with reset_after), σ(W_f x_t + b_f + U_f h_{t-1} + b'_f)."""
    if two_biases:
        return rf"{activation}(W_{g} x_t + b_{g} + U_{g} h_{{t-1}} + b'_{g})"
    return rf"{activation}(W_{g} x_t + U_{g} h_{{t-1}} + b_{g})"


def _lstm_formulas(gate: Callable[..., str]) -> tuple[tuple[str, str], ...]:
    return (
        ("i_t", gate("i")),
        ("f_t", gate("f")),
        ("g_t", gate("g", r"\tanh")),
        ("o_t", gate("o")),
        ("c_t", r"f_t \odot c_{t-1} + i_t \odot g_t"),
        ("h_t", r"o_t \odot \tanh(c_t)"),
    )


LSTM = Cell(
    key="lstm",
    title="LSTM",
    keras_name="LSTM",  # unit_forget_bias: b_h^(f) starts at 1
    weights=(
        Weight("W_xh", "W_{xh}", "D", "input to the 4 gates", textbook=("W",)),
        Weight("W_hh", "W_{hh}", "M", "hidden to the 4 gates", textbook=("U",)),
        Weight("b_h", "b_h", "", "gate biases (forget gate's start at 1)", textbook=("b",)),
    ),
    gates=(
        Gate("i", "i_t", "input gate i", (0.0, 1.0), "i"),
        Gate("f", "f_t", "forget gate f", (0.0, 1.0), "f"),
        Gate("g", "g_t", "candidate g (Keras: c)", letter="g"),
        Gate("o", "o_t", "output gate o", (0.0, 1.0), "o"),
    ),
    states=(HIDDEN, Gate("c", "c_t", "cell state c", None)),
    formulas=_lstm_formulas(_gate),
    start="h_0 = c_0 = 0",
    params_note="Four SimpleRNN-sized blocks, one per gate (i, f, g, o): 4× the parameters.",
    recurrence=forward.lstm,
    step=forward.lstm_step,
    backward=bptt.lstm_backward,
    # h_{t-1} feeds every gate; c_{t-1} carries δc on, scaled by f_t (the memory path)
    delta=(
        r"\delta_t \frac{\partial h_t}{\partial h_{t-1}}"
        r" + \delta^{c}_t \frac{\partial c_t}{\partial h_{t-1}}"
    ),
    torch_name="LSTM",
    torch_gates=(("i", "i"), ("f", "f"), ("g", "g"), ("o", "o")),  # Keras' order too
    notations={
        "pytorch": Notation(_lstm_formulas(_torch_gate)),
        "textbook": Notation(_lstm_formulas(_textbook_gate)),
    },
)

_GRU_GATES = (
    Gate("z", "z_t", "update gate z", (0.0, 1.0), "z"),
    Gate("r", "r_t", "reset gate r", (0.0, 1.0), "r"),
    Gate("hh", r"\tilde h_t", "candidate h̃", letter="h", reset_by="r"),
)
_GRU_W = (
    Weight("W_xh", "W_{xh}", "D", "input to the 3 blocks", textbook=("W",)),
    Weight("W_hh", "W_{hh}", "M", "hidden to the 3 blocks", textbook=("U",)),
)
_H = r"(\tilde h)"
# h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ h̃_t: h_{t-1} passes straight through z_t, and again
# through the gates and the candidate
_GRU_DELTA = (
    r"\delta_t \odot z_t + \delta_t \frac{\partial h_t}{\partial (z_t, r_t, \tilde h_t)}"
    r" \frac{\partial (z_t, r_t, \tilde h_t)}{\partial h_{t-1}}"
)


def _gru_formulas(
    candidate: str, gate: Callable[[str], str] = _gate
) -> tuple[tuple[str, str], ...]:
    return (
        ("z_t", gate("z")),
        ("r_t", gate("r")),
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
            textbook=("b", "b'"),
        ),
    ),
    gates=_GRU_GATES,
    states=(HIDDEN,),
    formulas=_gru_formulas(
        rf"\tanh(x_t W_{{xh}}^{{{_H}}} + b_h^{{{_H}}} + r_t \odot "
        rf"(h_{{t-1}} W_{{hh}}^{{{_H}}} + b'^{{{_H}}}_h))"
    ),
    start="h_0 = 0",
    params_note=(
        "reset_after=True (Keras' default) keeps the recurrent part's bias b' apart so the "
        "reset gate can scale it: a second bias row, M·3 more than the textbook 3M(D + M + 1)."
    ),
    recurrence=forward.gru,
    step=forward.gru_step,
    backward=bptt.gru_backward,
    delta=_GRU_DELTA,
    options={"reset_after": True},
    switches=("reset_after",),
    torch_name="GRU",  # n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn)): reset after
    torch_gates=(("r", "r"), ("z", "z"), ("hh", "n")),
    notations={
        "pytorch": Notation(  # torch.nn.GRU's documented equations, in its order
            (
                ("r_t", _torch_gate("r")),
                ("z_t", _torch_gate("z")),
                ("n_t", r"\tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))"),
                ("h_t", r"(1 - z_t) \odot n_t + z_t \odot h_{t-1}"),
            ),
            {r"\tilde h_t": "n_t"},
        ),
        "textbook": Notation(
            _gru_formulas(
                r"\tanh(W_h x_t + b_h + r_t \odot (U_h h_{t-1} + b'_h))",
                lambda g: _textbook_gate(g, two_biases=True),
            )
        ),
    },
)

GRU_RESET_BEFORE = Cell(
    key="gru",
    title="GRU (reset_after=False)",
    keras_name="GRU",
    weights=(*_GRU_W, Weight("b_h", "b_h", "", "biases", textbook=("b",))),
    gates=_GRU_GATES,
    states=(HIDDEN,),
    formulas=_gru_formulas(
        rf"\tanh(x_t W_{{xh}}^{{{_H}}} + (r_t \odot h_{{t-1}}) W_{{hh}}^{{{_H}}} + b_h^{{{_H}}})"
    ),
    start="h_0 = 0",
    params_note="reset_after=False: one bias per block, the textbook 3M(D + M + 1).",
    recurrence=forward.gru,
    step=forward.gru_step,
    backward=bptt.gru_backward,
    delta=_GRU_DELTA,
    options={"reset_after": False},
    switches=("reset_after",),
    torch_refusal=(
        "Keras' GRU with reset_after=False has no PyTorch equivalent: torch.nn.GRU applies "
        "the reset gate after the recurrent matmul, n_t = tanh(W_in x_t + b_in + r_t ⊙ "
        "(W_hn h_{t-1} + b_hn)), as Keras' default reset_after=True does; this one multiplies "
        "r_t ⊙ h_{t-1} before it. Choose reset_after=True to convert."
    ),
    notations={
        "textbook": Notation(
            _gru_formulas(r"\tanh(W_h x_t + U_h (r_t \odot h_{t-1}) + b_h)", _textbook_gate)
        )
    },
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


# The Dense head, y = h_T W_o + b_o, is the same whatever the cell. Its rows "H" are the last
# layer's output H, the sequence it reads: M wide, or 2M when the layer is bidirectional.
HEAD = (
    Weight("W_o", "W_o", "H", "hidden to output", columns="K", textbook=("W_y",)),
    Weight("b_o", "b_o", "", "output bias", columns="K", textbook=("b_y",)),
)
# The head's y in each layout (PyTorch's is torch.nn.Linear's y = x A^T + b; the textbook's
# W_y, b_y, since W_o and b_o are an LSTM's output gate there), and the names of its product
# and bias in the step panel's table.
HEAD_FORMULAS: dict[str, tuple[str, str, str]] = {
    "keras": (r"h_T W_o + b_o", "h W_o", "b_o"),
    "pytorch": (r"h_T W_{head}^T + b_{head}", "h W_head^T", "b_head"),
    "textbook": (r"W_y h_T + b_y", "W_y h", "b_y"),
}


def check_head(weights: Mapping[str, np.ndarray], M: int, directions: int, K: int) -> None:
    """W_o and b_o are there and of their shapes for a Dense(K) reading the last layer's
    M·directions values, or a ShapeError that names the one that is not, its rows written as
    the ledger writes them, e.g. "W_o must be (2M, K) = (10, 2) for Dense(2) reading the last
    layer's 10 values per step, got (2, 10)"."""
    width = M * directions  # what the head reads: h_T, both directions side by side
    rows = "M" if directions == 1 else f"{directions}M"
    for w in HEAD:
        if w.symbol not in weights:
            raise ShapeError(f"{w.symbol} is missing; Dense needs W_o, b_o")
        expected = (width, K) if w.rows else (K,)
        got = np.shape(weights[w.symbol])
        if got != expected:
            raise ShapeError(
                f"{w.symbol} must be {w.shape().replace('H', rows)} = {shape_text(expected)} "
                f"for Dense({K}) "
                f"reading the last layer's {width} values per step, got {shape_text(got)}"
            )
