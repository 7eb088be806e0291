"""The hidden-state player: time t = 1..T plays in the browser, with no server round trip.

``player`` mounts a components-v2 element (no iframe) that receives one payload from
``rnnviz.views.player_data.pack``, every traced state and gate of one sample as raw float32, draws
each (T, M) trace once as a heatmap and then moves only a marker, a bar chart of h_t and the step
table from frame to frame (``player.js``, ``player.css``; the payload decoder and the colour tables
are in ``canvas.js``, shared with ``components.weights``). By keyboard: Space plays and pauses,
the arrows, Home and End step t, each heatmap is one tab stop whose arrow keys move a cursor
read out by the player's live region, and Enter opens that cell as a click does; "Show as
table" lists a heatmap's numbers, built in the browser when opened (``canvas.js``'s
``tableView``, with ``canvas.css``).

``t_sync`` is a second, invisible element that keeps the server's t (a slider inside an
``st.fragment``) and the player's t together through DOM events (``sync.js``): each render
announces the server's t (``rnnviz:server-t``) and the player follows it unless it is playing;
a t the user picks in the player (``rnnviz:player-t``, never sent while playing) comes back to
Python as the trigger ``t``, whose callback reruns only the fragment; a cell of a heatmap
clicked (``rnnviz:player-pick``) comes back as the trigger ``pick``, its step and unit
together. A trigger and not a state value, because a state value only fires its callback when
it differs from the last value the browser sent: after the slider moved away, going back in
the player to that same t would be lost. On the page, the step's derivation
(``components.derivation``) carries the same sync, so a step of t redraws one element fewer.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.ui.components import script

_PLAYER = st.components.v2.component(
    "rnnviz_player",
    # The JS builds the player inside this mount once the payload is decoded.
    html='<div class="rnnviz-mount"><p class="rnnviz-loading">Loading the player…</p></div>',
    css=script("canvas.css", "player.css"),
    # One inline ES module: the shared payload and colour helpers, then the player itself.
    js=script("canvas.js", "player.js"),
    isolate_styles=False,  # inherit the page's fonts and type scale; classes are prefixed
)

_T_SYNC = st.components.v2.component(
    "rnnviz_t_sync",
    html='<span class="rnnviz-t-sync"></span>',
    # Nothing to see: hide the element's container too, so it adds no gap to the page. The
    # newline matters: a one-line css or js string with "[" or "/" is taken for a file path.
    css='[data-testid="stElementContainer"]:has(.rnnviz-t-sync) {\n  display: none;\n}\n',
    js=script("sync.js") + "\nexport default syncTime;\n",
    isolate_styles=False,
)


def player(payload: bytes, key: str = "player") -> None:
    """Mount the player on ``payload`` (``rnnviz.views.player_data.pack(...)``); it opens at the
    payload's t. The bytes reach the browser as they are, no JSON or base64 on the way."""
    _PLAYER(key=key, data=payload)


def t_sync(t: int, key: str = "t_sync", on_change: Callable[..., None] | None = None) -> None:
    """Keep the player at the server's step ``t``, and call ``on_change(t)`` with a step
    the user picked in the player, or ``on_change(t, m)`` with the step and unit of a
    heatmap cell clicked (each runs as a widget callback, before the rerun of the fragment
    or page that holds this element). The page's step derivation carries the same sync
    (``rnnviz.ui.components.derivation``); this element is for a page without one."""
    _T_SYNC(key=key, data={"t": int(t)}, **sync_callbacks(key, on_change))


def sync_callbacks(key: str, on_change: Callable[..., None] | None) -> dict:
    """The callbacks of the triggers ``t`` and ``pick`` (``sync.js``) of the element ``key``."""

    def changed() -> None:
        # Inside the callback the trigger's value is only in session state, under our key.
        value = st.session_state[key]["t"]
        if on_change is not None and value is not None:
            on_change(int(value))

    def picked() -> None:
        value = st.session_state[key]["pick"]
        if on_change is not None and value is not None:
            on_change(int(value["t"]), int(value["m"]))

    return {"on_t_change": changed, "on_pick_change": picked}
