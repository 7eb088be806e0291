"""The page's link: read once when a session starts, written back on every run.

The URL is read once, when a session starts, into session state; after that the widgets are
the truth and every run writes the state back to the URL, so the address bar is always a link
to the exact view. A bad URL value becomes a warning and that one field falls back
(``rnnviz.config.links.from_query`` has the rules); since the URL is then rewritten from the
widgets, a bad or unknown value never survives into a shared link. What the link names that
this server holds (imported or trained weights, data, an edit of X) becomes the session's own
(``rnnviz.ui.held``), so the page keeps showing it whatever the store lets go.

When the page's WebSocket reconnects to a server that does not know its session (another
replica behind a load balancer, or a restarted server), ``rerun_after_reconnect`` makes the
page run again, so a fresh session rebuilds the same view from the URL.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import timedelta

import streamlit as st

from rnnviz.config import DEFAULT, FIELDS, RNNConfig, as_text, from_query
from rnnviz.ui import cache, held
from rnnviz.ui.notes import as_plain_markdown
from rnnviz.ui.view import View, view_default, view_fields

# config fields that are no widget: what the session holds, and the epochs it was trained for
NOT_WIDGETS = ("weights", "x_edit", "data", "epochs")
# view keys kept under "_<key>" too: Streamlit forgets a widget's value in a run that does not
# draw it, as lecture mode does with the sections it hides
KEPT = ("sample", "step", "unit", "section")


def read_once() -> None:
    """Seed session state from the URL on a session's first run; never raises."""
    if "_url_config" in st.session_state:
        return
    # every value of a repeated key: the last valid one wins, and each bad one is named
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    found: dict[Hashable, object] = {}

    def holds(key: Hashable):
        """What this server holds under ``key``; kept, since the store may let it go before
        the sidebar takes it."""
        item = found[key] = cache.STORE.get(key)
        return item

    config, view, warnings = from_query(params, held=holds, views=view_fields)
    for name in FIELDS:
        if name not in NOT_WIDGETS:
            st.session_state[name] = getattr(config, name)
    for field, key in config.held().items():
        held.hold(held.slot_of(field, config), found[key])
    if config.trained:
        st.session_state["weights_view"] = "trained"
    for key in view_fields(config):
        state = f"_{key}" if key in KEPT else key
        st.session_state[state] = view.get(key, view_default(key, config))
    st.session_state["_url_config"] = config
    st.session_state["_url_warnings"] = warnings


def restore(key: str, low: int, high: int) -> None:
    """Give widget ``key`` its kept value, clamped into [low, high] for the current sizes."""
    value = st.session_state.get(key, st.session_state.get("_" + key, low))
    st.session_state[key] = min(max(int(value), low), high)


def keep(key: str, value: int) -> None:
    """The address bar's ``key`` set to ``value``, if it says otherwise: each change is a
    message to the browser, which rewrites its history entry."""
    if st.query_params.get(key) != str(value):
        st.query_params[key] = str(value)


def presenting() -> bool:
    """Lecture mode, as the URL or the sidebar's switch last set it."""
    read_once()
    return bool(st.session_state.get("present"))


def warn_once(config: RNNConfig | None) -> None:
    """The link's warnings, while the page still shows the config the link asked for."""
    if config is not None and config == st.session_state["_url_config"]:
        for message in st.session_state["_url_warnings"]:
            st.warning(as_plain_markdown(message), icon=":material/link:")


def write(config: RNNConfig | None, values: dict, view: View) -> None:
    """The address bar as a link to this exact view: every field of the config where it ran
    (random X writes no pulse place of its own), or of the sidebar's values where it could
    not, then the view keys that differ from a plain page."""
    query = {
        name: as_text(getattr(config, name) if config else values.get(name, getattr(DEFAULT, name)))
        for name in FIELDS
    }
    query |= {key: st.session_state[f"_{key}"] for key in ("sample", "step", "unit")}
    if values["layers"] > 1:
        query["view_layer"] = view.layer
    if values["bidirectional"]:
        query["view_direction"] = view.direction
    if view.present:
        query |= {"present": 1, "section": view.section}
    if view.quiz:
        query["quiz"] = 1
    if view.layout != "keras":
        query["layout"] = view.layout
    if view.theme != "light":
        query["theme"] = view.theme
    st.query_params.from_dict(query)


# Streamlit's front end reruns the whole script when its WebSocket reconnects only if the
# page has a timed fragment (or a run was under way); otherwise it trusts the server to
# have resumed the old session. A replica that took over from a dead one has a fresh
# session instead: without a rerun its page would stay stale and the next t or n step, a
# fragment rerun that session never saw, would be dropped. The hourly tick draws nothing.
@st.fragment(run_every=timedelta(hours=1))
def rerun_after_reconnect() -> None:
    """Nothing to draw: being a timed fragment is the whole point (see above)."""
