"""The player and its t sync alone on a page, wired the way app.py wires them.

Served by tests/test_player_browser.py: ``?cell=&T=&M=&N=...`` pick the run as on the real
page (``rnnviz.config.from_query``, with its view keys), ``?step=`` the opening step,
``?sample=``, ``?view_layer=`` and ``?view_direction=`` the trace shown; a sample box outside
the fragment gives the player a new payload, as a new n does on the real page. A slider in an
``st.fragment`` is the server's t; the player outside it plays in the browser and reports
the user's t back through ``t_sync``, so only the fragment reruns.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.config import from_query
from rnnviz.ui import cache
from rnnviz.ui.components.player import player, t_sync
from rnnviz.ui.view import view_fields
from rnnviz.views.player_data import pack

st.set_page_config(page_title="rnnviz player", layout="wide")


config, view, warnings = from_query(st.query_params.to_dict(), views=view_fields)
for warning in warnings:
    st.warning(warning)
if "step" not in st.session_state:  # before the slider exists, so the URL's t opens the page
    st.session_state["step"] = view.get("step", config.T)
    st.session_state["sample"] = view.get("sample", 0)


def follow_player(t: int, m: int | None = None) -> None:
    st.session_state["step"] = t  # a cell clicked also names its unit m: the step panel's


@st.fragment
def server_t() -> None:
    # Only this fragment reruns when the player reports a new t (and when the slider moves).
    t = st.slider("t — time step", 1, config.T, key="step")
    t_sync(t, on_change=follow_player)
    st.write(f"server t = {t}")


# Counts whole-script runs only: a fragment rerun does not reach this line.
st.session_state["page_runs"] = st.session_state.get("page_runs", 0) + 1
server_t()
n = st.selectbox("sample n", range(config.N), key="sample")
layer, direction = view.get("view_layer", 1), view.get("view_direction", "fwd")
player(pack(cache.player_frames(config, n, layer, direction), st.session_state["step"]))
st.caption(f"page runs = {st.session_state['page_runs']}")
