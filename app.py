"""rnnviz: the "Importance of shapes" notebook as a dashboard. Run: make run."""

import streamlit as st

from rnnviz.ui import cache, downloads, link
from rnnviz.ui.components.figures import figures
from rnnviz.ui.contents import SECTIONS
from rnnviz.ui.sections import page, training
from rnnviz.ui.sidebar import sidebar


def main() -> None:
    present = link.presenting()
    st.set_page_config(
        page_title="rnnviz — inside an RNN",
        page_icon=":material/repeat:",  # a Material icon: no emoji catalogue to load
        layout="wide",
        initial_sidebar_state="collapsed" if present else "auto",
    )
    training.collect()  # a training that has ended: its weights before the sidebar reads them
    config, view = sidebar()
    if config is None:
        return
    st.set_page_config(page_title=page.page_title(config))
    page.style(view)
    page.title(config, view.present)
    page.layout_notice(config, view.layout)
    figures(config)  # download buttons under every figure, drawn in the browser
    shown = [s for s in SECTIONS.values() if not view.present or s.key == view.section]
    cache.run_of(config)  # the NumPy side: every view but Keras' draws from it
    page.numpy_first(config, shown, lambda section: section.draw(config, view))
    with st.sidebar:
        downloads.downloads(config)
        link.rerun_after_reconnect()  # a page that reconnects to a fresh session runs again
    training.drawn()


main()
