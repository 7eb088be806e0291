"""The page's sections, each drawn from the config or a finished ``Run``.

Sections only lay out what the core computed: numbers come from ``rnnviz.run`` and
``rnnviz.ledger``, figures and player payloads from ``cache``. Every section reads the
cell's description (``pipeline.cell``), so a new cell needs no change here.

What depends on the sample n and the step t sits in fragments: ``states_and_steps``
reruns alone when n changes, and inside it the step panel reruns alone when t changes,
so scrubbing t redraws the step panel and nothing else; the player moves its own time
markers in the browser.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable

import numpy as np
import streamlit as st

from rnnviz import pipeline
from rnnviz.config import NO_EDIT, RNNConfig, as_text
from rnnviz.inputs import x_edits
from rnnviz.recurrence import bugs
from rnnviz.recurrence.cells import HEAD_FORMULAS, LAYOUTS, cell_of, shape_text
from rnnviz.shapes import layouts, ledger
from rnnviz.tasks import TASKS
from rnnviz.ui import cache, player, weights
from rnnviz.ui.sidebar import (
    EDIT_RERUN,
    View,
    as_plain_markdown,
    edit_note,
    on_x_edit,
    sample_input,
    section_picker,
    step_slider,
)
from rnnviz.views import export, player_data, standalone
from rnnviz.views import gradients as grad

LATEX_MAX_UNITS = 6  # wider vectors are shown as a table only

# Lecture mode: a size up for the back row of a lecture hall, and the width a projector has.
LECTURE_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding: 3.2rem 2rem 2rem; max-width: 100%; }
[data-testid="stMain"] { font-size: 1.2rem; }
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li,
.rnnviz-ledger { font-size: 1.2rem; }
[data-testid="stMain"] h1 { font-size: 2.1rem; padding-top: 0; }
[data-testid="stMain"] h2 { font-size: 1.7rem; }
[data-testid="stMain"] .katex { font-size: 1em; }
[data-testid="stMain"] .katex-display { overflow-x: auto; overflow-y: hidden; }
/* the step panel beside the player shows the step's numbers */
.rnnviz-player .rnnviz-step { display: none; }
</style>
"""

PAGE_CSS = """
<style>
.rnnviz-ledger { border-collapse: collapse; width: 100%; }
.rnnviz-ledger th, .rnnviz-ledger td {
  border: 1px solid rgba(49, 51, 63, 0.15); padding: 0.3em 0.6em; text-align: left;
}
.rnnviz-ledger th { background: var(--st-secondary-background-color, #f2f4f7); }
.rnnviz-ledger td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.rnnviz-ledger summary, .rnnviz-quiz summary { cursor: pointer; color: var(--st-primary-color); }
.rnnviz-quiz details { margin: 0.4em 0; }
.rnnviz-quiz details > div { margin: 0.3em 0 0.6em 1.2em; }
.rnnviz-numbers { border-collapse: collapse; font-variant-numeric: tabular-nums;
  margin-bottom: 0.8em; }
.rnnviz-numbers th, .rnnviz-numbers td { padding: 0.15em 0.7em; text-align: right; }
.rnnviz-numbers th { border-bottom: 1px solid rgba(49, 51, 63, 0.3); position: sticky; top: 0;
  background: var(--st-background-color, #fff); }
.rnnviz-numbers tr:nth-child(even) td { background: var(--st-secondary-background-color, #f2f4f7); }
.rnnviz-numbers th, .rnnviz-numbers td { white-space: nowrap; }
.rnnviz-numbers tr.rnnviz-first td { background: #ffd8d8; font-weight: 600; }
.rnnviz-wide { overflow-x: auto; max-width: 100%; }
.rnnviz-wide.rnnviz-tall { max-height: 22em; overflow-y: auto; }
</style>
"""


def _hidden(answer: str, prompt: str = "?") -> str:
    """In quiz mode, ``answer`` behind a click; ``<details>`` needs no round trip."""
    return f"<details><summary>{prompt}</summary>{answer}</details>"


