"""The Plotly figures (agreement, spectrum, memory): arrays and labels in, ``go.Figure`` out.

No Streamlit here. Axis titles name the symbol and its size, e.g. ``sample n (N = 10)``, and
hovering shows the value. (The weights and the states over time are drawn on canvases in the browser
from binary payloads: ``rnnviz.views.weight_maps``, ``rnnviz.views.player_data``.)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

FONT = dict(size=15)  # readable when the screen is shared in a lecture hall
MAX_POINTS = 20_000  # markers in one scatter: beyond this a browser slows and a page grows
BAR_COLOUR = "#4c6a92"


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


# Heights in pixels, which the page also holds for a chart until it is scrolled to
# (rnnviz.ui.components.in_view), so nothing moves when it is drawn.
SCATTER_HEIGHT = 460  # every output, Keras vs NumPy
BARS_HEIGHT = 400  # the largest difference per sample or per step
MEMORY_HEIGHT = 360  # the pulse's trace, the memory horizon


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"),
        template=_template(),
        font=FONT,
        height=height,
        margin=dict(l=10, r=10, t=50, b=10),
    )
    return fig


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
    per_output = max(1, MAX_POINTS // K)
    for k in range(K):
        delta = np.abs(Yk[:, k] - Yn[:, k])  # (N·T,)
        i = shown(delta, per_output)  # (≤ per_output,)
        fig.add_trace(
            go.Scatter(
                x=Yk[i, k],
                y=Yn[i, k],
                mode="markers",
                name=f"output k = {k}",
                marker=dict(size=9 if N * T <= 200 else 5),
                customdata=np.stack([n[i], t[i] + 1, delta[i]], axis=1),  # (≤ per_output, 3)
                hovertemplate=(
                    f"{where}, k = {k}<br>Keras %{{x:.7f}}<br>NumPy %{{y:.7f}}"
                    "<br>|Δ| = %{customdata[2]:.2e}<extra></extra>"
                ),
            )
        )
    shape = f"N = {N}, T = {T}, K = {K}" if seq else f"N = {N}, K = {K}"
    fig.update_xaxes(title=f"Keras y ({shape})")
    fig.update_yaxes(title="NumPy y", scaleanchor="x", scaleratio=1)
    if N * T <= per_output:
        return _layout(fig, "Every output: Keras vs NumPy", SCATTER_HEIGHT)
    thinned = (  # a second line, small: the chart sits in half the page's width
        f"Keras vs NumPy<br><sub>{per_output:,} of {N * T:,} points per output: "
        "the largest |Δ| and a spread</sub>"
    )
    return _layout(fig, thinned, SCATTER_HEIGHT).update_layout(margin_t=80)


def shown(delta: np.ndarray, most: int) -> np.ndarray:
    """Which of the points to draw, at most ``most``: all of them if they fit; else the
    tenth of ``most`` with the largest |Δ| (where a disagreement would be) and an even
    spread of the rest, in their order."""
    P = delta.shape[0]
    if P <= most:
        return np.arange(P)  # (P,)
    worst = np.argpartition(delta, P - most // 10)[P - most // 10 :]  # (most // 10,)
    keep = np.ones(P, dtype=bool)  # (P,)
    keep[worst] = False
    rest = np.flatnonzero(keep)  # (P - most // 10,)
    spread = rest[np.linspace(0, rest.shape[0] - 1, most - worst.shape[0]).astype(int)]
    return np.union1d(worst, spread)  # (most,), ascending


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
    return _layout(fig, title, BARS_HEIGHT)


LINE_COLOURS = ("#4c6a92", "#d1603d", "#3f9b6e", "#8e5ea2")
HEATMAP_ROWS = 100  # samples drawn in the (sample, t) heatmap; more are thinned evenly


def through_time(lines: dict[str, np.ndarray], title: str, y_title: str) -> go.Figure:
    """One line per label over t = 1..T on a log axis: how a gradient's size changes with the
    distance from the end. A zero (nothing flows back that far) leaves a gap, not a line to
    -∞."""
    fig = go.Figure()
    for (label, values), colour in zip(lines.items(), LINE_COLOURS * 4, strict=False):
        t = np.arange(1, values.shape[0] + 1)  # (T,)
        y = np.where(values > 0, values, np.nan)  # (T,)
        fig.add_trace(
            go.Scatter(
                x=t,
                y=y,
                mode="lines+markers" if values.shape[0] <= 60 else "lines",
                name=label,
                line=dict(color=colour),
                hovertemplate=f"{label}, t = %{{x}}: %{{y:.2e}}<extra></extra>",
            )
        )
    fig.update_xaxes(title=f"time step t (T = {next(iter(lines.values())).shape[0]})")
    fig.update_yaxes(title=y_title, type="log", exponentformat="e")
    fig.update_layout(legend=dict(orientation="h", y=-0.25))
    return _layout(fig, title, 380)


def sample_by_step(norms: np.ndarray, title: str) -> go.Figure:
    """log10 of a per-(sample, step) size, (N, T), as a heatmap; at most HEATMAP_ROWS samples,
    spread evenly, so that a large N stays a small figure."""
    N, T = norms.shape
    rows = np.unique(np.linspace(0, N - 1, min(N, HEATMAP_ROWS)).astype(int))  # (≤ 100,)
    with np.errstate(divide="ignore"):
        z = np.log10(norms[rows])  # (rows, T)
    z = np.where(np.isfinite(z), z, np.nan)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=np.arange(1, T + 1),
            y=rows,
            colorscale="Viridis",
            colorbar=dict(title="log₁₀"),
            hovertemplate="n = %{y}, t = %{x}: 10^%{z:.2f}<extra></extra>",
        )
    )
    thinned = "" if rows.shape[0] == N else f" ({rows.shape[0]} of N = {N} samples)"
    fig.update_xaxes(title=f"time step t (T = {T})")
    fig.update_yaxes(title=f"sample n{thinned or f' (N = {N})'}", autorange="reversed")
    return _layout(fig, title, 360)


def spectrum_figure(blocks: list, M: int) -> go.Figure:
    """The eigenvalues of each gate block of W_hh in the complex plane (``memory.Block``s:
    one trace per block, named by its gate), the unit circle, on equal axes."""
    theta = np.linspace(0, 2 * np.pi, 181)  # (181,)
    fig = go.Figure(
        go.Scatter(
            x=np.cos(theta),
            y=np.sin(theta),
            mode="lines",
            name="|λ| = 1",
            line=dict(color="grey", dash="dash", width=1),
            hoverinfo="skip",
        )
    )
    reach = 1.0
    for b in blocks:
        lam = b.eigenvalues  # (M,) complex
        reach = max(reach, float(np.abs(lam).max()))
        fig.add_trace(
            go.Scatter(
                x=lam.real,
                y=lam.imag,
                mode="markers",
                name=f"{b.name}: ρ = {b.rho:.3g}, σ_max = {b.sigma_max:.3g}",
                marker=dict(size=10 if M <= 64 else 6, opacity=0.8),
                customdata=np.abs(lam),  # (M,)
                hovertemplate=(
                    f"{b.name}<br>λ = %{{x:.4f}} %{{y:+.4f}}i<br>|λ| = %{{customdata:.4f}}"
                    "<extra></extra>"
                ),
            )
        )
    edge = 1.1 * reach
    fig.update_xaxes(title="Re λ", range=[-edge, edge], zeroline=True, zerolinecolor="#9aa5b1")
    fig.update_yaxes(
        title="Im λ",
        range=[-edge, edge],
        scaleanchor="x",
        scaleratio=1,
        zeroline=True,
        zerolinecolor="#9aa5b1",
    )
    fig.update_layout(legend=dict(orientation="h", y=-0.18))
    title = f"Eigenvalues of W_hh (M = {M})" + (" per gate block" if len(blocks) > 1 else "")
    return _layout(fig, title, 560)


def _log_floor(values: np.ndarray) -> float:
    """A floor for a log axis: a tenth of the smallest positive value (1e-12 if none)."""
    positive = values[values > 0]
    return float(positive.min()) / 10 if positive.size else 1e-12


LOG_LABELS = 8  # at most this many labels on a log axis


def _log_dtick(values: np.ndarray) -> int:
    """A log axis' step between labels, in decades: every decade, or every few when the
    positive values span more than LOG_LABELS decades (an LSTM's ∏ f_τ at T = 500 spans 70)."""
    positive = values[values > 0]
    if positive.size == 0:
        return 1
    decades = np.log10(positive.max()) - np.log10(positive.min())
    return max(1, int(np.ceil(decades / LOG_LABELS)))


def pulse_figure(gap: np.ndarray, t0: int, peak: float, threshold: float) -> go.Figure:
    """How far the pulse moves h_t, max over units, on a log axis, with the threshold."""
    T = gap.shape[0]
    t = np.arange(1, T + 1)  # (T,)
    fig = go.Figure(
        go.Scatter(
            x=t,
            y=np.where(gap > 0, gap, np.nan),  # (T,): no point where the pulse has not arrived
            mode="lines+markers",
            name="max_m |h_t − h̄_t|",
            line=dict(color=BAR_COLOUR),
            customdata=gap,
            hovertemplate="t = %{x}: %{customdata:.2e}<extra></extra>",
        )
    )
    # a trace, not add_hline's annotation: Plotly places those at log10(y) on a log axis
    fig.add_trace(
        go.Scatter(
            x=[1, T],
            y=[threshold * peak] * 2,
            mode="lines",
            name=f"{threshold:.0e} × peak: still there above it",
            line=dict(color="firebrick", dash="dash"),
            hoverinfo="skip",
        )
    )
    fig.add_vline(x=t0, line=dict(color="grey", dash="dot"), annotation_text=f"t0 = {t0}")
    fig.update_xaxes(title=f"time step t (T = {T})")
    spanned = np.append(gap, threshold * peak)  # (T + 1,)
    fig.update_yaxes(
        title="max |h_t − h̄_t|", type="log", exponentformat="e", dtick=_log_dtick(spanned)
    )
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    return _layout(
        fig, "The pulse's trace in h_t (h̄: the same model without the pulse)", MEMORY_HEIGHT
    )


def horizon_figure(P: np.ndarray, end: int) -> go.Figure:
    """The LSTM's ∏ f_τ for one sample, P (T, M): its mean over units and its largest
    unit, on a log axis."""
    T = P.shape[0]
    t = np.arange(1, T + 1)  # (T,)
    mean, top = P.mean(axis=1), P.max(axis=1)  # (T,) each
    floor = _log_floor(np.concatenate([mean, top]))
    fig = go.Figure()
    for y, name, colour in (
        (mean, "mean over units", BAR_COLOUR),
        (top, "the unit that keeps most", "#c2703d"),
    ):
        fig.add_trace(
            go.Scatter(
                x=t,
                y=np.maximum(y, floor),  # (T,)
                mode="lines",
                name=name,
                line=dict(color=colour),
                customdata=y,
                hovertemplate=f"t = %{{x}}: {name} %{{customdata:.2e}}<extra></extra>",
            )
        )
    fig.update_xaxes(title=f"time step t (T = {T})")
    shown = np.maximum(np.concatenate([mean, top]), floor)  # (2T,)
    fig.update_yaxes(title="∏ f_τ", type="log", exponentformat="e", dtick=_log_dtick(shown))
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    return _layout(fig, f"Memory horizon: the share of c_t that reaches c_{end}", MEMORY_HEIGHT)


def loss_curve(
    before: float | None,
    val_before: float | None,
    loss: Sequence[float],
    val_loss: Sequence[float],
    metric: str,
    epochs: int,
    baseline: float | None = None,
) -> go.Figure:
    """The training and validation loss after each epoch, epoch 0 being the initial weights',
    on a log axis (a loss falls by factors); the x axis spans all ``epochs`` asked for, so
    the curve grows into it while training runs. ``baseline``: the validation loss of the
    best constant answer, drawn dashed: a model on it has learnt nothing about X."""
    fig = go.Figure()
    if baseline is not None and baseline > 0:
        fig.add_hline(
            y=baseline,
            line=dict(color="#888", dash="dash", width=1),
            annotation_text=f"best constant answer {baseline:.3g}",
            annotation_position="top right",
            annotation_font=dict(size=12, color="#666"),
        )
    for label, start, values, colour in (
        ("training", before, loss, LINE_COLOURS[0]),
        ("validation (held out)", val_before, val_loss, LINE_COLOURS[1]),
    ):
        y = ([start] if start is not None else []) + list(values)
        x = list(range(0 if start is not None else 1, len(values) + 1))
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers" if len(y) <= 60 else "lines",
                name=label,
                line=dict(color=colour),
                hovertemplate=f"{label}, epoch %{{x}}: %{{y:.4g}}<extra></extra>",
            )
        )
    fig.update_xaxes(title="epoch (0: the initial weights)", range=[-0.3, epochs + 0.3])
    fig.update_yaxes(title=metric, type="log", tickformat=".2~g")  # 0.2, not a bare 2
    fig.update_layout(legend=dict(orientation="h", y=1.12, x=0))
    return _layout(fig, "", 300)


