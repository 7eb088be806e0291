"""rnnviz: the "Importance of shapes" notebook as a dashboard. Run: make run."""

import streamlit as st

from rnnviz.ui import cache, sections
from rnnviz.ui.sidebar import sidebar

st.set_page_config(page_title="rnnviz — inside an RNN", page_icon="🔁", layout="wide")


def main() -> None:
    config, view = sidebar()
    if config is None:
        return
    run = cache.run(config)
    sections.title(run)
    sections.shapes_ledger(run)
    sections.model_summary(run)
    sections.weight_heatmaps(run, view)
    sections.hidden_states(run, view)
    sections.step_by_step(run, view)
    sections.output_agreement(run)
    with st.sidebar:
        sections.downloads(run)


main()
