"""Why plain RNNs forget: the spectrum of W_hh, whh_scale, pulse and step inputs, the memory
of a pulse and the LSTM's forget products, each against an independent reference (a closed
form, a hand loop in plain Python, a direct product over the trace)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.inputs.imported import digest
from rnnviz.keras_side.model import build
from rnnviz.pipeline import execute
from rnnviz.recurrence.cells import CELLS, cell_of
from rnnviz.tasks import make_X
from rnnviz.views import forgetting


def rotation(a: float, theta: float) -> np.ndarray:
    """a · R(θ): eigenvalues a·e^{±iθ}, every singular value |a|."""
    c, s = math.cos(theta), math.sin(theta)
    return a * np.array([[c, -s], [s, c]])  # (2, 2)


@pytest.mark.parametrize("a, theta", [(0.5, 0.3), (-1.7, 2.0), (1.0, math.pi / 2)])
def test_the_spectrum_of_a_scaled_rotation_is_its_scale(a, theta):
    (block,) = forgetting.spectrum(CELLS["simple"], rotation(a, theta))
    want = sorted(
        [
            a * complex(math.cos(theta), math.sin(theta)),
            a * complex(math.cos(theta), -math.sin(theta)),
        ],
        key=lambda z: z.imag,
    )
    got = sorted(block.eigenvalues, key=lambda z: z.imag)
    np.testing.assert_allclose(got, want, atol=1e-12, err_msg="eigenvalues: mine vs a·e^{±iθ}")
    assert block.rho == pytest.approx(abs(a)) and block.sigma_max == pytest.approx(abs(a))
    assert block.name == "W_hh"


def test_a_diagonal_and_a_nilpotent_matrix():
    (d,) = forgetting.spectrum(CELLS["simple"], np.diag([0.2, -0.9, 0.5]))
    np.testing.assert_allclose(sorted(d.eigenvalues.real), [-0.9, 0.2, 0.5])
    assert (d.rho, d.sigma_max) == pytest.approx((0.9, 0.9))
    # non-normal: every λ = 0 (nothing survives 2 steps), yet one step can double |h|
    (n,) = forgetting.spectrum(CELLS["simple"], np.array([[0.0, 2.0], [0.0, 0.0]]))
    assert (n.rho, n.sigma_max) == pytest.approx((0.0, 2.0))


def test_gated_cells_have_one_spectrum_per_gate_block_named_from_the_cell_table():
    M = 2
    blocks = [rotation(0.5, 0.1), np.diag([0.3, -1.2]), rotation(2.0, 1.0)]  # z, r, h̃
    W_hh = np.concatenate(blocks, axis=1)  # (M, 3M)
    got = forgetting.spectrum(CELLS["gru"], W_hh)
    assert [b.name for b in got] == [g.name for g in CELLS["gru"].gates]
    assert [b.rho for b in got] == pytest.approx([0.5, 1.2, 2.0])
    assert [b.sigma_max for b in got] == pytest.approx([0.5, 1.2, 2.0])
    assert all(b.eigenvalues.shape == (M,) for b in got)
    assert "ρ(z) = 0.5" in forgetting.rho_sentence(CELLS["gru"], got, T=10)


def test_the_sentence_ties_rho_to_vanishing_and_exploding_and_says_where_it_fails():
    cell = CELLS["simple"]
    small = forgetting.rho_sentence(cell, forgetting.spectrum(cell, np.diag([0.5, 0.1])), T=10)
    big = forgetting.rho_sentence(cell, forgetting.spectrum(cell, np.diag([1.5, 0.1])), T=10)
    assert "vanishing" in small and "ρ^9 = 0.002" in small
    assert "exploding" in big and "saturates" in big
    edge = forgetting.rho_sentence(cell, forgetting.spectrum(cell, rotation(1.0, 0.4)), T=10)
    assert "edge" in edge


CFG = dict(N=3, T=6, D=2, M=4, K=2)


@pytest.mark.parametrize("cell", list(CELLS))
def test_whh_scale_scales_w_hh_and_rho_and_keras_still_agrees_with_numpy(cell):
    base = execute(RNNConfig(cell=cell, **CFG))
    W_1 = base.path().weights["W_hh"]  # (M, gM)
    rho_1 = [b.rho for b in forgetting.spectrum(base.cell, W_1)]
    for S in (0.1, 1.0, 3.0):
        r = execute(RNNConfig(cell=cell, whh_scale=S, **CFG))
        assert r.agreement.agree, f"{cell} at whh_scale={S}: {r.agreement.verdict}"
        np.testing.assert_allclose(
            r.path().weights["W_hh"], S * W_1, rtol=1e-6, err_msg=f"{cell}: W_hh(S) vs S·W_hh"
        )
        for name in ("W_xh", "b_h"):  # nothing else moves
            np.testing.assert_array_equal(r.path().weights[name], base.path().weights[name])
        rho = [b.rho for b in forgetting.spectrum(r.cell, r.path().weights["W_hh"])]
        np.testing.assert_allclose(rho, S * np.array(rho_1), rtol=1e-5, err_msg="ρ(S) vs S·ρ")


def test_the_shared_model_is_never_mutated_by_a_scaled_run():
    c = RNNConfig(cell="lstm", layers=2, bidirectional=True, **CFG)
    shared = build(c)
    before = {k: v.copy() for k, v in shared.weights().items()}
    for S in (0.1, 3.0):
        scaled = c.replace(whh_scale=S)
        assert execute(scaled, states=True).agreement.agree
        with pytest.raises(ValueError, match="built for"):
            execute(scaled, keras_model=shared)  # a scaled config never takes the shared model
    execute(c, keras_model=shared, states=True)  # its sequence twin is built from its weights
    for name, value in shared.weights().items():
        np.testing.assert_array_equal(value, before[name], err_msg=f"{name} changed")


def test_imported_and_float64_weights_are_scaled_too():
    c = RNNConfig(cell="gru", **CFG)
    weights = build(c).weights()
    imported = c.replace(weights=digest(weights), whh_scale=0.5)
    got = build(imported, weights).weights()
    np.testing.assert_allclose(got["W_hh"], 0.5 * weights["W_hh"], rtol=1e-6)
    np.testing.assert_array_equal(got["W_xh"], weights["W_xh"])
    wide = build(c.replace(dtype="float64", whh_scale=0.5)).weights()["W_hh"]
    narrow = build(c.replace(whh_scale=0.5)).weights()["W_hh"]
    assert wide.dtype == np.float64
    np.testing.assert_array_equal(wide, narrow.astype(np.float64))  # the float32 numbers


def test_a_pulse_is_zero_but_one_entry_per_sample():
    X = make_X(4, 7, 3, seed=5, input="pulse", pulse_t=3, pulse_d=2)
    assert X.shape == (4, 7, 3) and X.dtype == np.float32
    assert np.count_nonzero(X) == 4
    assert (X[:, 2, 2] == 1).all()  # t0 = 3 is index 2


def test_a_step_is_off_before_t0_and_on_from_t0():
    X = make_X(2, 6, 2, seed=0, dtype="float64", input="step", pulse_t=4, pulse_d=1)
    assert X.dtype == np.float64
    assert (X[:, :3] == 0).all() and (X[:, 3:, 1] == 1).all() and (X[:, :, 0] == 0).all()


def test_random_x_is_unchanged_and_ignores_the_pulse_place():
    want = np.random.default_rng(3).standard_normal((2, 5, 3), dtype=np.float32)
    np.testing.assert_array_equal(make_X(2, 5, 3, seed=3), want)
    c = RNNConfig(pulse_t=4, pulse_d=2)  # random X: the place takes its default
    assert (c.pulse_t, c.pulse_d) == (1, 0)


def test_pulse_memory_of_a_one_unit_rnn_decays_like_the_hand_sequence():
    """h_t = tanh(w_x x_t + w_h h_{t-1}) with b = 0: 0 before t0, tanh(w_x) at t0, then
    tanh(w_h h_{t-1}); the no-pulse run stays at 0, so the gap is |h_t|."""
    w_x, w_h, t0, T = 1.0, 0.5, 2, 12
    c = RNNConfig(N=1, T=T, D=1, M=1, K=1, input="pulse", pulse_t=t0)
    model = build(c)
    weights = {"W_xh": [[w_x]], "W_hh": [[w_h]], "b_h": [0.0], "W_o": [[1.0]], "b_o": [0.0]}
    model.set_weights({k: np.array(v, dtype=np.float32) for k, v in weights.items()})
    r = execute(c, keras_model=model)
    assert r.agreement.agree
    h, want = 0.0, []
    for t in range(1, T + 1):
        h = math.tanh(w_x * (t == t0) + w_h * h)
        want.append(abs(h))
    p = forgetting.pulse_memory(r)
    np.testing.assert_allclose(p.gap, want, rtol=1e-6, err_msg="gap: mine vs the hand loop")
    assert p.peak == pytest.approx(math.tanh(1.0), rel=1e-6)
    last = max(t for t, g in enumerate(want, start=1) if g >= 1e-2 * max(want))
    assert (p.last, p.steps) == (last, last - t0) == (8, 6)  # |h_8| = 0.0112, |h_9| = 0.0056
    assert "t = 8 (6 steps on)" in forgetting.pulse_sentence(p, T)


def test_pulse_memory_measures_against_the_no_pulse_run_whatever_the_biases():
    c = RNNConfig(cell="gru", N=2, T=10, D=2, M=3, K=1, input="pulse", pulse_t=3, pulse_d=1)
    r = execute(c)
    p = forgetting.pulse_memory(r)
    assert (p.gap[:2] == 0).all() and p.gap[2] > 0  # nothing before t0, a kick at t0
    with pytest.raises(ValueError, match="needs input=pulse"):
        forgetting.pulse_memory(execute(c.replace(input="step")))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_memory_horizon_is_the_direct_product_of_the_forget_gates(bidirectional):
    c = RNNConfig(cell="lstm", N=2, T=7, D=2, M=3, K=1, bidirectional=bidirectional)
    r = execute(c)
    assert forgetting.has_forget_path(r.cell) and not forgetting.has_forget_path(cell_of("gru"))
    for p in r.paths:
        f = p.trace["f"]  # (N, T, M)
        got = forgetting.forget_products(f, p.direction)
        N, T, M = f.shape
        for n in range(N):
            for t in range(1, T + 1):
                steps = range(t + 1, T + 1) if p.direction == "fwd" else range(1, t)
                want = np.ones(M)
                for tau in steps:
                    want = want * f[n, tau - 1].astype(np.float64)
                np.testing.assert_allclose(
                    got[n, t - 1], want, rtol=1e-12, err_msg=f"{p.label}, n = {n}, t = {t}"
                )