def connectivity_figure(curves: dict[str, np.ndarray], t: int, predicted: str) -> go.Figure:
    """Distill's connectivity, one line per cell on the same axes: ‖∂logit/∂x_τ‖ of the
    prediction made after character t, against how many characters back τ is (0: the
    character itself), on a log axis. ``curves``: cell title -> (lookback,), oldest first."""
    fig = go.Figure()
    floor = _log_floor(np.concatenate(list(curves.values())))
    shown = []
    for (name, g), colour in zip(curves.items(), LINE_COLOURS, strict=False):
        back = np.arange(len(g))[::-1]  # (lookback,): characters back, oldest first
        y = np.maximum(g, floor)  # (lookback,)
        shown.append(y)
        fig.add_trace(
            go.Scatter(
                x=back,
                y=y,
                mode="lines",
                name=name,
                line=dict(color=colour),
                customdata=g,
                hovertemplate=f"{name}, %{{x}} back: %{{customdata:.2e}}<extra></extra>",
            )
        )
    fig.update_xaxes(title="characters back from t (0: the character itself)", autorange="reversed")
    fig.update_yaxes(
        title="‖∂logit/∂x_τ‖",
        type="log",
        exponentformat="e",
        dtick=_log_dtick(np.concatenate(shown)),
    )
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    title = f"What the prediction after character {t:,} ({predicted} came next) looked back at"
    return _layout(fig, title, MEMORY_HEIGHT)
