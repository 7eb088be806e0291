"""What each recurrent cell is: its weights, gates, equations and parameter count.

A cell is described once here and every view reads from this table: the ledger,
the heatmaps (split per gate), the gate and state views, the step-by-step panel,
the CLI and the export. Weights keep Keras' layout: the gates' blocks sit side by
side along the last axis, in Keras' order, so ``W_xh`` of an LSTM is (D, 4M). In a
weight's shape, D stands for the layer's input width: D for the first layer, M
(or 2M when bidirectional) for the layers stacked on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnnviz import recurrence


@dataclass(frozen=True)
class Weight:
    """One weight tensor of a layer, named as on the page."""

    symbol: str  # "W_xh": name in code, the export and the ledger
    latex: str  # "W_{xh}": name in equations
    shape: str  # "(D, 4M)": symbolic shape
    meaning: str  # "input to hidden"
    rows: str  # axis-0 symbol for heatmaps: "D" ("" for a vector)
    cols: str  # axis-1 symbol per gate block: "M"


@dataclass(frozen=True)
class Gate:
    """One activation traced per step (a gate, a candidate or a state), (N, T, M)."""

    key: str  # trace key: "f"
    latex: str  # "f_t"
    name: str  # "forget gate f"
    bounds: tuple[float, float] | None = (-1.0, 1.0)  # σ: (0, 1), tanh: (-1, 1), c: None


@dataclass(frozen=True)
class Cell:
    key: str  # value of --cell and ?cell=
    keras_name: str  # Keras layer class
    title: str  # human name
    weights: tuple[Weight, ...]  # in the order of layer.get_weights()
    gates: tuple[Gate, ...]  # the blocks along each weight's last axis, in Keras' order
    states: tuple[Gate, ...]  # what is carried from step to step: h, and c for an LSTM
    equations: tuple[str, ...]  # LaTeX, shown on the page
    params_formula: str  # symbolic parameter count, in D and M
    params: Callable[[int, int], int]  # (D, M) -> parameter count of one direction
    params_numbers: Callable[[int, int], str]  # (D, M) -> the formula with numbers
    params_note: str  # one line on where the count comes from
    recurrence: Callable[..., dict[str, np.ndarray]]  # NumPy: (X, *weights) -> trace
    step: Callable[..., list[recurrence.Term]]  # NumPy: one step of one sample, term by term


H = Gate("h", "h_t", "hidden state h")

SIMPLE = Cell(
    key="simple",
    keras_name="SimpleRNN",
    title="SimpleRNN (Elman)",
    weights=(
        Weight("W_xh", "W_{xh}", "(D, M)", "input to hidden", "D", "M"),
        Weight("W_hh", "W_{hh}", "(M, M)", "hidden to hidden", "M", "M"),
        Weight("b_h", "b_h", "(M,)", "hidden bias", "", "M"),
    ),
    gates=(),
    states=(H,),
    equations=(r"h_t = \tanh\left(x_t W_{xh} + h_{t-1} W_{hh} + b_h\right),\quad h_0 = 0",),
    params_formula="M(D + M + 1)",
    params=lambda D, M: M * (D + M + 1),
    params_numbers=lambda D, M: f"{M}·({D} + {M} + 1)",
    params_note="Each hidden unit has a weight per input (D), one per hidden unit (M) and a bias.",
    recurrence=recurrence.simple_rnn,
    step=recurrence.simple_rnn_step,
)

LSTM = Cell(
    key="lstm",
    keras_name="LSTM",
    title="LSTM",
    weights=(
        Weight("W_xh", "W_{xh}", "(D, 4M)", "input to the 4 gates", "D", "M"),
        Weight("W_hh", "W_{hh}", "(M, 4M)", "hidden to the 4 gates", "M", "M"),
        Weight("b_h", "b_h", "(4M,)", "gate biases (forget gate's start at 1)", "", "M"),
    ),
    gates=(
        Gate("i", "i_t", "input gate i", (0.0, 1.0)),
        Gate("f", "f_t", "forget gate f", (0.0, 1.0)),
        Gate("g", "g_t", "candidate g (Keras: c)"),
        Gate("o", "o_t", "output gate o", (0.0, 1.0)),
    ),
    states=(H, Gate("c", "c_t", "cell state c", None)),
    equations=(
        r"i_t = \sigma(x_t W_{xh}^{(i)} + h_{t-1} W_{hh}^{(i)} + b_h^{(i)}),\quad "
        r"f_t = \sigma(x_t W_{xh}^{(f)} + h_{t-1} W_{hh}^{(f)} + b_h^{(f)})",
        r"g_t = \tanh(x_t W_{xh}^{(g)} + h_{t-1} W_{hh}^{(g)} + b_h^{(g)}),\quad "
        r"o_t = \sigma(x_t W_{xh}^{(o)} + h_{t-1} W_{hh}^{(o)} + b_h^{(o)})",
        r"c_t = f_t \odot c_{t-1} + i_t \odot g_t,\quad h_t = o_t \odot \tanh(c_t),"
        r"\quad h_0 = c_0 = 0",
    ),
    params_formula="4M(D + M + 1)",
    params=lambda D, M: 4 * M * (D + M + 1),
    params_numbers=lambda D, M: f"4·{M}·({D} + {M} + 1)",
    params_note="Four SimpleRNN-sized blocks, one per gate (i, f, g, o): 4× the parameters.",
    recurrence=recurrence.lstm,
    step=recurrence.lstm_step,
)

_GRU_GATES = (
    Gate("z", "z_t", "update gate z", (0.0, 1.0)),
    Gate("r", "r_t", "reset gate r", (0.0, 1.0)),
    Gate("hh", r"\tilde h_t", "candidate h̃"),
)
_GRU_UPDATE = r"h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t,\quad h_0 = 0"
_GRU_GATE_EQ = (
    r"z_t = \sigma(x_t W_{xh}^{(z)} + h_{t-1} W_{hh}^{(z)} + b_h^{(z)}),\quad "
    r"r_t = \sigma(x_t W_{xh}^{(r)} + h_{t-1} W_{hh}^{(r)} + b_h^{(r)})"
)

GRU = Cell(
    key="gru",
    keras_name="GRU",
    title="GRU",
    weights=(
        Weight("W_xh", "W_{xh}", "(D, 3M)", "input to the 3 blocks", "D", "M"),
        Weight("W_hh", "W_{hh}", "(M, 3M)", "hidden to the 3 blocks", "M", "M"),
        Weight("b_h", "b_h", "(2, 3M)", "input bias (row 0), recurrent bias (row 1)", "2", "M"),
    ),
    gates=_GRU_GATES,
    states=(H,),
    equations=(
        _GRU_GATE_EQ,
        r"\tilde h_t = \tanh(x_t W_{xh}^{(\tilde h)} + b_h^{(\tilde h)} + r_t \odot "
        r"(h_{t-1} W_{hh}^{(\tilde h)} + b'^{(\tilde h)}_h))",
        _GRU_UPDATE,
    ),
    params_formula="3M(D + M + 2)",
    params=lambda D, M: 3 * M * (D + M + 2),
    params_numbers=lambda D, M: f"3·{M}·({D} + {M} + 2)",
    params_note=(
        "reset_after=True (Keras' default) keeps the recurrent part's bias b' apart so the "
        "reset gate can scale it: a second bias row, M·3 more than the textbook 3M(D + M + 1)."
    ),
    recurrence=recurrence.gru,
    step=recurrence.gru_step,
)

GRU_RESET_BEFORE = Cell(
    key="gru",
    keras_name="GRU",
    title="GRU (reset_after=False)",
    weights=GRU.weights[:2] + (Weight("b_h", "b_h", "(3M,)", "biases", "", "M"),),
    gates=_GRU_GATES,
    states=(H,),
    equations=(
        _GRU_GATE_EQ,
        r"\tilde h_t = \tanh(x_t W_{xh}^{(\tilde h)} + (r_t \odot h_{t-1}) W_{hh}^{(\tilde h)}"
        r" + b_h^{(\tilde h)})",
        _GRU_UPDATE,
    ),
    params_formula="3M(D + M + 1)",
    params=lambda D, M: 3 * M * (D + M + 1),
    params_numbers=lambda D, M: f"3·{M}·({D} + {M} + 1)",
    params_note="reset_after=False: one bias per block, the textbook 3M(D + M + 1).",
    recurrence=recurrence.gru,
    step=recurrence.gru_step,
)

CELLS: dict[str, Cell] = {c.key: c for c in (SIMPLE, LSTM, GRU)}


def cell_of(key: str, reset_after: bool = True) -> Cell:
    """The description of ``key``; a GRU's depends on ``reset_after``."""
    if key == "gru" and not reset_after:
        return GRU_RESET_BEFORE
    return CELLS[key]


# The Dense head, y = h_T W_o + b_o, is the same whatever the cell; "H" is the width
# of what it reads: M, or 2M when the last layer is bidirectional.
HEAD = (
    Weight("W_o", "W_o", "(H, K)", "hidden to output", "H", "K"),
    Weight("b_o", "b_o", "(K,)", "output bias", "", "K"),
)
