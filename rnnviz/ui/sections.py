"""The six sections of the page, each drawn from a finished ``Run``.

Sections only lay out what the core computed: numbers come from ``rnnviz.run``
and ``rnnviz.ledger``, figures from ``rnnviz.figures``. Every section reads the
cell's description (``run.cell``), so a new cell needs no change here.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from rnnviz import export, figures, ledger
from rnnviz.run import Run
from rnnviz.ui.sidebar import View

LATEX_MAX_UNITS = 6  # wider vectors are shown as a table only


def _plain(latex: str) -> str:
    """A LaTeX name as plain text for a table header: h_{t-1} -> h_(t-1), \\tilde h_t -> h̃_t."""
    text = latex.replace("{t-1}", "(t-1)").replace("{t+1}", "(t+1)").replace(r"\tilde h", "h̃")
    return text.replace("\\", "").replace("{", "").replace("}", "")


def _vector(v: np.ndarray) -> str:
    return r"\begin{bmatrix}" + " & ".join(f"{x:.3f}" for x in v) + r"\end{bmatrix}"


def _path_tag(run: Run, view: View) -> str:
    """ " [2] backward" for a stacked bidirectional model; "" for a single forward layer."""
    c = run.config
    tag = f" [{view.layer}]" if c.layers > 1 else ""
    return tag + (" backward" if view.direction == "bwd" else "")


def title(run: Run) -> None:
    c = run.config
    variant = ", reset_after=False" if c.cell == "gru" and not c.reset_after else ""
    layer = f"{run.cell.keras_name}(M{variant})"
    if c.bidirectional:
        layer = f"Bidirectional({layer})"
    stack = f" × {c.layers}" if c.layers > 1 else ""
    seq = ", return_sequences" if c.return_sequences else ""
    st.title("rnnviz — the importance of shapes")
    st.markdown(
        f"`Input((T, D)) → {layer}{stack}{seq} → Dense(K)` on random X of shape "
        f"(N, T, D) = ({c.N}, {c.T}, {c.D}), with M = {c.M} hidden units and K = {c.K} outputs. "
        "Keras computes y; a few lines of NumPy compute it again, step by step."
    )


def shapes_ledger(run: Run) -> None:
    c = run.config
    st.header("1 · Shapes ledger")
    left, right = st.columns([3, 2], gap="large")
    with left:
        rows = ["| tensor | shape | here | what it is |", "|---|---|---|---|"]
        for r in ledger.shapes(c):
            rows.append(
                f"| ${r.latex}$ | {r.symbolic} | {ledger.shape_text(r.numeric)} | {r.meaning} |"
            )
        st.markdown("\n".join(rows))
    with right:
        param_rows = ledger.params(c)
        total = param_rows[-1]
        st.metric("Parameters in total", f"{total.count}", help="Keras' count_params()")
        lines = [
            f"- **{p.layer}**: {p.formula} = {p.numbers} = **{p.count}**" for p in param_rows[:-1]
        ]
        lines.append(f"- **Total**: {total.numbers} = **{total.count}**")
        st.markdown("\n".join(lines))
        st.caption(run.cell.params_note)
        if c.layers > 1:
            st.caption(
                "Every layer but the last returns its whole sequence (return_sequences=True), "
                "because the next layer needs an input at every step: it reads "
                f"{'2M' if c.bidirectional else 'M'} values per step where the first reads D."
            )


def model_summary(run: Run) -> None:
    st.header("2 · Model summary")
    st.caption("Keras' own `model.summary()`.")
    st.code(run.summary, language=None)


def weight_heatmaps(run: Run, view: View) -> None:
    c = run.config
    path = run.path(view.layer, view.direction)
    st.header("3 · Weights")
    tag = _path_tag(run, view)
    where = f" of layer{tag}" if tag else ""
    st.caption(
        f"Weights{where}, split into the blocks Keras stores side by side"
        + (f" (gate order {', '.join(g.key for g in run.cell.gates)})" if run.cell.gates else "")
        + ". One colour scale for every panel, centred on zero (red positive, blue negative) and "
        "spanning 99.5% of the values (rarer, larger ones saturate); hover a cell for its value."
    )
    if not any(v.any() for k, v in run.weights.items() if k.startswith("b_")):
        st.caption("Keras starts every bias at zero, so the bias strips are white until trained.")
    width = (
        ("D", c.D) if view.layer == 1 else ("2M" if c.bidirectional else "M", c.width(view.layer))
    )
    for row in figures.weight_panels(run.cell, path.weights, run.head, width, tag):
        for (key, fig), col in zip(row, st.columns(len(row)), strict=True):
            col.plotly_chart(fig, key=key)


def hidden_states(run: Run, view: View) -> None:
    c = run.config
    st.header("4 · Hidden states" + (" and gates" if run.cell.gates else ""))
    tag = _path_tag(run, view)
    st.caption(
        f"Sample n = {view.n}{(', layer' + tag) if tag else ''}: every step t and unit; "
        f"the dotted line marks t = {view.t}. Pick n, t"
        + (", the layer" if c.layers > 1 else "")
        + (" and the direction" if c.bidirectional else "")
        + " in the sidebar."
    )
    n, t = view.n, view.t
    h_gate, *others = run.cell.states
    directions = ("fwd", "bwd") if c.bidirectional else ("fwd",)
    for d in directions:
        p = run.path(view.layer, d)
        label = f" — {p.label}" if c.bidirectional or c.layers > 1 else ""
        h_n = p.trace["h"][n]  # (T, M)
        panels = [figures.state_heatmap(h_n, h_gate, n, t, f"h_t for sample n = {n}{label}")]
        panels += [
            figures.state_heatmap(
                p.trace[s.key][n], s, n, t, f"{s.latex} for sample n = {n}{label}"
            )
            for s in others
        ]
        if not others:
            panels.append(figures.hidden_lines(h_n, n, t, f"Each hidden unit over time{label}"))
        for i, (fig, col) in enumerate(zip(panels, st.columns(len(panels)), strict=True)):
            col.plotly_chart(fig, key=f"state_{d}_{i}")
    if run.cell.gates:
        p = run.path(view.layer, view.direction)
        st.subheader(f"Gates over time — {p.label}" if tag else "Gates over time")
        st.caption(
            "Gates are σ(…) in (0, 1): white is closed, dark is open. Candidates are tanh(…)."
        )
        gates = run.cell.gates
        for start in range(0, len(gates), 2):
            pair = gates[start : start + 2]
            for gate, col in zip(pair, st.columns(2)[: len(pair)], strict=True):
                fig = figures.state_heatmap(p.trace[gate.key][n], gate, n, t)
                col.plotly_chart(fig, key=f"gate_{gate.key}")


def step_by_step(run: Run, view: View) -> None:
    c = run.config
    n, t = view.n, view.t
    st.header("5 · Step by step")
    for equation in run.cell.equations:
        st.latex(equation)
    tag = _path_tag(run, view)
    before = "t + 1" if view.direction == "bwd" else "t - 1"
    st.markdown(
        f"Sample **n = {n}**, step **t = {t}** of T = {c.T}"
        + (f", layer{tag}" if tag else "")
        + (
            f" (the backward layer's state before step t is the one after step {before})"
            if view.direction == "bwd"
            else ""
        )
        + "."
    )
    terms = run.step_terms(n, t, view.layer, view.direction)
    if c.M <= LATEX_MAX_UNITS:
        for term in terms:
            rhs = f" = {term.formula}" if term.formula else ""
            st.latex(f"{term.name}{rhs} = {_vector(term.value)}")
    table = {"unit m": np.arange(c.M)}
    table.update({_plain(term.name): term.value.astype(np.float64) for term in terms})
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            k: st.column_config.NumberColumn(format="%.6f") for k in table if k != "unit m"
        },
    )
    _output_at(run, n, t)


def _output_at(run: Run, n: int, t: int) -> None:
    """y for sample n from the last layer: at every step with return_sequences, else at T."""
    c = run.config
    if not c.return_sequences and t != c.T:
        st.info(
            f"Move t to T = {c.T} to see the output y = h_T W_o + b_o computed.",
            icon=":material/arrow_forward:",
        )
        return
    last = [p for p in run.paths if p.layer == c.layers]
    if c.return_sequences:
        h_in = np.concatenate([p.trace["h"][n, t - 1] for p in last])  # (M·directions,)
        y_numpy, y_keras = run.y_numpy[n, t - 1], run.y_keras[n, t - 1]  # (K,)
        st.markdown(f"With return_sequences the Dense head reads every step; at t = {t}:")
        st.latex(
            r"y_t = h_t W_o + b_o"
            + (
                r",\quad h_t = [\,\overrightarrow{h}_t ; \overleftarrow{h}_t\,]"
                if c.bidirectional
                else ""
            )
        )
    else:
        ends = [p.trace["h"][n, -1 if p.direction == "fwd" else 0] for p in last]
        h_in = np.concatenate(ends)  # (M·directions,)
        y_numpy, y_keras = run.y_numpy[n], run.y_keras[n]  # (K,)
        st.markdown("At the last step the Dense head reads h_T:")
        st.latex(
            r"y = h_T W_o + b_o"
            + (
                r",\quad h_T = [\,\overrightarrow{h}_T ; \overleftarrow{h}_1\,]"
                if c.bidirectional
                else ""
            )
        )
    hW = h_in @ run.head["W_o"]  # (K,)
    if c.K <= LATEX_MAX_UNITS:
        st.latex(
            _vector(hW)
            + " + "
            + _vector(run.head["b_o"])
            + " = "
            + _vector(y_numpy)
            + r"\quad\text{(Keras: }"
            + _vector(y_keras)
            + ")"
        )
    st.dataframe(
        {
            "output k": np.arange(c.K),
            "h W_o": hW.astype(np.float64),
            "b_o": run.head["b_o"].astype(np.float64),
            "y NumPy": y_numpy.astype(np.float64),
            "y Keras": y_keras.astype(np.float64),
        },
        hide_index=True,
    )


def output_agreement(run: Run) -> None:
    a = run.agreement
    c = run.config
    st.header("6 · Output agreement")
    if a.agree:
        st.success(a.verdict, icon=":material/check_circle:")
    else:
        st.error(a.verdict, icon=":material/error:")
    left, right = st.columns(2)
    left.plotly_chart(figures.agreement_scatter(run.y_keras, run.y_numpy), key="agreement")
    right.plotly_chart(
        figures.delta_bars(
            a.per_sample, a.tolerance, f"sample n (N = {c.N})", "Largest difference per sample"
        ),
        key="delta_bars",
    )
    if a.per_step is not None:
        st.plotly_chart(
            figures.delta_bars(
                a.per_step,
                a.tolerance,
                f"time step t (T = {c.T})",
                "Largest difference per time step (y is (N, T, K))",
                start=1,
            ),
            key="delta_steps",
        )
    y_keras, y_numpy = run.y_keras, run.y_numpy  # (N, K), or (N, T, K)
    at = ""
    if a.per_step is not None:
        y_keras, y_numpy, at = y_keras[:, -1], y_numpy[:, -1], " at t = T"  # (N, K)
    table = {"sample n": np.arange(c.N), "max |Δ|": a.per_sample}
    for k in range(c.K):
        table[f"Keras y[{k}]{at}"] = y_keras[:, k].astype(np.float64)
        table[f"NumPy y[{k}]{at}"] = y_numpy[:, k].astype(np.float64)
    config = {"max |Δ|": st.column_config.NumberColumn(format="%.2e")}
    config.update({k: st.column_config.NumberColumn(format="%.7f") for k in table if "y[" in k})
    st.dataframe(table, hide_index=True, column_config=config)


def downloads(run: Run) -> None:
    c = run.config
    options = "".join(
        f"_{flag}" for flag, on in (("bidi", c.bidirectional), ("seq", c.return_sequences)) if on
    )
    name = (
        f"rnnviz_{c.cell}_L{c.layers}{options}_N{c.N}_T{c.T}_D{c.D}_M{c.M}_K{c.K}_seed{c.seed}.npz"
    )
    st.download_button(
        "Download this run (.npz)",
        data=lambda: export.npz_bytes(run),
        file_name=name,
        mime="application/octet-stream",
        on_click="ignore",
        help="X, every weight, y from Keras and NumPy, h (and c, gates) after each step.",
    )
