"""Section 2, the model summary: Keras' own ``model.summary()``, beside the ledger's count."""

from __future__ import annotations

import streamlit as st

from rnnviz.config import RNNConfig
from rnnviz.ui import cache
from rnnviz.ui.sections import page
from rnnviz.ui.view import View


def draw(config: RNNConfig, view: View) -> None:
    page.header("summary")
    st.caption("Keras' own `model.summary()`.")
    st.code(cache.checked(config).summary, language=None)