def page_title(config: RNNConfig | None) -> str:
    """The browser tab's title: which model is shown."""
    return f"rnnviz — {ledger.model_name(config)}" if config else "rnnviz — inside an RNN"


def style(present: bool) -> None:
    """The page's own CSS (ledger and number tables), and lecture mode's larger type."""
    st.html(PAGE_CSS + (LECTURE_CSS if present else ""))


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


def shapes_ledger(config: RNNConfig, quiz: bool = False, layout: str = "keras") -> None:
    """Section 1, from the config alone: drawn before TensorFlow has loaded. The weights
    are named and shaped as ``layout`` writes them; the parameter count is the model's."""
    c = config
    layout, _ = layouts.shown(c, layout)
    shape_rows, param_rows = cache.shapes_and_params(c, layout)
    with st.container(key="ledger"):
        st.header("1 · Shapes ledger")
        left, right = st.columns([3, 2], gap="large")
        with left:
            st.caption(layouts.CONVENTIONS[layout])
            rows = ["<tr><th>tensor</th><th>shape</th><th>here</th><th>what it is</th></tr>"]
            # PyTorch's names are state_dict keys, not symbols: shown beside them as code
            keys = layouts.shapes_in(c, layout) if layout == "pytorch" else {}
            for r in shape_rows:
                here = shape_text(r.numeric)
                symbol = ledger.html_symbol(r.latex)
                if r.name in keys:
                    symbol += f" <code>{html.escape(r.name)}</code>"
                rows.append(
                    f"<tr><td>{symbol}</td><td>{r.symbolic}</td>"
                    f"<td class='num'>{_hidden(here) if quiz else here}</td>"
                    f"<td>{html.escape(r.meaning)}</td></tr>"
                )
            st.html(f"<table class='rnnviz-ledger'>{''.join(rows)}</table>")
        with right:
            total = param_rows[-1]
            lines = []
            for p in param_rows[:-1]:
                count = f"<b>{p.count:,}</b>"
                derivation = f"{p.formula} = {p.numbers} = {count}"
                shown = _hidden(derivation, f"{p.formula} = ?") if quiz else derivation
                lines.append(f"<li><b>{html.escape(p.layer)}</b>: {shown}</li>")
            sum_text = f"{total.numbers} = <b>{total.count:,}</b>"
            lines.append(f"<li><b>Total</b>: {_hidden(sum_text) if quiz else sum_text}</li>")
            if quiz:
                st.html(
                    "<div class='rnnviz-quiz'><p>Parameters in total:</p>"
                    + _hidden(f"<b>{total.count:,}</b> (Keras' count_params())")
                    + "</div>"
                )
            else:
                st.metric("Parameters in total", f"{total.count:,}", help="Keras' count_params()")
            st.html(f"<ul class='rnnviz-quiz'>{''.join(lines)}</ul>")
            st.caption(cell_of(c.cell, c.reset_after).params_note)
            if layout != "keras":
                st.caption(layouts.count_note(c, layout))
            if c.layers > 1:
                st.caption(
                    "Every layer but the last returns its whole sequence (return_sequences=True),"
                    " because the next layer needs an input at every step: it reads "
                    f"{ledger.head_symbol(c)} values per step where the first reads D."
                )
        if quiz:
            st.subheader("Quiz")
            st.html(
                "<div class='rnnviz-quiz'>"
                + "".join(
                    f"<details data-question='{q.key}'><summary>{html.escape(q.question)}"
                    f"</summary><div>{html.escape(q.answer)}</div></details>"
                    for q in ledger.quiz(c)
                )
                + "</div>"
            )


# The sections that need Keras, in page order, with the titles their placeholders show.
KERAS_SECTIONS = {
    "summary": "2 · Model summary",
    "weights": "3 · Weights",
    "time": "4 · Hidden states · 5 · Step by step",
    "agreement": "6 · Output agreement",
    "mistakes": "7 · What if the shape is wrong?",
    "gradients": "8 · Gradients through time",
    "spectrum": "9 · Spectrum of W_hh",
}


