"""The agreement debugger: precision, planted bugs, and where Keras and NumPy part ways.

Keras stays the reference. A planted bug changes only the NumPy side, so each one must
be caught (agree is false) and must show from the step a reader can work out by hand:
a transposed W_hh hides behind h_0 = 0 at t = 1 and shows at t = 2, a dropped bias shows
at once. Those expected steps are written out here, not read from rnnviz. Two bugs are
also redone by hand in float64 NumPy, so the debugger's buggy side is checked against an
independent implementation of the same mistake.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from rnnviz.config import RNNConfig, from_query
from rnnviz.keras_side.model import build
from rnnviz.pipeline import execute, symptom
from rnnviz.recurrence import bugs
from rnnviz.recurrence.agreement import diverge

# The first step at which each bug shows, for a model whose biases are not zero (as
# rnnviz's start): worked out from the equations, see each reason.
FIRST_STEP = {
    "whh_transposed": 2,  # h_0 = 0: h_{t-1} W_hh is zero at t = 1, whatever W_hh is
    "bias_dropped": 1,  # b_h is added at every step
    "h0_ones": 1,  # h_0 is read by step 1
    "h_t_for_h_prev": 2,  # at t = 1 the state read is h_0 = 0 either way
    "torch_gate_order": 1,  # z and r blocks swapped: both gates are used at t = 1
    "activations_swapped": 1,
    "reset_before": 1,  # r_1 ⊙ b' against b': b' is not zero
    "time_reversed": 1,  # step 1 reads x_T instead of x_1
    "bwd_last_index": 1,  # every h_t agrees; the head reads ←h at t = 1, where it ends
}

VARIANTS = {
    "simple": {"cell": "simple"},
    "lstm": {"cell": "lstm"},
    "gru": {"cell": "gru"},
    "gru_reset_before": {"cell": "gru", "reset_after": False},
}
SHAPES = {"simple": (), "bidirectional": ("bidirectional",), "stacked": ("layers",)}


def _config(variant: str, shape: str) -> RNNConfig:
    options = dict(VARIANTS[variant]) | {"N": 6, "T": 7, "D": 3, "M": 4, "K": 2, "seed": 3}
    if shape == "bidirectional":
        options["bidirectional"] = True
    if shape == "stacked":
        options |= {"layers": 2, "bidirectional": True, "return_sequences": True}
    return RNNConfig(**options)


@functools.cache
def _model(config: RNNConfig):
    return build(config)  # one Keras model (and its sequence twin) per variant


def _run(config: RNNConfig):
    return execute(config, _model(config.model_config))


CASES = [
    (variant, shape, bug.name)
    for variant in VARIANTS
    for shape in SHAPES
    for bug in bugs.applicable(_config(variant, shape))
]


def test_every_bug_is_planted_somewhere():
    assert {name for _, _, name in CASES} == set(bugs.BUGS) == set(FIRST_STEP)


@pytest.mark.parametrize("variant, shape, name", CASES, ids=["-".join(c) for c in CASES])
def test_every_planted_bug_is_caught_from_the_step_it_first_matters(variant, shape, name):
    config = _config(variant, shape).replace(bug=name)
    r = _run(config)
    assert not r.agreement.agree, f"{name} in {config}: {r.agreement.verdict}"
    assert r.diverges_from_t == FIRST_STEP[name], (
        f"{name} in {config}: diverges from t = {r.diverges_from_t}, expected "
        f"{FIRST_STEP[name]}; per step max |Δh| = {r.divergence.per_step}"
    )
    sentence = symptom(r)
    assert f"diverges from t = {FIRST_STEP[name]}, {bugs.BUGS[name].symptom}" in sentence
    if r.divergence.t is not None:  # the first difference is in layer 1, going forward
        layer, direction, n, m = r.divergence.where
        assert (layer, direction) == (1, "fwd"), sentence
        gap = np.abs(r.path(1, "fwd").keras_h[n, r.diverges_from_t - 1, m] - r.h[n, 0, m])
        assert r.divergence.per_step[r.diverges_from_t - 1] > r.divergence.tolerance, gap


@pytest.mark.parametrize("variant", VARIANTS)
def test_without_a_bug_every_h_t_agrees(variant):
    config = _config(variant, "stacked")
    r = execute(config, _model(config.model_config), states=True)
    assert r.agreement.agree and r.diverges_from_t is None
    assert r.divergence.max_abs_diff <= r.divergence.tolerance
    assert symptom(r) is None


def test_transposed_whh_against_a_hand_written_loop():
    """The bug's side equals the same mistake written out in float64 NumPy."""
    config = _config("simple", "simple").replace(bug="whh_transposed")
    r = _run(config)
    W = {k: v.astype(np.float64) for k, v in r.weights.items()}
    X = r.X.astype(np.float64)  # (N, T, D)
    h = np.zeros((config.N, config.M))  # (N, M)
    for t in range(config.T):
        h = np.tanh(X[:, t] @ W["W_xh"] + h @ W["W_hh"].T + W["b_h"])  # (N, M)
        np.testing.assert_allclose(r.h[:, t], h, atol=1e-5, err_msg=f"t = {t + 1}")
    y = h @ W["W_o"] + W["b_o"]  # (N, K)
    np.testing.assert_allclose(r.y_numpy, y, atol=1e-5)


