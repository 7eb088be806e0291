"""Sections 4 and 5: the hidden states (and gates) of one sample over time, and one step's numbers.

Everything here depends on the sample n, and the step panel on the step t, so they sit in
fragments: ``_look`` reruns alone when n changes, and inside it ``_step_panel`` reruns alone
when t changes, so scrubbing t redraws the step panel and nothing else; the player
(``components.player``) plays time in the browser and moves its own markers. Sample n's X can
be edited as a table (``x_edits``): an edit that holds becomes the config's ``x_edit`` through
the one flow of ``rnnviz.ui.held``, and the whole page runs again on it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from rnnviz import pipeline
from rnnviz.config import RNNConfig
from rnnviz.inputs import x_edits
from rnnviz.pipeline import Run
from rnnviz.recurrence.cells import HEAD_FORMULAS
from rnnviz.shapes import layouts, ledger
from rnnviz.ui import cache, held, link, notes
from rnnviz.ui.components.derivation import derivation
from rnnviz.ui.components.in_view import when_in_view
from rnnviz.ui.components.player import player
from rnnviz.ui.sections import page
from rnnviz.ui.sections.numbers import LATEX_MAX_UNITS, symbols, table
from rnnviz.ui.view import View
from rnnviz.views import derivation as arithmetic
from rnnviz.views import figures, player_data
from rnnviz.views import gradients as grad

EDITED = "_x_edit_rerun"  # an edit was taken: the whole page runs again with the new config


def sample_input(N: int) -> int:
    """The sample n the state and step views show (drawn inside their fragment)."""
    link.restore("sample", 0, N - 1)
    n = int(
        st.number_input(
            "n — sample",
            min_value=0,
            max_value=N - 1,
            step=1,
            key="sample",
            help=f"Which of the N = {N} samples the hidden-state and step views show.",
            width=180,
        )
    )
    st.session_state["_sample"] = n
    link.keep("sample", n)
    return n


def step_slider(T: int) -> int:
    """The step t of the step panel (drawn inside its fragment); t = T also shows y."""
    link.restore("step", 1, T)
    if T > 1:
        t = int(
            st.slider(
                "t — time step",
                min_value=1,
                max_value=T,
                key="step",
                help="Which step the step-by-step panel computes; t = T also shows y. "
                "The player above plays every step in the browser.",
            )
        )
    else:
        t = 1
        st.caption("t = 1, the only step (T = 1).")
    st.session_state["_step"] = t
    link.keep("step", t)
    return t


def _taken(key: str, n: int, X_n) -> None:
    """The data editor's callback: sample n's X_n with the table's changes, if every one is
    a finite number, becomes the session's edit (and the server's, for links); else the
    note says which cell is wrong and X stays as it was. The next editor starts afresh."""
    changes = st.session_state.get(key, {}).get("edited_rows", {})
    st.session_state["_x_editors"] = st.session_state.get("_x_editors", 0) + 1
    edit = held.take(
        "x_edit",
        "x_edit",
        lambda: x_edits.make(n, x_edits.apply(X_n, changes)),
        lambda why: f"Not taken: {why}. X is as it was.",
    )
    if edit is not None:
        notes.say("x_edit", True, f"Sample n = {n} edited: x_edit={edit.digest}.")
        st.session_state[EDITED] = True


def draw(config: RNNConfig, view: View) -> None:
    """Sections 4 and 5, which depend on n (and 5 on t): one fragment, the step panel nested.

    Streamlit keeps a fragment's arguments in the session (for as long as it lives, and two
    minutes after it closes) to rerun it; so the fragments take the config and read the run
    from the cache, and a visitor's session never holds a run the cache has let go."""
    _look(config, view)


@st.fragment
def _look(c: RNNConfig, view: View) -> None:
    r = cache.run_of(c)
    layout, _ = layouts.shown(c, view.layout)
    if view.present:
        # the step's arithmetic is wider than the player needs to be
        left, right = st.columns([5, 6], gap="medium")
    else:
        left = right = st.container()
    with left:
        page.header("time", 0, " and gates" if r.cell.gates else "")
        n = sample_input(c.N)
        tag = ledger.path_tag(c, view.layer, view.direction)
        st.caption(
            f"Every step t and unit of sample n = {n}{(', layer' + tag) if tag else ''}. "
            "Press ▶ or Space to play time in your browser; ← and → step t."
            + (" Pick the layer in the sidebar." if c.layers > 1 else "")
            + (" Pick the direction in the sidebar." if c.bidirectional else "")
        )
        data = cache.player_frames(c, n, view.layer, view.direction, layout)
        player(player_data.pack(data, st.session_state["_step"]), key="player")
        for key, sentence, _ in cache.memory_views(c, n, view.layer, view.direction):
            with st.container(key=key):
                st.markdown(sentence)
                chart = (c, n, view.layer, view.direction, key)
                tall = figures.MEMORY_HEIGHT + figures.CAPTION_HEIGHT  # with its description
                when_in_view(key, tall, _memory_chart, *chart, now=view.present)
        _x_editor(c, r.X[n], n)
    with right:
        page.header("time", 1)
        # One block's arithmetic first, the whole step's equations after it: at a projector's
        # 1280 × 720 the multiplication and its equation show without scrolling. The equations
        # stay out of the step's fragment, so a step of t does not typeset them again.
        _step_panel(c, view, n)
        # Inline math, not display math: KaTeX breaks an inline line after = or +, so a
        # cell's equations wrap in a narrow column (200% zoom) instead of scrolling sideways.
        for equation in r.cell.equations_in(layout):
            st.markdown(f"${equation}$")


