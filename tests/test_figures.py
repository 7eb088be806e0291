"""The agreement figures stay drawable however large y is: at most MAX_POINTS markers."""

from __future__ import annotations

import numpy as np

from rnnviz.views.figures import (
    LOG_LABELS,
    MAX_POINTS,
    agreement_scatter,
    horizon_figure,
    pulse_figure,
    shown,
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
