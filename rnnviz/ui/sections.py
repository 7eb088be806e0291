"""The six sections of the page, each drawn from a finished ``Run``.

Sections only lay out what the core computed: numbers come from ``rnnviz.run``
and ``rnnviz.ledger``, figures from ``rnnviz.figures``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from rnnviz import export, figures, ledger
from rnnviz.cells import CELLS, HEAD
from rnnviz.run import Run
from rnnviz.ui.sidebar import View

LATEX_MAX_UNITS = 6  # wider vectors are shown as a table only


def _shape(numeric: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, numeric)) + ("," if len(numeric) == 1 else "") + ")"


def _plain(latex: str) -> str:
    """A LaTeX term as plain text for a table header: h_{t-1} W_{hh} -> h_(t-1) W_hh."""
    return latex.replace("{t-1}", "(t-1)").replace("\\", "").replace("{", "").replace("}", "")


def _vector(v: np.ndarray) -> str:
    return r"\begin{bmatrix}" + " & ".join(f"{x:.3f}" for x in v) + r"\end{bmatrix}"


def title(run: Run) -> None:
    c = run.config
    cell = CELLS[c.cell]
    st.title("rnnviz — the importance of shapes")
    st.markdown(
        f"`Input((T, D)) → {cell.keras_name}(M) → Dense(K)` on random X of shape "
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
            rows.append(f"| ${r.latex}$ | {r.symbolic} | {_shape(r.numeric)} | {r.meaning} |")
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
        st.caption(
            "Each hidden unit has one weight per input feature (D), one per hidden unit "
            "(M, the recurrence) and one bias; each output has one weight per hidden unit and "
            "one bias."
        )


def model_summary(run: Run) -> None:
    st.header("2 · Model summary")
    st.caption("Keras' own `model.summary()`.")
    st.code(run.summary, language=None)


def weight_heatmaps(run: Run) -> None:
    c = run.config
    specs = CELLS[c.cell].weights + HEAD
    st.header("3 · Weights")
    st.caption(
        "One colour scale for every weight, centred on zero (red positive, blue negative), "
        "so colours compare across panels. Hover a cell for its value."
    )
    if not any(run.weights[s.symbol].any() for s in specs if run.weights[s.symbol].ndim == 1):
        st.caption("Keras starts every bias at zero, so the bias strips are white until trained.")
    figs = dict(zip(specs, figures.weight_heatmaps(run.weights, specs), strict=True))
    # matrices on the first row, bias vectors (thin strips) on the second
    for rank in (2, 1):
        row = [s for s in specs if run.weights[s.symbol].ndim == rank]
        for spec, col in zip(row, st.columns(len(row)), strict=True):
            col.plotly_chart(figs[spec], key=f"heatmap_{spec.symbol}")


def hidden_states(run: Run, view: View) -> None:
    st.header("4 · Hidden states")
    st.caption(
        f"h_t for sample n = {view.n}, every step t and unit; the dotted line marks t = {view.t}. "
        "Pick n and t in the sidebar."
    )
    h_n = run.h[view.n]  # (T, M)
    left, right = st.columns(2)
    left.plotly_chart(figures.hidden_heatmap(h_n, view.n, view.t), key="hidden_heatmap")
    right.plotly_chart(figures.hidden_lines(h_n, view.n, view.t), key="hidden_lines")


def step_by_step(run: Run, view: View) -> None:
    c = run.config
    n, t = view.n, view.t
    cell = CELLS[c.cell]
    st.header("5 · Step by step")
    for equation in cell.equations:
        st.latex(equation)
    terms = run.step_terms(n, t)
    st.markdown(
        f"Sample **n = {n}**, step **t = {t}** of T = {c.T}"
        + (" (h₀ = 0, so the recurrent term is zero)." if t == 1 else ".")
    )
    if c.M <= LATEX_MAX_UNITS:
        names = list(terms)
        *parts, a_t, h_t = names
        st.latex(" + ".join(parts) + " = " + a_t)
        st.latex(" + ".join(_vector(terms[p]) for p in parts) + " = " + _vector(terms[a_t]))
        st.latex(r"h_t = \tanh(a_t) = " + _vector(terms[h_t]))
    table = {"unit m": np.arange(c.M)}
    table.update({_plain(k): np.asarray(v, dtype=np.float64) for k, v in terms.items()})
    st.dataframe(
        table,
        hide_index=True,
        column_config={_plain(k): st.column_config.NumberColumn(format="%.6f") for k in terms},
    )
    if t == c.T:
        h_T = run.h[n, -1]  # (M,)
        hW = h_T @ run.weights["W_o"]  # (K,)
        st.markdown("At the last step the Dense head reads h_T:")
        st.latex(r"y = h_T W_o + b_o")
        if c.K <= LATEX_MAX_UNITS:
            st.latex(
                _vector(hW)
                + " + "
                + _vector(run.weights["b_o"])
                + " = "
                + _vector(run.y_numpy[n])
                + r"\quad\text{(Keras: }"
                + _vector(run.y_keras[n])
                + ")"
            )
        st.dataframe(
            {
                "output k": np.arange(c.K),
                "h_T W_o": hW.astype(np.float64),
                "b_o": run.weights["b_o"].astype(np.float64),
                "y NumPy": run.y_numpy[n].astype(np.float64),
                "y Keras": run.y_keras[n].astype(np.float64),
            },
            hide_index=True,
        )
    else:
        st.info(
            f"Move t to T = {c.T} to see the output y = h_T W_o + b_o computed.",
            icon=":material/arrow_forward:",
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
    right.plotly_chart(figures.delta_bars(a.per_sample, a.tolerance), key="delta_bars")
    table = {"sample n": np.arange(c.N), "max |Δ|": a.per_sample}
    for k in range(c.K):
        table[f"Keras y[{k}]"] = run.y_keras[:, k].astype(np.float64)
        table[f"NumPy y[{k}]"] = run.y_numpy[:, k].astype(np.float64)
    config = {"max |Δ|": st.column_config.NumberColumn(format="%.2e")}
    config.update({k: st.column_config.NumberColumn(format="%.7f") for k in table if "y[" in k})
    st.dataframe(table, hide_index=True, column_config=config)


def downloads(run: Run) -> None:
    c = run.config
    name = f"rnnviz_{c.cell}_N{c.N}_T{c.T}_D{c.D}_M{c.M}_K{c.K}_seed{c.seed}.npz"
    st.download_button(
        "Download this run (.npz)",
        data=lambda: export.npz_bytes(run),
        file_name=name,
        mime="application/octet-stream",
        on_click="ignore",
        help="X, every weight, y from Keras and NumPy, and h after each step (numpy.load it).",
    )
