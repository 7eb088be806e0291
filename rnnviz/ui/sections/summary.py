"""Section 2, the model summary: Keras' own ``model.summary()``, beside the ledger's count."""

from __future__ import annotations

import html

import streamlit as st

from rnnviz.config import RNNConfig
from rnnviz.ui import cache
from rnnviz.ui.sections import page
from rnnviz.ui.view import View


def draw(config: RNNConfig, view: View) -> None:
    page.header("summary")
    st.caption("Keras' own `model.summary()`.")
    # Its own box rather than st.code's: wider than a narrow column (200% zoom), it scrolls
    # sideways, and a box that scrolls must take focus for a keyboard to scroll it.
    summary = html.escape(cache.checked(config).summary)
    st.html(
        "<div class='rnnviz-wide rnnviz-summary' role='region' tabindex='0' "
        f'aria-label="Keras\' model summary"><pre>{summary}</pre></div>'
    )
