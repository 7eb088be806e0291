"""The weights element alone on a page, fed the way the real page feeds it.

Served by tests/test_weights_browser.py: ``?cell=&D=&M=&K=&layers=&bidirectional=...`` pick
the run as on the real page (``rnnviz.config.from_query``), ``?view_layer=`` and
``?view_direction=`` the path whose weights are shown. A bidirectional model also gets a
direction box, so a test can give the element a new payload on the same page. A sidebar
gives the main column the width it has on the real page.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.config import RNNConfig, from_query
from rnnviz.frames import pack
from rnnviz.run import Run, execute
from rnnviz.ui.weights import weights
from rnnviz.weightmaps import weight_grid

st.set_page_config(page_title="rnnviz weights", layout="wide")


@st.cache_resource(max_entries=4, show_spinner="Running Keras and the NumPy recurrence…")
def run_of(config: RNNConfig) -> Run:
    return execute(config)


@st.cache_resource(max_entries=8, show_spinner=False)
def payload_of(config: RNNConfig, layer: int, direction: str) -> bytes:
    run = run_of(config)
    tag = (f" [{layer}]" if config.layers > 1 else "") + (" backward" if direction == "bwd" else "")
    symbol = "D" if layer == 1 else ("2M" if config.bidirectional else "M")
    width = (symbol, config.width(layer))
    return pack(weight_grid(run.cell, run.path(layer, direction).weights, run.head, width, tag))


config, view, warnings = from_query(st.query_params.to_dict())
for warning in warnings:
    st.warning(warning)
st.sidebar.header("rnnviz")
st.sidebar.write("A sidebar as wide as the real page's.")
st.header("3 · Weights")
layer, direction = view.get("view_layer", 1), view.get("view_direction", "fwd")
if config.bidirectional:
    directions = ["fwd", "bwd"]
    direction = st.selectbox("direction", directions, index=directions.index(direction))
weights(payload_of(config, layer, direction))
