"""rnnviz: the "Importance of shapes" notebook as a dashboard. Run: make run."""

import streamlit as st

from rnnviz.keras_side import model
from rnnviz.ui import cache, sections, train
from rnnviz.ui.sidebar import presenting, rerun_after_reconnect, sidebar


def main() -> None:
    present = presenting()
    st.set_page_config(
        page_title="rnnviz — inside an RNN",
        page_icon="🔁",
        layout="wide",
        initial_sidebar_state="collapsed" if present else "auto",
    )
    train.collect()  # a training that has ended: its weights before the sidebar reads them
    config, view = sidebar()
    if config is None:
        return
    st.set_page_config(page_title=sections.page_title(config))
    sections.style(view.present)
    sections.title(config, view.present)
    sections.layout_notice(config, view.layout)
    shown = list(sections.KERAS_SECTIONS)
    if view.present:
        shown = [view.section] if view.section in shown else []
    if not view.present or view.section == "training":
        train.training_section(config)
    if not view.present or view.section == "shapes":
        sections.shapes_ledger(config, view.quiz, view.layout)
    # What needs no TensorFlow is on the page by now; the first run imports it here (a
    # background import would only slow the ledger down: the two would share one GIL).
    slots = sections.waiting(shown) if not model.ready() else {}
    run = cache.run(config)
    draw = {
        "summary": lambda: sections.model_summary(run),
        "weights": lambda: sections.weight_heatmaps(run, view),
        "time": lambda: sections.states_and_steps(run, view),
        "agreement": lambda: sections.output_agreement(run),
        "mistakes": lambda: sections.shape_mistakes(config, view.present),
        "gradients": lambda: sections.gradients_through_time(config, view.present),
        "spectrum": lambda: sections.spectrum(run, view),
    }
    for slot in slots.values():
        slot.empty()
    for name in shown:
        draw[name]()
    with st.sidebar:
        sections.downloads(run)
        rerun_after_reconnect()  # a page that reconnects to a fresh session runs again
    train.drawn()


main()
