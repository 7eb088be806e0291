"""The NumPy recurrences against Keras, and cases small enough to check by hand.

Keras is the independent reference: each case builds the Keras model, loads random
weights (non-zero biases everywhere, so a dropped bias cannot hide) into both sides
and compares y, then every layer's whole output sequence, then the gates and the
cell state step by step against Keras' own cell, or, where Keras exposes nothing (a
gate's activation), against a small float64 formula written out in this file.
"""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.pipeline import execute
from rnnviz.recurrence import forward
from rnnviz.recurrence.agreement import TOLERANCE, compare
from rnnviz.recurrence.cells import ShapeError, cell_of, suffix
from rnnviz.recurrence.network import numpy_forward
from rnnviz.tasks import make_X

# Every cell × reset_after (GRU only) × return_sequences × layers × bidirectional.
VARIANTS = [
    (cell, reset_after, seq, layers, bidi)
    for cell in ("simple", "lstm", "gru")
    for reset_after in ((True, False) if cell == "gru" else (True,))
    for seq, layers, bidi in itertools.product((False, True), (1, 2), (False, True))
]


def _variant_config(i: int, cell, reset_after, seq, layers, bidi) -> RNNConfig:
    """Small random sizes, seeded by the case's index; the 1s turn up too."""
    rng = np.random.default_rng(1000 + i)
    N, T, D, M, K = (int(v) for v in rng.integers(1, [7, 9, 5, 7, 4]))
    return RNNConfig(
        N=N,
        T=T,
        D=D,
        M=M,
        K=K,
        seed=i,
        cell=cell,
        reset_after=reset_after,
        return_sequences=seq,
        layers=layers,
        bidirectional=bidi,
    )


def _random_weights(net, rng) -> dict[str, np.ndarray]:
    """Keras-shaped random weights for every path and the head."""
    return {k: rng.normal(0, 0.5, v.shape).astype(np.float32) for k, v in net.weights().items()}


@pytest.mark.parametrize(
    "i, variant",
    list(enumerate(VARIANTS)),
    ids=[f"{c}-ra{int(r)}-seq{int(s)}-L{L}-bi{int(b)}" for c, r, s, L, b in VARIANTS],
)
def test_matches_keras(i, variant):
    import keras

    from rnnviz.keras_side.model import build

    c = _variant_config(i, *variant)
    net = build(c)
    W = _random_weights(net, np.random.default_rng(i))
    net.set_weights(W)
    X = make_X(c.N, c.T, c.D, c.seed)  # (N, T, D)

    y_theirs = net(X)  # (N, K) or (N, T, K)
    traces, y_mine = numpy_forward(c, X, W)
    assert y_mine.shape == y_theirs.shape == ((c.N, c.T, c.K) if c.return_sequences else (c.N, c.K))
    np.testing.assert_allclose(
        y_mine,
        y_theirs,
        rtol=0,
        atol=TOLERANCE,
        err_msg=f"y for {c}\nMine:\n{y_mine}\nTheirs (Keras):\n{y_theirs}",
    )

    # Every layer's output sequence: the same model with return_sequences everywhere exposes
    # each layer's (N, T, M·directions) output, both directions side by side as in Keras.
    probe = build(c.replace(return_sequences=True))
    probe.set_weights(W)
    outputs = [layer.output for layer in probe.model.layers[1:-1]]
    seqs = keras.Model(probe.model.input, outputs)(X)
    seqs = [seqs] if c.layers == 1 else seqs
    for layer, theirs in enumerate(seqs, start=1):
        mine = np.concatenate([traces[(layer, d)]["h"] for d in ("fwd", "bwd")[: c.directions]], -1)
        np.testing.assert_allclose(
            mine, np.asarray(theirs), rtol=0, atol=TOLERANCE, err_msg=f"layer {layer} h_t, {c}"
        )


