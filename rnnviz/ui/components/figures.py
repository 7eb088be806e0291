"""Figures for slides: a PNG at twice the size and an SVG of every figure, and the page's link.

``figures`` mounts one invisible components-v2 element per page (no iframe). Its script
(``figures.js``, ``figures.css``) watches the main pane with one ``MutationObserver`` and gives
every Plotly chart a row of small buttons under it, "PNG (2×)" and "SVG", and every canvas marked
``data-rnnviz-figure`` its name and a "PNG (2×)" button in a strip under its element (the player,
the weights), so that no figure grows taller. A download is made in the browser from what is
drawn, with the caption of ``rnnviz.views.caption`` and the step t shown at that moment in a
band under the figure, in the SVG's ``<desc>`` and in the PNG's metadata (an ``iTXt``
"Description", UTF-8). Nothing goes to the server, and a step of t costs the element nothing:
it reads t only when a button is pressed.

``copy_link`` is the sidebar's "Copy link to this view": the address bar already carries every
field and view key (``rnnviz.ui.link``), so the button copies it in the browser, says so in a
polite live region, and where the clipboard cannot be written (plain http on another host)
shows the link selected in a read-only field instead.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.config import RNNConfig
from rnnviz.ui.components import script
from rnnviz.views.caption import caption, file_stem

_FIGURES = st.components.v2.component(
    "rnnviz_figures",
    html='<span class="rnnviz-figures"></span>',
    css=script("figures.css"),
    js=script("figures.js") + "\nexport default figureDownloads;\n",
    isolate_styles=False,  # the buttons live beside the figures, in the page's own styles
)

_COPY_LINK = st.components.v2.component(
    "rnnviz_copy_link",
    html=(
        '<div class="rnnviz-copylink">'
        '<button type="button" class="rnnviz-copylink-button">Copy link to this view</button>'
        '<p class="rnnviz-copylink-status" role="status" aria-live="polite"></p>'
        '<input class="rnnviz-copylink-url" type="text" readonly hidden '
        'aria-label="Link to this view">'
        "</div>"
    ),
    css=script("figures.css"),
    js=script("figures.js") + "\nexport default copyLink;\n",
    isolate_styles=False,
)


def figures(config: RNNConfig, key: str = "figures") -> None:
    """Give every figure on the page its download buttons, captioned for ``config``; once a
    page, anywhere (the element itself shows nothing)."""
    _FIGURES(key=key, data={"caption": caption(config), "stem": file_stem(config)})


def copy_link(key: str = "copy_link") -> None:
    """The "Copy link to this view" button, its status line and its fallback field."""
    _COPY_LINK(key=key, data={})