def waiting(shown: list[str]) -> dict:
    """Placeholders for the Keras sections while TensorFlow loads: their title and a status.

    Returns one ``st.empty`` per section, to be emptied once the run is ready; the sections
    are then drawn after them, in the same order, so nothing else moves.
    """
    slots = {}
    for name in shown:
        slots[name] = st.empty()
        with slots[name].container(key=f"waiting_{name}"):
            st.header(KERAS_SECTIONS[name])
            st.info(
                "Loading TensorFlow and building the Keras model (the first visit takes a few "
                "seconds; the ledger above needs neither)…",
                icon=":material/hourglass_top:",
            )
    return slots


def model_summary(r: pipeline.Run) -> None:
    st.header("2 · Model summary")
    st.caption("Keras' own `model.summary()`.")
    st.code(r.summary, language=None)


def weight_heatmaps(r: pipeline.Run, view: View) -> None:
    c = r.config
    layout, _ = layouts.shown(c, view.layout)
    st.header("3 · Weights")
    tag = ledger.path_tag(c, view.layer, view.direction)
    where = f" of layer{tag}" if tag else ""
    order = [name for _, name in layouts.gate_order(r.cell, layout)]
    st.caption(
        f"Weights{where} in the {LAYOUTS[layout]} layout"
        + (f", one row of blocks per gate, in its order {', '.join(order)}" if order else "")
        + ". "
        + layouts.CONVENTIONS[layout]
        + " One colour scale for every panel, centred on zero (red positive, blue negative) and "
        "spanning 99.5% of the values (rarer, larger ones saturate); hover a cell for its value."
    )
    if not any(v.any() for k, v in r.weights.items() if k.startswith("b_")):
        st.caption("Keras starts every bias at zero, so the bias strips are white until trained.")
    with st.container(key="weight_panels"):
        payload = cache.weight_payload(c, view.layer, view.direction, layout)
        weights.weights(payload, key="weights")
    with st.expander("The same weights in PyTorch"):
        torch_mapping(r)


def torch_mapping(r: pipeline.Run) -> None:
    """Where each Keras block goes in torch.nn's layout (``rnnviz.layouts``), or why there
    is no such layout for this cell."""
    try:
        rows = layouts.moves(r.config)
    except layouts.LayoutError as err:
        st.caption(str(err))
        return
    st.caption(
        f"torch.nn.{r.cell.torch_name} multiplies W x_t where Keras multiplies x_t W, so every "
        "kernel is transposed; it orders the gates its own way; and it keeps two biases, one "
        "for the input part and one for the recurrent part. The sidebar's \"Weights for "
        'PyTorch" download holds exactly these entries, and loads with load_state_dict.'
    )
    lines = ["| Keras | PyTorch | on the way |", "|---|---|---|"]
    for move in rows:
        keras = "—" if move.keras == "—" else f"`{move.keras}`"
        lines.append(f"| {keras} | `{move.torch}` | {move.how} |")
    st.markdown("\n".join(lines))


def states_and_steps(r: pipeline.Run, view: View) -> None:
    """Sections 4 and 5, which depend on n (and 5 on t): one fragment, the step panel nested.

    Streamlit keeps a fragment's arguments in the session (for as long as it lives, and two
    minutes after it closes) to rerun it; so the fragments take the config and read the run
    from the cache, and a visitor's session never holds a run the cache has let go."""
    _look(r.config, view)


