"""The page's theme, light or dark (``?theme=``): the sidebar's switch, and the page kept in it.

Streamlit themes the page in the browser, from ``.streamlit/config.toml``'s ``[theme.light]``
and ``[theme.dark]``, and picks one only as the page loads. ``follow`` mounts a components-v2
element with nothing to see (``theme.js``) that compares the theme on screen with the one the
link asks for and, where they differ, loads the page once more with Streamlit's own
``embed_options`` for it. The page's and the components' CSS take their colours from
Streamlit's ``--st-*`` variables, so they switch with it.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.ui.components import script

_FOLLOW = st.components.v2.component(
    "rnnviz_theme",
    html='<span class="rnnviz-theme"></span>',
    # Nothing to see: its container takes no room either (the newline: see ``script``).
    css='[data-testid="stElementContainer"]:has(.rnnviz-theme) {\n  display: none;\n}\n',
    js=script("theme.js"),
    isolate_styles=False,
)

SWITCH = "dark_theme"  # session state: the sidebar's switch


def theme_switch() -> str:
    """The sidebar's switch for the dark theme; returns the theme the link carries. It starts
    where the link's ``theme`` (in session state, read from the URL) put it."""
    if SWITCH not in st.session_state:
        st.session_state[SWITCH] = st.session_state.get("theme") == "dark"
    dark = st.toggle(
        "Dark theme (dim halls)",
        key=SWITCH,
        help="Light text on a near-black page, for a dim lecture hall (?theme=dark in a link). "
        "The page loads again in it.",
    )
    st.session_state["theme"] = theme = "dark" if dark else "light"
    return theme


def follow(theme: str) -> None:
    """Keep the page in ``theme``: one reload at most when the browser shows the other."""
    _FOLLOW(key="theme_follow", data={"theme": theme})
