"""The weights drawn in NumPy (rnnviz.recurrence.initial): what Keras holds, and Keras' families.

The model Keras builds must hold exactly the NumPy-drawn weights for every cell variant,
stacked and bidirectional, in both precisions and with the what-if's scale. The families are
checked against closed forms (W_hh W_hhᵀ = I, Glorot's limit, the forget bias at 1) and against
Keras' own initialisers, drawn for the same shapes.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.keras_side import model
from rnnviz.recurrence import initial

# Every cell × reset_after (GRU only) × layers × bidirectional.
VARIANTS = [
    (cell, reset_after, layers, bidi)
    for cell in ("simple", "lstm", "gru")
    for reset_after in ((True, False) if cell == "gru" else (True,))
    for layers, bidi in itertools.product((1, 2), (False, True))
]


def _config(i: int, cell: str, reset_after: bool, layers: int, bidi: bool, **extra) -> RNNConfig:
    rng = np.random.default_rng(2000 + i)
    T, D, M, K = (int(v) for v in rng.integers(1, [9, 5, 7, 4]))
    return RNNConfig(
        N=2, T=T, D=D, M=M, K=K, seed=i, cell=cell, reset_after=reset_after, layers=layers,
        bidirectional=bidi, **extra,
    )  # fmt: skip


@pytest.mark.parametrize(
    "i, cell, reset_after, layers, bidi",
    [(i, *v) for i, v in enumerate(VARIANTS)],
    ids=[f"{c}-ra{int(r)}-L{L}-bi{int(b)}" for c, r, L, b in VARIANTS],
)
@pytest.mark.parametrize(
    "extra", [{}, {"dtype": "float64", "whh_scale": 1.5}], ids=["f32", "f64x1.5"]
)
def test_keras_holds_the_numpy_drawn_weights(i, cell, reset_after, layers, bidi, extra):
    c = _config(i, cell, reset_after, layers, bidi, **extra)
    mine = initial.weights_of(c)
    theirs = model.build(c).weights()
    assert list(mine) == list(theirs), "the names, in the order of get_weights()"
    for name, W in theirs.items():
        assert W.dtype == np.dtype(c.dtype), name
        assert mine[name].flags.c_contiguous, f"{name}: C order, as get_weights gives it"
        np.testing.assert_array_equal(mine[name], W, err_msg=f"{name}: Mine vs Keras' for {c}")


@pytest.mark.parametrize("cell, reset_after", [("simple", True), ("lstm", True), ("gru", False)])
def test_the_families_in_closed_form(cell, reset_after):
    c = RNNConfig(D=7, M=6, K=3, cell=cell, reset_after=reset_after, layers=2, bidirectional=True)
    W = initial.drawn(c)
    gM = c.variant.blocks * c.M
    for layer, d in c.paths:
        s = {(1, "fwd"): "", (1, "bwd"): "_bwd", (2, "fwd"): "_2", (2, "bwd"): "_2_bwd"}[layer, d]
        W_hh = W["W_hh" + s].astype(np.float64)  # (M, gM)
        np.testing.assert_allclose(W_hh @ W_hh.T, np.eye(c.M), atol=1e-6, err_msg=f"W_hh{s}")
        D_l = c.width(layer)
        limit = np.sqrt(6 / (D_l + gM))
        assert W["W_xh" + s].shape == (D_l, gM)
        assert np.abs(W["W_xh" + s]).max() <= limit
        b = W["b_h" + s]
        if cell == "lstm":  # blocks i, f, g, o
            np.testing.assert_array_equal(b[c.M : 2 * c.M], 1.0)
            b = np.concatenate([b[: c.M], b[2 * c.M :]])
        assert np.abs(b).max() <= initial.BIAS_SCALE and np.abs(b).max() > 0
    assert np.abs(W["W_o"]).max() <= np.sqrt(6 / (2 * c.M + c.K))
    assert W["W_o"].shape == (2 * c.M, c.K) and W["b_o"].shape == (c.K,)


def test_the_families_against_keras_own_initialisers():
    """Drawn at the same large shapes, ours and Keras' share the family's moments: the
    same bound and variance for Glorot-uniform, the same singular values (all 1) for
    orthogonal, and the same uniform ±0.1 for the biases."""
    keras, _ = model._keras()
    rng = np.random.default_rng(0)
    shape = (64, 1024)
    ours = initial.glorot_uniform(rng, shape)  # (64, 1024)
    theirs = keras.initializers.GlorotUniform(seed=1)(shape).numpy()  # (64, 1024)
    limit = np.sqrt(6 / sum(shape))
    for W in (ours, theirs):
        assert limit * 0.99 < np.abs(W).max() <= limit
    np.testing.assert_allclose(ours.var(), theirs.var(), rtol=0.02)
    ours = initial.orthogonal(rng, (256, 1024))  # (256, 1024)
    theirs = keras.initializers.Orthogonal(seed=1)((256, 1024)).numpy()  # (256, 1024)
    for W in (ours, theirs):
        np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 1.0, atol=1e-5)
    np.testing.assert_allclose(ours.var(), theirs.var(), rtol=0.05)
    ours = initial.uniform_bias(rng, (100_000,))
    theirs = keras.initializers.RandomUniform(-0.1, 0.1, seed=1)((100_000,)).numpy()
    np.testing.assert_allclose(ours.var(), theirs.var(), rtol=0.02)


def test_the_seed_decides_and_a_new_layer_changes_none_before_it():
    c = RNNConfig(cell="gru", M=4)
    again = initial.drawn(c)
    for name, W in initial.drawn(c).items():
        np.testing.assert_array_equal(W, again[name], err_msg=name)
    other = initial.drawn(c.replace(seed=c.seed + 1))
    assert not np.array_equal(other["W_hh"], again["W_hh"])
    deeper = initial.drawn(c.replace(layers=2))
    for name in ("W_xh", "W_hh", "b_h"):
        np.testing.assert_array_equal(deeper[name], again[name], err_msg=name)
    # N, X and the precision draw nothing: float64 holds the float32 numbers, widened
    wide = initial.weights_of(c.replace(N=7, dtype="float64", input="pulse"))
    for name, W in again.items():
        np.testing.assert_array_equal(wide[name], W.astype(np.float64), err_msg=name)


def test_imported_weights_are_taken_as_given_and_scaled():
    c = RNNConfig(M=3, whh_scale=0.5)
    given = {k: np.ones_like(v) for k, v in initial.drawn(c).items()}
    W = initial.weights_of(c, given)
    np.testing.assert_array_equal(W["W_hh"], 0.5)
    np.testing.assert_array_equal(W["W_xh"], 1.0)
    assert given["W_hh"][0, 0] == 1.0, "the given arrays are not changed"


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"cell": "lstm", "bug": "whh_transposed"},
        {"layers": 2, "bidirectional": True, "return_sequences": True},
    ],
)
def test_the_numpy_side_first_then_keras_is_the_whole_run(query):
    """What the page draws first (``pipeline.recur``: NumPy alone, on the weights drawn here)
    joined to what Keras computes later (``pipeline.check``) is the run ``execute`` computes
    in one go, array for array; before Keras is in, the run says so and the step's y is
    NumPy's alone."""
    from rnnviz import pipeline

    c = RNNConfig(**query)
    first = pipeline.recur(c, initial.weights_of(c))
    assert not first.checked and first.y_keras is None and first.agreement is None
    out = pipeline.output_step(first, 0, c.T)
    assert out.y_keras is None and out.y_numpy.shape == (c.K,)
    whole = first.joined(pipeline.check(first, model.build(c)))
    again = pipeline.execute(c)
    assert whole.checked and whole.summary == again.summary
    np.testing.assert_array_equal(whole.y_keras, again.y_keras)
    np.testing.assert_array_equal(whole.y_numpy, again.y_numpy)
    assert whole.agreement.max_abs_diff == again.agreement.max_abs_diff
    for mine, theirs in zip(whole.paths, again.paths, strict=True):
        for name, W in theirs.weights.items():
            np.testing.assert_array_equal(mine.weights[name], W, err_msg=name)
        for key, v in theirs.trace.items():
            np.testing.assert_array_equal(mine.trace[key], v, err_msg=key)
        if theirs.keras_h is not None:  # a bug's run keeps Keras' h_t for the step panel
            np.testing.assert_array_equal(mine.keras_h, theirs.keras_h)
    assert whole.diverges_from_t == again.diverges_from_t
    with pytest.raises(ValueError, match="Keras' side already"):
        whole.joined(pipeline.check(first, model.build(c)))