@st.fragment
def _look(c: RNNConfig, view: View) -> None:
    r = cache.run(c)
    layout, _ = layouts.shown(c, view.layout)
    if view.present:
        left, right = st.columns([1, 1], gap="medium")
    else:
        left = right = st.container()
    with left:
        st.header("4 · Hidden states" + (" and gates" if r.cell.gates else ""))
        n = sample_input(c.N)
        tag = ledger.path_tag(c, view.layer, view.direction)
        st.caption(
            f"Every step t and unit of sample n = {n}{(', layer' + tag) if tag else ''}. "
            "Press ▶ to play time in your browser; ← and → step t when the player has focus."
            + (" Pick the layer in the sidebar." if c.layers > 1 else "")
            + (" Pick the direction in the sidebar." if c.bidirectional else "")
        )
        data = cache.player_frames(c, n, view.layer, view.direction, layout)
        player.player(player_data.pack(data, st.session_state["_step"]), key="player")
        for key, sentence, fig in cache.memory_views(c, n, view.layer, view.direction):
            with st.container(key=key):
                st.markdown(sentence)
                st.plotly_chart(fig, key=f"{key}_chart")
        _x_editor(c, r.X[n], n)
    with right:
        st.header("5 · Step by step")
        for equation in r.cell.equations_in(layout):
            st.latex(equation)
        _step_panel(c, view, n)


def _x_editor(c: RNNConfig, X_n: np.ndarray, n: int) -> None:
    """Sample n's X as a table to type into (T·D ≤ x_edits.MAX_CELLS): a change that holds
    only finite numbers becomes the config's x_edit, and the whole page runs again with it
    (Keras and NumPy both read it); anything else is refused, and X stays as it was."""
    if st.session_state.pop(EDIT_RERUN, False):  # an edit was taken in this fragment's run
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
            on_change=on_x_edit,
            args=(key, n, np.array(X_n, dtype=np.float32)),
            num_rows="fixed",
            disabled=["t"],
        )
        edit_note()


def _follow_player(t: int) -> None:
    st.session_state["step"] = t


@st.fragment
def _step_panel(c: RNNConfig, view: View, n: int) -> None:
    # Few elements on purpose: after each one the browser lays out the whole page again,
    # so one Markdown block (text and equations) and one HTML block (both tables) step
    # faster than a dozen elements.
    r = cache.run(c)
    layout, _ = layouts.shown(c, view.layout)
    t = step_slider(c.T)
    player.t_sync(t, on_change=_follow_player)
    tag = ledger.path_tag(c, view.layer, view.direction)
    before = "t + 1" if view.direction == "bwd" else "t - 1"
    where = (
        f"Sample **n = {n}**, step **t = {t}** of T = {c.T}"
        + (f", layer{tag}" if tag else "")
        + (
            f" (the backward layer's state before step t is the one after step {before})"
            if view.direction == "bwd"
            else ""
        )
        + "."
    )
    terms = r.step_terms(n, t, view.layer, view.direction, layout)
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
    if c.M <= LATEX_MAX_UNITS:
        rows = [
            f"{term.name} &= "
            + (f"{term.formula} = " if term.formula else "")
            + _vector(term.value)
            for term in terms
        ]
        where += "\n\n$$\n\\begin{aligned}" + r" \\ ".join(rows) + "\\end{aligned}\n$$"
    if back:
        # The backward equations once, their numbers in the table below: a typeset vector
        # per term would double the step's time in the browser.
        rows = [f"{term.name} &= {term.formula}" for term in back if term.formula]
        where += (
            "\n\nBackward through step t (s = Σ y); the numbers are in the table.\n\n"
            "$$\n\\begin{aligned}" + r" \\ ".join(rows) + "\\end{aligned}\n$$"
        )
    terms = terms + back
    columns = {"unit m": np.arange(c.M)}
    columns.update({player_data.plain(term.name): term.value for term in terms})
    first = _first_difference(r, n, t, view)
    if first is not None:
        where += (
            f"\n\n:red[**First difference: unit m = {first}**] — the highlighted row, where "
            "NumPy's h_t (with the bug) first leaves Keras' h_t."
        )
    output_text, output_table = _output_at(r, n, t, layout)
    st.markdown(where + "\n\n" + output_text)
    st.html(_table(columns, "step", scroll=c.M > 10, highlight=first) + output_table)


