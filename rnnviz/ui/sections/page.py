"""What the whole page shares: its title, its CSS, lecture mode's picker, and the sections' frames.

The CSS lives beside this module (``page.css``, and ``lecture.css`` for lecture mode). A
section's header and its placeholder while TensorFlow loads both come from the section table
(``rnnviz.ui.contents``); so does the lecture picker's list.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from rnnviz.config import RNNConfig, as_text
from rnnviz.keras_side import model
from rnnviz.shapes import layouts, ledger
from rnnviz.tasks import TASKS
from rnnviz.ui import cache
from rnnviz.ui.components import theme
from rnnviz.ui.contents import SECTIONS, Section
from rnnviz.ui.notes import as_plain_markdown
from rnnviz.ui.view import View
from rnnviz.views import figures

_HERE = Path(__file__).parent


def _css(name: str) -> str:
    return "<style>\n" + (_HERE / name).read_text(encoding="utf-8") + "</style>\n"


def page_title(config: RNNConfig | None) -> str:
    """The browser tab's title: which model is shown."""
    return f"rnnviz — {ledger.model_name(config)}" if config else "rnnviz — inside an RNN"


def style(view: View) -> None:
    """The page's own CSS (ledger and number tables), lecture mode's larger type, and the
    page kept in the theme its link asks for."""
    st.html(_css("page.css") + (_css("lecture.css") if view.present else ""))
    theme.follow(view.theme)


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
        wrap=True,  # every tab in sight at a projector's 1280 px, and at 640 (200% zoom)
    )
    st.session_state["_section"] = section
    st.query_params["section"] = section
    return section


def title(config: RNNConfig, present: bool = False) -> None:
    """The model as the page's title; lecture mode keeps it to one line, the sections' tabs
    beside it where they fit and under it where they do not, wrapping, never cut."""
    c = config
    if present:
        trained = f" · trained {c.epochs} epochs" if c.trained else ""
        with st.container(
            horizontal=True, vertical_alignment="center", gap="small", key="lecture_top"
        ):
            st.subheader(f"rnnviz — {ledger.model_name(c)}{trained}", anchor=False, width="content")
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
        st.warning(
            f"{refusal} The weights are shown in Keras' layout instead.", icon=":material/warning:"
        )


@dataclass
class Waiting:
    """A Keras section's place on the page while Keras' side of the run is computed: its
    header and a status line, in an ``st.empty`` that the section is drawn into once ready."""

    slot: DeltaGenerator
    status: DeltaGenerator


LOADING = (
    "Loading TensorFlow and building the Keras model (the first visit after the server starts "
    "takes a few seconds; every NumPy view on this page needs neither)…"
)
BUILDING = "Keras computes y for the same X and weights…"


def waiting(section: Section) -> Waiting:
    """The place of Keras section ``section``, held by its title and a status line."""
    slot = st.empty()
    with slot.container(key=f"waiting_{section.key}"):
        st.header(section.title)
        status = st.empty()
    place = Waiting(slot, status)
    say(place, 0.0)
    return place


def say(place: Waiting, seconds: float) -> None:
    """The status line of a waiting place, after ``seconds`` of waiting."""
    text = BUILDING if model.ready() else LOADING
    place.status.info(
        text + (f" {seconds:.0f} s" if seconds >= 1 else ""), icon=":material/hourglass_top:"
    )


WAIT_STEP = 0.25  # seconds between status updates while Keras' side is computed
LATER = "_keras_later"  # session state: what to draw again once Keras' side is in


def later(fill: Callable[[], None]) -> bool:
    """While a full run draws its NumPy views before Keras' side is in, note ``fill`` (which
    draws a Keras part into a place already on the page) to be called once it is, and say
    True; otherwise say False: the caller should draw it now (Keras' side is computed, or,
    in a fragment's own rerun, computed at once)."""
    notes = st.session_state.get(LATER)
    if notes is None:
        return False
    notes.append(fill)
    return True


def numpy_first(config: RNNConfig, shown: list[Section], draw: Callable[[Section], None]) -> None:
    """Draw ``shown`` in page order, the NumPy sections at once and the Keras sections'
    places held while Keras' side of the run is computed on a thread of its own; then fill
    those places, and the Keras parts of the NumPy sections (``later``), without redrawing
    anything else. Waiting, the status lines count the seconds, which also lets a new
    config's run take over at once (every update is a point where Streamlit can stop a run)."""
    if not cache.keras_ready(config) and model.ready():
        cache.start_check(config)  # TensorFlow is in: Keras runs beside the NumPy views
    places: dict[str, Waiting] = {}
    st.session_state[LATER] = []
    try:
        for section in shown:
            if section.keras and not cache.keras_ready(config):
                places[section.key] = waiting(section)
            else:
                draw(section)
        started = time.perf_counter()
        cache.start_check(config)  # on a fresh server: TensorFlow loads now, after the views
        while (thread := cache.checking(config)) is not None:
            thread.join(WAIT_STEP)
            for place in places.values():
                say(place, time.perf_counter() - started)
        for fill in st.session_state[LATER]:
            fill()
    finally:
        st.session_state.pop(LATER, None)
    for key, place in places.items():
        with place.slot.container():
            draw(SECTIONS[key])


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


def chart(fig, key: str, **options) -> None:
    """A Plotly chart and, right under it, its description (what it shows and its key number,
    ``figures.description``), the chart's words for a reader who cannot see it."""
    st.plotly_chart(fig, key=key, **options)
    st.caption(as_plain_markdown(figures.description(fig)))
