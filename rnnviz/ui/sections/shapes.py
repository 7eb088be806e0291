"""Section 1, the shapes ledger: every tensor's shape and the parameter count, term by term.

Everything here follows from the config alone, so it is drawn before TensorFlow has loaded.
"""

from __future__ import annotations

import html

import streamlit as st

from rnnviz.config import RNNConfig
from rnnviz.recurrence.cells import shape_text
from rnnviz.shapes import layouts, ledger
from rnnviz.ui import cache
from rnnviz.ui.sections import page
from rnnviz.ui.view import View


def _hidden(answer: str, prompt: str = "?") -> str:
    """In quiz mode, ``answer`` behind a click; ``<details>`` needs no round trip."""
    return f"<details><summary>{prompt}</summary>{answer}</details>"


def draw(config: RNNConfig, view: View) -> None:
    """Section 1, from the config alone: drawn before TensorFlow has loaded. The weights
    are named and shaped as the view's layout writes them; the parameter count is the
    model's. In quiz mode each number waits behind a click."""
    c, quiz = config, view.quiz
    layout, _ = layouts.shown(c, view.layout)
    shape_rows, param_rows = cache.shapes_and_params(c, layout)
    with st.container(key="ledger"):
        page.header("shapes")
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
            st.caption(c.variant.params_note)
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
