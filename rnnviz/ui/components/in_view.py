"""Charts drawn when they come into view: a Plotly chart below the fold costs nothing until then.

A Plotly chart is the most expensive thing the browser draws on this page (its bundle loads on
the first one, and each redraw takes tens of milliseconds), and on a wide screen the agreement's
and the memory's charts sit below the fold. ``when_in_view`` draws a group of charts at once if
their place has been on screen in this session; otherwise it holds the place with a box of
their height (``in_view``, a components-v2 element with an ``IntersectionObserver``) that sets
``seen`` once scrolled to (or within a screen of it): the fragment around it then runs again
and draws the charts. A place once seen stays seen for the session, so a new config is drawn
there at once. Lecture mode, which shows one section, draws them at once.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

_JS = """
export default function ({ data, parentElement, setStateValue }) {
  const box = parentElement.querySelector(".rnnviz-in-view");
  box.style.minHeight = `${data.height}px`;  // the charts' height: nothing moves when drawn
  const seen = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      seen.disconnect();
      setStateValue("seen", true);
    }
  }, {
    // The page scrolls inside Streamlit's main pane, which would clip the margin of a
    // viewport root: the pane is the root, so a place is drawn a screen before it shows.
    root: box.closest('[data-testid="stMain"]'),
    rootMargin: "100% 0px",
  });
  seen.observe(box);
  return () => seen.disconnect();
}
"""

_IN_VIEW = st.components.v2.component(
    "rnnviz_in_view",
    html='<div class="rnnviz-in-view" role="img" aria-label="Charts, drawn when scrolled to">'
    "</div>",
    js=_JS,
    isolate_styles=False,
)

SEEN = "_in_view_{}"  # session state: this place has been on screen


def when_in_view(
    key: str, height: int, draw: Callable[..., None], *args, now: bool = False
) -> None:
    """``draw(*args)`` (Plotly charts, ``height`` pixels tall together) once its place is, or
    has been, on screen in this session; ``now`` draws at once (lecture mode)."""
    if now or st.session_state.get(SEEN.format(key)):
        draw(*args)
        return
    # a fragment of its own per place, named, so that the place's callback reruns just it
    st.fragment(_held, key=HELD.format(key))(key, height, draw, *args)


HELD = "in_view_held_{}"  # the fragment that holds place key


def _held(key: str, height: int, draw: Callable[..., None], *args) -> None:
    """The place, held until seen, then the charts. ``seen`` is a state, not a trigger: it
    stays true in the session's widget state whatever run reads it; and its callback names
    this place's fragment to rerun, because two places seen at once would otherwise share
    one rerun request, in which Streamlit runs one of the two fragments."""
    if st.session_state.get(SEEN.format(key)):
        draw(*args)
        return

    def seen() -> None:
        if (st.session_state.get(f"in_view_{key}") or {}).get("seen"):
            st.session_state[SEEN.format(key)] = True
            st.rerun(HELD.format(key))

    _IN_VIEW(key=f"in_view_{key}", data={"height": height}, on_seen_change=seen)
