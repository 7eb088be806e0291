"""The weights view: every weight block of one layer and the head, drawn in the browser.

``weights`` mounts a components-v2 element (no iframe) that receives one payload from
``rnnviz.views.player_data.pack(rnnviz.views.weight_maps.weight_grid(...))``: the blocks as raw
float32, on one shared colour range. The browser paints each block once on a canvas, one pixel per
value, scaled up by CSS, and lays the numbers, ticks and axis titles over it (``weights.js``,
``weights.css``). The payload decoder and the colour tables are ``canvas.js``, shared with the
player (``rnnviz.ui.components.player``), and joined in front of ``weights.js`` into the one inline
ES module a component takes. Each matrix is also one tab stop: the arrow keys move a cursor over
its cells, read out by the element's live region, and Enter does what a click does; "Show as
table" lists a block's numbers, a page at a time (``canvas.js``'s ``tableView``).

It replaces one Plotly heatmap per block (five for a SimpleRNN, fourteen for an LSTM), whose
redraw was the page's largest cost in the browser when a visitor came back to a cached run.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.ui.components import script

_WEIGHTS = st.components.v2.component(
    "rnnviz_weights",
    # The JS builds the panels inside this mount once the payload is decoded.
    html='<div class="rnnviz-wmount"><p class="rnnviz-wloading">Drawing the weights…</p></div>',
    css=script("canvas.css", "weights.css"),
    js=script("canvas.js", "weights.js"),
    isolate_styles=False,  # inherit the page's fonts and type scale; classes are prefixed
)


def weight_panels(payload: bytes, key: str = "weights") -> None:
    """Mount the weight panels on ``payload`` (``rnnviz.views.player_data.pack`` of a
    ``rnnviz.views.weight_maps.weight_grid``). The bytes reach the browser as they are, no JSON
    or base64 on the way."""
    _WEIGHTS(key=key, data=payload)
