"""The figures: the agreement's stay drawable however large y is (at most MAX_POINTS markers),
a log axis over many decades is labelled every few, and every figure's description says what
it shows and its key number, checked against the same number worked out here."""

from __future__ import annotations

import numpy as np

from rnnviz.config import RNNConfig
from rnnviz.pipeline import recur
from rnnviz.recurrence import initial
from rnnviz.recurrence.cells import CELLS
from rnnviz.views import forgetting
from rnnviz.views.figures import (
    LOG_LABELS,
    MAX_POINTS,
    agreement_scatter,
    connectivity_figure,
    delta_bars,
    description,
    horizon_figure,
    loss_curve,
    pulse_figure,
    sample_by_step,
    shown,
    spectrum_figure,
    through_time,
)


def test_every_point_is_drawn_when_they_fit():
    y = np.arange(12, dtype=np.float32).reshape(3, 2, 2)  # (N, T, K)
    fig = agreement_scatter(y, y)
    xs = [trace.x for trace in fig.data[1:]]  # after the line y = x, one trace per output k
    np.testing.assert_array_equal(xs[0], [0, 2, 4, 6, 8, 10])
    np.testing.assert_array_equal(xs[1], [1, 3, 5, 7, 9, 11])
    assert "of the" not in fig.layout.title.text


def test_many_points_are_thinned_and_the_largest_differences_always_kept():
    rng = np.random.default_rng(0)
    N, T, K = 400, 100, 2  # 40,000 points of each output
    y_keras = rng.standard_normal((N, T, K)).astype(np.float32)
    y_numpy = y_keras.copy()
    y_numpy[123, 45, 1] += 1e-3  # the one disagreement
    fig = agreement_scatter(y_keras, y_numpy)
    scatters = fig.data[1:]
    assert sum(len(trace.x) for trace in scatters) <= MAX_POINTS
    where = np.asarray(scatters[1].customdata)  # (shown, 3): n, t (from 1), |Δ|
    worst = where[np.argmax(where[:, 2])]
    assert (worst[0], worst[1]) == (123, 46)
    np.testing.assert_allclose(worst[2], 1e-3, rtol=1e-3)
    assert "10,000 of 40,000 points per output" in fig.layout.title.text


def test_shown_picks_distinct_points_in_order_with_the_tenth_largest():
    delta = np.random.default_rng(1).random(1000)  # (P,)
    i = shown(delta, 100)
    assert i.shape == (100,) and np.all(np.diff(i) > 0)
    largest = np.argsort(delta)[-10:]
    assert set(largest) <= set(i)
    assert (i[0], i[-1]) == (0, 999)  # the spread runs from the first point to the last


