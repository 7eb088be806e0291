"""What the whole page shares: its title, its CSS, lecture mode's picker, and the sections' frames.

The CSS lives beside this module (``page.css``, and ``lecture.css`` for lecture mode). A
section's header and its placeholder while TensorFlow loads both come from the section table
(``rnnviz.ui.contents``); so does the lecture picker's list.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from rnnviz.config import RNNConfig, as_text
from rnnviz.shapes import layouts, ledger
from rnnviz.tasks import TASKS
from rnnviz.ui.contents import SECTIONS, Section

_HERE = Path(__file__).parent


def _css(name: str) -> str:
    return "<style>\n" + (_HERE / name).read_text(encoding="utf-8") + "</style>\n"


def page_title(config: RNNConfig | None) -> str:
    """The browser tab's title: which model is shown."""
    return f"rnnviz — {ledger.model_name(config)}" if config else "rnnviz — inside an RNN"


def style(present: bool) -> None:
    """The page's own CSS (ledger and number tables), and lecture mode's larger type."""
    st.html(_css("page.css") + (_css("lecture.css") if present else ""))


def header(key: str, part: int = 0, extra: str = "") -> None:
    """Section ``key``'s header (its ``part``-th, for a section of two), from the table."""
    st.header(SECTIONS[key].header(part) + extra)


def section_picker() -> str:
    """Lecture mode's choice of section, drawn at the top of the page."""
    if st.session_state.get("section") not in SECTIONS:
        st.session_state["section"] = st.session_state.get("_section", "time")
    section = st.segmented_control(
        "Section",
        options=list(SECTIONS),
        format_func=lambda key: SECTIONS[key].label,
        key="section",
        required=True,
        label_visibility="collapsed",
    )
    st.session_state["_section"] = section
    st.query_params["section"] = section
    return section


def title(config: RNNConfig, present: bool = False) -> None:
    """The model as the page's title; lecture mode keeps it to one line beside the sections."""
    c = config
    if present:
        left, right = st.columns([2, 3], vertical_alignment="center")
        trained = f" · trained {c.epochs} epochs" if c.trained else ""
        left.subheader(f"rnnviz — {ledger.model_name(c)}{trained}", anchor=False)
        with right:
            section_picker()
        return
    seq = " (return_sequences: Dense at every step)" if c.return_sequences else ""
    st.title(f"rnnviz — {ledger.model_name(c)}")
    st.markdown(
        f"`Input((T, D)) → {ledger.model_name(c)}`{seq} on {input_text(c)} of shape "
        f"(N, T, D) = ({c.N}, {c.T}, {c.D}), with M = {c.M} hidden units and K = {c.K} "
        "outputs. Keras computes y; a few lines of NumPy compute it again, step by step."
        + (
            f" The weights are imported (weights={c.weights}); the seed draws X only."
            if c.imported
            else f" The weights are trained: {c.epochs} epochs of Adam from the initial ones."
            if c.trained
            else ""
        )
        + (
            ""
            if c.whh_scale == 1.0
            else f" What if: every recurrent kernel W_hh is scaled by {as_text(c.whh_scale)} "
            "(in a model of its own)."
        )
    )


def input_text(c: RNNConfig) -> str:
    """What X is, in words: "random X", "a pulse X (x_3 = 1 on feature 0, zeros elsewhere)",
    "the adding task's X", "your data's X"."""
    if not c.drawn:
        return f"your data's X (data={c.data})"
    if c.task != "random":
        return f"the {TASKS[c.task].title} task's X"
    if c.input == "pulse":
        return f"a pulse X (x_t = 1 on feature d0 = {c.pulse_d} at t0 = {c.pulse_t} only)"
    if c.input == "step":
        return f"a step X (x_t = 1 on feature d0 = {c.pulse_d} from t0 = {c.pulse_t} on)"
    return "random X"


def layout_notice(config: RNNConfig, layout: str) -> None:
    """Why the page shows Keras' layout where another was asked for (PyTorch has no
    such cell); nothing when it shows the one asked for."""
    _, refusal = layouts.shown(config, layout)
    if refusal:
        st.warning(f"{refusal} The weights are shown in Keras' layout instead.", icon="⚠️")


def waiting(shown: list[Section]) -> dict:
    """Placeholders for the Keras sections while TensorFlow loads: their title and a status.

    Returns one ``st.empty`` per section, to be emptied once the run is ready; the sections
    are then drawn after them, in the same order, so nothing else moves.
    """
    slots = {}
    for section in shown:
        slots[section.key] = st.empty()
        with slots[section.key].container(key=f"waiting_{section.key}"):
            st.header(section.title)
            st.info(
                "Loading TensorFlow and building the Keras model (the first visit takes a few "
                "seconds; the ledger above needs neither)…",
                icon=":material/hourglass_top:",
            )
    return slots


def on_demand(key: str, label: str, present: bool, draw: Callable[..., None], *args) -> None:
    """``draw(*args)`` at once in lecture mode (the section is shown alone), else inside an
    expander, only once it is opened: a closed expander's content is still computed and sent,
    and these sections cost Keras calls or charts."""
    if present:
        draw(*args)
    else:
        _expander(label, f"{key}_open", draw, *args)


@st.fragment
def _expander(label: str, key: str, draw: Callable[..., None], *args) -> None:
    """A fragment, so that opening the expander reruns this section alone."""
    box = st.expander(label, on_change="rerun", key=key)
    if box.open:
        with box:
            draw(*args)