def test_h0_ones_lstm_against_a_hand_written_first_step():
    """h_0 = 1, c_0 = 0: step 1 of an LSTM written out by hand."""
    config = _config("lstm", "simple").replace(bug="h0_ones")
    r = _run(config)
    W = {k: v.astype(np.float64) for k, v in r.weights.items()}
    x_1 = r.X[:, 0].astype(np.float64)  # (N, D)
    z = x_1 @ W["W_xh"] + np.ones((config.N, config.M)) @ W["W_hh"] + W["b_h"]  # (N, 4M)
    i, f, g, o = np.split(z, 4, axis=1)  # (N, M) each

    def σ(a):
        return 1 / (1 + np.exp(-a))

    c_1 = σ(i) * np.tanh(g)  # (N, M)  f ⊙ c_0 vanishes
    np.testing.assert_allclose(r.h[:, 0], σ(o) * np.tanh(c_1), atol=1e-6)
    assert np.abs(r.path().keras_h[:, 0] - r.h[:, 0]).max() > 1e-2


def test_step_panel_shows_the_buggy_code_and_keras_h():
    """With a bug, the step panel's terms are the buggy code's and end with Keras' h_t."""
    config = _config("simple", "simple").replace(bug="h0_ones")
    r = _run(config)
    terms = {term.name: term.value for term in r.step_terms(0, 1)}
    np.testing.assert_allclose(
        terms[r"h_{t-1} W_{hh}"], np.ones(config.M) @ r.weights["W_hh"], atol=1e-6
    )
    np.testing.assert_allclose(terms["h_t"], r.h[0, 0], atol=1e-6)
    np.testing.assert_allclose(terms[r"h_t^{\text{Keras}}"], r.path().keras_h[0, 0])


def test_bugs_are_offered_only_where_they_apply():
    offered = {v: {b.name for b in bugs.applicable(_config(v, "simple"))} for v in VARIANTS}
    assert "torch_gate_order" not in offered["lstm"] | offered["simple"]  # same order in both
    assert "torch_gate_order" in offered["gru"] & offered["gru_reset_before"]
    assert "reset_before" in offered["gru"] - offered["gru_reset_before"]
    assert not any("bwd_last_index" in names for names in offered.values())
    assert "bwd_last_index" in {b.name for b in bugs.applicable(_config("lstm", "bidirectional"))}
    assert "whh_transposed" not in {b.name for b in bugs.applicable(RNNConfig(M=1))}
    with pytest.raises(ValueError, match="bug=reset_before applies only to a GRU with reset_after"):
        RNNConfig(cell="lstm", bug="reset_before")