def _first_difference(r: pipeline.Run, n: int, t: int, view: View) -> int | None:
    """The unit m to highlight when step t of sample n, in the path on view, is where a
    planted bug first shows; None anywhere else."""
    d = r.divergence
    if d is None or d.t != t:
        return None
    layer, direction, first_n, m = d.where
    return m if (layer, direction, first_n) == (view.layer, view.direction, n) else None


def _vector(v: np.ndarray) -> str:
    return r"\begin{bmatrix}" + " & ".join(f"{x:.3f}" for x in v) + r"\end{bmatrix}"


def _table(
    columns: dict[str, np.ndarray],
    name: str,
    scroll: bool = False,
    formats: dict[str, str] | None = None,
    digits: int = 6,
    highlight: int | None = None,
) -> str:
    """A plain HTML table of numbers: integers as they are, floats to ``digits`` decimals.

    Plain HTML rather than st.dataframe: it is drawn in a few milliseconds, where the data
    grid costs about a hundred on every rerun, and a number table needs no sorting.
    """
    formats = formats or {}
    head = "".join(f"<th>{html.escape(k)}</th>" for k in columns)
    spec = {
        k: "d" if np.issubdtype(v.dtype, np.integer) else formats.get(k, f".{digits}f")
        for k, v in columns.items()
    }
    rows = []
    for i in range(len(next(iter(columns.values())))):
        cells = "".join(f"<td>{v[i]:{spec[k]}}</td>" for k, v in columns.items())
        mark = " class='rnnviz-first'" if i == highlight else ""
        rows.append(f"<tr{mark}>{cells}</tr>")
    table = (
        f"<table class='rnnviz-numbers' data-table='{name}'><tr>{head}</tr>{''.join(rows)}</table>"
    )
    # wide tables (K = 32 outputs) scroll sideways, long ones (M = 256 units) down
    return f"<div class='rnnviz-wide{' rnnviz-tall' if scroll else ''}'>{table}</div>"


def _output_at(r: pipeline.Run, n: int, t: int, layout: str = "keras") -> tuple[str, str]:
    """y for sample n from the last layer (at every step with return_sequences, else at T):
    its equation as Markdown and its numbers as an HTML table ("" where there is no y),
    written as ``layout`` writes the head."""
    c = r.config
    out = pipeline.output_step(r, n, t)
    y, product, bias = HEAD_FORMULAS[layout]
    if out is None:
        return f"➜ Move t to T = {c.T} to see the output y = {player_data.plain(y)} computed.", ""
    if c.return_sequences:
        text = f"With return_sequences the Dense head reads every step; at t = {t}:"
    else:
        text = "At the last step the Dense head reads h_T:"
    equation = pipeline.head_equation(c, layout)
    if c.K <= LATEX_MAX_UNITS:
        equation += (
            r" \\ "
            + f"{_vector(out.hW)} + {_vector(out.b_o)} = {_vector(out.y_numpy)}"
            + r"\quad\text{(Keras: }"
            + _vector(out.y_keras)
            + ")"
        )
    table = _table(
        {
            "output k": np.arange(c.K),
            product: out.hW,
            bias: out.b_o,
            "y NumPy": out.y_numpy,
            "y Keras": out.y_keras,
        },
        "output",
        scroll=c.K > 10,
    )
    return (
        f"{text}\n\n$$\n\\begin{{gathered}}{equation}\\end{{gathered}}\n$$" + _target_text(r, n),
        table,
    )


def _target_text(r: pipeline.Run, n: int) -> str:
    """What sample n should give, where the task or the data has a target: the values to
    predict, or the class and the one the logits pick."""
    if r.y_task is None or r.config.return_sequences:
        return ""
    if r.y_task.ndim == 1:  # a class index; y holds one logit per class
        picked = int(np.argmax(r.y_keras[n]))
        verdict = "right" if picked == int(r.y_task[n]) else "wrong"
        return (
            f"\n\nTarget: class {int(r.y_task[n])}; the largest logit picks {picked} ({verdict})."
        )
    target = ", ".join(f"{v:.4g}" for v in r.y_task[n][:LATEX_MAX_UNITS])
    error = float(np.mean((r.y_keras[n].astype(np.float64) - r.y_task[n]) ** 2))
    return f"\n\nTarget y = [{target}]; squared error {error:.3g}."


