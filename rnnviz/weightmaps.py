"""The weights view's data: every weight block of one layer and the head, on one scale.

The page draws the weights in the browser from one payload (``rnnviz.frames.pack``
layout: JSON header, then raw float32), one panel per block: for each gate of the cell,
its W_xh, W_hh and b_h blocks, cut out of Keras' side-by-side layout along the last
axis, then the Dense head's W_o and b_o. Every panel shares one colour range, centred
on zero, so a colour means the same number everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnnviz.cells import HEAD, Cell, shape_text
from rnnviz.frames import DIVERGING, Frames, colorscale

# The shared range is a high percentile of |w|, not the maximum, so a few outliers (an
# LSTM's forget bias of 1) saturate instead of washing every kernel out to white.
RANGE_PERCENTILE = 99.5
NUMBERS_MAX_SIDE = 6  # print each value in its cell while both sides are at most this


def weight_grid(
    cell: Cell,
    weights: Mapping[str, np.ndarray],
    head: Mapping[str, np.ndarray],
    width: tuple[str, int],
    tag: str = "",
    head_width: tuple[str, int] | None = None,
) -> Frames:
    """Rows of panels: one row per gate of ``cell`` (W_xh, W_hh, b_h blocks), then the head.

    ``weights`` are one path's, in Keras' layout. ``width`` is the symbol and size of what
    the layer reads ("D", 3), or ("2M", 10) for a stacked bidirectional layer. ``tag``
    tells paths apart in titles ("", " [2]", " [1] backward"). ``head_width`` is what the
    head reads, ("2M", 10) when bidirectional; ("M", M) unless given.
    """
    M = weights["W_hh"].shape[0]
    symbol, size = width
    every = np.concatenate([np.abs(w).ravel() for w in (*weights.values(), *head.values())])
    zmax = float(np.percentile(every, RANGE_PERCENTILE)) or float(every.max()) or 1.0
    unit = f"hidden unit (M = {M})"
    panels, arrays = [], []

    def add(row: int, W: np.ndarray, label: str, what: str, rows: str, cols: str, labels=None):
        Z = np.atleast_2d(W).astype(np.float32)  # (rows, cols); a vector is one row
        panels.append(
            dict(
                row=row,
                name=label,
                title=f"{label} {shape_text(W.shape)} — {what}",
                row_title=rows,
                col_title=cols,
                row_labels=labels,
                vector=W.ndim == 1,
                numbers=max(Z.shape) <= NUMBERS_MAX_SIDE,
                shape=list(Z.shape),
            )
        )
        arrays.append(np.ascontiguousarray(Z))

    gates = cell.gates or (None,)
    for k, gate in enumerate(gates):
        block = slice(k * M, (k + 1) * M)
        for w in cell.weights:
            W = weights[w.symbol][..., block]  # (D, M), (M, M), (M,) or (2, M)
            label = f"{w.symbol}{tag}" + (f" · {gate.key}" if gate else "")
            what = gate.name if gate else w.meaning
            if w.rows == "D":  # what the layer reads
                add(k, W, label, what, f"input ({symbol} = {size})", unit)
            elif w.rows == "M":  # the state before the step
                add(k, W, label, what, f"from {unit}", f"to {unit}")
            else:
                add(k, W, label, what, "", unit, list(w.row_labels) or None)
    H_symbol, H = head_width or ("M", M)
    K = head["W_o"].shape[1]
    for w in HEAD:
        rows = f"last layer's output ({H_symbol} = {H})"
        add(len(gates), head[w.symbol], w.symbol, w.meaning, rows, f"output (K = {K})")
    header = dict(zmax=zmax, colorscale=colorscale(DIVERGING), panels=panels)
    return Frames(header=header, arrays=arrays)
