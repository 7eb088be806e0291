"""Plotly figures: arrays and labels in, ``go.Figure`` out. No Streamlit here.

Weights use one diverging scale centred on zero (red positive, blue negative,
white zero), so a colour means the same number in every panel that shares a
range. (States and gates over time are drawn by the in-browser player, with the
same scales: see ``rnnviz.frames``.) Axis titles name the symbol and its size, e.g.
``hidden unit (M = 5)``, and hovering shows the value.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from rnnviz.cells import HEAD, Cell
from rnnviz.ledger import shape_text

DIVERGING = "RdBu_r"
FONT = dict(size=15)  # readable when the screen is shared in a lecture hall
TEXT_MAX_SIDE = 6  # print values inside heatmap cells when both sides are at most this
BAR_COLOUR = "#4c6a92"
GAP_MAX_SIDE = 40  # draw 1-pixel cell borders up to this many cells per side
RANGE_PERCENTILE = 99.5  # the shared weight range; the rare larger values saturate
LINES_SHOWN = 8  # with more units, the rest start hidden (click the legend to show them)


@functools.cache
def _template() -> go.layout.Template:
    """plotly_white's look in a few lines, built once.

    Naming "plotly_white" makes Plotly deep-copy the whole template (every trace type's
    defaults) into each figure, which was most of a rerun's time.
    """
    grid = "#ebf0f8"
    axis = dict(gridcolor=grid, linecolor=grid, zerolinecolor=grid, automargin=True)
    return go.layout.Template(
        layout=dict(paper_bgcolor="white", plot_bgcolor="white", xaxis=axis, yaxis=axis)
    )


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"),
        template=_template(),
        font=FONT,
        height=height,
        margin=dict(l=10, r=10, t=50, b=10),
    )
    return fig


def _ticks(n: int) -> int | None:
    return 1 if n <= 16 else None


def weight_heatmap(
    W: np.ndarray,
    title: str,
    name: str,
    row_title: str,
    col_title: str,
    zmax: float,
    row_labels: list[str] | None = None,
) -> go.Figure:
    """Heatmap of a matrix (rows × cols) or a bias vector (one strip), range [-zmax, zmax].

    Drawing several weights with the same ``zmax`` makes their colours comparable.
    """
    Z = W if W.ndim == 2 else W[np.newaxis, :]  # (rows, cols)
    rows, cols = Z.shape
    y = row_labels or list(range(rows))
    fig = go.Figure(
        go.Heatmap(
            z=Z,
            x=np.arange(cols),
            y=y,
            zmin=-zmax,
            zmax=zmax,
            zmid=0,
            colorscale=DIVERGING,
            colorbar=dict(thickness=12, len=0.9),
            showscale=rows > 2,  # a bias strip is too thin for its own colour bar
            # cell borders only while cells are wider than the border
            xgap=1 if cols <= GAP_MAX_SIDE else 0,
            ygap=1 if rows <= GAP_MAX_SIDE else 0,
            # small weights get their numbers printed, for reading off a projector
            texttemplate="%{z:.2f}" if max(rows, cols) <= TEXT_MAX_SIDE else None,
            textfont=dict(size=13),
            hovertemplate=(
                f"{name}[%{{y}}, %{{x}}] = %{{z:.5f}}<extra></extra>"
                if W.ndim == 2
                else f"{name}[%{{x}}] = %{{z:.5f}}<extra></extra>"
            ),
        )
    )
    fig.update_xaxes(title=col_title, dtick=_ticks(cols))
    if W.ndim == 2:
        fig.update_yaxes(title=row_title, autorange="reversed", dtick=_ticks(rows))
    else:
        fig.update_yaxes(visible=False)
    height = 170 if rows <= 2 else int(np.clip(90 + 28 * rows, 220, 520))
    return _layout(fig, title, height)


def weight_panels(
    cell: Cell,
    weights: Mapping[str, np.ndarray],
    head: Mapping[str, np.ndarray],
    width: tuple[str, int],
    tag: str = "",
) -> list[list[tuple[str, go.Figure]]]:
    """Rows of (key, figure): one row per gate of ``cell`` (W_xh, W_hh, b_h blocks), then the head.

    ``weights`` are one path's, in Keras' layout; each gate's M-wide block is cut out of
    the last axis and titled with the gate's name. ``width`` is the symbol and size of
    what the layer reads ("D", 3), or ("2M", 10) for a stacked bidirectional layer.
    ``tag`` tells paths apart in keys and titles ("", " [2]", " [1] backward").
    """
    M = weights["W_hh"].shape[0]
    symbol, size = width
    # One range for every panel so colours compare. It is a high percentile of |w|, not
    # the maximum, so a few outliers (an LSTM's forget bias of 1) saturate instead of
    # washing every kernel out to white.
    every = np.concatenate([np.abs(w).ravel() for w in (*weights.values(), *head.values())])
    zmax = float(np.percentile(every, RANGE_PERCENTILE)) or float(every.max()) or 1.0
    unit = f"hidden unit (M = {M})"
    gates = cell.gates or (None,)
    rows = []
    for k, gate in enumerate(gates):
        block = slice(k * M, (k + 1) * M)
        row = []
        for w in cell.weights:
            W = weights[w.symbol][..., block]  # (D, M), (M, M), (M,) or (2, M)
            what = f"{gate.name}" if gate else w.meaning
            label = f"{w.symbol}{tag}" + (f" · {gate.key}" if gate else "")
            title = f"{label} {shape_text(W.shape)} — {what}"
            if w.symbol == "W_xh":
                fig = weight_heatmap(W, title, label, f"input ({symbol} = {size})", unit, zmax)
            elif w.symbol == "W_hh":
                fig = weight_heatmap(W, title, label, f"from {unit}", f"to {unit}", zmax)
            else:
                labels = ["input b", "recurrent b'"] if W.ndim == 2 else None
                fig = weight_heatmap(W, title, label, "", unit, zmax, row_labels=labels)
            row.append((f"heatmap_{w.symbol}_{gate.key if gate else ''}", fig))
        rows.append(row)
    H, K = head["W_o"].shape
    head_row = []
    for w in HEAD:
        W = head[w.symbol]
        title = f"{w.symbol} {shape_text(W.shape)} — {w.meaning}"
        row_title = f"last layer's output ({'2M' if H != M else 'M'} = {H})"
        fig = weight_heatmap(W, title, w.symbol, row_title, f"output (K = {K})", zmax)
        head_row.append((f"heatmap_{w.symbol}", fig))
    rows.append(head_row)
    return rows


def hidden_lines(h_n: np.ndarray, n: int, title: str = "") -> go.Figure:
    """One line per hidden unit over time; h_n is (T, M)."""
    T, M = h_n.shape
    t_axis = np.arange(1, T + 1)  # (T,)
    fig = go.Figure(
        [
            go.Scatter(
                x=t_axis,
                y=h_n[:, m],
                mode="lines+markers" if T <= 30 else "lines",
                name=f"unit {m}",
                visible=True if m < LINES_SHOWN or M <= 12 else "legendonly",
                hovertemplate=f"unit {m}, t = %{{x}}: h = %{{y:.5f}}<extra></extra>",
            )
            for m in range(M)
        ]
    )
    fig.update_xaxes(title=f"time step t (T = {T})", dtick=1 if T <= 20 else None)
    fig.update_yaxes(title="h_t (in [-1, 1])", range=[-1.05, 1.05])
    title = title or f"Each hidden unit over time, sample n = {n}"
    if M > 12:
        title += f" (units 0–{LINES_SHOWN - 1} of {M}; click the legend for more)"
    return _layout(fig, title, 340)


def agreement_scatter(y_keras: np.ndarray, y_numpy: np.ndarray) -> go.Figure:
    """Keras vs NumPy for every output, (N, K) or (N, T, K), with the line y = x."""
    seq = y_keras.ndim == 3
    N, K = y_keras.shape[0], y_keras.shape[-1]
    T = y_keras.shape[1] if seq else 1
    Yk = y_keras.reshape(N * T, K)  # (N·T, K)
    Yn = y_numpy.reshape(N * T, K)  # (N·T, K)
    low, high = float(min(Yk.min(), Yn.min())), float(max(Yk.max(), Yn.max()))
    pad = 0.05 * (high - low or 1.0)
    fig = go.Figure(
        go.Scatter(
            x=[low - pad, high + pad],
            y=[low - pad, high + pad],
            mode="lines",
            name="y = x",
            line=dict(color="grey", dash="dash"),
            hoverinfo="skip",
        )
    )
    n, t = np.divmod(np.arange(N * T), T)  # (N·T,) each
    where = "n = %{customdata[0]}" + (", t = %{customdata[1]}" if seq else "")
    for k in range(K):
        delta = np.abs(Yk[:, k] - Yn[:, k])  # (N·T,)
        fig.add_trace(
            go.Scatter(
                x=Yk[:, k],
                y=Yn[:, k],
                mode="markers",
                name=f"output k = {k}",
                marker=dict(size=9 if N * T <= 200 else 5),
                customdata=np.stack([n, t + 1, delta], axis=1),  # (N·T, 3)
                hovertemplate=(
                    f"{where}, k = {k}<br>Keras %{{x:.7f}}<br>NumPy %{{y:.7f}}"
                    "<br>|Δ| = %{customdata[2]:.2e}<extra></extra>"
                ),
            )
        )
    shape = f"N = {N}, T = {T}, K = {K}" if seq else f"N = {N}, K = {K}"
    fig.update_xaxes(title=f"Keras y ({shape})")
    fig.update_yaxes(title="NumPy y", scaleanchor="x", scaleratio=1)
    return _layout(fig, "Every output: Keras vs NumPy", 460)


def delta_bars(
    deltas: np.ndarray, tolerance: float, axis_title: str, title: str, start: int = 0
) -> go.Figure:
    """A max |Δ| per sample (or per step), on a log axis with the tolerance drawn in."""
    nonzero = deltas[deltas > 0]  # an exact 0 cannot sit on a log axis: it gets a stub
    floor = float(nonzero.min()) / 10 if nonzero.size else 1e-10
    top = max(tolerance, float(deltas.max())) * 10
    x = np.arange(start, start + deltas.shape[0])  # (len,)
    fig = go.Figure(
        go.Bar(
            x=x,
            y=np.where(deltas > 0, deltas, floor * 3),  # (len,)
            marker_color=np.where(deltas > 0, BAR_COLOUR, "#9aa5b1"),
            text=np.where(deltas > 0, "", "0") if deltas.shape[0] <= 60 else None,
            textposition="outside",
            customdata=deltas,
            name="max |Δ|",
            hovertemplate="%{x}: max |Δ| = %{customdata:.2e}<extra></extra>",
        )
    )
    fig.add_hline(
        y=tolerance,
        line=dict(color="firebrick", dash="dash"),
        annotation_text=f"tolerance {tolerance:.0e}",
        annotation_position="top left",
    )
    fig.update_xaxes(title=axis_title)
    fig.update_yaxes(
        title="max |Δ|",
        type="log",
        range=[np.log10(floor), np.log10(top)],
        exponentformat="e",
    )
    return _layout(fig, title, 400)
