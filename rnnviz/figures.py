"""Plotly figures: arrays and labels in, ``go.Figure`` out. No Streamlit here.

Weights and states use one diverging scale centred on zero (red positive, blue
negative, white zero), so a colour means the same number in every panel that
shares a range. Axis titles name the symbol and its size, e.g.
``hidden unit (M = 5)``, and hovering shows the value.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from rnnviz.cells import Weight

DIVERGING = "RdBu_r"
FONT = dict(size=15)  # readable when the screen is shared in a lecture hall
AXIS = {"D": "input feature", "M": "hidden unit", "K": "output"}
TEXT_MAX_SIDE = 10  # print values inside heatmap cells when both sides are at most this
LINES_SHOWN = 8  # with more units, the rest start hidden (click the legend to show them)


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"),
        template="plotly_white",
        font=FONT,
        height=height,
        margin=dict(l=10, r=10, t=50, b=10),
    )
    return fig


def _axis_title(symbol: str, size: int, role: str = "") -> str:
    return f"{role}{AXIS[symbol]} ({symbol} = {size})"


def weight_heatmap(name: str, W: np.ndarray, spec: Weight, zmax: float) -> go.Figure:
    """Heatmap of one weight: a matrix (rows × cols) or a bias vector (one row).

    ``zmax`` fixes the colour range to [-zmax, zmax] so several weights drawn
    with the same ``zmax`` can be compared by colour.
    """
    Z = W if W.ndim == 2 else W[np.newaxis, :]  # (rows, cols)
    rows, cols = Z.shape
    fig = go.Figure(
        go.Heatmap(
            z=Z,
            x=np.arange(cols),
            y=np.arange(rows),
            zmin=-zmax,
            zmax=zmax,
            zmid=0,
            colorscale=DIVERGING,
            colorbar=dict(thickness=12, len=0.9),
            showscale=W.ndim == 2,  # a bias strip is too thin for its own colour bar
            xgap=1,
            ygap=1,
            # small weights get their numbers printed, for reading off a projector
            texttemplate="%{z:.2f}" if max(rows, cols) <= TEXT_MAX_SIDE else None,
            hovertemplate=(
                f"{name}[%{{y}}, %{{x}}] = %{{z:.5f}}<extra></extra>"
                if W.ndim == 2
                else f"{name}[%{{x}}] = %{{z:.5f}}<extra></extra>"
            ),
        )
    )
    recurrent = spec.rows == spec.cols == "M"
    fig.update_xaxes(
        title=_axis_title(spec.cols, cols, "to " if recurrent else ""),
        dtick=1 if cols <= 16 else None,
    )
    if W.ndim == 2:
        fig.update_yaxes(
            title=_axis_title(spec.rows, rows, "from " if recurrent else ""),
            autorange="reversed",
            dtick=1 if rows <= 16 else None,
        )
    else:
        fig.update_yaxes(visible=False)
    height = 170 if W.ndim == 1 else int(np.clip(90 + 28 * rows, 220, 520))
    return _layout(fig, f"{name} {spec.shape} = {tuple(W.shape)} — {spec.meaning}", height)


def weight_heatmaps(weights: dict[str, np.ndarray], specs: tuple[Weight, ...]) -> list[go.Figure]:
    """One heatmap per weight in ``specs``, all on one shared colour range."""
    zmax = max(float(np.abs(weights[s.symbol]).max()) for s in specs) or 1.0
    return [weight_heatmap(s.symbol, weights[s.symbol], s, zmax) for s in specs]


def hidden_heatmap(h_n: np.ndarray, n: int, t: int | None = None) -> go.Figure:
    """h_t of one sample as a (time × unit) heatmap; h_n is (T, M), values in [-1, 1]."""
    T, M = h_n.shape
    fig = go.Figure(
        go.Heatmap(
            z=h_n.T,  # (M, T): time runs left to right
            x=np.arange(1, T + 1),
            y=np.arange(M),
            zmin=-1,
            zmax=1,
            zmid=0,
            colorscale=DIVERGING,
            colorbar=dict(thickness=12, title="h"),
            hovertemplate="t = %{x}, unit %{y}: h = %{z:.5f}<extra></extra>",
        )
    )
    if t is not None:
        fig.add_vline(x=t, line=dict(color="black", width=2, dash="dot"))
    fig.update_xaxes(title=f"time step t (T = {T})", dtick=1 if T <= 20 else None)
    fig.update_yaxes(title=_axis_title("M", M), autorange="reversed", dtick=1 if M <= 16 else None)
    return _layout(fig, f"h_t for sample n = {n}: (T, M) = ({T}, {M})", 360)


def hidden_lines(h_n: np.ndarray, n: int, t: int | None = None) -> go.Figure:
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
    if t is not None:
        fig.add_vline(x=t, line=dict(color="black", width=2, dash="dot"))
    fig.update_xaxes(title=f"time step t (T = {T})", dtick=1 if T <= 20 else None)
    fig.update_yaxes(title="h_t (tanh, in [-1, 1])", range=[-1.05, 1.05])
    title = f"Each hidden unit over time, sample n = {n}"
    if M > 12:
        title += f" (units 0–{LINES_SHOWN - 1} of {M}; click the legend for more)"
    return _layout(fig, title, 360)


def agreement_scatter(y_keras: np.ndarray, y_numpy: np.ndarray) -> go.Figure:
    """Keras vs NumPy for every sample n and output k, (N, K) each, with the line y = x."""
    N, K = y_keras.shape
    low = float(min(y_keras.min(), y_numpy.min()))
    high = float(max(y_keras.max(), y_numpy.max()))
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
    n = np.arange(N)  # (N,)
    for k in range(K):
        fig.add_trace(
            go.Scatter(
                x=y_keras[:, k],
                y=y_numpy[:, k],
                mode="markers",
                name=f"output k = {k}",
                marker=dict(size=9 if N <= 200 else 5),
                customdata=np.stack([n, np.abs(y_keras[:, k] - y_numpy[:, k])], axis=1),  # (N, 2)
                hovertemplate=(
                    f"n = %{{customdata[0]}}, k = {k}<br>Keras %{{x:.7f}}<br>NumPy %{{y:.7f}}"
                    "<br>|Δ| = %{customdata[1]:.2e}<extra></extra>"
                ),
            )
        )
    fig.update_xaxes(title=f"Keras y (N = {N}, K = {K})")
    fig.update_yaxes(title="NumPy y", scaleanchor="x", scaleratio=1)
    return _layout(fig, "Every output: Keras vs NumPy", 460)


def delta_bars(per_sample: np.ndarray, tolerance: float) -> go.Figure:
    """max |Δ| for each sample n, (N,), on a log axis with the tolerance drawn in."""
    N = per_sample.shape[0]
    nonzero = per_sample[per_sample > 0]  # an exact 0 cannot sit on a log axis
    floor = float(nonzero.min()) / 10 if nonzero.size else 1e-10
    top = max(tolerance, float(per_sample.max())) * 10
    fig = go.Figure(
        go.Bar(
            x=np.arange(N),
            y=np.maximum(per_sample, floor),  # (N,)
            customdata=per_sample,
            name="max |Δ|",
            hovertemplate="n = %{x}: max |Δ| = %{customdata:.2e}<extra></extra>",
        )
    )
    fig.add_hline(
        y=tolerance,
        line=dict(color="firebrick", dash="dash"),
        annotation_text=f"tolerance {tolerance:.0e}",
        annotation_position="top left",
    )
    fig.update_xaxes(title=f"sample n (N = {N})")
    fig.update_yaxes(
        title="max |Δ| over outputs",
        type="log",
        range=[np.log10(floor), np.log10(top)],
        exponentformat="e",
    )
    return _layout(fig, "Largest difference per sample", 460)
