"""The weights view's data: every weight block of one layer and the head, on one scale.

The page draws the weights in the browser from one payload (``rnnviz.views.player_data.pack``
layout: JSON header, then raw float32), one panel per block: for each gate of the cell,
its W_xh, W_hh and b_h blocks, cut out of Keras' side-by-side layout along the last
axis, then the Dense head's W_o and b_o; or the same numbers in PyTorch's or the
textbook's layout (``rnnviz.shapes.layouts``), with axis titles that say what rows and columns
are there. Every panel shares one colour range, centred
on zero, so a colour means the same number everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnnviz.recurrence.cells import Cell, shape_text
from rnnviz.shapes import layouts
from rnnviz.views.palette import DIVERGING, colorscale
from rnnviz.views.player_data import Frames

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
    layout: str = "keras",
    suffix: str = "",
) -> Frames:
    """Rows of panels: one row per gate of ``cell`` (its input, recurrent and bias blocks),
    then the head, as ``layout`` (``rnnviz.recurrence.cells.LAYOUTS``) writes them.

    ``weights`` are one path's, in Keras' layout; ``layout`` cuts them as it keeps them:
    Keras' gate blocks side by side in columns, PyTorch's stacked in rows (in its gate order,
    with bias_ih and bias_hh), the textbook's one W, U and b per gate. ``width`` is the
    symbol and size of what the layer reads ("D", 3), or ("2M", 10) for a stacked
    bidirectional layer. ``tag`` tells paths apart in names ("", " [2] backward", or
    PyTorch's "_l1_reverse"). ``head_width`` is what the head reads, ("2M", 10) when
    bidirectional; ("M", M) unless given. ``suffix`` is the path's in the layout's names
    ("_2_bwd", "_l1_reverse"): each panel says which array it is cut from (``array``) and
    where (``origin``), so the browser names each entry as the step's derivation does
    (``rnnviz.views.derivation``): W_xh_2[1,7], weight_ih_l0[9,2].
    """
    M = weights["W_hh"].shape[0]
    symbol, size = width
    head_symbol, head_size = head_width or ("M", M)
    K = head["W_o"].shape[1]
    every = np.concatenate([np.abs(w).ravel() for w in (*weights.values(), *head.values())])
    zmax = float(np.percentile(every, RANGE_PERCENTILE)) or float(every.max()) or 1.0
    unit = f"hidden unit (M = {M})"
    titles = {
        "in": f"input ({symbol} = {size})",
        "unit": unit,
        "from": f"from {unit}",
        "to": f"to {unit}",
        "H": f"last layer's output ({head_symbol} = {head_size})",
        "K": f"output (K = {K})",
        "bias": "",
        "": "",
    }
    panels, arrays = [], []

    def add(
        row: int,
        W: np.ndarray,
        label: str,
        what: str,
        axes: tuple[str, str],
        labels=(),
        array: str = "",
        origin: tuple[int, int] = (0, 0),
    ):
        Z = np.atleast_2d(W).astype(np.float32)  # (rows, cols); a vector is one row
        panels.append(
            dict(
                row=row,
                name=label,
                array=array,
                origin=list(origin),
                title=f"{label} {shape_text(W.shape)} — {what}",
                row_title=titles[axes[0]],
                col_title=titles[axes[1]],
                row_labels=list(labels) or None,
                vector=W.ndim == 1,
                numbers=max(Z.shape) <= NUMBERS_MAX_SIDE,
                shape=list(Z.shape),
            )
        )
        arrays.append(np.ascontiguousarray(Z))

    entries = layouts.path_entries(cell, layout)
    path = layouts.path_arrays(cell, layout, weights)
    gates = layouts.gate_order(cell, layout) or [(None, "")]
    for k, (gate, called) in enumerate(gates):
        for e, A in zip(entries, path, strict=True):
            if e.gate and e.gate != gate.key:  # a textbook weight of another gate
                continue
            label, axes = f"{e.name}{tag}", e.axes
            origin = (0, 0)
            if "gates" in axes:  # cut gate k's block out of the blocks side by side
                axis = -1 if axes[1] == "gates" else 0  # Keras: columns; PyTorch: rows
                origin = (0, k * M) if axis == -1 else (k * M, 0)
                A = np.take(A, np.arange(k * M, (k + 1) * M), axis=axis)  # (·, M) or (M, ·)
                cut = "to" if "from" in axes else "unit"
                axes = tuple(cut if a == "gates" else a for a in axes)
                if gate is not None:  # PyTorch's blocks are slices of a state_dict entry
                    label += f"[{k * M}:{(k + 1) * M}]" if layout == "pytorch" else f" · {called}"
            what = e.meaning if gate is None else gate.name
            if gate is not None and called not in (gate.key, gate.letter):
                what += f" ({called} here)"
            add(k, A, label, what, axes, e.row_labels, e.name + suffix, origin)
    for e, A in zip(layouts.head_entries(layout), layouts.head_arrays(layout, head), strict=True):
        add(len(gates), A, e.name, e.meaning, e.axes, array=e.name)
    header = dict(zmax=zmax, colorscale=colorscale(DIVERGING), panels=panels)
    return Frames(header=header, arrays=arrays)
