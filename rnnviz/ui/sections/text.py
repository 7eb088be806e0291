"""Section 10, reading the units: a text model's hidden units read against the characters.

Present only for a text task (brackets, Python source, or an uploaded .txt). The held-out text is
drawn coloured by one unit's state; the units that follow each hypothesis computed from the
characters (nesting depth, inside a string, position in the line, ...) are one click away, with
the initial weights' best beside the trained ones'; a character clicked shows what its prediction
looked back at (connectivity, by the hand-written backward pass); a stretch selected ranks the
units by how differently they behave inside it; and the model writes text with the NumPy step,
Keras' probabilities checked beside it. All of it reads the run's NumPy side, in a fragment.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from rnnviz.config import SEEDED, TRAINED, RNNConfig
from rnnviz.keras_side import training
from rnnviz.keras_side.model import over_sequence  # imports TensorFlow only when called
from rnnviz.recurrence.cells import CELLS
from rnnviz.tasks import VAL_FRACTION, Xy_of
from rnnviz.text import generate, reading
from rnnviz.text.hypotheses import HYPOTHESES, contrast, pearson, ranked
from rnnviz.ui import cache
from rnnviz.ui.components.text import text_view
from rnnviz.ui.sections import page
from rnnviz.ui.view import View
from rnnviz.views import figures, palette
from rnnviz.views.gradients import connectivity

SHOWN = 6000  # characters drawn at once; a longer held-out text is shown a window at a time
LOOKBACK = 120  # characters a clicked prediction's connectivity reaches back over
DECADES = 3  # its colour scale: log10 over this many orders of magnitude below its largest
TOP = 8  # units listed for a selection
STATES = {"h": "h_t", "c": "c_t", "i": "i_t", "f": "f_t", "g": "g_t", "o": "o_t"}
STATES |= {"z": "z_t", "r": "r_t", "hh": "h̃_t"}
PICK, SELECT, HYPOTHESIS = "_text_pick", "_text_select", "_text_hypothesis"


def draw(config: RNNConfig, view: View) -> None:
    """Section 10, for a text task only."""
    if cache.text_corpus(config) is None:
        if view.present:  # chosen in lecture mode: say what it needs
            page.header("text")
            st.info(
                "This section reads a text model's units against its characters: choose the "
                "brackets or Python source task, or upload a .txt, in the sidebar.",
                icon=":material/text_fields:",
            )
        return
    page.header("text")
    _reading(config)


@st.fragment
def _reading(c: RNNConfig) -> None:
    corpus = cache.text_corpus(c)
    study = cache.text_study(c)
    before = cache.initial_study(c)
    held = len(study.text)
    others = (
        f" {corpus.others:,} characters outside its {c.K - 1} most common became ¤."
        if corpus.others
        else ""
    )
    read = (
        f"the first {held:,} of them are read here (over more, the traces of a model this "
        f"size would hold over {reading.READ_CAP:,} numbers)"
        if held < study.held
        else "read here"
    )
    st.caption(
        f"The text: {corpus.title}. {len(corpus.text):,} characters; the last {study.held:,} "
        f"are held out (the validation windows come from them) and {read}, as one sequence "
        f"from a zero state. Alphabet D = K = {c.K}.{others}"
    )
    drop = 1 - study.after / study.baseline
    where = f"{drop:.0%} below it" if drop >= 0 else f"{-drop:.0%} above it: worse than that guess"
    st.markdown(
        f"**Bits per character on the held-out text:** {study.after:.3f} with "
        f"{'the trained' if c.trained else 'these'} weights, {study.before:.3f} with the "
        f"initial ones, against **{study.baseline:.3f}** for the best guess that ignores "
        f"history (the unigram entropy of the training text): {where}."
        + ("" if c.trained else " Train the model (section 0) to see the units become readable.")
    )
    _hypotheses(c, study, before)
    states = [k for k in STATES if k in study.reading.states]
    state = st.segmented_control(
        "State", states, key="text_state", format_func=STATES.get, default="h"
    )
    state = state or "h"
    width = study.reading.states[state].shape[1]
    st.session_state["text_unit"] = min(int(st.session_state.get("text_unit", 0)), width - 1)
    m = int(
        st.number_input("m — unit to colour the text by", 0, width - 1, key="text_unit", width=220)
    )
    S = study.reading.states[state][:, m]  # (L,)
    pick = st.session_state.get(PICK)
    pick = pick if pick is not None and 0 < pick < held - 1 else None
    start = _window(held, pick)
    payload = _payload(
        study.text,
        S,
        start,
        f"{STATES[state]}[{m}]",
        "Point at a character to read its value; click one to see what its prediction "
        "looked back at; select a stretch to rank the units inside it.",
    )
    if pick is not None:
        payload["links"] = _links(c, study, pick)
    if held > SHOWN:
        st.caption(
            f"Characters {start:,} to {min(held, start + SHOWN) - 1:,} of the {held:,} held "
            f"out are shown ({SHOWN:,} at a time, around a clicked character)."
        )
    text_view(payload, key="text_view", on_pick=_pick, on_select=_select)
    if pick is not None:
        _connectivity_words(study, pick, payload["links"])
    _ranking(study, before)
    _selection(study, state)
    _compare(c, study, pick)
    _writing(c, corpus)


def _payload(text: str, S: np.ndarray, start: int, unit: str, hint: str) -> dict:
    """What the text element draws: the SHOWN characters of ``text`` from ``start``, each
    with its unit's state S (L,) on the diverging scale centred on zero, named ``unit``."""
    return {
        "text": text[start : start + SHOWN],
        "offset": start,
        "values": np.round(S[start : start + SHOWN], 4).tolist(),
        "bound": float(np.abs(S).max()),
        "diverging": palette.colorscale(palette.DIVERGING),
        "sequential": palette.colorscale(palette.SEQUENTIAL),
        "valueLabel": unit,
        "linkLabel": "‖∂logit/∂x_τ‖ =",
        "label": f"The held-out text, each character coloured by {unit}",
        "hint": hint,
        "links": None,
    }


