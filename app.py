"""rnnviz: the "Importance of shapes" notebook as a dashboard. Run: make run."""

import streamlit as st

from rnnviz import model
from rnnviz.ui import cache, sections
from rnnviz.ui.sidebar import presenting, section_picker, sidebar


def main() -> None:
    model.preload()  # TensorFlow imports in the background while the ledger is drawn
    present = presenting()
    st.set_page_config(
        page_title="rnnviz — inside an RNN",
        page_icon="🔁",
        layout="wide",
        initial_sidebar_state="collapsed" if present else "auto",
    )
    config, view = sidebar()
    if config is None:
        return
    st.set_page_config(page_title=sections.page_title(config))
    sections.style(view.present)
    shown = list(sections.KERAS_SECTIONS)
    if view.present:
        chosen = section_picker()
        shown = [chosen] if chosen in shown else []
    sections.title(config)
    if not view.present or chosen == "shapes":
        sections.shapes_ledger(config, view.quiz)
    slots = sections.waiting(shown) if not model.ready() else {}
    run = cache.run(config)
    draw = {
        "summary": lambda: sections.model_summary(run),
        "weights": lambda: sections.weight_heatmaps(run, view),
        "time": lambda: sections.states_and_steps(run, view),
        "agreement": lambda: sections.output_agreement(run),
    }
    for slot in slots.values():
        slot.empty()
    for name in shown:
        draw[name]()
    with st.sidebar:
        sections.downloads(run)


main()
