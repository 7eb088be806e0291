"""Backpropagation through time in NumPy against Keras' tf.GradientTape, and by hand.

tf.GradientTape on the same Keras model, with the same random weights (non-zero biases
everywhere), is the independent reference: for every cell and variant, ∂s/∂X (s = Σ y, or
one output y_k) and the last layer's ∂(Σ h_T)/∂h_t must agree to 1e-5 of the gradient's size
in float32 and 1e-10 in float64. A 1-unit SimpleRNN with constant weights has its gradient
in closed form, computed by hand below. Each Keras model is built and traced once per variant.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.pipeline import execute
from rnnviz.recurrence.agreement import GRADIENT_TOLERANCES, relative_error
from rnnviz.tasks import make_X
from rnnviz.views.gradients import gradients, gradients_of, output_seed
from tests.test_recurrence import VARIANTS, _variant_config

IDS = [f"{c}-ra{int(r)}-seq{int(s)}-L{L}-bi{int(b)}" for c, r, s, L, b in VARIANTS]


@functools.cache
def _model(config: RNNConfig):
    """The Keras model of ``config`` with seeded random weights N(0, 0.5²) loaded, and the
    weights: both sides get the same."""
    from rnnviz.keras_side.model import build

    net = build(config)
    rng = np.random.default_rng(config.seed)
    W = {k: rng.normal(0, 0.5, v.shape).astype(config.dtype) for k, v in net.weights().items()}
    net.set_weights(W)
    return net, W


def _assert_gradients_agree(c: RNNConfig, k: int | None = None) -> float:
    """NumPy's dy_dx and dh_T_dh against Keras' for ``c``; the larger relative error."""
    net, W = _model(c.model_config)
    X = make_X(c.N, c.T, c.D, c.seed, c.dtype)  # (N, T, D)
    mine = gradients(c, X, W, k)
    theirs = net.gradients(X, k)
    tolerance = GRADIENT_TOLERANCES[c.dtype]
    assert mine.dy_dx.shape == theirs["dy_dx"].shape == (c.N, c.T, c.D)
    assert mine.dh_T_dh.shape == theirs["dh_T_dh"].shape == (c.N, c.T, c.M)
    for name, m in (("dy_dx", mine.dy_dx), ("dh_T_dh", mine.dh_T_dh)):
        t = theirs[name]
        np.testing.assert_allclose(
            m,
            t,
            rtol=0,
            atol=tolerance * np.abs(t).max(),
            err_msg=f"{name} (k = {k}), relative error {relative_error(m, t):.1e} for {c}\n"
            f"Mine:\n{m}\nTheirs (tf.GradientTape):\n{t}",
        )
    agreement = mine.against(theirs)
    assert agreement.grad_agree, agreement
    return agreement.grad_max_rel_err


@pytest.mark.parametrize("i, variant", list(enumerate(VARIANTS)), ids=IDS)
def test_matches_gradient_tape_float32(i, variant):
    _assert_gradients_agree(_variant_config(i, *variant))


# One variant of each cell in float64, stacked and bidirectional so that every path runs.
FLOAT64 = [(i, v) for i, v in enumerate(VARIANTS) if v[3] == 2 and v[4]][::2]


@pytest.mark.parametrize("i, variant", FLOAT64, ids=[IDS[i] for i, _ in FLOAT64])
def test_matches_gradient_tape_float64(i, variant):
    _assert_gradients_agree(_variant_config(i, *variant).replace(dtype="float64"))


@pytest.mark.parametrize("cell", ["simple", "lstm", "gru"])
def test_one_output_k(cell):
    """y_k alone (k = 1 of K = 3) agrees with Keras, and the K outputs' gradients add up to
    the gradient of their sum. Keras' first call on a short sequence runs eagerly, the
    second through the tf.function: both are checked."""
    c = RNNConfig(N=3, T=5, D=2, M=4, K=3, seed=5, cell=cell, layers=2, bidirectional=True)
    _assert_gradients_agree(c)
    _assert_gradients_agree(c, k=1)
    _, W = _model(c.model_config)
    X = make_X(c.N, c.T, c.D, c.seed)  # (N, T, D)
    each = sum(gradients(c, X, W, k).dy_dx for k in range(c.K))  # (N, T, D)
    total = gradients(c, X, W).dy_dx  # (N, T, D)
    np.testing.assert_allclose(
        each, total, atol=1e-6 * np.abs(total).max(), err_msg="Σ_k ∂y_k/∂X vs ∂(Σ_k y_k)/∂X"
    )


def test_k_out_of_range_names_k_and_K():
    with pytest.raises(ValueError, match=r"k \(the output y_k followed\) must be between 0 and "):
        output_seed(2, 2, "float32")


def test_hand_checkable_constant_weights():
    """SimpleRNN, D = M = K = 1, w_x = 0.5, w_h = 0.8, b = 0.1, w_o = 2, b_o = 0.5, x = [1, 2, −1]:

    h_1 = tanh(0.5 + 0.1)              = tanh(0.6)     = 0.53705,  1 − h_1² = 0.71158
    h_2 = tanh(1.0 + 0.8·0.53705 + 0.1) = tanh(1.52964) = 0.91036,  1 − h_2² = 0.17124
    h_3 = tanh(−0.5 + 0.8·0.91036 + 0.1) = tanh(0.32829) = 0.31698,  1 − h_3² = 0.89952

    ∂h_T/∂x_t = w_x · Π_{τ=t}^{T} (1 − h_τ²) · w_h^{T−t} and ∂y/∂x_t = w_o ∂h_T/∂x_t:
    ∂y/∂x_3 = 2·0.5·0.89952                  = 0.89952
    ∂y/∂x_2 = 2·0.5·0.17124·0.89952·0.8      = 0.12323
    ∂y/∂x_1 = 2·0.5·0.71158·0.17124·0.89952·0.8² = 0.07015
    and ∂h_T/∂h_t = Π_{τ=t+1}^{T} (1 − h_τ²) · w_h^{T−t}: 0.09858, 0.71962, 1.
    """
    w_x, w_h, b, w_o, b_o = 0.5, 0.8, 0.1, 2.0, 0.5
    x = [1.0, 2.0, -1.0]
    T = len(x)
    h = [0.0]  # h_0, then h_1 ... h_T by hand
    for x_t in x:
        h.append(np.tanh(w_x * x_t + w_h * h[-1] + b))
    slope = [1 - h_t**2 for h_t in h]  # tanh'(a_t) = 1 − h_t², index t
    dh_T_dx = [w_x * np.prod(slope[t : T + 1]) * w_h ** (T - t) for t in range(1, T + 1)]
    dh_T_dh = [np.prod(slope[t + 1 : T + 1]) * w_h ** (T - t) for t in range(1, T + 1)]
    by_hand = np.array(dh_T_dx) * w_o  # (T,)
    np.testing.assert_allclose(by_hand, [0.07015, 0.12323, 0.89952], atol=1e-5)
    np.testing.assert_allclose(dh_T_dh, [0.09858, 0.71962, 1.0], atol=1e-5)

    c = RNNConfig(N=1, T=T, D=1, M=1, K=1, dtype="float64")
    values = {"W_xh": w_x, "W_hh": w_h, "b_h": b, "W_o": w_o, "b_o": b_o}
    shapes = {"W_xh": (1, 1), "W_hh": (1, 1), "b_h": (1,), "W_o": (1, 1), "b_o": (1,)}
    W = {k: np.full(shapes[k], v) for k, v in values.items()}
    X = np.array(x).reshape(1, T, 1)  # (1, T, 1)
    mine = gradients(c, X, W)
    from rnnviz.keras_side.model import build

    net = build(c)
    net.set_weights(W)
    theirs = net.gradients(X)
    for who, dy_dx, dh in (
        ("Mine", mine.dy_dx, mine.dh_T_dh),
        ("Theirs (tf.GradientTape)", theirs["dy_dx"], theirs["dh_T_dh"]),
    ):
        np.testing.assert_allclose(dy_dx[0, :, 0], by_hand, rtol=1e-12, err_msg=f"{who} dy_dx")
        np.testing.assert_allclose(dh[0, :, 0], dh_T_dh, rtol=1e-12, err_msg=f"{who} dh_T_dh")
    np.testing.assert_allclose(mine.grad_norm_x, np.abs(by_hand), rtol=1e-12)


def test_planted_bug_changes_no_gradient():
    """A run with a bug planted keeps the buggy trace; its gradients are still the correct
    recurrence's, the same as a clean run's."""
    c = RNNConfig(N=4, T=6, D=3, M=5, K=2, cell="lstm", bidirectional=True)
    net, _ = _model(c.model_config)
    clean = gradients_of(execute(c, keras_model=net))
    buggy = gradients_of(execute(c.replace(bug="whh_transposed"), keras_model=net))
    np.testing.assert_array_equal(buggy.dy_dx, clean.dy_dx)
    np.testing.assert_array_equal(buggy.dh_T_dh, clean.dh_T_dh)
    assert clean.against(net.gradients(execute(c, keras_model=net).X)).grad_agree


def test_norms_per_step_and_path():
    c = RNNConfig(N=4, T=7, D=3, M=5, K=2, cell="gru", layers=2, bidirectional=True)
    _, W = _model(c.model_config)
    g = gradients(c, make_X(c.N, c.T, c.D, c.seed), W)
    assert g.grad_norm_x.shape == (c.T,)
    np.testing.assert_allclose(g.grad_norm_x[2], np.linalg.norm(g.dy_dx[:, 2, :]), rtol=1e-6)
    assert set(g.dy_dh) == set(c.paths)
    assert all(v.shape == (c.T,) for v in g.dy_dh.values())
    # Without return_sequences the head reads the forward h_T alone of that path: each
    # sample's ∂s/∂h_T is W_o's forward rows summed over k, so its norm over N samples is
    # √N times that vector's.
    expected = np.sqrt(c.N) * np.linalg.norm(W["W_o"][: c.M].sum(axis=1))
    np.testing.assert_allclose(g.dy_dh[(2, "fwd")][-1], expected, rtol=1e-6)


@pytest.mark.parametrize("cell", ["simple", "lstm", "gru"])
def test_the_backward_step_terms_add_up_and_follow_the_equation(cell):
    """The step panel's backward mode: δ_{t-1} = δ^rec_{t-1} + δ^out_{t-1}; for the
    SimpleRNN δ^rec is computed from its equation, (δ_t ⊙ (1 − h_t²)) W_hhᵀ, independently
    of the BPTT pass, and must equal what that pass sent back."""
    from rnnviz.views.gradients import gradients_of, step_terms

    r = execute(RNNConfig(cell=cell, N=3, T=5, M=4, seed=2))
    g = gradients_of(r)
    for t in range(1, 6):
        terms = {term.name: term.value for term in step_terms(r, g, 1, t)}
        np.testing.assert_array_equal(terms[r"\delta_t"], g.δ[(1, "fwd")][1, t - 1])
        if t == 1:
            assert len(terms) == 1  # nothing before the first step: h_0 is no parameter
            continue
        rec, out = terms[r"\delta^{\text{rec}}_{t-1}"], terms[r"\delta^{\text{out}}_{t-1}"]
        np.testing.assert_allclose(rec + out, terms[r"\delta_{t-1}"], atol=1e-6, err_msg=cell)
    # δ_T is what the head sends back: W_o summed over the K outputs (s = Σ y)
    np.testing.assert_allclose(g.δ[(1, "fwd")][1, -1], r.head["W_o"].sum(axis=1), rtol=1e-6)