def _go_to(t: int, n: int, layer: int, direction: str) -> None:
    st.session_state.update(
        {"step": t, "_step": t, "sample": n, "_sample": n}
        | {"view_layer": layer, "view_direction": direction}
    )


def output_agreement(r: pipeline.Run) -> None:
    a, c = r.agreement, r.config
    st.header("6 · Output agreement")
    if a.agree:
        st.success(a.verdict, icon=":material/check_circle:")
    else:
        st.error(a.verdict, icon=":material/error:")
    sentence = pipeline.symptom(r)
    if sentence:
        st.warning(sentence, icon=":material/bug_report:")
        if r.divergence.t is not None:
            st.button(
                f"Show step t = {r.diverges_from_t} in the step panel",
                on_click=_go_to,
                # the place, not the run: a session must not hold a run the cache let go
                args=(r.diverges_from_t, *r.divergence.where[2:3], *r.divergence.where[:2]),
                key="first_difference",
            )
    if c.dtype == "float32":
        precision = (
            "Both sides in float32 (unit round-off 6e-8), tolerance "
            f"{a.tolerance:.0e} (scaled by max(1, max |y|)). Set the precision to float64 in "
            "the sidebar to see the gap fall to ~1e-16."
        )
    else:  # the same X and weights in float32, for the fall (a second run, cached like any)
        narrow = cache.run(c.replace(dtype="float32")).agreement
        precision = (
            f"Both sides in float64 (unit round-off 1.1e-16), tolerance {a.tolerance:.0e}. "
            f"The gap on the same X and weights: float32 {narrow.max_abs_diff:.1e} → "
            f"float64 {a.max_abs_diff:.1e}."
        )
    st.caption(precision)
    figs = cache.agreement_figures(c)
    for (key, fig), col in zip(figs[:2], st.columns(2), strict=True):
        col.plotly_chart(fig, key=key)
    for key, fig in figs[2:]:
        st.plotly_chart(fig, key=key)
    y_keras, y_numpy = r.y_keras, r.y_numpy  # (N, K), or (N, T, K)
    at = ""
    if a.per_step is not None:
        y_keras, y_numpy, at = y_keras[:, -1], y_numpy[:, -1], " at t = T"  # (N, K)
    columns = {"sample n": np.arange(c.N), "max |Δ|": a.per_sample}
    for k in range(c.K):
        columns[f"Keras y[{k}]{at}"] = y_keras[:, k]
        columns[f"NumPy y[{k}]{at}"] = y_numpy[:, k]
    st.html(_table(columns, "agreement", scroll=c.N > 10, formats={"max |Δ|": ".2e"}, digits=7))


# How each outcome of a mistake is labelled: Keras raised, accepted wrongly, accepted harmlessly.
OUTCOME_BADGES = {
    "error": ":red-badge[:material/error: Keras raised {error}]",
    "silent": ":orange-badge[:material/warning: No error, and a wrong result]",
    "harmless": ":green-badge[:material/check: No error, and no harm for these sizes]",
}


def shape_mistakes(config: RNNConfig, present: bool = False) -> None:
    """Section 7: each shape mistake made live against Keras (``rnnviz.mistakes``), beside
    its fix. Making them costs Keras calls, so the full page makes them only once the
    expander is opened; lecture mode, which shows this section alone, makes them at once."""
    st.header(KERAS_SECTIONS["mistakes"])
    st.caption(
        "Each mistake below is run now, on a Keras model of this config built for the purpose, "
        "with this page's X: what you read is the installed Keras' own message, or the numbers "
        "it returned without a word, beside the fix."
    )
    if present:
        _mistakes(config)
    else:
        _on_demand("Make the five mistakes", "mistakes_open", _mistakes, config)


