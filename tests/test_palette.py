"""The page's colours survive colour-vision deficiencies: every pair of colours drawn together
in one figure, and the diverging scale's ends, stay ΔE2000 ≥ 15 apart under a simulated
deuteranopia, protanopia and tritanopia (full severity, each of coloraide's three simulations:
Machado 2009, Brettel 1997, Viénot 1999) and with normal vision.

The colours are read off the figures ``rnnviz.views.figures`` builds and the payloads the
canvases are sent, not copied here; the reference is coloraide's colour science."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from coloraide import Color

from rnnviz.config import RNNConfig
from rnnviz.pipeline import recur
from rnnviz.recurrence import initial
from rnnviz.recurrence.cells import CELLS
from rnnviz.views import figures, forgetting, palette, player_data, weight_maps

APART = 15.0  # ΔE2000: clearly different at a glance
DEFICIENCIES = ("deutan", "protan", "tritan")
METHODS = ("machado", "brettel", "vienot")


def seen(colour: str, deficiency: str | None, method: str) -> Color:
    """``colour`` as a reader with ``deficiency`` (None: normal vision) sees it."""
    c = Color(colour)
    return c if deficiency is None else c.filter(deficiency, method=method, amount=1.0)


def closest(a: str, b: str) -> tuple[float, str]:
    """The smallest ΔE2000 between a and b over normal vision and every simulation, and which."""
    return min(
        (seen(a, d, m).delta_e(seen(b, d, m), method="2000"), f"{d or 'normal'} ({m})")
        for d in (None, *DEFICIENCIES)
        for m in (METHODS if d else METHODS[:1])
    )


def too_close(colours: set[str]) -> list[str]:
    """Every pair of ``colours`` closer than APART for some reader, in words."""
    found = []
    for a, b in itertools.combinations(sorted(colours), 2):
        distance, reader = closest(a, b)
        if distance < APART:
            found.append(f"{a} and {b}: ΔE2000 = {distance:.1f} for {reader}")
    return found


def drawn(fig) -> list[tuple[str, str, str]]:
    """Every (colour, dash, symbol) a figure draws a series or a reference line in: its
    traces' lines and markers, its bars' colours, its shapes and its axes' zero lines."""
    looks = []
    for trace in fig.data:
        if trace.type == "heatmap":  # a sequential scale, read by its colour bar
            continue
        mode = getattr(trace, "mode", None) or ""
        if trace.type == "scatter" and "lines" in mode and trace.line.color is not None:
            looks.append((trace.line.color, trace.line.dash or "solid", ""))
        if trace.type == "scatter" and "markers" in mode:
            looks.append((trace.marker.color, "", trace.marker.symbol or "circle"))
        if trace.type == "bar":
            looks += [(c, "bar", "") for c in np.unique(np.asarray(trace.marker.color))]
    looks += [(s.line.color, s.line.dash or "solid", "") for s in fig.layout.shapes]
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        if axis.zeroline and axis.zerolinecolor is not None:
            looks.append((axis.zerolinecolor, "zero line", ""))
    return looks


def every_figure() -> dict[str, object]:
    """One of each figure, with as many series as the page ever draws in it."""
    rng = np.random.default_rng(0)
    y = rng.standard_normal((6, 4, 3)).astype(np.float32)  # (N, T, K)
    lstm = RNNConfig(cell="lstm", M=4)
    W_hh = recur(lstm, initial.weights_of(lstm, None)).path(1, "fwd").weights["W_hh"]
    blocks = forgetting.spectrum(CELLS["lstm"], W_hh)  # four gate blocks
    deltas = np.array([0.0, 2e-7, 3e-5, 1e-3])  # a zero, below and above the tolerance
    cells = {CELLS[key].title: np.geomspace(1, 1e-4, 12) for key in CELLS}
    return {
        "agreement": figures.agreement_scatter(y, y + 1e-7),
        "bars": figures.delta_bars(deltas, 1e-5, "time step t (T = 4)", "", start=1),
        "through time": figures.through_time(cells, "", "‖∂s/∂x_t‖"),
        "spectrum": figures.spectrum_figure(blocks, 4),
        "pulse": figures.pulse_figure(np.geomspace(1, 1e-6, 12), 2, 1.0, 1e-3),
        "horizon": figures.horizon_figure(rng.random((12, 4)), "T"),
        "loss": figures.loss_curve(1.0, 1.1, [0.5, 0.3], [0.6, 0.4], "mse", 2, 0.9),
        "connectivity": figures.connectivity_figure(cells, 40, "a"),
    }


FIGURES = every_figure()


