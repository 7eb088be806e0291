"""Section 9, the spectrum of W_hh: its eigenvalues against the unit circle, and what ρ says."""

from __future__ import annotations

import streamlit as st

from rnnviz.config import RNNConfig, as_text
from rnnviz.shapes import ledger
from rnnviz.ui import cache
from rnnviz.ui.sections import page
from rnnviz.ui.view import View


def draw(config: RNNConfig, view: View) -> None:
    """Section 9: the eigenvalues of W_hh (per gate block) against the unit circle, ρ and
    σ_max, and what ρ says about memory and gradients through time (``views.forgetting``)."""
    c, r = config, cache.run_of(config)
    page.header("spectrum")
    tag = ledger.path_tag(c, view.layer, view.direction)
    scale = (
        ""
        if c.whh_scale == 1.0
        else f" It is the model's W_hh times whh_scale = {as_text(c.whh_scale)} (the "
        "sidebar's What if): every eigenvalue and singular value scales with it."
    )
    st.caption(
        f"W_hh{(' of layer' + tag) if tag else ''} maps h_(t-1) into the next step. Its "
        "eigenvalues λ in the complex plane, with the unit circle: ρ = max |λ| is the spectral "
        "radius, σ_max the largest singular value"
        + (", for each gate's (M, M) block" if r.cell.gates else "")
        + "."
        + scale
    )
    page.on_demand(
        "spectrum", "Show the eigenvalues", view.present, _spectrum, c, view.layer, view.direction
    )


def _spectrum(c: RNNConfig, layer: int, direction: str) -> None:
    ((key, sentence, fig),) = cache.spectrum_view(c, layer, direction)
    left, right = st.columns([3, 2], gap="large")
    with left:
        page.chart(fig, key)
    right.markdown(sentence)
    right.caption(
        "Try the sidebar's What if: whh_scale below 1 pulls every λ inside the circle, above 1 "
        "pushes them out; with a pulse input the states section shows how long the pulse lasts."
    )
