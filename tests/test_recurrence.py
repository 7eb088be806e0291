"""The NumPy recurrence against Keras, and one case small enough to check by hand.

Keras is the independent reference: each case builds the Keras model, copies
its weights into the NumPy recurrence and compares y (and, through a second
Keras model that returns sequences, every h_t).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from rnnviz import recurrence
from rnnviz.agreement import TOLERANCE, compare
from rnnviz.config import RNNConfig
from rnnviz.data import make_X
from rnnviz.run import execute, numpy_forward

# (N, T, D, M, K): the notebook's sizes, the degenerate 1s, and random small ones.
EDGE_SIZES = [(10, 10, 3, 5, 2), (1, 7, 3, 4, 2), (6, 1, 3, 4, 2), (5, 8, 1, 3, 1), (1, 1, 1, 1, 1)]
_rng = np.random.default_rng(20261128)
RANDOM_SIZES = [tuple(int(v) for v in _rng.integers(1, [12, 15, 7, 17, 5])) for _ in range(6)]


def _random_weights(rng, D, M, K):
    """Non-zero biases everywhere, so a dropped bias cannot go unnoticed."""
    return {
        "W_xh": rng.normal(0, 0.6, (D, M)).astype(np.float32),  # (D, M)
        "W_hh": rng.normal(0, 0.4, (M, M)).astype(np.float32),  # (M, M)
        "b_h": rng.normal(0, 0.3, M).astype(np.float32),  # (M,)
        "W_o": rng.normal(0, 0.6, (M, K)).astype(np.float32),  # (M, K)
        "b_o": rng.normal(0, 0.3, K).astype(np.float32),  # (K,)
    }


@pytest.mark.parametrize("N,T,D,M,K", EDGE_SIZES + RANDOM_SIZES)
def test_simple_rnn_matches_keras(N, T, D, M, K):
    import keras

    from rnnviz.model import build

    seed = N * 1000 + T * 100 + D * 10 + M
    net = build(T, D, M, K, seed)
    W = _random_weights(np.random.default_rng(seed), D, M, K)
    net.set_weights(W)
    X = make_X(N, T, D, seed)  # (N, T, D)

    y_theirs = net(X)  # (N, K)
    trace, y_mine = numpy_forward("simple", X, W)  # (N, T, M) each, (N, K)
    np.testing.assert_allclose(
        y_mine,
        y_theirs,
        rtol=0,
        atol=TOLERANCE,
        err_msg=f"y at (N,T,D,M,K)={(N, T, D, M, K)}\nMine:\n{y_mine}\nTheirs (Keras):\n{y_theirs}",
    )

    # Every h_t: the same cell with return_sequences=True exposes Keras' whole trace.
    inputs = keras.Input((T, D))
    layer = keras.layers.SimpleRNN(M, return_sequences=True)
    seq_model = keras.Model(inputs, layer(inputs))
    layer.set_weights([W["W_xh"], W["W_hh"], W["b_h"]])
    h_theirs = seq_model(X).numpy()  # (N, T, M)
    np.testing.assert_allclose(
        trace["h"],
        h_theirs,
        rtol=0,
        atol=TOLERANCE,
        err_msg=f"h_t at (N,T,D,M,K)={(N, T, D, M, K)}",
    )
    np.testing.assert_allclose(np.tanh(trace["a"]), trace["h"], rtol=0, atol=1e-7)


def test_default_run_agrees_and_weights_have_the_notebook_shapes():
    run = execute(RNNConfig())
    shapes = {k: v.shape for k, v in run.weights.items()}
    assert shapes == {"W_xh": (3, 5), "W_hh": (5, 5), "b_h": (5,), "W_o": (5, 2), "b_o": (2,)}
    assert run.y_keras.shape == run.y_numpy.shape == (10, 2)
    assert run.trace["h"].shape == run.trace["a"].shape == (10, 10, 5)
    assert run.agreement.agree, run.agreement.verdict
    assert run.agreement.verdict.startswith("Same output (max |Δ| = ")


def test_same_seed_same_run_other_seed_other_weights():
    a, b = execute(RNNConfig(seed=7)), execute(RNNConfig(seed=7))
    c = execute(RNNConfig(seed=8))
    for name in a.weights:
        np.testing.assert_array_equal(a.weights[name], b.weights[name], err_msg=name)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y_keras, b.y_keras)
    assert not np.allclose(a.weights["W_xh"], c.weights["W_xh"])
    assert not np.allclose(a.X, c.X)


def test_hand_checkable_constant_weights():
    """D = M = K = 1, every weight 0.5, x = [1, 2]:

    h_1 = tanh(0.5·1 + 0.5·0   + 0.5) = tanh(1.0)    = 0.7615942
    h_2 = tanh(0.5·2 + 0.5·h_1 + 0.5) = tanh(1.8808) = 0.9545630
    y   = 0.5·h_2 + 0.5                            = 0.9772815
    """
    X = np.array([[[1.0], [2.0]]], dtype=np.float32)  # (1, 2, 1)
    W = {
        k: np.full(s, 0.5, np.float32)
        for k, s in {
            "W_xh": (1, 1),
            "W_hh": (1, 1),
            "b_h": (1,),
            "W_o": (1, 1),
            "b_o": (1,),
        }.items()
    }
    h_1 = np.tanh(1.0)
    h_2 = np.tanh(1.5 + 0.5 * h_1)
    trace, y = numpy_forward("simple", X, W)
    np.testing.assert_allclose(trace["a"][0, :, 0], [1.0, 1.5 + 0.5 * h_1], rtol=1e-6)
    np.testing.assert_allclose(trace["h"][0, :, 0], [h_1, h_2], rtol=1e-6)
    np.testing.assert_allclose(y, [[0.5 * h_2 + 0.5]], rtol=1e-6)
    assert h_1 == pytest.approx(0.7615942, abs=1e-7)
    assert h_2 == pytest.approx(0.9545630, abs=1e-6)
    assert 0.5 * h_2 + 0.5 == pytest.approx(0.9772815, abs=1e-6)

    from rnnviz.model import build

    net = build(T=2, D=1, M=1, K=1, seed=0)
    net.set_weights(W)
    np.testing.assert_allclose(net(X), y, rtol=0, atol=1e-6, err_msg="Keras on the hand case")


def test_step_terms_add_up_to_the_trace():
    run = execute(RNNConfig(N=4, T=6, D=2, M=3, K=2, seed=3))
    for n, t in [(0, 1), (3, 4), (2, 6)]:
        terms = run.step_terms(n, t)
        parts = [terms[r"x_t W_{xh}"], terms[r"h_{t-1} W_{hh}"], terms["b_h"]]
        np.testing.assert_allclose(sum(parts), terms["a_t"], atol=1e-6)
        np.testing.assert_allclose(terms["a_t"], run.trace["a"][n, t - 1], atol=1e-6)
        np.testing.assert_allclose(terms[r"h_t = \tanh(a_t)"], run.h[n, t - 1], atol=1e-6)
    assert not run.step_terms(0, 1)[r"h_{t-1} W_{hh}"].any(), "h_0 is zero"


def test_agreement_detects_a_real_mistake():
    run = execute(RNNConfig(seed=1))
    wrong = dict(run.weights, W_hh=run.weights["W_hh"].T)  # the classic layout slip
    _, y_wrong = numpy_forward("simple", run.X, wrong)
    verdict = compare(run.y_keras, y_wrong)
    assert not verdict.agree
    assert verdict.verdict.startswith("Different output")
    assert verdict.per_sample.shape == (10,) and verdict.per_output.shape == (2,)


def test_dense_is_the_head():
    h_T = np.array([[1.0, -1.0]], np.float32)  # (1, 2)
    W_o = np.array([[2.0], [3.0]], np.float32)  # (2, 1)
    np.testing.assert_allclose(recurrence.dense(h_T, W_o, np.array([0.5], np.float32)), [[-0.5]])


def test_recurrence_does_not_import_keras():
    code = (
        "import sys, numpy as np\n"
        "from rnnviz.run import numpy_forward\n"
        "from rnnviz import config, ledger, figures, agreement\n"
        "X = np.ones((2, 3, 1), np.float32)\n"
        "W = {k: np.ones(s, np.float32) for k, s in {'W_xh': (1, 2), 'W_hh': (2, 2), 'b_h': (2,),"
        " 'W_o': (2, 1), 'b_o': (1,)}.items()}\n"
        "numpy_forward('simple', X, W)\n"
        "bad = [m for m in ('keras', 'tensorflow', 'streamlit') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