@pytest.mark.parametrize("name", FIGURES)
def test_the_colours_drawn_together_stay_apart_for_every_reader(name):
    looks = drawn(FIGURES[name])
    assert len({c for c, _, _ in looks}) >= 2, f"{name}: expected several colours, got {looks}"
    assert too_close({c for c, _, _ in looks}) == [], name


@pytest.mark.parametrize("name", FIGURES)
def test_series_of_one_colour_differ_in_dash_or_marker(name):
    """More series than colours (an LSTM's four gate blocks, three cells) are told apart by
    their dash or marker as well: no two series look the same."""
    looks = [look for look in drawn(FIGURES[name]) if look[1] not in ("bar", "zero line")]
    assert len(looks) == len(set(looks)), f"{name}: two series look alike: {looks}"


def test_twenty_four_series_all_look_different():
    looks = [tuple(palette.series(i).values()) for i in range(24)]
    assert len(set(looks)) == 24
    assert too_close(set(palette.SERIES)) == []


@pytest.mark.parametrize(
    "pair",
    [
        ("#d1603d", "#3f9b6e"),  # the outputs' old orange and green
        ("#d62728", "#2ca02c"),  # Plotly's red and green
        (palette.OKABE_ITO["blue"], palette.OKABE_ITO["bluish green"]),  # tritanopia merges them
    ],
)
def test_the_check_fails_for_pairs_a_deficiency_merges(pair):
    assert too_close(set(pair)), f"{pair} passed, but a deficiency should merge it"
    # with normal vision they are far apart: it is the deficiency the check catches
    assert Color(pair[0]).delta_e(Color(pair[1]), method="2000") >= APART


def rgb(colour: str) -> str:
    return Color(colour).to_string(hex=True)


def test_the_diverging_scale_is_centred_on_zero_and_its_ends_stay_apart():
    stops = palette.colorscale(palette.DIVERGING)
    at = dict(stops)
    assert 0.5 in at, f"no stop at the middle: {[s for s, _ in stops]}"
    middle, low, high = at[0.5], stops[0][1], stops[-1][1]
    lightness = [Color(c).convert("lab")["lightness"] for _, c in stops]
    assert max(lightness) == Color(middle).convert("lab")["lightness"], "the middle is lightest"
    assert Color(middle).convert("lch")["chroma"] < 5, f"the middle {middle} is not neutral"
    for a, b in ((low, high), (low, middle), (high, middle)):
        distance, reader = closest(a, b)
        assert distance >= APART, f"{a} and {b}: ΔE2000 = {distance:.1f} for {reader}"
    for (at_low, a), (at_high, b) in zip(stops[:5], stops[:5:-1], strict=True):  # ±v, v ≠ 0
        distance, reader = closest(a, b)
        assert distance >= APART, f"stops {at_low:.1f} and {at_high:.1f}: {distance:.1f}, {reader}"
    # and the two sides differ in hue, not only in lightness: negative bluer, positive redder
    assert Color(low).convert("lab")["b"] < 0 < Color(high).convert("lab")["a"]


def test_the_canvases_use_that_scale_and_map_zero_to_its_middle():
    """The payloads the canvases are drawn from carry the scale's stops, and every diverging
    range is symmetric, so the canvas's (value - low) / (high - low) puts 0 at the middle."""
    c = RNNConfig(cell="lstm", M=3, T=5, N=2)
    run = recur(c, initial.weights_of(c, None))
    stops = palette.colorscale(palette.DIVERGING)
    header = player_data.frames(run, 0).header
    assert header["colorscales"]["diverging"] == stops
    assert header["colorscales"]["sequential"] == palette.colorscale(palette.SEQUENTIAL)
    diverging = [p for p in header["panels"] if p["scale"] == "diverging"]
    assert diverging, "an LSTM's h_t and c_t are drawn on the diverging scale"
    for p in diverging:
        assert (0 - p["low"]) / (p["high"] - p["low"]) == 0.5, p["key"]
    grid = weight_maps.weight_grid(run.cell, run.path(1, "fwd").weights, run.head, ("M", c.M))
    assert grid.header["colorscale"] == stops and grid.header["zmax"] > 0


def test_no_colour_outside_the_palette():
    """Every colour a figure draws is the palette's: a series', the reference grey or the
    limit's vermillion."""
    allowed = {rgb(c) for c in (*palette.SERIES, palette.REFERENCE, palette.LIMIT)}
    for name, fig in FIGURES.items():
        used = {rgb(c) for c, _, _ in drawn(fig)}
        assert used <= allowed, f"{name}: {used - allowed} is not the palette's"
