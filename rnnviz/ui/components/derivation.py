"""The step's arithmetic, drawn in the browser: products with their shapes, any unit's sum.

``derivation`` mounts a components-v2 element (no iframe) on one JSON payload from
``rnnviz.views.derivation.payload``: every block of the step with its products A · B → C, in
the layout's orientation. Pointing at a result unit lights the row and the column that made
it and writes its sum out; the keyboard does the same (arrow keys, Enter); none of it asks
the server (``derivation.js``, ``derivation.css``). Opening a unit other than the server's
comes back as the trigger ``unit``, so the link keeps it.

It carries the player's t sync too (``sync.js``, as ``player.t_sync``): the server's t out, the
player's t and a clicked cell's (t, m) back as the triggers ``t`` and ``pick``.

The other views reach it through DOM events on the document: the step table's numbers (cells
with ``data-rnnviz-open``), the weights and the player send ``rnnviz:open``; it announces
``rnnviz:lit``, the weight entries of the unit it shows, which the weights view outlines.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.ui.components import script
from rnnviz.ui.components.player import sync_callbacks

_DERIVATION = st.components.v2.component(
    "rnnviz_derivation",
    html='<div class="rnnviz-dmount"><p class="rnnviz-dloading">Writing the arithmetic…</p></div>',
    css=script("derivation.css"),
    js=script("canvas.js", "sync.js", "derivation.js"),
    isolate_styles=False,  # inherit the page's fonts and type scale; classes are prefixed
)


def derivation(
    payload: dict,
    key: str = "derivation",
    on_unit: Callable[[int], None] | None = None,
    on_t: Callable[..., None] | None = None,
) -> None:
    """Mount the derivation on ``payload``; ``on_unit(m)`` runs (as a widget callback, before
    the rerun) when the reader opens a unit other than the payload's. It also keeps the
    player at the payload's t, and calls ``on_t(t)`` or ``on_t(t, m)`` with a step (and unit)
    picked in the player, as ``player.t_sync`` does: one element where there were two."""

    def changed() -> None:
        value = st.session_state[key]["unit"]
        if on_unit is not None and value is not None:
            on_unit(int(value))

    _DERIVATION(key=key, data=payload, on_unit_change=changed, **sync_callbacks(key, on_t))
