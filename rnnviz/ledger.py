"""Shapes and parameter counts, symbol by symbol: what the page's ledger shows.

Everything here follows from the config alone (no Keras), so the ledger can be
drawn before TensorFlow has even loaded; the tests check it against Keras'
``count_params``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnviz.cells import CELLS, HEAD
from rnnviz.config import RNNConfig


@dataclass(frozen=True)
class ShapeRow:
    name: str  # "W_xh"
    latex: str  # "W_{xh}"
    symbolic: str  # "(D, M)"
    numeric: tuple[int, ...]  # (3, 5)
    meaning: str


@dataclass(frozen=True)
class ParamRow:
    layer: str  # "SimpleRNN"
    formula: str  # "M(D + M + 1)"
    numbers: str  # "5·(3 + 5 + 1)"
    count: int  # 45


def _numeric(symbolic: str, c: RNNConfig) -> tuple[int, ...]:
    sizes = {"N": c.N, "T": c.T, "D": c.D, "M": c.M, "K": c.K}
    return tuple(sizes[s.strip()] for s in symbolic.strip("()").split(",") if s.strip())


def shapes(c: RNNConfig) -> list[ShapeRow]:
    """Every tensor of the run, data first, then weights, then the output."""
    rows = [
        ShapeRow("X", "X", "(N, T, D)", (), "all inputs"),
        ShapeRow("x_t", "x_t", "(N, D)", (), "inputs at step t"),
        ShapeRow("h_t", "h_t", "(N, M)", (), "hidden state after step t"),
    ]
    rows += [ShapeRow(w.symbol, w.latex, w.shape, (), w.meaning) for w in CELLS[c.cell].weights]
    rows += [ShapeRow(w.symbol, w.latex, w.shape, (), w.meaning) for w in HEAD]
    rows.append(ShapeRow("y", "y", "(N, K)", (), "output, from h_T"))
    return [ShapeRow(r.name, r.latex, r.symbolic, _numeric(r.symbolic, c), r.meaning) for r in rows]


def params(c: RNNConfig) -> list[ParamRow]:
    """One row per layer with parameters, then the total."""
    cell = CELLS[c.cell]
    rnn = ParamRow(
        cell.keras_name, cell.params_formula, cell.params_numbers(c.D, c.M), cell.params(c.D, c.M)
    )
    dense = ParamRow("Dense", "K(M + 1)", f"{c.K}·({c.M} + 1)", c.K * (c.M + 1))
    total = ParamRow("Total", "", f"{rnn.count} + {dense.count}", rnn.count + dense.count)
    return [rnn, dense, total]