def _memory_chart(c: RNNConfig, n: int, layer: int, direction: str, key: str) -> None:
    """The chart of memory view ``key``, from the cache: a fragment's arguments stay with the
    session, so they name the view, never hold its figure."""
    for view_key, _, fig in cache.memory_views(c, n, layer, direction):
        if view_key == key:
            page.chart(fig, f"{key}_chart")


def _x_editor(c: RNNConfig, X_n: np.ndarray, n: int) -> None:
    """Sample n's X as a table to type into (T·D ≤ x_edits.MAX_CELLS): a change that holds
    only finite numbers becomes the config's x_edit, and the whole page runs again with it
    (Keras and NumPy both read it); anything else is refused, and X stays as it was."""
    if st.session_state.pop(EDITED, False):  # an edit was taken in this fragment's run
        st.rerun(scope="app")  # the config changed: every section, not this fragment alone
    if not x_edits.editable(c):
        return
    # Built only once opened: an expander's content is drawn even while it is closed, and a
    # data editor is one of the heaviest elements a page can hold.
    box = st.expander(f"Edit X of sample n = {n}", key="x_edit_box", on_change="rerun")
    if not box.open:
        return
    import pandas as pd  # what the data editor reads; imported by the first page that edits

    with box:
        st.caption(
            f"x_t of sample n = {n}, one row per step t and one column per feature d. A change "
            "reruns Keras and NumPy on it (x_edit= in the link names it on this server)."
        )
        table = pd.DataFrame(
            np.asarray(X_n, dtype=np.float64),  # (T, D)
            columns=x_edits.columns(c.D),
            index=pd.RangeIndex(1, c.T + 1, name="t"),
        )
        key = f"x_editor_{st.session_state.get('_x_editors', 0)}"
        st.data_editor(
            table,
            key=key,
            on_change=_taken,
            args=(key, n, np.array(X_n, dtype=np.float32)),
            num_rows="fixed",
            disabled=["t"],
        )
        notes.show("x_edit", ":material/edit:")


def _follow_player(t: int, m: int | None = None) -> None:
    st.session_state["step"] = t
    if m is not None:
        _open_unit(m)


def _open_unit(m: int) -> None:
    """A unit opened in the browser (the derivation, a cell of the player): kept for the link."""
    st.session_state["_unit"] = m
    st.session_state["unit_pick"] = m


def unit_input(M: int, grid: bool) -> int:
    """The unit m whose arithmetic the step panel opens: picked in the derivation itself
    while its grid is drawn, else (M or D over the grid's limit) with this input."""
    m = min(max(int(st.session_state.get("_unit", 0)), 0), M - 1)
    if not grid:
        st.session_state.setdefault("unit_pick", m)
        st.session_state["unit_pick"] = min(int(st.session_state["unit_pick"]), M - 1)
        m = int(
            st.number_input(
                "m — unit",
                min_value=0,
                max_value=M - 1,
                step=1,
                key="unit_pick",
                help="The unit whose arithmetic is written out below.",
                width=180,
            )
        )
    st.session_state["_unit"] = m
    link.keep("unit", m)
    return m


