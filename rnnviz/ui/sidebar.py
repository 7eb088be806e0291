"""Sidebar widgets and the URL: both sides of the page's state.

The URL is read once, when a session starts, into the widgets' session state;
after that the widgets are the truth and every rerun writes the whole state
back to the URL, so the address bar is always a link to the exact view. A bad
URL value becomes a warning and that one field falls back to its default.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from rnnviz.cells import CELLS
from rnnviz.config import BOUNDS, FIELDS, ConfigError, RNNConfig, from_query


@dataclass(frozen=True)
class View:
    """What the user is looking at inside a run: sample n and time step t (1-based)."""

    n: int
    t: int


def _read_url_once() -> None:
    if "_url_config" in st.session_state:
        return
    params = {key: st.query_params[key] for key in st.query_params}
    config, view, warnings = from_query(params)
    for name in FIELDS:
        st.session_state[name] = getattr(config, name)
    st.session_state["sample"] = view.get("sample", 0)
    st.session_state["step"] = view.get("step", config.T)
    st.session_state["_url_config"] = config
    st.session_state["_url_warnings"] = warnings


def _size_input(name: str) -> int:
    meaning, low, high = BOUNDS[name]
    return st.number_input(
        f"{name} — {meaning}",
        min_value=low,
        max_value=high,
        step=1,
        key=name,
        help=f"{meaning.capitalize()}, from {low} to {high}.",
    )


def _clamp(key: str, low: int, high: int) -> None:
    st.session_state[key] = min(max(int(st.session_state.get(key, low)), low), high)


def sidebar() -> tuple[RNNConfig | None, View]:
    """Draw the sidebar; return the config (None if the sizes do not fit) and the view."""
    _read_url_once()
    with st.sidebar:
        st.header("Shapes")
        st.selectbox(
            "Cell",
            options=list(CELLS),
            format_func=lambda key: CELLS[key].title,
            key="cell",
        )
        values = {name: _size_input(name) for name in ("N", "T", "D", "M", "K")}
        values["seed"] = _size_input("seed")
        values["cell"] = st.session_state["cell"]

        st.header("Look at")
        N, T = values["N"], values["T"]
        _clamp("sample", 0, N - 1)
        n = st.number_input(
            "n — sample",
            min_value=0,
            max_value=N - 1,
            step=1,
            key="sample",
            help=f"Which of the N = {N} samples the hidden-state and step views show.",
        )
        _clamp("step", 1, T)
        if T > 1:
            t = st.slider(
                "t — time step",
                min_value=1,
                max_value=T,
                key="step",
                help="Which step the step-by-step panel computes; t = T also shows y.",
            )
        else:
            t = 1
            st.caption("t = 1, the only step (T = 1).")

    try:
        config = RNNConfig(**values)
    except ConfigError as err:
        config = None
        st.error(f"These sizes cannot run: {err}.", icon=":material/warning:")

    if config is not None and config == st.session_state["_url_config"]:
        for message in st.session_state["_url_warnings"]:
            st.warning(message, icon=":material/link:")
    st.query_params.from_dict({**values, "sample": n, "step": t})
    return config, View(n=int(n), t=int(t))
