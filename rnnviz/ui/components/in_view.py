"""Charts drawn when they come into view: a Plotly chart below the fold costs nothing until then.

A Plotly chart is the most expensive thing the browser draws on this page (its bundle loads on
the first one, and each redraw takes tens of milliseconds), and on a wide screen the agreement's
and the memory's charts sit below the fold. ``when_in_view`` draws a group of charts at once if
their place has been on screen in this session; otherwise it holds the place with a box of
their height (``in_view``, a components-v2 element with an ``IntersectionObserver``) that says
``seen`` once scrolled to: what holds it then runs again and draws the charts. A place once seen
stays seen for the session, so a new config is drawn there at once. Lecture mode, which shows
one section, draws them at once.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

_JS = """
export default function ({ data, parentElement, setTriggerValue }) {
  const box = parentElement.querySelector(".rnnviz-in-view");
  box.style.minHeight = `${data.height}px`;  // the charts' height: nothing moves when drawn
  const say = () => setTriggerValue("seen", true);
  let again = null;
  const seen = new IntersectionObserver((entries) => {
    clearInterval(again);
    if (entries.some((entry) => entry.isIntersecting)) {
      say();
      // Said again every few seconds until the charts replace the place: two places seen at
      // once share one rerun request, in which Streamlit may run what holds only one of them.
      // Not sooner: a rerun of a large page takes a second or more, and one said again while
      // it runs queues another, which redraws the step's slider under the reader's keys.
      again = setInterval(say, 3000);
    }
  });  // the viewport, clipped by Streamlit's main pane: drawn as it comes into view
  seen.observe(box);
  return () => {
    seen.disconnect();
    clearInterval(again);
  };
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
    has been, on screen in this session; ``now`` draws at once (lecture mode).

    Held, the place's ``seen`` (a trigger) reruns what a widget of its own would: the
    fragment it is in, which draws it; its callback only notes it, so it never takes the
    place of another rerun. Call it inside a fragment: a place on the page itself would
    rerun the whole page as it scrolls into view, and a click in a fragment while that
    rerun has not yet drawn the fragment again is dropped by Streamlit."""
    if now or st.session_state.get(SEEN.format(key)):
        draw(*args)
        return

    def seen() -> None:
        # inside the callback a trigger's value is only in session state, under the key
        if (st.session_state.get(f"in_view_{key}") or {}).get("seen"):
            st.session_state[SEEN.format(key)] = True

    _IN_VIEW(key=f"in_view_{key}", data={"height": height}, on_seen_change=seen)
