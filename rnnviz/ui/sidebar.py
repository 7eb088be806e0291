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
from rnnviz.config import BOUNDS, FIELDS, SWITCHES, ConfigError, RNNConfig, as_text, from_query


@dataclass(frozen=True)
class View:
    """What the user looks at inside a run: sample n, step t (1-based), layer and direction."""

    n: int
    t: int
    layer: int = 1
    direction: str = "fwd"


def _read_url_once() -> None:
    if "_url_config" in st.session_state:
        return
    params = {key: st.query_params[key] for key in st.query_params}
    config, view, warnings = from_query(params)
    for name in FIELDS:
        st.session_state[name] = getattr(config, name)
    st.session_state["sample"] = view.get("sample", 0)
    st.session_state["step"] = view.get("step", config.T)
    st.session_state["view_layer"] = view.get("view_layer", config.layers)
    st.session_state["view_direction"] = view.get("view_direction", "fwd")
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


def _look_at(N: int, T: int, layers: int, bidirectional: bool) -> View:
    st.header("Look at")
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
    layer, direction = 1, "fwd"
    if layers > 1:
        _clamp("view_layer", 1, layers)
        layer = (
            st.segmented_control(
                "l — layer",
                options=list(range(1, layers + 1)),
                key="view_layer",
                help="Which recurrent layer the weights, states and step views show.",
            )
            or layers
        )
    if bidirectional:
        if st.session_state.get("view_direction") not in ("fwd", "bwd"):
            st.session_state["view_direction"] = "fwd"
        direction = (
            st.segmented_control(
                "Direction",
                options=["fwd", "bwd"],
                key="view_direction",
                format_func=lambda d: {"fwd": "forward →", "bwd": "← backward"}[d],
                help="The backward layer reads x_T first; its h_t is drawn in time order.",
            )
            or "fwd"
        )
    return View(n=int(n), t=int(t), layer=int(layer), direction=direction)


def sidebar() -> tuple[RNNConfig | None, View]:
    """Draw the sidebar; return the config (None if the sizes do not fit) and the view."""
    _read_url_once()
    with st.sidebar:
        st.header("Model")
        st.selectbox(
            "Cell", options=list(CELLS), format_func=lambda key: CELLS[key].title, key="cell"
        )
        gru = st.session_state["cell"] == "gru"
        st.toggle(
            "reset_after (GRU)",
            key="reset_after",
            disabled=not gru,
            help=SWITCHES["reset_after"] + ". Off: the textbook GRU, bias (3M,).",
        )
        values = {name: _size_input(name) for name in ("N", "T", "D", "M", "K", "layers")}
        st.toggle("return_sequences", key="return_sequences", help=SWITCHES["return_sequences"])
        st.toggle("Bidirectional", key="bidirectional", help=SWITCHES["bidirectional"])
        values["seed"] = _size_input("seed")
        values.update({k: st.session_state[k] for k in ("cell", *SWITCHES)})
        view = _look_at(values["N"], values["T"], values["layers"], values["bidirectional"])

    try:
        config = RNNConfig(**values)
    except ConfigError as err:
        config = None
        st.error(f"These sizes cannot run: {err}.", icon=":material/warning:")

    if config is not None and config == st.session_state["_url_config"]:
        for message in st.session_state["_url_warnings"]:
            st.warning(message, icon=":material/link:")
    query = {name: as_text(values[name]) for name in FIELDS}
    query |= {"sample": view.n, "step": view.t}
    if values["layers"] > 1:
        query["view_layer"] = view.layer
    if values["bidirectional"]:
        query["view_direction"] = view.direction
    st.query_params.from_dict(query)
    return config, view
