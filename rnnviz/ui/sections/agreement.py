"""Section 6, output agreement: does the NumPy recurrence compute what Keras computes?"""

from __future__ import annotations

import numpy as np
import streamlit as st

from rnnviz import pipeline
from rnnviz.config import RNNConfig
from rnnviz.ui import cache
from rnnviz.ui.components.in_view import when_in_view
from rnnviz.ui.sections import page
from rnnviz.ui.sections.numbers import table
from rnnviz.ui.view import View
from rnnviz.views import figures


def _go_to(t: int, n: int, layer: int, direction: str) -> None:
    st.session_state.update(
        {"step": t, "_step": t, "sample": n, "_sample": n}
        | {"view_layer": layer, "view_direction": direction}
    )


@st.fragment
def _charts_when_seen(c: RNNConfig, height: int, now: bool) -> None:
    """The charts, or their place (``height`` px) until it has been on screen. A fragment, so
    that the place's trigger reruns it alone: a rerun of the whole page takes every fragment
    off the server until it is drawn again, and a click in one of them (the step panel, the
    X editor) made meanwhile would be dropped."""
    when_in_view("agreement", height, _charts, c, now=now)


def _charts(c: RNNConfig) -> None:
    figs = cache.agreement_figures(c)
    for (key, fig), col in zip(figs[:2], st.columns(2), strict=True):
        with col:
            page.chart(fig, key)
    for key, fig in figs[2:]:
        page.chart(fig, key)


def draw(config: RNNConfig, view: View) -> None:
    """Keras' y beside NumPy's for every sample, the largest difference per sample (and per
    step), and the verdict; with a planted bug, where and how the two part ways."""
    r = cache.checked(config)
    a, c = r.agreement, r.config
    page.header("agreement")
    if a.agree:
        st.success(a.verdict, icon=":material/check_circle:")
    else:
        st.error(a.verdict, icon=":material/error:")
    sentence = pipeline.symptom(r)
    if sentence:
        st.warning(sentence, icon=":material/bug_report:")
        if r.divergence.t is not None:
            st.button(
                f"Show step t = {r.diverges_from_t} in the step panel",
                on_click=_go_to,
                # the place, not the run: a session must not hold a run the cache let go
                args=(r.diverges_from_t, *r.divergence.where[2:3], *r.divergence.where[:2]),
                key="first_difference",
            )
    if c.dtype == "float32":
        precision = (
            "Both sides in float32 (unit round-off 6e-8), tolerance "
            f"{a.tolerance:.0e} (scaled by max(1, max |y|)). Set the precision to float64 in "
            "the sidebar to see the gap fall to ~1e-16."
        )
    else:  # the same X and weights in float32, for the fall (a second run, cached like any)
        narrow = cache.checked(c.replace(dtype="float32")).agreement
        precision = (
            f"Both sides in float64 (unit round-off 1.1e-16), tolerance {a.tolerance:.0e}. "
            f"The gap on the same X and weights: float32 {narrow.max_abs_diff:.1e} → "
            f"float64 {a.max_abs_diff:.1e}."
        )
    st.caption(precision)
    # the scatter beside the bars per sample, then bars per step with a bug and per step of y
    below = (r.divergence is not None) + (a.per_step is not None)
    height = max(figures.SCATTER_HEIGHT, figures.BARS_HEIGHT) + figures.CAPTION_HEIGHT
    height += (figures.BARS_HEIGHT + figures.CAPTION_HEIGHT) * below
    _charts_when_seen(c, height, view.present)
    y_keras, y_numpy = r.y_keras, r.y_numpy  # (N, K), or (N, T, K)
    at = ""
    if a.per_step is not None:
        y_keras, y_numpy, at = y_keras[:, -1], y_numpy[:, -1], " at t = T"  # (N, K)
    columns = {"sample n": np.arange(c.N), "max |Δ|": a.per_sample}
    for k in range(c.K):
        columns[f"Keras y[{k}]{at}"] = y_keras[:, k]
        columns[f"NumPy y[{k}]{at}"] = y_numpy[:, k]
    st.html(table(columns, "agreement", scroll=c.N > 10, formats={"max |Δ|": ".2e"}, digits=7))
