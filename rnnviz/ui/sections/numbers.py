"""Numbers as the page shows them: an HTML table of columns, and plain symbols as HTML.

Plain HTML rather than ``st.dataframe``: it is drawn in a few milliseconds, where the data grid
costs about a hundred on every rerun, and a number table needs no sorting.
"""

from __future__ import annotations

import html
import re

import numpy as np

LATEX_MAX_UNITS = 6  # a target of more outputs is written to this many


def table(
    columns: dict[str, np.ndarray],
    name: str,
    scroll: bool = False,
    formats: dict[str, str] | None = None,
    digits: int = 6,
    highlight: int | None = None,
    opens: dict[str, str] | None = None,
) -> str:
    """A plain HTML table of numbers: integers as they are, floats to ``digits`` decimals;
    row ``highlight`` marked. A column named in ``opens`` (column -> a block of the step's
    derivation) opens row i's unit there when its number is clicked or Entered."""
    opens = opens or {}
    formats = formats or {}
    head = "".join(f"<th>{html.escape(k)}</th>" for k in columns)
    spec = {
        k: "d" if np.issubdtype(v.dtype, np.integer) else formats.get(k, f".{digits}f")
        for k, v in columns.items()
    }
    rows = []
    for i in range(len(next(iter(columns.values())))):
        marked = "▲ " if i == highlight else ""  # a symbol as well as a colour
        cells = "".join(
            f"<td{_opener(opens, k, i)}>{marked if j == 0 else ''}{v[i]:{spec[k]}}</td>"
            for j, (k, v) in enumerate(columns.items())
        )
        mark = " class='rnnviz-first'" if marked else ""
        rows.append(f"<tr{mark}>{cells}</tr>")
    body = (
        f"<table class='rnnviz-numbers' data-table='{name}'><tr>{head}</tr>{''.join(rows)}</table>"
    )
    # wide tables (K = 32 outputs) scroll sideways, long ones (M = 256 units) down: a named
    # region in the tab order, so that the keyboard can scroll it too
    region = f"role='region' tabindex='0' aria-label='{html.escape(name, quote=True)} numbers'"
    return f"<div class='rnnviz-wide{' rnnviz-tall' if scroll else ''}' {region}>{body}</div>"


def _opener(opens: dict[str, str], column: str, i: int) -> str:
    """The attributes of a number that opens its unit's derivation (none if it does not)."""
    if column not in opens:
        return ""
    key = html.escape(opens[column], quote=True)
    return f" data-rnnviz-open='{key}:{i}' tabindex='0' title='unit {i}: open its arithmetic'"


def symbols(text: str) -> str:
    """Plain math as HTML, escaped, subscripts and superscripts set: "h_T W_o^T" ->
    h<sub>T</sub> W<sub>o</sub><sup>T</sup>."""
    escaped = html.escape(text)
    escaped = re.sub(
        r"_(\([^()]*\)|[A-Za-z0-9]+)", lambda m: f"<sub>{m[1].strip('()')}</sub>", escaped
    )
    return re.sub(r"\^([A-Za-z0-9]+)", r"<sup>\1</sup>", escaped)
