"""The page's what-if, through AppTest: the spectrum section, whh_scale and a pulse input."""

from __future__ import annotations

import base64

import numpy as np

from rnnviz.config import RNNConfig
from rnnviz.pipeline import execute
from rnnviz.recurrence.cells import CELLS
from rnnviz.views import forgetting
from tests.test_app import charts, open_app, text


def values(a) -> np.ndarray:
    """A chart's array as Plotly's JSON holds it: a list, or {"dtype", "bdata": base64}."""
    if isinstance(a, dict):
        return np.frombuffer(base64.b64decode(a["bdata"]), dtype=a["dtype"])
    return np.asarray(a)


def chart(at, start: str) -> dict:
    """The one chart whose title starts with ``start``."""
    (found,) = [c for c in charts(at) if c["layout"]["title"]["text"].startswith(start)]
    return found


def test_the_spectrum_section_draws_each_gate_block_on_the_unit_circle():
    at = open_app(cell="lstm", present=1, section="spectrum")
    assert not at.exception, at.exception
    assert "9 · Spectrum of W_hh" in [h.value for h in at.header]
    spec = chart(at, "Eigenvalues of W_hh (M = 5) per gate block")
    circle, *blocks = spec["data"]
    assert circle["name"] == "|λ| = 1" and len(blocks) == 4
    names = [g.name for g in CELLS["lstm"].gates]
    assert [b["name"].split(": ρ")[0] for b in blocks] == names
    assert spec["layout"]["yaxis"]["scaleanchor"] == "x"  # equal axes: a circle is round
    # the eigenvalues drawn are the run's W_hh's, block by block
    W_hh = execute(RNNConfig(cell="lstm")).path().weights["W_hh"]
    for b, want in zip(blocks, forgetting.spectrum(CELLS["lstm"], W_hh), strict=True):
        got = np.sort_complex(values(b["x"]) + 1j * values(b["y"]))
        np.testing.assert_allclose(got, np.sort_complex(want.eigenvalues), atol=1e-6)
    assert "no single block's ρ predicts memory" in text(at)


def test_lecture_mode_shows_the_spectrum_alone():
    at = open_app(present=1, section="spectrum")
    assert not at.exception, at.exception
    headers = [h.value for h in at.header if "·" in h.value]
    assert headers == ["9 · Spectrum of W_hh"]
    assert "ρ = 1, σ_max = 1" in text(at)  # Keras' orthogonal start: every |λ| = 1
    assert at.query_params["section"] == "spectrum"


def test_a_pulse_at_half_scale_says_how_long_it_lasts_and_the_slider_rescales_rho():
    at = open_app(input="pulse", pulse_t=3, whh_scale="0.5", seen=True)
    at.expander(key="spectrum_open")  # the full page draws the spectrum once it is opened
    at.session_state["spectrum_open"] = True
    at.run()
    assert not at.exception, at.exception
    assert not at.warning
    assert "a pulse X (x_t = 1 on feature d0 = 0 at t0 = 3 only)" in text(at)
    assert "The pulse at t0 = 3 still moves h_t by" in text(at)
    pulse = chart(at, "The pulse's trace in h_t")
    assert pulse["layout"]["yaxis"]["type"] == "log"
    assert "ρ = 0.5, σ_max = 0.5" in text(at)
    at.slider(key="whh_scale").set_value(1.5).run()
    assert not at.exception, at.exception
    assert at.query_params["whh_scale"] == "1.5"
    assert "ρ = 1.5, σ_max = 1.5" in text(at) and "exploding" in text(at)
    assert "Same output" in text(at)  # Keras and NumPy still agree


def test_the_input_controls_rewrite_the_url_and_clamp_the_pulse():
    at = open_app()
    assert at.number_input(key="pulse_t").disabled  # random X has no pulse
    at.button_group(key="input").set_value("step").run()
    at.number_input(key="pulse_t").set_value(8).run()
    assert not at.exception, at.exception
    assert (at.query_params["input"], at.query_params["pulse_t"]) == ("step", "8")
    at.number_input(key="T").set_value(5).run()  # t0 = 8 no longer fits: clamped to T
    assert not at.exception, at.exception
    assert at.query_params["pulse_t"] == "5"
    assert "a step X (x_t = 1 on feature d0 = 0 from t0 = 5 on)" in text(at)


def test_the_lstm_shows_its_memory_horizon_and_a_simple_rnn_does_not():
    at = open_app(cell="lstm", seen=True)  # scrolled to: drawn
    horizon = chart(at, "Memory horizon: the share of c_t that reaches c_T")
    assert horizon["layout"]["yaxis"]["type"] == "log"
    assert "∏ f_τ over the steps between t and the end" in text(at)
    at = open_app(seen=True)
    assert not [c for c in charts(at) if "Memory horizon" in c["layout"]["title"]["text"]]
