"""The weights element alone on a page, fed by the page's own cached payload
(``rnnviz.ui.cache.weight_payload``).

Served by tests/test_weights_browser.py: ``?cell=&D=&M=&K=&layers=&bidirectional=...`` pick
the run as on the real page (``rnnviz.config.from_query``, with its view keys),
``?view_layer=`` and
``?view_direction=`` the path whose weights are shown. A bidirectional model also gets a
direction box, so a test can give the element a new payload on the same page. A sidebar
gives the main column the width it has on the real page.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.config import from_query
from rnnviz.ui import cache
from rnnviz.ui.components.weights import weight_panels
from rnnviz.ui.view import view_fields

st.set_page_config(page_title="rnnviz weights", layout="wide")


config, view, warnings = from_query(st.query_params.to_dict(), views=view_fields)
for warning in warnings:
    st.warning(warning)
st.sidebar.header("rnnviz")
st.sidebar.write("A sidebar as wide as the real page's.")
st.header("3 · Weights")
layer, direction = view.get("view_layer", 1), view.get("view_direction", "fwd")
if config.bidirectional:
    directions = ["fwd", "bwd"]
    direction = st.selectbox("direction", directions, index=directions.index(direction))
weight_panels(cache.weight_payload(config, layer, direction))
