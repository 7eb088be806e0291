"""A text coloured by one unit, drawn in the browser: the reading section's main view.

``text_view`` mounts a components-v2 element (no iframe) on one JSON payload: the characters of a
window of the held-out text, the chosen unit's state after each on the page's diverging scale
and, once a character is picked, its connectivity on a sequential scale (``text.js``,
``text.css``). Pointing at a character reads its value in the browser; a click comes back as
the trigger ``pick``, a stretch selected with the mouse as the trigger ``select``.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.ui.components import script

_TEXT = st.components.v2.component(
    "rnnviz_text",
    html='<div class="rnnviz-tmount"><p>Colouring the text…</p></div>',
    css=script("text.css"),
    js=script("canvas.js", "text.js"),
    isolate_styles=False,
)


def text_view(
    payload: dict,
    key: str,
    on_pick: Callable[[int], None],
    on_select: Callable[[int, int], None],
) -> None:
    """Mount the text on ``payload``; ``on_pick(i)`` runs when character i is clicked,
    ``on_select(first, last)`` when a stretch is selected (each as a widget callback)."""

    def picked() -> None:
        value = st.session_state[key]["pick"]
        if value is not None:
            on_pick(int(value))

    def selected() -> None:
        value = st.session_state[key]["select"]
        if value is not None:
            on_select(int(value[0]), int(value[1]))

    _TEXT(key=key, data=payload, on_pick_change=picked, on_select_change=selected)
