"""What each recurrent cell is: its weights, its equations, its parameter count.

A cell is described once here and every view reads from this table, so adding
a cell (LSTM, GRU) means adding one ``Cell`` entry, its NumPy recurrence and
its Keras layer factory in ``rnnviz.model``; the UI does not change.
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
    shape: str  # "(D, M)": symbolic shape
    meaning: str  # "input to hidden"
    rows: str  # axis-0 symbol for heatmaps: "D" ("" for a vector)
    cols: str  # axis-1 symbol: "M"


@dataclass(frozen=True)
class Cell:
    key: str  # value of --cell and ?cell=
    keras_name: str  # Keras layer class
    title: str  # human name
    weights: tuple[Weight, ...]  # in the order of layer.get_weights()
    equations: tuple[str, ...]  # LaTeX, shown on the page
    params_formula: str  # symbolic parameter count, in D and M
    params: Callable[[int, int], int]  # (D, M) -> parameter count
    params_numbers: Callable[[int, int], str]  # (D, M) -> the formula with numbers
    recurrence: Callable[..., dict[str, np.ndarray]]  # NumPy: (X, *weights) -> trace
    step: Callable[..., dict[str, np.ndarray]]  # NumPy: (x_t, h_prev, *weights) -> terms


SIMPLE = Cell(
    key="simple",
    keras_name="SimpleRNN",
    title="SimpleRNN (Elman)",
    weights=(
        Weight("W_xh", "W_{xh}", "(D, M)", "input to hidden", "D", "M"),
        Weight("W_hh", "W_{hh}", "(M, M)", "hidden to hidden", "M", "M"),
        Weight("b_h", "b_h", "(M,)", "hidden bias", "", "M"),
    ),
    equations=(r"h_t = \tanh\left(x_t W_{xh} + h_{t-1} W_{hh} + b_h\right),\quad h_0 = 0",),
    params_formula="M(D + M + 1)",
    params=lambda D, M: M * (D + M + 1),
    params_numbers=lambda D, M: f"{M}·({D} + {M} + 1)",
    recurrence=recurrence.simple_rnn,
    step=recurrence.simple_rnn_step,
)

CELLS: dict[str, Cell] = {c.key: c for c in (SIMPLE,)}

# The Dense head, y = h_T W_o + b_o, is the same whatever the cell.
HEAD = (
    Weight("W_o", "W_o", "(M, K)", "hidden to output", "M", "K"),
    Weight("b_o", "b_o", "(K,)", "output bias", "", "K"),
)
