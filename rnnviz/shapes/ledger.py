"""Shapes and parameter counts, symbol by symbol: what the page's ledger shows.

Everything here follows from the config alone (no Keras), so the ledger can be
drawn before TensorFlow has even loaded; the tests check it against Keras'
``count_params``. Stacked layers get a superscript ``[l]`` and the suffix ``_l``
used by the export; a layer above the first reads M values per step (2M when
bidirectional) where the first reads D.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rnnviz.config import RNNConfig
from rnnviz.recurrence.cells import (
    GRU,
    GRU_RESET_BEFORE,
    HEAD,
    LSTM,
    SIMPLE,
    suffix,
    variant_text,
)


@dataclass(frozen=True)
class ShapeRow:
    name: str  # "W_xh_2"
    latex: str  # "W_{xh}^{[2]}"
    symbolic: str  # "(M, 4M)"
    numeric: tuple[int, ...]  # (5, 20)
    meaning: str


@dataclass(frozen=True)
class ParamRow:
    layer: str  # "SimpleRNN", "Bidirectional(LSTM) 2", "Dense", "Total"
    kind: str  # "rnn", "dense" or "total"
    formula: str  # "M(D + M + 1)"
    numbers: str  # "5·(3 + 5 + 1)"
    count: int  # 45


def _numeric(symbolic: str, c: RNNConfig) -> tuple[int, ...]:
    """ "(D, 4M)" -> (3, 20): each entry is an optional factor times a size symbol."""
    sizes = {"N": c.N, "T": c.T, "D": c.D, "M": c.M, "K": c.K, "": 1}
    dims = []
    for entry in filter(None, (e.strip() for e in symbolic.strip("()").split(","))):
        factor, symbol = re.fullmatch(r"(\d*)([A-Z]?)", entry).groups()
        dims.append(int(factor or 1) * sizes[symbol])
    return tuple(dims)


def width_symbol(c: RNNConfig, layer: int) -> str:
    """Symbol of what layer ``layer`` reads per step: D, M or 2M."""
    return "D" if layer == 1 else head_symbol(c)


def head_symbol(c: RNNConfig) -> str:
    """Symbol of what a layer outputs per step (both directions side by side): M or 2M."""
    return "2M" if c.bidirectional else "M"


def path_tag(c: RNNConfig, layer: int, direction: str) -> str:
    """How titles tell paths apart: " [2] backward" for a stacked bidirectional model's
    layer 2 going backward, "" for a single forward layer."""
    tag = f" [{layer}]" if c.layers > 1 else ""
    return tag + (" backward" if direction == "bwd" else "")


def _tag(c: RNNConfig, layer: int) -> str:
    return f"^{{[{layer}]}}" if c.layers > 1 else ""


def shapes(
    c: RNNConfig,
    layer_weights: Callable[[int], list[ShapeRow]] | None = None,
    head: list[ShapeRow] | None = None,
) -> list[ShapeRow]:
    """Every tensor of the run, data first, then each layer's weights, then the output.

    The weights are Keras'; another layout (``rnnviz.shapes.layouts.ledger``) gives its own rows
    for each layer (``layer_weights(layer)``) and for the head."""
    cell = c.variant
    width = head_symbol(c)  # what a layer outputs per step: M, or 2M
    each = " (each direction)" if c.bidirectional else ""
    rows = [
        ShapeRow("X", "X", "(N, T, D)", (), "all inputs"),
        ShapeRow("x_t", "x_t", "(N, D)", (), "inputs at step t"),
    ]
    for layer in range(1, c.layers + 1):
        tag, sfx = _tag(c, layer), suffix(layer, "fwd")
        if layer_weights is not None:
            rows += layer_weights(layer)
        for w in cell.weights if layer_weights is None else ():
            symbolic = cell.shape(w).replace("(D,", f"({width_symbol(c, layer)},")
            rows.append(ShapeRow(w.symbol + sfx, w.latex + tag, symbolic, (), w.meaning + each))
        for s in cell.states:
            meaning = f"{s.name.rsplit(' ', 1)[0]} after step t{each}"  # "cell state c" -> ...
            rows.append(ShapeRow(s.key + "_t" + sfx, s.latex + tag, "(N, M)", (), meaning))
        sequences = layer < c.layers or c.return_sequences
        out = f"(N, T, {width})" if sequences else f"(N, {width})"
        what = "every h_t" if sequences else "h_T only"
        if c.bidirectional:
            what += ", forward and backward side by side"
        rows.append(ShapeRow("H" + sfx, "H" + tag, out, (), f"layer output: {what}"))
    if head is None:
        head = [
            ShapeRow(w.symbol, w.latex, w.shape().replace("H", width), (), w.meaning) for w in HEAD
        ]
    rows += head
    y_shape = "(N, T, K)" if c.return_sequences else "(N, K)"
    y_from = "Dense on every step" if c.return_sequences else "Dense on the last output"
    rows.append(ShapeRow("y", "y", y_shape, (), f"output: {y_from}"))
    return [ShapeRow(r.name, r.latex, r.symbolic, _numeric(r.symbolic, c), r.meaning) for r in rows]


def params(c: RNNConfig) -> list[ParamRow]:
    """One row per recurrent layer, then Dense, then the total."""
    cell = c.variant
    rows = []
    for layer in range(1, c.layers + 1):
        name = f"Bidirectional({cell.keras_name})" if c.bidirectional else cell.keras_name
        if c.layers > 1:
            name += f" [{layer}]"
        formula = cell.params_formula.replace("D", width_symbol(c, layer))
        numbers = cell.params_numbers(c.width(layer), c.M)
        if c.bidirectional:
            formula, numbers = f"2 × {formula}", f"2 × {numbers}"
        count = c.directions * cell.params(c.width(layer), c.M)
        rows.append(ParamRow(name, "rnn", formula, numbers, count))
    width = c.head_width  # what the head reads: M, or 2M
    formula, numbers = f"K({head_symbol(c)} + 1)", f"{c.K}·({width} + 1)"
    rows.append(ParamRow("Dense", "dense", formula, numbers, c.K * (width + 1)))
    total = sum(r.count for r in rows)
    rows.append(ParamRow("Total", "total", "", " + ".join(f"{r.count:,}" for r in rows), total))
    return rows


def model_name(c: RNNConfig) -> str:
    """The model in one line, as the page and the browser tab title it: "LSTM(5) → Dense(2)"."""
    cell = c.variant
    layer = f"{cell.keras_name}({c.M}{variant_text(cell)})"
    if c.bidirectional:
        layer = f"Bidirectional({layer})"
    stack = f" × {c.layers}" if c.layers > 1 else ""
    return f"{layer}{stack} → Dense({c.K})"


def html_symbol(latex: str) -> str:
    """A ledger symbol as HTML: W_{xh}^{[2]} -> W<sub>xh</sub><sup>[2]</sup>, \\tilde h -> h̃."""
    text = latex.replace(r"\tilde h", "h̃")
    text = re.sub(r"_\{([^}]*)\}|_(\w)", lambda m: f"<sub>{m[1] or m[2]}</sub>", text)
    return re.sub(r"\^\{([^}]*)\}", r"<sup>\1</sup>", text)


@dataclass(frozen=True)
class Question:
    """A quiz question on the ledger, with an answer worked out for the sizes shown."""

    key: str  # "axes", "time", "gates", "reset_after"
    question: str
    answer: str


def quiz(c: RNNConfig) -> list[Question]:
    """The questions students get wrong most, answered with this config's numbers."""
    D, M = c.D, c.M
    simple, lstm = SIMPLE.params(D, M), LSTM.params(D, M)
    gru, textbook = GRU.params(D, M), GRU_RESET_BEFORE.params(D, M)
    return [
        Question(
            "axes",
            f"X has shape ({c.N}, {c.T}, {c.D}). Which axis is which?",
            f"(samples, timesteps, features): N = {c.N} sequences, each T = {c.T} steps long, "
            f"with D = {c.D} numbers per step. Keras' Input((T, D)) leaves N out: any number "
            "of samples can pass through the same model.",
        ),
        Question(
            "time",
            "Why does T not appear in the parameter count?",
            "The same W_xh, W_hh and b_h are used at every step: the weights are shared across "
            "time. T says how often they are applied, not how many there are, so a longer "
            "sequence costs more computation but no more parameters.",
        ),
        Question(
            "gates",
            f"A SimpleRNN layer here has {simple:,} parameters. How many does an LSTM with the "
            "same D and M have, and why?",
            f"{LSTM.params_formula} = {LSTM.params_numbers(D, M)} = {lstm:,}: four times as "
            "many, because the LSTM computes four SimpleRNN-sized blocks at each step, the "
            "input, forget and output gates and the candidate, each with its own W_xh, W_hh "
            "and b_h.",
        ),
        Question(
            "reset_after",
            f"A textbook GRU has {GRU_RESET_BEFORE.params_formula} = {textbook:,} parameters "
            "here. Why does Keras' GRU report more?",
            f"Keras' default reset_after=True keeps a second bias row b' for the recurrent part, "
            f"so the reset gate can scale it: 3M more, {GRU.params_formula} = {gru:,}.",
        ),
    ]


def param_totals(c: RNNConfig) -> dict[str, int]:
    """{rnn, dense, total}: rnn sums every recurrent layer (the CLI's JSON contract)."""
    rows = params(c)
    return {
        "rnn": sum(r.count for r in rows if r.kind == "rnn"),
        "dense": sum(r.count for r in rows if r.kind == "dense"),
        "total": rows[-1].count,
    }