@st.fragment
def _on_demand(label: str, key: str, draw: Callable[..., None], *args) -> None:
    """``draw(*args)`` inside an expander, only once it is opened: a closed expander's
    content is still computed and sent, and sections 7 to 9 cost Keras calls or charts. A
    fragment, so that opening it reruns this section alone."""
    box = st.expander(label, on_change="rerun", key=key)
    if box.open:
        with box:
            draw(*args)


def gradients_through_time(config: RNNConfig, present: bool = False) -> None:
    """Section 8: backpropagation through time by hand (``rnnviz.gradients``), how far back
    y still feels x_t, and the same for SimpleRNN, LSTM and GRU side by side. The full page
    computes it once the expander is opened; lecture mode at once."""
    st.header(KERAS_SECTIONS["gradients"])
    st.caption(
        "The gradient of s = Σ y (every output, and every step with return_sequences) with "
        "respect to each input x_t, and of Σ h_T with respect to each h_t, by a hand-written "
        "backward pass over the trace (checked against tf.GradientTape in the tests and with "
        "`python -m rnnviz --grad`). A line that falls as t moves away from T is a gradient "
        "vanishing through time: the model cannot learn from what it saw that long ago."
    )
    if present:
        _gradients(config)
    else:
        _on_demand("Backpropagate through time", "gradients_open", _gradients, config)


@st.fragment
def _gradients(c: RNNConfig) -> None:
    n = min(int(st.session_state.get("_sample", 0)), c.N - 1)
    compare = st.toggle(
        "Compare cells",
        key="compare_cells",
        help="SimpleRNN, LSTM and GRU at these sizes, seed and options, on the same axes.",
    )
    figs = cache.gradient_figures(c, n, compare)
    for (key, fig), col in zip(figs[:2], st.columns(2), strict=True):
        col.plotly_chart(fig, key=key)
    st.plotly_chart(figs[2][1], key=figs[2][0])
    ((_, sentence, _),) = cache.spectrum_view(c, c.layers, "fwd")  # the last layer's W_hh
    st.markdown(f"**The spectrum of W_hh (section 9) and these lines:** {sentence}")
    g = cache.gradients(c)
    norms = g.grad_norm_x  # (T,)
    st.caption(
        f"Over all samples, ‖∂s/∂x_t‖ is {norms[-1]:.2e} at t = T = {c.T} and {norms[0]:.2e} "
        f"at t = 1: y feels its first input {norms[0] / norms[-1]:.1e} times as strongly as "
        "its last."
        if norms[-1] > 0
        else ""
    )


def _mistakes(c: RNNConfig) -> None:
    try:
        # the bug is NumPy's alone; the mistakes are made on X as drawn (an edit is one sample's)
        items = cache.shape_mistakes(c.replace(bug=bugs.NONE, x_edit=NO_EDIT))
    except Exception as err:  # the page shows a sentence, never a traceback
        st.error(f"Keras could not be asked: {type(err).__name__}: {err}", icon=":material/error:")
        return
    for m in items:
        with st.container(key=f"mistake_{m.key}"):
            st.subheader(m.title, anchor=False)
            wrong, right = st.columns(2, gap="large")
            with wrong:
                st.markdown("**The mistake**")
                st.code(m.wrong, language="python")
                st.markdown(OUTCOME_BADGES[m.kind].format(error=m.error))
                st.code(m.outcome, language=None, wrap_lines=True)
                if m.note:
                    st.caption(m.note)
                if m.also:
                    st.caption("Once `model.predict(X)` has run, Keras says instead:")
                    st.code(m.also, language=None, wrap_lines=True)
            with right:
                st.markdown("**The fix**")
                st.code(m.fix, language="python")
                shape = as_plain_markdown(m.fix_shape)
                st.markdown(f":green-badge[:material/check: Shape] {shape}")