def test_a_log_axis_over_many_decades_labels_every_few():
    """∏ f_τ of an LSTM at T = 500 spans ~70 decades: a label per decade would stack 70 labels
    on one axis. Plotly puts a label every dtick decades from 10^k, so count them here."""
    t = np.arange(1, 501)  # (500,)
    P = np.exp(-0.32 * (500 - t))[:, None] * np.array([1.0, 0.5])  # (T, M): 1 down to 1e-69
    fig = horizon_figure(P, end=500)
    dtick = fig.layout.yaxis.dtick
    lo = np.log10(np.maximum(P.mean(axis=1), P.min() / 10).min())
    labels = int(np.floor(0 - lo) // dtick) + 1  # decades 0, -dtick, -2·dtick, ... ≥ lo
    assert dtick > 1 and labels <= LOG_LABELS + 1, (dtick, labels)
    one_decade = horizon_figure(np.full((10, 3), 0.5) ** np.arange(1, 11)[:, None], end=10)
    assert one_decade.layout.yaxis.dtick == 1  # 3 decades: every one labelled
    gap = np.geomspace(1, 1e-40, 30)  # (T,)
    assert pulse_figure(gap, t0=1, peak=1.0, threshold=1e-3).layout.yaxis.dtick == 5


# Every figure's description (the caption under its chart) says what it shows and its key
# number; the numbers are worked out again here from the same arrays, independently.


def test_the_bars_say_how_many_are_above_the_tolerance_and_mark_the_first():
    rng = np.random.default_rng(2)
    deltas = rng.random(12) * 1e-6  # (N,), every one below 1e-5
    fig = delta_bars(deltas, 1e-5, "sample n (N = 12)", "")
    n = int(np.argmax(deltas))
    assert description(fig) == (
        "Largest |Δ| per sample n: all 12 below the tolerance 1e-05 "
        f"(largest {deltas[n]:.1e}, at sample n = {n})."
    )
    (label,) = fig.layout.annotations  # no bar above the tolerance: nothing marked
    assert label.text == "tolerance 1e-05"
    np.testing.assert_allclose(label.y, -5)  # on its line, on a log axis
    deltas[[7, 3, 9]] = [2e-3, 5e-5, 1e-2]  # three above, the first at 3
    deltas[0] = 0.0
    fig = delta_bars(deltas, 1e-5, "time step t (T = 12)", "", start=1)
    words = description(fig)
    assert "3 of 12 above the tolerance 1e-05, the first at time step t = 4 (marked ▲)" in words
    assert "largest 1.0e-02, at time step t = 10" in words and "1 exactly 0" in words
    (marker,) = [a for a in fig.layout.annotations if a.text.startswith("▲")]
    assert marker.x == 4 and marker.text == "▲ first above the tolerance: time step t = 4"
    np.testing.assert_allclose(marker.y, np.log10(5e-5))  # on the bar, on a log axis
    fig = delta_bars(np.array([1e-3, 2e-3, 5e-4]), 1e-5, "sample n (N = 3)", "")
    assert description(fig) == (
        "Largest |Δ| per sample n: all 3 above the tolerance 1e-05 "
        "(largest 2.0e-03, at sample n = 1)."
    )
    assert not [a for a in fig.layout.annotations if "▲" in a.text]  # all above: no first


def test_the_scatter_says_where_its_largest_difference_is():
    rng = np.random.default_rng(3)
    y_keras = rng.standard_normal((5, 7, 2)).astype(np.float32)  # (N, T, K)
    y_numpy = y_keras + rng.uniform(-1e-7, 1e-7, y_keras.shape).astype(np.float32)
    y_numpy[3, 4, 1] = y_keras[3, 4, 1] + 2.5e-4  # the largest, at n = 3, t = 5, k = 1
    words = description(agreement_scatter(y_keras, y_numpy))
    gap = abs(float(y_numpy[3, 4, 1]) - float(y_keras[3, 4, 1]))
    assert words.endswith(f"{gap:.1e}, at sample n = 3, step t = 5, output k = 1."), words
    assert "70 numbers in 2 outputs" in words


def test_the_lines_through_time_say_both_ends():
    lines = {"LSTM": np.geomspace(1e-4, 0.5, 10), "GRU": np.array([0.0] * 9 + [0.2])}
    words = description(through_time(lines, "", "‖∂s/∂x_t‖"))
    assert "LSTM: 5.0e-01 at t = T = 10, 1.0e-04 at t = 1, 5,000 times smaller" in words
    assert "GRU: 2.0e-01 at t = T = 10, 0.0e+00 at t = 1" in words


def test_the_heatmap_says_its_range_and_where():
    rng = np.random.default_rng(4)
    norms = rng.random((150, 6)) + 0.1  # (N, T): more samples than are drawn
    norms[17, 2], norms[140, 5], norms[0, 0] = 1e-6, 50.0, 0.0
    words = description(sample_by_step(norms, "x"))
    assert words.startswith("One row per sample (N = 150, 100 of them drawn), one column per ")
    assert "from 1.0e-06 (n = 17, t = 3) to 5.0e+01 (n = 140, t = 6); 1 exactly 0" in words


def test_the_spectrum_counts_the_eigenvalues_outside_the_circle():
    rng = np.random.default_rng(5)
    Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))  # (M, M) orthogonal
    W_hh = Q @ np.diag([1.5, 0.5, 1.2]) @ Q.T  # eigenvalues 1.5, 0.5, 1.2
    blocks = forgetting.spectrum(CELLS["simple"], W_hh)
    words = description(spectrum_figure(blocks, 3))
    lam = np.linalg.eigvals(W_hh)
    outside = int(np.sum(np.abs(lam) > 1))
    assert outside == 2
    assert f"ρ = {np.abs(lam).max():.3g}, {outside} of 3 outside the circle" in words
    lstm = RNNConfig(cell="lstm", M=4)
    W = recur(lstm, initial.weights_of(lstm, None)).path(1, "fwd").weights["W_hh"]  # (M, 4M)
    words = description(spectrum_figure(forgetting.spectrum(CELLS["lstm"], W), 4))
    for g, gate in enumerate(CELLS["lstm"].gates):  # Keras' gate blocks, side by side
        lam = np.linalg.eigvals(W[:, g * 4 : (g + 1) * 4].astype(np.float64))
        rho, outside = np.abs(lam).max(), int(np.sum(np.abs(lam) > 1))
        assert f"ρ = {rho:.3g}, {outside} of 4 outside the circle" in words, (gate.key, words)


def test_the_pulse_and_the_horizon_say_how_long_memory_lasts():
    gap = np.concatenate([[0.0, 0.0], np.geomspace(0.8, 1e-6, 10)])  # (T,), pulse at t0 = 3
    words = description(pulse_figure(gap, 3, 0.8, 1e-3))
    last = max(t for t in range(1, 13) if gap[t - 1] >= 0.8e-3)  # by hand: t = 7
    assert f"peaks at 8.0e-01 at t = 3 and is still above 8.0e-04 at t = {last}," in words
    P = np.array([[0.1, 0.4], [0.5, 0.6], [1.0, 1.0]])  # (T, M): ∏ f_τ, lowest mean at t = 1
    words = description(horizon_figure(P, "T"))
    assert "At its lowest (t = 1) the mean over units is 2.5e-01" in words
    assert "m = 1, keeps 4.0e-01" in words


def test_the_loss_and_the_cells_describe_their_ends():
    words = description(loss_curve(0.9, 1.0, [0.5, 0.25], [0.6, 0.4], "mse", 5, 0.8))
    assert "training 0.9 at epoch 0 → 0.25 at epoch 2; validation 1 at epoch 0 → 0.4" in words
    assert "best constant answer, which ignores X, 0.8" in words
    assert "no epoch has ended yet" in description(loss_curve(None, None, [], [], "mse", 5))
    g = np.array([1e-5, 1e-3, 2e-1])  # (lookback,), oldest first
    words = description(connectivity_figure({"GRU": g}, 10, "a"))
    assert "GRU: 2.0e-01 at the character itself, 1.0e-05 at 2 back" in words