def test_a_link_with_a_bug_the_model_does_not_have_warns_and_plants_none():
    config, _, warnings = from_query({"cell": "lstm", "bug": "torch_gate_order"})
    assert config.bug == "none" and config.cell == "lstm"
    assert warnings == [
        "URL parameter bug=torch_gate_order applies only to a GRU (an LSTM's gates i, f, g, o "
        "are in the same order in both frameworks), not to this model. Using bug=none."
    ]
    config, _, warnings = from_query({"cell": "gru", "bug": "torch_gate_order", "dtype": "x"})
    assert (config.bug, config.dtype) == ("torch_gate_order", "float32")
    assert warnings[0].startswith("URL parameter dtype='x' is not allowed; dtype must be one of")


@pytest.mark.parametrize("variant", VARIANTS)
def test_float64_agrees_to_1e_12_on_the_same_weights_and_inputs(variant):
    narrow = _config(variant, "stacked")
    wide = narrow.replace(dtype="float64")
    r32, r64 = _run(narrow), _run(wide)
    assert r64.X.dtype == r64.y_keras.dtype == r64.y_numpy.dtype == np.float64
    np.testing.assert_array_equal(r64.X, r32.X.astype(np.float64))
    for name, w in r32.weights.items():  # the same numbers, widened
        np.testing.assert_array_equal(r64.weights[name], w.astype(np.float64), err_msg=name)
    scale = max(1.0, float(np.abs(r64.y_keras).max()))
    assert r64.agreement.tolerance == pytest.approx(1e-12 * scale)
    assert r64.agreement.agree and r64.agreement.max_abs_diff <= 1e-12 * scale
    # the gap falls by orders of magnitude: float32 round-off (~1e-7) to float64's (~1e-15)
    assert r32.agreement.max_abs_diff > 1e3 * max(r64.agreement.max_abs_diff, 1e-17)


def test_float64_halves_the_work_cap():
    RNNConfig(N=2000, T=500, M=5)  # 5,000,000 numbers: float32's cap
    with pytest.raises(ValueError, match="over the limit of 2,500,000 in float64"):
        RNNConfig(N=2000, T=500, M=5, dtype="float64")
    config, _, warnings = from_query({"N": "2000", "T": "500", "M": "5", "dtype": "float64"})
    assert config.N * config.T * config.M <= 2_500_000 and "in float64" in warnings[0]


def test_the_model_ignores_the_bug():
    assert RNNConfig(bug="h0_ones").model_config == RNNConfig().model_config


def _h(T=5, N=2, M=3) -> np.ndarray:
    return np.zeros((N, T, M), np.float32)


def test_diverge_finds_the_lowest_layer_and_the_fewest_steps_walked():
    keras = {(1, "fwd"): _h(), (1, "bwd"): _h(), (2, "fwd"): _h(), (2, "bwd"): _h()}
    numpy = {k: v.copy() for k, v in keras.items()}
    numpy[(2, "fwd")][1, 0, 2] = 1.0  # layer 2, t = 1: later layers only inherit
    numpy[(1, "fwd")][0, 3, 1] = 0.5  # layer 1 forward, t = 4: 4 steps walked
    numpy[(1, "bwd")][1, 2, 0] = 0.5  # layer 1 backward, t = 3: 3 steps walked (5, 4, 3)
    d = diverge(keras, numpy)
    assert (d.t, d.where) == (3, (1, "bwd", 1, 0))
    numpy[(1, "fwd")][0, 1, 1] = 0.5  # forward now at t = 2: 2 steps
    assert (diverge(keras, numpy).t, diverge(keras, numpy).where) == (2, (1, "fwd", 0, 1))
    np.testing.assert_array_equal(diverge(keras, numpy).per_step, [1.0, 0.5, 0.5, 0.5, 0])


def test_diverge_tie_goes_forward_and_below_tolerance_is_agreement():
    keras = {(1, "fwd"): _h(), (1, "bwd"): _h()}
    numpy = {k: v.copy() for k, v in keras.items()}
    numpy[(1, "fwd")][0, 1, 0] = 1e-6  # under the tolerance (1e-5)
    assert diverge(keras, numpy).t is None
    numpy[(1, "fwd")][0, 1, 0] = 1.0  # t = 2: 2 steps forward
    numpy[(1, "bwd")][0, 3, 0] = 1.0  # t = 4 of T = 5: 2 steps backward
    assert diverge(keras, numpy).where[:2] == (1, "fwd")
