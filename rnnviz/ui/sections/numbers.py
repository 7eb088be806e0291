"""Numbers as the page shows them: an HTML table of columns, and a vector typeset in LaTeX.

Plain HTML rather than ``st.dataframe``: it is drawn in a few milliseconds, where the data grid
costs about a hundred on every rerun, and a number table needs no sorting.
"""

from __future__ import annotations

import html

import numpy as np

LATEX_MAX_UNITS = 6  # wider vectors are shown as a table only


def vector(v: np.ndarray) -> str:
    """``v`` (·,) as a LaTeX row of numbers to three decimals."""
    return r"\begin{bmatrix}" + " & ".join(f"{x:.3f}" for x in v) + r"\end{bmatrix}"


def table(
    columns: dict[str, np.ndarray],
    name: str,
    scroll: bool = False,
    formats: dict[str, str] | None = None,
    digits: int = 6,
    highlight: int | None = None,
) -> str:
    """A plain HTML table of numbers: integers as they are, floats to ``digits`` decimals;
    row ``highlight`` marked."""
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
    body = (
        f"<table class='rnnviz-numbers' data-table='{name}'><tr>{head}</tr>{''.join(rows)}</table>"
    )
    # wide tables (K = 32 outputs) scroll sideways, long ones (M = 256 units) down
    return f"<div class='rnnviz-wide{' rnnviz-tall' if scroll else ''}'>{body}</div>"
