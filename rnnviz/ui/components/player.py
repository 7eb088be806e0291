"""The hidden-state player: time t = 1..T plays in the browser, with no server round trip.

``player`` mounts a components-v2 element (no iframe) that receives one payload from
``rnnviz.views.player_data.pack``, every traced state and gate of one sample as raw float32, draws
each (T, M) trace once as a heatmap and then moves only a marker, a bar chart of h_t and the step
table from frame to frame (``player.js``, ``player.css``; the payload decoder and the colour tables
are in ``canvas.js``, shared with ``components.weights``).

``t_sync`` is a second, invisible element that keeps the server's t (a slider inside an
``st.fragment``) and the player's t together through two DOM events: each render announces
the server's t (``rnnviz:server-t``) and the player follows it unless it is playing; a t the
user picks in the player (``rnnviz:player-t``, never sent while playing) comes back to Python
as the trigger ``t``, whose callback reruns only the fragment; a cell of a heatmap clicked
(``rnnviz:player-pick``) comes back as the trigger ``pick``, its step and unit together, for
the step panel to open that unit's arithmetic. A trigger and not a state
value, because a state value only fires its callback when it differs from the last value
the browser sent: after the slider moved away, going back in the player to that same t
would be lost.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.ui.components import script

_PLAYER = st.components.v2.component(
    "rnnviz_player",
    # The JS builds the player inside this mount once the payload is decoded.
    html='<div class="rnnviz-mount"><p class="rnnviz-loading">Loading the player…</p></div>',
    css=script("player.css"),
    # One inline ES module: the shared payload and colour helpers, then the player itself.
    js=script("canvas.js", "player.js"),
    isolate_styles=False,  # inherit the page's fonts and type scale; classes are prefixed
)

# Announce the server's t on every render; report the player's t back as a trigger.
_T_SYNC_JS = """
const syncs = new WeakMap();  // parentElement -> state; the module outlives each render

export default function ({ data, parentElement, setTriggerValue }) {
  let sync = syncs.get(parentElement);
  if (!sync) {
    sync = { known: null, inFlight: [], send: null };
    const listeners = new AbortController();
    document.addEventListener("rnnviz:player-t", (event) => {
      const t = event.detail.t;
      if (t === sync.known) return;  // the server has it already: no rerun
      sync.known = t;
      sync.inFlight = [...sync.inFlight.slice(-15), t];
      sync.send("t", t);
    }, { signal: listeners.signal });
    // A cell of a heatmap: its step and its unit go together, at once, in one rerun.
    document.addEventListener("rnnviz:player-pick", (event) => {
      const { t, m } = event.detail;
      sync.known = t;
      sync.inFlight = [...sync.inFlight.slice(-15), t];
      sync.send("pick", { t, m });
    }, { signal: listeners.signal });
    sync.destroy = () => { listeners.abort(); syncs.delete(parentElement); };
    syncs.set(parentElement, sync);
  }
  // The newest setter carries the newest fragment and form ids.
  sync.send = setTriggerValue;
  const t = data.t;
  const sent = sync.inFlight.lastIndexOf(t);
  const newer = sent >= 0 && sent < sync.inFlight.length - 1;
  // The echo of a value we sent is done with; an unknown t came from elsewhere (the slider).
  sync.inFlight = sent >= 0 ? sync.inFlight.slice(sent + 1) : [];
  if (!newer) {  // an older echo while a newer t is on its way would pull the player back
    sync.known = t;
    document.dispatchEvent(new CustomEvent("rnnviz:server-t", { detail: { t } }));
  }
  return sync.destroy;
}
"""

_T_SYNC = st.components.v2.component(
    "rnnviz_t_sync",
    html='<span class="rnnviz-t-sync"></span>',
    # Nothing to see: hide the element's container too, so it adds no gap to the page. The
    # newline matters: a one-line css or js string with "[" or "/" is taken for a file path.
    css='[data-testid="stElementContainer"]:has(.rnnviz-t-sync) {\n  display: none;\n}\n',
    js=_T_SYNC_JS,
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
    or page that holds this element)."""

    def changed() -> None:
        # Inside the callback the trigger's value is only in session state, under our key.
        value = st.session_state[key]["t"]
        if on_change is not None and value is not None:
            on_change(int(value))

    def picked() -> None:
        value = st.session_state[key]["pick"]
        if on_change is not None and value is not None:
            on_change(int(value["t"]), int(value["m"]))

    _T_SYNC(key=key, data={"t": int(t)}, on_t_change=changed, on_pick_change=picked)