@st.fragment
def _step_panel(c: RNNConfig, view: View, n: int) -> None:
    # Few elements on purpose: after each one the browser lays out the whole page again,
    # so one HTML block (the words and both tables) steps faster than a dozen elements.
    r = cache.run_of(c)
    layout, _ = layouts.shown(c, view.layout)
    t = step_slider(c.T)
    width = len(r.layer_input(view.layer, n, t - 1))
    m = unit_input(c.M, max(width, c.M) <= arithmetic.GRID_MAX)
    worked = arithmetic.derive(r, n, t, view.layer, view.direction, layout, m)
    # It also keeps the player at t (and takes the player's t back): one element, not two.
    derivation(arithmetic.payload(worked), on_unit=_open_unit, on_t=_follow_player)
    tag = ledger.path_tag(c, view.layer, view.direction)
    before = "t + 1" if view.direction == "bwd" else "t - 1"
    where = (
        f"Sample <strong>n = {n}</strong>, step <strong>t = {t}</strong> of T = {c.T}"
        + (f", layer{tag}" if tag else "")
        + (
            f" (the backward layer's state before step t is the one after step {before})"
            if view.direction == "bwd"
            else ""
        )
        + "."
    )
    backward = st.toggle(
        "Backward: δ_t",
        key="backward",
        help="Backpropagation through time at this step: the gradient δ_t = ∂s/∂h_t (s = Σ y) "
        "and what step t sends back to the state before it, with their numbers.",
    )
    back = []
    if backward:
        g = cache.gradients(c)  # computed on the first switch-on, then cached
        back = grad.step_terms(r, g, n, t, view.layer, view.direction)
    if back:
        # The backward equations once, their numbers in the table below: a typeset vector
        # per term would double the step's time in the browser.
        rows = [f"{term.name} &= {term.formula}" for term in back if term.formula]
        st.markdown(
            "Backward through step t (s = Σ y); the numbers are in the table.\n\n"
            "$$\n\\begin{aligned}" + r" \\ ".join(rows) + "\\end{aligned}\n$$"
        )
    # One place, filled from the NumPy side at once, and again with Keras' y (and its h_t,
    # with a bug planted) once Keras' side is in: every other view stays as it is drawn. The
    # words and the tables are one HTML block; only the backward equations are typeset.
    numbers = st.empty()

    def fill(r: Run) -> None:
        terms = r.step_terms(n, t, view.layer, view.direction, layout)
        first = _first_difference(r, n, t, view)
        output_text, output_table = _output_at(r, n, t, layout, worked.opens)
        columns = {"unit m": np.arange(c.M)}
        columns.update({player_data.plain(term.name): term.value for term in terms + back})
        numbers.html(
            _step_text(where, first)
            + table(columns, "step", scroll=c.M > 10, highlight=first, opens=worked.opens)
            + output_text
            + output_table
        )

    if cache.keras_ready(c) or not page.later(lambda: fill(cache.checked(c))):
        fill(cache.checked(c))
    else:
        fill(r)


def _step_text(where: str, first: int | None) -> str:
    """The step panel's words, as HTML: where it is, and the first difference. The step's
    own numbers are the derivation's (one block, worked out) and the table's (every term):
    typeset vectors of them again would double a step's time."""
    text = f"<p>{where}</p>"
    if first is not None:
        text += (
            f"<p><strong class='rnnviz-red'>▲ First difference: unit m = {first}</strong> — "
            "the row marked ▲, where NumPy's h_t (with the bug) first leaves Keras' h_t.</p>"
        )
    return text


def _first_difference(r: Run, n: int, t: int, view: View) -> int | None:
    """The unit m to highlight when step t of sample n, in the path on view, is where a
    planted bug first shows; None anywhere else."""
    d = r.divergence
    if d is None or d.t != t:
        return None
    layer, direction, first_n, m = d.where
    return m if (layer, direction, first_n) == (view.layer, view.direction, n) else None


def _output_at(
    r: Run, n: int, t: int, layout: str = "keras", opens: dict[str, str] | None = None
) -> tuple[str, str]:
    """y for sample n from the last layer (at every step with return_sequences, else at T):
    its equation and words as HTML and its numbers as an HTML table ("" where there is no y),
    written as ``layout`` writes the head; the table's numbers open the head's arithmetic
    in the derivation (``opens``), which works y out term by term."""
    c = r.config
    out = pipeline.output_step(r, n, t)
    y, product, bias = HEAD_FORMULAS[layout]
    if out is None:
        y = symbols("y = " + y.replace("{", "").replace("}", ""))
        return f"<p>➜ Move t to T = {c.T} to see the output {y} computed.</p>", ""
    if c.return_sequences:
        text = f"With return_sequences the Dense head reads every step; at t = {t}:"
    else:
        text = "At the last step the Dense head reads h_T:"
    equation = symbols(pipeline.head_equation(c, layout))
    columns = {"output k": np.arange(c.K), product: out.hW, bias: out.b_o, "y NumPy": out.y_numpy}
    if out.y_keras is not None:
        columns["y Keras"] = out.y_keras
    numbers = table(columns, "output", scroll=c.K > 10, opens=opens)
    words = f"<p>{text} {equation} (worked out in the step's tab y).</p>" + _target_text(r, n)
    return words, numbers


def _target_text(r: Run, n: int) -> str:
    """What sample n should give, where the task or the data has a target: the values to
    predict, or the class and the one the logits pick."""
    if r.y_task is None or r.config.return_sequences or not r.checked:
        return ""
    if r.y_task.ndim == 1:  # a class index; y holds one logit per class
        picked = int(np.argmax(r.y_keras[n]))
        verdict = "right" if picked == int(r.y_task[n]) else "wrong"
        target = int(r.y_task[n])
        return f"<p>Target: class {target}; the largest logit picks {picked} ({verdict}).</p>"
    target = ", ".join(f"{v:.4g}" for v in r.y_task[n][:LATEX_MAX_UNITS])
    error = float(np.mean((r.y_keras[n].astype(np.float64) - r.y_task[n]) ** 2))
    return f"<p>Target y = [{target}]; squared error {error:.3g}.</p>"
