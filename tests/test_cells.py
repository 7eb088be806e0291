"""The cell table (``rnnviz.recurrence.cells``): every count, shape and equation is read off one
entry per cell. Hand-checkable numbers first, then Keras as the reference."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.pipeline import execute
from rnnviz.recurrence.cells import (
    CELLS,
    GRU,
    GRU_RESET_BEFORE,
    LSTM,
    SIMPLE,
    VARIANTS,
    ShapeError,
    cell_of,
)
from rnnviz.shapes import ledger

IDS = ["simple", "lstm", "gru", "gru-reset-before"]


@pytest.mark.parametrize(
    ("cell", "shapes", "formula", "numbers", "count"),
    [  # D = 3, M = 5: the notebook's sizes
        (SIMPLE, ["(D, M)", "(M, M)", "(M,)"], "M(D + M + 1)", "5·(3 + 5 + 1)", 45),
        (LSTM, ["(D, 4M)", "(M, 4M)", "(4M,)"], "4M(D + M + 1)", "4·5·(3 + 5 + 1)", 180),
        (GRU, ["(D, 3M)", "(M, 3M)", "(2, 3M)"], "3M(D + M + 2)", "3·5·(3 + 5 + 2)", 150),
        (
            GRU_RESET_BEFORE,
            ["(D, 3M)", "(M, 3M)", "(3M,)"],
            "3M(D + M + 1)",
            "3·5·(3 + 5 + 1)",
            135,
        ),
    ],
    ids=IDS,
)
def test_the_count_and_its_derivation_are_read_off_the_shapes(
    cell, shapes, formula, numbers, count
):
    assert [cell.shape(w) for w in cell.weights] == shapes
    assert cell.params_formula == formula
    assert cell.params_numbers(3, 5) == numbers
    assert cell.params(3, 5) == count


@pytest.mark.parametrize("cell", VARIANTS, ids=IDS)
@pytest.mark.parametrize(("D", "M"), [(3, 5), (7, 2), (1, 1)])
def test_the_tables_shapes_and_counts_are_keras_own(cell, D, M):
    from rnnviz.keras_side.model import _keras

    keras, _ = _keras()
    layer = getattr(keras.layers, cell.keras_name)(M, **cell.options)
    layer.build((None, 4, D))
    assert [tuple(w.shape) for w in layer.weights] == [
        cell.numeric_shape(w, D, M) for w in cell.weights
    ]
    assert layer.count_params() == cell.params(D, M)


def _weights(cell, D: int, M: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        w.symbol: rng.standard_normal(cell.numeric_shape(w, D, M)).astype(np.float32)
        for w in cell.weights
    }


def test_a_weight_of_the_wrong_shape_is_named_with_its_shape_in_symbols_and_numbers():
    X = np.zeros((2, 4, 3), np.float32)  # (N, T, D)
    W = _weights(LSTM, 3, 5)
    W["W_hh"] = W["W_hh"].T  # (20, 5): the classic transposed recurrent kernel
    message = (
        "W_hh must be (M, 4M) = (5, 20) for LSTM(5) reading D = 3 values per step, got (20, 5)"
    )
    with pytest.raises(ShapeError, match=re.escape(message)):
        LSTM.forward(X, W, M=5)

    W = _weights(GRU_RESET_BEFORE, 3, 5)  # a textbook GRU's biases for Keras' default GRU
    message = "b_h must be (2, 3M) = (2, 15) for GRU(5) reading D = 3 values per step, got (15,)"
    with pytest.raises(ShapeError, match=re.escape(message)):
        GRU.forward(X, W, M=5)

    W = _weights(SIMPLE, 3, 5)
    message = (
        "W_xh must be (D, M) = (3, 5) for SimpleRNN(5) reading D = 3 values per step, got (4, 5)"
    )
    with pytest.raises(ShapeError, match=re.escape(message)):
        SIMPLE.forward(X, {**W, "W_xh": np.zeros((4, 5), np.float32)}, M=5)
    with pytest.raises(
        ShapeError, match=re.escape("b_h is missing; SimpleRNN needs W_xh, W_hh, b_h")
    ):
        SIMPLE.forward(X, {k: v for k, v in W.items() if k != "b_h"}, M=5)
    with pytest.raises(ShapeError, match=re.escape("X must be (N, T, D), got (4, 3)")):
        SIMPLE.forward(X[0], W, M=5)


@pytest.mark.parametrize("cell", VARIANTS, ids=IDS)
def test_weights_are_passed_by_name_whatever_their_order(cell):
    X = np.random.default_rng(1).standard_normal((2, 4, 3)).astype(np.float32)
    W = _weights(cell, 3, 5)
    shuffled = dict(reversed(list(W.items())))
    for key, value in cell.forward(X, W, M=5).items():
        np.testing.assert_array_equal(cell.forward(X, shuffled, M=5)[key], value)


def test_a_switch_that_does_not_apply_takes_its_default_so_one_model_has_one_config():
    for key in CELLS:
        off, on = RNNConfig(cell=key, reset_after=False), RNNConfig(cell=key)
        if "reset_after" in CELLS[key].switches:
            assert off != on and off.to_query()["reset_after"] == "false"
        else:
            assert off == on and hash(off) == hash(on) and off.to_query() == on.to_query()


def test_the_variant_is_in_the_models_name_only_where_it_is_not_keras_default():
    assert ledger.model_name(RNNConfig(cell="gru")) == "GRU(5) → Dense(2)"
    assert ledger.model_name(RNNConfig(cell="gru", reset_after=False)) == (
        "GRU(5, reset_after=False) → Dense(2)"
    )
    assert ledger.model_name(RNNConfig(cell="lstm", reset_after=False)) == "LSTM(5) → Dense(2)"


def test_cell_of_names_the_cells_when_the_key_is_unknown():
    with pytest.raises(KeyError, match="the cells are simple, lstm, gru"):
        cell_of("mamba")


@pytest.mark.parametrize(
    ("cell", "reset_after"), [("simple", True), ("lstm", True), ("gru", True), ("gru", False)]
)
def test_the_page_equations_and_the_step_panel_share_one_formula_per_quantity(cell, reset_after):
    run = execute(RNNConfig(cell=cell, reset_after=reset_after, N=2, T=3))
    equations = " ".join(run.cell.equations)
    for name, formula in run.cell.formulas:
        assert f"{name} = {formula}" in equations
    terms = {term.name: term.formula for term in run.step_terms(0, 2)}
    for name, formula in run.cell.formulas:
        assert terms[name] == formula  # the step panel shows the page's formula