def _keras_cell_steps(cell_key, reset_after, X, W_xh, W_hh, b_h):
    """h_t (and c_t) per step from Keras' own cell object, called one step at a time."""
    import keras

    M = W_hh.shape[0]
    layer = {"simple": keras.layers.SimpleRNNCell, "lstm": keras.layers.LSTMCell}.get(cell_key)
    cell = layer(M) if layer else keras.layers.GRUCell(M, reset_after=reset_after)
    cell.build((None, X.shape[-1]))
    cell.set_weights([W_xh, W_hh, b_h])
    N, T, _ = X.shape
    state = [np.zeros((N, M), np.float32) for _ in range(2 if cell_key == "lstm" else 1)]
    hs, cs = [], []
    for t in range(T):
        h, state = cell(X[:, t], state, training=False)
        state = [np.asarray(s) for s in (state if isinstance(state, list | tuple) else [state])]
        hs.append(np.asarray(h))
        if cell_key == "lstm":
            cs.append(state[1])
    return np.stack(hs, 1), (np.stack(cs, 1) if cs else None)  # (N, T, M) each


def _sigma(z):
    return 1 / (1 + np.exp(-z))


def _gates_by_formula(cell_key, reset_after, X, W_xh, W_hh, b_h, h):
    """The gates from their textbook formulas, in float64, one sample at a time.

    h (N, T, M) is the trace under test: its h_{t-1} feeds the formula for step t.
    """
    X, W_xh, W_hh, b_h, h = (a.astype(np.float64) for a in (X, W_xh, W_hh, b_h, h))
    N, T, _ = X.shape
    M = W_hh.shape[0]
    out = {}
    for n, t in itertools.product(range(N), range(T)):
        x = X[n, t]  # (D,)
        h_prev = h[n, t - 1] if t else np.zeros(M)  # (M,)
        blocks = lambda v: [v[k * M : (k + 1) * M] for k in range(v.shape[-1] // M)]  # noqa: E731
        if cell_key == "lstm":
            i, f, g, o = blocks(x @ W_xh + h_prev @ W_hh + b_h)
            values = {"i": _sigma(i), "f": _sigma(f), "g": np.tanh(g), "o": _sigma(o)}
        else:
            bx, bh = (b_h[0], b_h[1]) if reset_after else (b_h, np.zeros(3 * M))
            xz, xr, xh = blocks(x @ W_xh + bx)
            Uz, Ur, Uh = (W_hh[:, k * M : (k + 1) * M] for k in range(3))
            bz, br, bhh = blocks(bh)
            z, r = _sigma(xz + h_prev @ Uz + bz), _sigma(xr + h_prev @ Ur + br)
            cand = xh + r * (h_prev @ Uh + bhh) if reset_after else xh + (r * h_prev) @ Uh
            values = {"z": z, "r": r, "hh": np.tanh(cand)}
        for key, v in values.items():
            out.setdefault(key, np.zeros((N, T, M)))[n, t] = v
    return out


@pytest.mark.parametrize(
    "cell_key, reset_after", [("simple", True), ("lstm", True), ("gru", True), ("gru", False)]
)
def test_states_and_gates_step_by_step(cell_key, reset_after):
    rng = np.random.default_rng(7)
    N, T, D, M = 3, 6, 4, 5
    blocks = len(cell_of(cell_key, reset_after).gates) or 1
    X = rng.normal(size=(N, T, D)).astype(np.float32)  # (N, T, D)
    W_xh = rng.normal(0, 0.5, (D, blocks * M)).astype(np.float32)  # (D, bM)
    W_hh = rng.normal(0, 0.5, (M, blocks * M)).astype(np.float32)  # (M, bM)
    b_shape = (2, blocks * M) if cell_key == "gru" and reset_after else (blocks * M,)
    b_h = rng.normal(0, 0.5, b_shape).astype(np.float32)
    trace = cell_of(cell_key, reset_after).recurrence(X, W_xh, W_hh, b_h)

    h_keras, c_keras = _keras_cell_steps(cell_key, reset_after, X, W_xh, W_hh, b_h)
    np.testing.assert_allclose(trace["h"], h_keras, atol=TOLERANCE, err_msg="h_t vs Keras' cell")
    if cell_key == "lstm":
        np.testing.assert_allclose(trace["c"], c_keras, atol=TOLERANCE, err_msg="c_t vs Keras")
    if cell_key == "simple":
        return
    expected = _gates_by_formula(cell_key, reset_after, X, W_xh, W_hh, b_h, trace["h"])
    for key, theirs in expected.items():
        np.testing.assert_allclose(
            trace[key], theirs, atol=1e-6, err_msg=f"gate {key}: Mine vs the formula"
        )
    # And the state update the page shows, from the traced gates alone.
    if cell_key == "lstm":
        c_prev = np.concatenate([np.zeros((N, 1, M)), trace["c"][:, :-1]], 1)  # (N, T, M)
        np.testing.assert_allclose(
            trace["c"], trace["f"] * c_prev + trace["i"] * trace["g"], atol=1e-6
        )
        np.testing.assert_allclose(trace["h"], trace["o"] * np.tanh(trace["c"]), atol=1e-6)
    else:
        h_prev = np.concatenate([np.zeros((N, 1, M)), trace["h"][:, :-1]], 1)  # (N, T, M)
        np.testing.assert_allclose(
            trace["h"], trace["z"] * h_prev + (1 - trace["z"]) * trace["hh"], atol=1e-6
        )


def test_default_run_agrees_and_weights_have_the_notebook_shapes():
    run = execute(RNNConfig())
    shapes = {k: v.shape for k, v in run.weights.items()}
    assert shapes == {"W_xh": (3, 5), "W_hh": (5, 5), "b_h": (5,), "W_o": (5, 2), "b_o": (2,)}
    assert run.y_keras.shape == run.y_numpy.shape == (10, 2)
    assert run.trace["h"].shape == run.trace["a"].shape == (10, 10, 5)
    assert run.agreement.agree, run.agreement.verdict
    assert run.agreement.verdict.startswith("Same output (max |Δ| = ")


def test_lstm_forget_bias_starts_at_one_and_every_other_bias_small_and_nonzero():
    run = execute(RNNConfig(cell="lstm"))
    b_i, b_f, b_g, b_o = np.split(run.weights["b_h"], 4)  # (M,) each
    np.testing.assert_array_equal(b_f, 1.0)
    # non-zero, so that a hand-written recurrence that forgets a bias cannot agree
    for b in (b_i, b_g, b_o, run.weights["b_o"]):
        assert b.all() and np.abs(b).max() <= 0.1, b


def test_same_seed_same_run_other_seed_other_weights():
    a, b = execute(RNNConfig(seed=7)), execute(RNNConfig(seed=7))
    c = execute(RNNConfig(seed=8))
    for name in a.weights:
        np.testing.assert_array_equal(a.weights[name], b.weights[name], err_msg=name)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y_keras, b.y_keras)
    assert not np.allclose(a.weights["W_xh"], c.weights["W_xh"])
    assert not np.allclose(a.X, c.X)


def test_backward_weights_differ_from_forward():
    run = execute(RNNConfig(bidirectional=True))
    assert not np.allclose(run.weights["W_xh"], run.weights["W_xh_bwd"])


def test_hand_checkable_constant_weights():
    """SimpleRNN, D = M = K = 1, every weight 0.5, x = [1, 2]:

    h_1 = tanh(0.5·1 + 0.5·0   + 0.5) = tanh(1.0)    = 0.7615942
    h_2 = tanh(0.5·2 + 0.5·h_1 + 0.5) = tanh(1.8808) = 0.9545630
    y   = 0.5·h_2 + 0.5                            = 0.9772815
    """
    c = RNNConfig(N=1, T=2, D=1, M=1, K=1)
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
    traces, y = numpy_forward(c, X, W)
    trace = traces[(1, "fwd")]
    np.testing.assert_allclose(trace["a"][0, :, 0], [1.0, 1.5 + 0.5 * h_1], rtol=1e-6)
    np.testing.assert_allclose(trace["h"][0, :, 0], [h_1, h_2], rtol=1e-6)
    np.testing.assert_allclose(y, [[0.5 * h_2 + 0.5]], rtol=1e-6)
    assert h_1 == pytest.approx(0.7615942, abs=1e-7)
    assert h_2 == pytest.approx(0.9545630, abs=1e-6)
    assert 0.5 * h_2 + 0.5 == pytest.approx(0.9772815, abs=1e-6)

    from rnnviz.keras_side.model import build

    net = build(c)
    net.set_weights(W)
    np.testing.assert_allclose(net(X), y, rtol=0, atol=1e-6, err_msg="Keras on the hand case")


def test_hand_checkable_lstm():
    """LSTM, D = M = K = 1, all kernels 0, biases (i, f, g, o) = (0, 0, 1, 0), x = [0, 0]:

    every gate σ(0) = 0.5 and the candidate g = tanh(1) = 0.7615942, so
    c_1 = 0.5·0      + 0.5·0.7615942 = 0.3807971,  h_1 = 0.5·tanh(c_1) = 0.1816997
    c_2 = 0.5·c_1    + 0.5·0.7615942 = 0.5711956,  h_2 = 0.5·tanh(c_2) = 0.2581184
    """
    c = RNNConfig(N=1, T=2, D=1, M=1, K=1, cell="lstm")
    X = np.zeros((1, 2, 1), np.float32)  # (1, 2, 1)
    W = {
        "W_xh": np.zeros((1, 4), np.float32),
        "W_hh": np.zeros((1, 4), np.float32),
        "b_h": np.array([0, 0, 1, 0], np.float32),
        "W_o": np.ones((1, 1), np.float32),
        "b_o": np.zeros(1, np.float32),
    }
    traces, y = numpy_forward(c, X, W)
    trace = traces[(1, "fwd")]
    np.testing.assert_allclose(trace["c"][0, :, 0], [0.3807971, 0.5711956], atol=1e-6)
    np.testing.assert_allclose(trace["h"][0, :, 0], [0.1816997, 0.2581184], atol=1e-6)
    np.testing.assert_allclose(trace["f"], 0.5)

    from rnnviz.keras_side.model import build

    net = build(c)
    net.set_weights(W)
    np.testing.assert_allclose(net(X), y, atol=1e-6, err_msg="Keras on the LSTM hand case")


def test_simple_step_terms_add_up_to_the_trace():
    run = execute(RNNConfig(N=4, T=6, D=2, M=3, K=2, seed=3))
    for n, t in [(0, 1), (3, 4), (2, 6)]:
        terms = {term.name: term.value for term in run.step_terms(n, t)}
        parts = [terms[r"x_t W_{xh}"], terms[r"h_{t-1} W_{hh}"], terms["b_h"]]
        np.testing.assert_allclose(sum(parts), terms["a_t"], atol=1e-6)
        np.testing.assert_allclose(terms["a_t"], run.trace["a"][n, t - 1], atol=1e-6)
        np.testing.assert_allclose(terms["h_t"], run.h[n, t - 1], atol=1e-6)
    first = {term.name: term.value for term in run.step_terms(0, 1)}
    assert not first[r"h_{t-1} W_{hh}"].any(), "h_0 is zero"
    with pytest.raises(ValueError, match="1 <= t <= T = 6, got n = 0, t = 0"):
        run.step_terms(0, 0)


@pytest.mark.parametrize("cell, reset_after", [("lstm", True), ("gru", True), ("gru", False)])
@pytest.mark.parametrize("direction", ["fwd", "bwd"])
def test_gated_step_terms_reproduce_the_state(cell, reset_after, direction):
    c = RNNConfig(
        N=3,
        T=5,
        D=2,
        M=4,
        K=2,
        cell=cell,
        reset_after=reset_after,
        bidirectional=True,
        layers=2,
        seed=5,
    )
    run = execute(c)
    for layer, n, t in [(1, 0, 1), (2, 2, 3), (2, 1, 5)]:
        p = run.path(layer, direction)
        terms = {term.name: term.value for term in run.step_terms(n, t, layer, direction)}
        np.testing.assert_allclose(
            terms["h_t"], p.trace["h"][n, t - 1], atol=1e-6, err_msg=f"{p.label}, n = {n}, t = {t}"
        )
        start = (t == 1) if direction == "fwd" else (t == c.T)
        before = ("c_{t%s1}" if cell == "lstm" else "h_{t%s1}") % (
            "-" if direction == "fwd" else "+"
        )
        assert (not terms[before].any()) == start


def test_agreement_detects_a_real_mistake():
    run = execute(RNNConfig(seed=1))
    wrong = dict(run.weights, W_hh=run.weights["W_hh"].T)  # the classic layout slip
    _, y_wrong = numpy_forward(run.config, run.X, wrong)
    verdict = compare(run.y_keras, y_wrong)
    assert not verdict.agree
    assert verdict.verdict.startswith("Different output")
    assert verdict.per_sample.shape == (10,) and verdict.per_output.shape == (2,)


def test_tolerance_scales_with_the_outputs():
    y = np.array([[20.0, -3.0]], np.float32)  # (1, 2)
    assert compare(y, y + 1e-4).tolerance == pytest.approx(2e-4)
    assert compare(y, y + 1e-4).agree and not compare(y, y + 3e-4).agree
    small = np.array([[0.5, -0.1]], np.float32)  # (1, 2): never below the absolute 1e-5
    assert compare(small, small).tolerance == TOLERANCE
    assert compare(small, small + 2e-5).verdict == "Different output (max |Δ| = 2.0e-05 > 1e-05)"
    # float64 results get float64's tolerance, scaled the same way
    assert compare(y.astype(np.float64), y + 1e-11).tolerance == pytest.approx(2e-11)
    small = small.astype(np.float64)
    assert compare(small, small + 2e-12).verdict.endswith("> 1e-12)")


def test_per_step_agreement_with_return_sequences():
    run = execute(RNNConfig(cell="gru", return_sequences=True, T=7))
    assert run.agreement.per_step.shape == (7,)
    assert run.agreement.per_step.max() == run.agreement.max_abs_diff
    assert run.agreement.agree


def test_dense_is_the_head():
    h_T = np.array([[1.0, -1.0]], np.float32)  # (1, 2)
    W_o = np.array([[2.0], [3.0]], np.float32)  # (2, 1)
    np.testing.assert_allclose(forward.dense(h_T, W_o, np.array([0.5], np.float32)), [[-0.5]])


def test_suffixes():
    assert [suffix(*p) for p in RNNConfig(layers=2, bidirectional=True).paths] == [
        "",
        "_bwd",
        "_2",
        "_2_bwd",
    ]


def test_recurrence_does_not_import_keras():
    code = (
        "import sys, numpy as np\n"
        "from rnnviz.pipeline import numpy_forward\n"
        "from rnnviz.config import RNNConfig\n"
        "from rnnviz import config, inputs, recurrence, shapes, tasks, views\n"
        "from rnnviz.shapes import ledger, layouts\n"
        "from rnnviz.views import figures, forgetting, gradients, player_data, weight_maps\n"
        "X = np.ones((2, 3, 1), np.float32)\n"
        "W = {k: np.ones(s, np.float32) for k, s in {'W_xh': (1, 8), 'W_hh': (2, 8), 'b_h': (8,),"
        " 'W_o': (2, 1), 'b_o': (1,)}.items()}\n"
        "numpy_forward(RNNConfig(N=2, T=3, D=1, M=2, K=1, cell='lstm'), X, W)\n"
        "bad = [m for m in ('keras', 'tensorflow', 'streamlit') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(("cell", "reset_after"), [("lstm", True), ("gru", True), ("gru", False)])
def test_the_gated_cells_read_every_step_whatever_the_projection_block(
    cell, reset_after, monkeypatch
):
    """The gated cells project x_t W_xh a block of steps at a time: blocks of 1, 2 and 3
    steps (T = 7 ends inside a block) give the trace of one block holding all 7 steps."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2, 7, 3), dtype=np.float32)  # (N, T, D)
    W = cell_of(cell, reset_after).weights
    shapes = {"W_xh": (3, 12 if cell == "lstm" else 9), "W_hh": (3, 12 if cell == "lstm" else 9)}
    shapes["b_h"] = (2, 9) if cell == "gru" and reset_after else (shapes["W_xh"][1],)
    weights = [rng.standard_normal(shapes[w.symbol], dtype=np.float32) for w in W]
    one_block = cell_of(cell, reset_after).recurrence(X, *weights)
    for steps in (1, 2, 3):
        # N·gM·4 bytes is one step's projection: a budget of that many steps' worth
        monkeypatch.setattr(forward, "PROJECTION_BLOCK_BYTES", steps * 2 * weights[0].shape[1] * 4)
        blocked = cell_of(cell, reset_after).recurrence(X, *weights)
        for k, v in one_block.items():
            np.testing.assert_allclose(blocked[k], v, rtol=1e-6, atol=1e-6, err_msg=f"{k}, {steps}")


# ---- the NumPy boundary: every weight numpy_forward reads is checked, the head's too


def _stacked_weights(config: RNNConfig) -> dict[str, np.ndarray]:
    """Zero weights of every shape the config's model has, by export name, derived here from
    the sizes alone: W_xh (D_l, gM), W_hh (M, gM), b_h (gM,) per path, W_o (M·directions, K),
    b_o (K,)."""
    c = config
    gM = {"simple": 1, "lstm": 4, "gru": 3}[c.cell] * c.M
    out = {}
    for layer in range(1, c.layers + 1):
        D_l = c.D if layer == 1 else c.M * c.directions
        for d in ("fwd", "bwd")[: c.directions]:
            sfx = suffix(layer, d)
            out |= {f"W_xh{sfx}": (D_l, gM), f"W_hh{sfx}": (c.M, gM), f"b_h{sfx}": (gM,)}
    out |= {"W_o": (c.M * c.directions, c.K), "b_o": (c.K,)}
    return {k: np.zeros(shape, np.float32) for k, shape in out.items()}


BOUNDARY = RNNConfig(N=2, T=3, D=2, M=4, K=3, cell="lstm", layers=2, bidirectional=True)


def test_the_hand_derived_shapes_run():
    X = np.ones((2, 3, 2), np.float32)  # (N, T, D)
    _, y = numpy_forward(BOUNDARY, X, _stacked_weights(BOUNDARY))
    assert y.shape == (2, 3)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"W_hh_2": None},
            "W_hh_2 is missing; LSTM needs W_xh_2, W_hh_2, b_h_2",
        ),
        (
            {"W_xh_2_bwd": (4, 16)},
            "W_xh_2_bwd must be (D, 4M) = (8, 16) for LSTM(4) reading D = 8 values per step, "
            "got (4, 16)",
        ),
        ({"b_h_bwd": (4,)}, "b_h_bwd must be (4M,) = (16,) for LSTM(4)"),
        (
            {"W_o": (3, 8)},
            "W_o must be (2M, K) = (8, 3) for Dense(3) reading the last layer's 8 values per "
            "step, got (3, 8)",
        ),
        ({"b_o": None}, "b_o is missing; Dense needs W_o, b_o"),
        ({"b_o": (3, 1)}, "b_o must be (K,) = (3,) for Dense(3)"),
    ],
)
def test_numpy_forward_names_the_weight_that_does_not_fit(change, message):
    weights = _stacked_weights(BOUNDARY)
    for name, shape in change.items():
        if shape is None:
            del weights[name]
        else:
            weights[name] = np.zeros(shape, np.float32)
    X = np.ones((2, 3, 2), np.float32)  # (N, T, D)
    with pytest.raises(ShapeError) as err:
        numpy_forward(BOUNDARY, X, weights)
    assert str(err.value).startswith(message), str(err.value)


def test_a_one_direction_head_is_named_as_the_ledger_names_it():
    c = RNNConfig(N=2, T=3, D=2, M=5, K=2)  # the notebook's SimpleRNN(5) -> Dense(2)
    weights = _stacked_weights(c)
    weights["W_o"] = np.zeros((2, 5), np.float32)  # transposed: (K, M)
    with pytest.raises(ShapeError) as err:
        numpy_forward(c, np.ones((2, 3, 2), np.float32), weights)  # X (N, T, D)
    assert str(err.value) == (
        "W_o must be (M, K) = (5, 2) for Dense(2) reading the last layer's 5 values per step, "
        "got (2, 5)"
    )