def _window(held: int, pick: int | None) -> int:
    """Where the shown window starts: around the clicked character, else where the reader
    moved it."""
    if held <= SHOWN:
        return 0
    if pick is not None:
        return int(min(max(0, pick - SHOWN // 2), held - SHOWN))
    return int(st.slider("From character", 0, held - SHOWN, key="text_from", step=100, width=400))


def _pick(i: int) -> None:
    st.session_state[PICK] = i


def _select(first: int, last: int) -> None:
    st.session_state[SELECT] = (first, last)


def _hypotheses(c: RNNConfig, study: reading.Study, before: reading.Study) -> None:
    """Each hypothesis, the unit that follows it best (trained or these weights beside the
    initial ones), and a button that colours the text by it."""
    st.markdown(
        "**What the units follow**: for each hypothesis computed from the characters, the "
        "unit whose state has the largest |Pearson r| with it over the held-out text, and the "
        "initial weights' best beside it. Click one to colour the text by it."
    )
    columns = st.columns(2)
    for i, (key, hypothesis) in enumerate(HYPOTHESES.items()):
        best, first = study.units[key], before.units[key]
        label = (
            f"{hypothesis.title}: {STATES[best.state]}[{best.unit}], r = {best.r:+.2f} "
            f"(initial {first.r:+.2f})"
        )
        columns[i % 2].button(
            label,
            key=f"text_best_{key}",
            on_click=_show,
            args=(best.state, best.unit, key),
            width="stretch",
            help=f"{hypothesis.title}: computed from the characters alone (rnnviz.text.hypotheses)",
        )


def _show(state: str, unit: int, hypothesis: str | None = None) -> None:
    st.session_state["text_state"] = state
    st.session_state["text_unit"] = unit
    st.session_state[PICK] = None
    if hypothesis is not None:
        st.session_state[HYPOTHESIS] = hypothesis


def _ranking(study: reading.Study, before: reading.Study) -> None:
    """The hypothesis last shown: every unit ranked by |r| against it, with the trained (or
    these) weights beside the initial ones, and the initial weights' best unit colouring the
    same text, so that the units are seen becoming readable through training."""
    key = st.session_state.get(HYPOTHESIS)
    if key not in HYPOTHESES:
        return
    title = HYPOTHESES[key].title
    v = HYPOTHESES[key].of(study.text)  # (L,)
    left, right = st.columns(2, gap="medium")
    for column, s, name in ((left, study, "these weights"), (right, before, "the initial weights")):
        rows = []
        for state in reading.READ:
            if state in s.reading.states:
                r = pearson(s.reading.states[state], v)  # (M,)
                rows += [(f"{STATES[state]}[{m}]", float(r[m])) for m in range(len(r))]
        rows.sort(key=lambda row: -abs(row[1]))
        column.markdown(f"Units against **{title}**, with {name}:")
        column.dataframe(
            [{"unit": u, "r": round(r, 3)} for u, r in rows[:TOP]],
            hide_index=True,
            key=f"text_rank_{'after' if s is study else 'before'}",
        )
    if st.toggle("Beside the text, the initial weights' best unit for it", key="text_beside"):
        first = before.units[key]
        S = before.reading.states[first.state][:, first.unit]  # (L,)
        start = 0 if len(study.text) <= SHOWN else int(st.session_state.get("text_from", 0))
        payload = _payload(
            study.text,
            S,
            start,
            f"the initial weights' {STATES[first.state]}[{first.unit}]",
            f"The initial weights' best unit for {title}: r = {first.r:+.2f}.",
        )
        text_view(payload, key="text_view_initial", on_pick=_pick, on_select=_select)


def _links(c: RNNConfig, study: reading.Study, t: int) -> dict:
    """The connectivity of the prediction made after character t: ‖∂logit_(t, k*)/∂x_τ‖ for
    the character k* that came next, τ = t − LOOKBACK + 1 .. t, scaled to 0..1 for colour."""
    traces = cache.text_traces(c)
    k = int(study.ids[t + 1])
    lookback = min(LOOKBACK, t + 1)
    g = connectivity(c, traces, cache.run_of(c).weights, t, k, lookback)  # (lookback,)
    top = float(g.max()) or 1.0
    # a log scale over DECADES orders of magnitude: the character itself is usually far above
    # the rest, and a linear scale would hide what the prediction looked back at
    shade = np.clip(1 + np.log10(np.maximum(g / top, 1e-30)) / DECADES, 0, 1)  # (lookback,)
    return {
        "t": t,
        "from": t - lookback + 1,
        "values": shade.round(4).tolist(),
        "raw": g.round(6).tolist(),
        "k": k,
    }


def _connectivity_words(study: reading.Study, t: int, links: dict) -> None:
    nxt = study.text[t + 1]
    shown = {"\n": "a line end", " ": "a space"}.get(nxt, repr(nxt))
    g = np.array(links["raw"])  # (lookback,): the last is character t itself
    far = len(g) - 1 - int(np.argmax(g[:-1])) if len(g) > 1 else 0
    st.caption(
        f"After character {t:,}, the model predicted what came next, {shown}: the background "
        f"is ‖∂logit/∂x_τ‖ of that prediction for character {t:,} and the "
        f"{len(g) - 1} before it, by the hand-written backward pass, on a log scale over "
        f"{DECADES} orders of magnitude (darker: it depended more). Before the character "
        f"itself, the strongest is {far} character{'s' * (far != 1)} back."
    )
    st.button("Back to the unit's colours", key="text_unpick", on_click=_pick, args=(None,))


def _selection(study: reading.Study, state: str) -> None:
    chosen = st.session_state.get(SELECT)
    if chosen is None:
        return
    first, last = chosen
    inside = np.zeros(len(study.text), dtype=bool)  # (L,)
    inside[first : last + 1] = True
    S = study.reading.states[state]  # (L, M)
    try:
        d = contrast(S, inside)  # (M,)
    except ValueError as err:
        st.warning(f"That selection cannot be ranked: {err}.", icon=":material/warning:")
        return
    rows = [
        {
            "unit": f"{STATES[state]}[{m}]",
            "d (inside − outside, in pooled σ)": round(float(d[m]), 3),
            "mean inside": round(float(S[inside, m].mean()), 4),
            "mean outside": round(float(S[~inside, m].mean()), 4),
        }
        for m in ranked(d)[:TOP]
    ]
    stretch = study.text[first : last + 1]
    with st.container(key="text_ranking"):
        st.markdown(
            f"**Units that behave differently inside the selection** (characters {first:,} to "
            f"{last:,}, {stretch[:40]!r}{'…' if len(stretch) > 40 else ''}), by Cohen's d:"
        )
        st.dataframe(rows, hide_index=True)
        best = int(ranked(d)[0])
        st.button(
            f"Colour the text by {STATES[state]}[{best}]",
            key="text_show_selected",
            on_click=_show,
            args=(state, best),
        )


def _prompt(corpus) -> str:
    """The prompt a page starts with: the first line of the held-out text, cut at 12."""
    _, held = corpus.held_out(VAL_FRACTION)
    line = held[held.find("\n") + 1 :].split("\n", 1)[0]
    return line[:12] or held[:1]


def _writing(c: RNNConfig, corpus) -> None:
    """Text the model writes with the NumPy step, and Keras' odds beside it."""
    st.markdown("**It writes** (one character at a time, with the NumPy step, not Keras):")
    if c.bidirectional:
        st.caption("A bidirectional model reads each character's future too: it cannot write.")
        return
    with st.form("text_writing", border=False):
        left, middle, right = st.columns([3, 1, 1])
        prompt = left.text_area("Prompt", value=_prompt(corpus), height=68, key="text_prompt")
        G = middle.number_input("Characters", 1, generate.MAX_CHARS, 200, key="text_G")
        τ = right.number_input("Temperature τ", 0.0, 5.0, 0.7, step=0.1, key="text_tau")
        written = st.form_submit_button("Write")
    if not written:
        return
    try:
        g = generate.generate(
            c, cache.run_of(c).weights, corpus.alphabet, prompt, int(G), float(τ), c.seed
        )
    except ValueError as err:
        st.warning(f"Nothing written: {err}.", icon=":material/warning:")
        return
    st.code(corpus.alphabet.decode(g.ids), language=None, wrap_lines=True)
    X = reading.one_hot(g.ids[:-1], c.D, c.dtype)  # (1, P + G − 1, D)
    theirs = over_sequence(c, cache.run_of(c).weights, X)[0]  # (P + G − 1, K)
    Δ = generate.agreement(g, theirs)
    same = Δ <= reading.GENERATION_TOLERANCE
    st.markdown(
        f"Keras' next-character probabilities beside NumPy's at every one of the {int(G)} "
        f"steps: max |Δp| = {Δ:.1e} {'≤' if same else '>'} {reading.GENERATION_TOLERANCE:.0e}, "
        + ("**the same**." if same else "**different**.")
        + f" Seed {c.seed}: the same seed writes the same text."
    )


# ---- compare cells: SimpleRNN, LSTM and GRU trained alike on the same text ----

COMPARED = tuple(CELLS)  # every cell of the table: SimpleRNN, LSTM, GRU
TICKETS = "_text_compare"  # session state: cell -> its ticket in the server's training queue


def _start_of(c: RNNConfig, cell: str) -> RNNConfig:
    """The config each cell's training starts from: this one with ``cell``, the seed's weights."""
    return c.replace(
        cell=cell, weights=SEEDED, whh_scale=1.0, dtype="float32", bug="none", x_edit="none"
    )


def _train_cells(c: RNNConfig, epochs: int) -> None:
    """The button: each cell's training in the server's queue, one at a time, as Train's."""
    data = cache.uploaded_data(c)
    tickets = {}
    for cell in COMPARED:
        start = _start_of(c, cell)
        X, y = Xy_of(start, data)  # (N, T, D) float32, (N, T) the next characters

        def job(ticket, start=start, X=X, y=y):
            return training.run_training(ticket, start, X, y, "sequence", epochs)

        key = start.replace(weights=TRAINED, epochs=epochs).training_key
        tickets[cell] = cache.TRAINER.submit(key, job)
    st.session_state[TICKETS] = tickets


def _compare(c: RNNConfig, study: reading.Study, pick: int | None) -> None:
    st.markdown(
        "**Compare cells**: a SimpleRNN, an LSTM and a GRU of this size, each trained on this "
        f"text for the same epochs within the same {training.BUDGET_S:.0f} s budget, one after "
        "another in the server's training queue; then what each one's prediction after the "
        "clicked character looked back at, on the same axes."
    )
    if c.bidirectional:
        st.caption("A bidirectional model reads later characters too: turn it off to compare.")
        return
    tickets = st.session_state.get(TICKETS)
    busy = tickets is not None and any(t.state in ("queued", "running") for t in tickets.values())
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    epochs = left.number_input("Epochs for each cell", 1, 200, 20, key="text_compare_epochs")
    right.button(
        "Train SimpleRNN, LSTM and GRU",
        key="text_compare",
        on_click=_train_cells,
        args=(c, int(epochs)),
        disabled=busy,
    )
    if busy:
        _progress()
    elif tickets is not None:
        _compared(study, pick, tickets)


@st.fragment(run_every=1.0)
def _progress() -> None:
    """The three trainings' progress, polled while any is queued or running; once none is,
    the section runs again and draws their comparison."""
    tickets = st.session_state.get(TICKETS) or {}
    if not any(t.state in ("queued", "running") for t in tickets.values()):
        st.rerun()  # the whole page: the section, with the comparison drawn once
    words = []
    for cell, t in tickets.items():
        s = t.snapshot
        done = f", epoch {s.epoch} of {s.epochs}" if s is not None else ""
        words.append(f"{CELLS[cell].title}: {t.state}{done}")
    st.caption("Training: " + "; ".join(words) + ".")


def _compared(study: reading.Study, pick: int | None, tickets: dict) -> None:
    """Each cell's connectivity at the clicked character, and what each learnt."""
    failed = [f"{CELLS[cell].title}: {t.error}" for cell, t in tickets.items() if t.error]
    if failed:
        st.warning("A training failed: " + "; ".join(failed), icon=":material/warning:")
        return
    t = pick if pick is not None else _default_pick(study)
    curves, rows = {}, []
    for cell, ticket in tickets.items():
        if ticket.result is None:
            continue
        trained = ticket.result.key  # the config its weights were trained for
        other = cache.text_study(trained)
        k = int(study.ids[t + 1])
        lookback = min(LOOKBACK, t + 1)
        weights = cache.run_of(trained).weights
        curves[CELLS[cell].title] = connectivity(
            trained, other.reading.traces, weights, t, k, lookback
        )
        depth = other.units["depth"]
        rows.append(
            {
                "cell": CELLS[cell].title,
                "epochs": ticket.result.history.epochs,
                "seconds": round(ticket.result.history.seconds, 1),
                "bits per character": round(other.after, 3),
                "depth unit": f"{STATES[depth.state]}[{depth.unit}], r = {depth.r:+.2f}",
            }
        )
    nxt = study.text[t + 1]
    shown = {"\n": "a line end", " ": "a space"}.get(nxt, repr(nxt))
    page.chart(figures.connectivity_figure(curves, t, shown), "text_compare_chart")
    st.dataframe(rows, hide_index=True)


def _default_pick(study: reading.Study) -> int:
    """A character to compare at when none is clicked: the first line end after 400."""
    i = study.text.find("\n", min(400, len(study.text) - 2))
    return i if 0 < i < len(study.text) - 1 else len(study.text) // 2