def spectrum(r: pipeline.Run, view: View) -> None:
    """Section 9: the eigenvalues of W_hh (per gate block) against the unit circle, ρ and
    σ_max, and what ρ says about memory and gradients through time (``rnnviz.memory``)."""
    c = r.config
    st.header(KERAS_SECTIONS["spectrum"])
    tag = ledger.path_tag(c, view.layer, view.direction)
    scale = (
        ""
        if c.whh_scale == 1.0
        else f" It is the model's W_hh times whh_scale = {as_text(c.whh_scale)} (the "
        "sidebar's What if): every eigenvalue and singular value scales with it."
    )
    st.caption(
        f"W_hh{(' of layer' + tag) if tag else ''} maps h_(t-1) into the next step. Its "
        "eigenvalues λ in the complex plane, with the unit circle: ρ = max |λ| is the spectral "
        "radius, σ_max the largest singular value"
        + (", for each gate's (M, M) block" if r.cell.gates else "")
        + "."
        + scale
    )
    if view.present:
        _spectrum(c, view.layer, view.direction)
    else:
        _on_demand(
            "Show the eigenvalues", "spectrum_open", _spectrum, c, view.layer, view.direction
        )


def _spectrum(c: RNNConfig, layer: int, direction: str) -> None:
    ((key, sentence, fig),) = cache.spectrum_view(c, layer, direction)
    left, right = st.columns([3, 2], gap="large")
    left.plotly_chart(fig, key=key)
    right.markdown(sentence)
    right.caption(
        "Try the sidebar's What if: whh_scale below 1 pulls every λ inside the circle, above 1 "
        "pushes them out; with a pulse input the states section shows how long the pulse lasts."
    )


def downloads(r: pipeline.Run) -> None:
    c = r.config
    name = export.file_name(c)
    st.download_button(
        "Download this run (.npz)",
        # Streamlit keeps this callable for as long as the session (and 2 minutes after it
        # closes): it holds the config, not the run, or every run a visitor saw would stay in
        # memory past the cache's budget. A click reads the run from the cache (or reruns it).
        data=functools.partial(cache.npz_bytes, c),
        file_name=name,
        mime="application/octet-stream",
        on_click="ignore",
        help="X, every weight, y from Keras and NumPy, h (and c, gates) after each step.",
    )
    if r.cell.torch_name:
        st.download_button(
            "Weights for PyTorch (.npz)",
            data=functools.partial(cache.torch_npz_bytes, c),
            file_name=name.replace("rnnviz_", "rnnviz_torch_", 1),
            mime="application/octet-stream",
            on_click="ignore",
            help=(
                f"The state_dict of torch.nn.{r.cell.torch_name}(D, M, num_layers, "
                "bidirectional, batch_first=True): kernels transposed, gates in PyTorch's "
                "order, bias_ih and bias_hh; plus head.weight and head.bias for the Dense head."
            ),
        )
    else:
        st.caption(r.cell.torch_refusal)
    beside = "" if standalone.embeds(r) else f" It reads {name} (above) from its own folder."
    for label, data, extension, mime, what in (
        ("Script (.py)", cache.script_bytes, ".py", "text/x-python", "A Python script"),
        (
            "Notebook (.ipynb)",
            cache.notebook_bytes,
            ".ipynb",
            "application/x-ipynb+json",
            "A Jupyter notebook",
        ),
    ):
        st.download_button(
            label,
            data=functools.partial(data, c),  # the config, not the run: see above
            file_name=export.file_name(c, extension),
            mime=mime,
            on_click="ignore",
            help=f"{what} that needs only numpy and tensorflow: it rebuilds this model, loads "
            "these weights and X, runs the NumPy recurrence and prints the verdict." + beside,
        )
    st.caption(
        f"This run holds {_size(r.nbytes)} of arrays. The server's run cache: "
        f"{cache.usage()['runs']}."
    )


def _size(nbytes: int) -> str:
    """1,234 B, 12.3 kB, 4.5 MB: bytes for people."""
    for unit, scale in (("MB", 2**20), ("kB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:,.1f} {unit}"
    return f"{nbytes:,} B"
