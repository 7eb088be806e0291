"""The Plotly figures (agreement, spectrum, memory): arrays and labels in, ``go.Figure`` out.

No Streamlit here. Axis titles name the symbol and its size, e.g. ``sample n (N = 10)``, and
hovering shows the value. Every figure carries a one-sentence description of what it shows and
its key number, worked out from the same arrays (``description``; the page writes it under the
chart, for a reader who cannot see it). Its colours are ``rnnviz.views.palette``'s: each series
its own colour, dash and marker. (The weights and the states over time are drawn on canvases in
the browser from binary payloads: ``rnnviz.views.weight_maps``, ``rnnviz.views.player_data``.)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from rnnviz.views.palette import LIMIT, MAGNITUDE, REFERENCE, series

FONT = dict(size=15)  # readable when the screen is shared in a lecture hall
MAX_POINTS = 20_000  # markers in one scatter: beyond this a browser slows and a page grows


@functools.cache
def _template() -> go.layout.Template:
    """plotly_white's look in a few lines, built once.

    Naming "plotly_white" makes Plotly deep-copy the whole template (every trace type's
    defaults) into each figure, which was most of a rerun's time. On the page Streamlit's
    theme replaces the white with the page's own background, light or dark; the white stays
    for a figure drawn elsewhere (a notebook, an exported file).
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
CAPTION_HEIGHT = 72  # a chart's description under it, up to three lines


def _layout(fig: go.Figure, title: str, height: int, description: str) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left"),
        template=_template(),
        font=FONT,
        height=height,
        margin=dict(l=10, r=10, t=50, b=10),
        meta=dict(description=description),  # also in the browser, on the chart's layout
    )
    return fig


def description(fig: go.Figure) -> str:
    """The figure's one sentence: what it shows and its key number."""
    return fig.layout.meta["description"]


def _line(i: int) -> dict:
    """Series i's line: its colour and dash (``palette.series``)."""
    look = series(i)
    return dict(color=look["colour"], dash=look["dash"])


def _marker(i: int, **more) -> dict:
    """Series i's markers: its colour and symbol (``palette.series``)."""
    look = series(i)
    return dict(color=look["colour"], symbol=look["symbol"], **more)


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
            line=dict(color=REFERENCE, dash="dash"),
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
                marker=_marker(k, size=9 if N * T <= 200 else 5),
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
    words = scatter_description(y_keras, y_numpy, per_output)
    if N * T <= per_output:
        return _layout(fig, "Every output: Keras vs NumPy", SCATTER_HEIGHT, words)
    thinned = (  # a second line, small: the chart sits in half the page's width
        f"Keras vs NumPy<br><sub>{per_output:,} of {N * T:,} points per output: "
        "the largest |Δ| and a spread</sub>"
    )
    return _layout(fig, thinned, SCATTER_HEIGHT, words).update_layout(margin_t=80)


def scatter_description(y_keras: np.ndarray, y_numpy: np.ndarray, per_output: int) -> str:
    """Where the scatter's largest |Δ| is: its sample, step and output."""
    delta = np.abs(y_keras.astype(np.float64) - y_numpy.astype(np.float64))  # (N, [T,] K)
    where = np.unravel_index(int(np.argmax(delta)), delta.shape)
    at = f"sample n = {where[0]}" + (f", step t = {where[1] + 1}" if delta.ndim == 3 else "")
    points = delta.size // delta.shape[-1]
    drawn = "" if points <= per_output else f" ({per_output:,} of them drawn per output)"
    return (
        f"Keras' y against NumPy's, {delta.size:,} numbers in {delta.shape[-1]} outputs"
        f"{drawn}: on the line y = x where the two agree. The largest |Δ| is "
        f"{float(delta.max()):.1e}, at {at}, output k = {where[-1]}."
    )


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
            marker_color=np.where(deltas > 0, series(0)["colour"], REFERENCE),
            text=np.where(deltas > 0, "", "0") if deltas.shape[0] <= 60 else None,
            textposition="outside",
            customdata=deltas,
            name="max |Δ|",
            hovertemplate="%{x}: max |Δ| = %{customdata:.2e}<extra></extra>",
        )
    )
    fig.add_hline(y=tolerance, line=dict(color=LIMIT, dash="dash"))
    # placed by hand: add_hline's own annotation sits at 10^y on a log axis, off the chart
    fig.add_annotation(
        x=0,
        xref="paper",
        y=np.log10(tolerance),
        text=f"tolerance {tolerance:.2g}",
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
    )
    above = np.flatnonzero(deltas > tolerance)  # (≤ len,)
    if 0 < above.size < deltas.shape[0]:  # where it starts: a symbol and words, not a colour
        first = int(above[0])
        fig.add_annotation(
            x=start + first,
            y=np.log10(deltas[first]),  # an annotation on a log axis sits at log10(y)
            text=f"▲ first above the tolerance: {_what(axis_title)} = {start + first}",
            showarrow=True,
            arrowhead=2,
            ax=0,
            ay=-36,
            xanchor="left" if first < deltas.shape[0] / 2 else "right",
        )
    fig.update_xaxes(title=axis_title)
    fig.update_yaxes(
        title="max |Δ|",
        type="log",
        range=[np.log10(floor), np.log10(top)],
        exponentformat="e",
    )
    words = bars_description(deltas, tolerance, _what(axis_title), start)
    return _layout(fig, title, BARS_HEIGHT, words)


def _what(axis_title: str) -> str:
    """What one bar is, from its axis' title: "sample n (N = 10)" -> "sample n"."""
    return axis_title.split(" (")[0]


def bars_description(deltas: np.ndarray, tolerance: float, what: str, start: int = 0) -> str:
    """The bars' verdict: how many are above the tolerance, the first of them, the largest."""
    largest = int(np.argmax(deltas))
    peak = f"largest {float(deltas[largest]):.1e}, at {what} = {start + largest}"
    above = np.flatnonzero(deltas > tolerance)  # (≤ len,)
    zeros = int(np.sum(deltas == 0))
    exact = f"; {zeros} exactly 0, drawn as a grey stub marked 0" if zeros else ""
    if above.size == 0:
        return (
            f"Largest |Δ| per {what}: all {deltas.shape[0]} below the tolerance "
            f"{tolerance:.2g} ({peak}{exact})."
        )
    if above.size == deltas.shape[0]:
        return (
            f"Largest |Δ| per {what}: all {deltas.shape[0]} above the tolerance "
            f"{tolerance:.2g} ({peak}{exact})."
        )
    return (
        f"Largest |Δ| per {what}: {above.size} of {deltas.shape[0]} above the tolerance "
        f"{tolerance:.2g}, the first at {what} = {start + int(above[0])} (marked ▲); "
        f"{peak}{exact}."
    )


HEATMAP_ROWS = 100  # samples drawn in the (sample, t) heatmap; more are thinned evenly


def through_time(lines: dict[str, np.ndarray], title: str, y_title: str) -> go.Figure:
    """One line per label over t = 1..T on a log axis: how a gradient's size changes with the
    distance from the end. A zero (nothing flows back that far) leaves a gap, not a line to
    -∞."""
    fig = go.Figure()
    for i, (label, values) in enumerate(lines.items()):
        t = np.arange(1, values.shape[0] + 1)  # (T,)
        y = np.where(values > 0, values, np.nan)  # (T,)
        fig.add_trace(
            go.Scatter(
                x=t,
                y=y,
                mode="lines+markers" if values.shape[0] <= 60 else "lines",
                name=label,
                line=_line(i),
                marker=_marker(i),
                hovertemplate=f"{label}, t = %{{x}}: %{{y:.2e}}<extra></extra>",
            )
        )
    fig.update_xaxes(title=f"time step t (T = {next(iter(lines.values())).shape[0]})")
    fig.update_yaxes(title=y_title, type="log", exponentformat="e")
    fig.update_layout(legend=dict(orientation="h", y=-0.25))
    return _layout(fig, title, 380, time_description(lines, y_title))


def time_description(lines: dict[str, np.ndarray], y_title: str) -> str:
    """Each line's value at t = T and at t = 1, and how many times smaller the far end is."""
    T = next(iter(lines.values())).shape[0]
    parts = []
    for label, values in lines.items():
        last, first = float(values[-1]), float(values[0])
        said = f"{label}: {last:.1e} at t = T = {T}, {first:.1e} at t = 1"
        if 0 < first < last:  # a gradient that vanishes back through time: by how much
            r = last / first
            said += f", {r:,.0f} times smaller" if r < 1e5 else f", {r:.1e} times smaller"
        parts.append(said)
    return f"{y_title} over t = 1..{T}, on a log axis. " + "; ".join(parts) + "."


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
            colorscale=MAGNITUDE,
            colorbar=dict(title="log₁₀"),
            hovertemplate="n = %{y}, t = %{x}: 10^%{z:.2f}<extra></extra>",
        )
    )
    thinned = "" if rows.shape[0] == N else f" ({rows.shape[0]} of N = {N} samples)"
    fig.update_xaxes(title=f"time step t (T = {T})")
    fig.update_yaxes(title=f"sample n{thinned or f' (N = {N})'}", autorange="reversed")
    return _layout(fig, title, 360, map_description(norms, rows.shape[0]))


def map_description(norms: np.ndarray, drawn: int) -> str:
    """The heatmap's range: its smallest and largest positive value, and where each is."""
    N, T = norms.shape
    shown = "" if drawn == N else f", {drawn} of them drawn"
    positive = norms > 0  # (N, T)
    if not positive.any():
        return f"Every value is 0, for N = {N} samples{shown} and T = {T} steps."
    low = np.unravel_index(int(np.argmin(np.where(positive, norms, np.inf))), norms.shape)
    high = np.unravel_index(int(np.argmax(norms)), norms.shape)
    zeros = int(np.sum(~positive))
    blank = f"; {zeros} exactly 0, left blank" if zeros else ""
    return (
        f"One row per sample (N = {N}{shown}), one column per step (T = {T}), coloured by "
        f"log₁₀ of the size: from {float(norms[low]):.1e} (n = {low[0]}, t = {low[1] + 1}) "
        f"to {float(norms[high]):.1e} (n = {high[0]}, t = {high[1] + 1}){blank}."
    )


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
            line=dict(color=REFERENCE, dash="dash", width=1),
            hoverinfo="skip",
        )
    )
    reach = 1.0
    for i, b in enumerate(blocks):
        lam = b.eigenvalues  # (M,) complex
        reach = max(reach, float(np.abs(lam).max()))
        fig.add_trace(
            go.Scatter(
                x=lam.real,
                y=lam.imag,
                mode="markers",
                name=f"{b.name}: ρ = {b.rho:.3g}, σ_max = {b.sigma_max:.3g}",
                marker=_marker(i, size=10 if M <= 64 else 6, opacity=0.8),
                customdata=np.abs(lam),  # (M,)
                hovertemplate=(
                    f"{b.name}<br>λ = %{{x:.4f}} %{{y:+.4f}}i<br>|λ| = %{{customdata:.4f}}"
                    "<extra></extra>"
                ),
            )
        )
    edge = 1.1 * reach
    fig.update_xaxes(title="Re λ", range=[-edge, edge], zeroline=True, zerolinecolor=REFERENCE)
    fig.update_yaxes(
        title="Im λ",
        range=[-edge, edge],
        scaleanchor="x",
        scaleratio=1,
        zeroline=True,
        zerolinecolor=REFERENCE,
    )
    fig.update_layout(legend=dict(orientation="h", y=-0.18))
    title = f"Eigenvalues of W_hh (M = {M})" + (" per gate block" if len(blocks) > 1 else "")
    return _layout(fig, title, 560, spectrum_description(blocks, M))


def spectrum_description(blocks: list, M: int) -> str:
    """Per block: its spectral radius ρ and how many eigenvalues lie outside the unit circle."""
    parts = []
    for b in blocks:
        outside = int(np.sum(np.abs(b.eigenvalues) > 1))
        parts.append(f"{b.name}: ρ = {b.rho:.3g}, {outside} of {M} outside the circle")
    per = " of each gate block" if len(blocks) > 1 else ""
    return (
        f"The {M} eigenvalues λ of W_hh{per} in the complex plane, with the unit circle |λ| = 1. "
        + "; ".join(parts)
        + "."
    )


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
            line=_line(0),
            marker=_marker(0),
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
            line=dict(color=LIMIT, dash="dash"),
            hoverinfo="skip",
        )
    )
    fig.add_vline(x=t0, line=dict(color=REFERENCE, dash="dot"), annotation_text=f"t0 = {t0}")
    fig.update_xaxes(title=f"time step t (T = {T})")
    spanned = np.append(gap, threshold * peak)  # (T + 1,)
    fig.update_yaxes(
        title="max |h_t − h̄_t|", type="log", exponentformat="e", dtick=_log_dtick(spanned)
    )
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    return _layout(
        fig,
        "The pulse's trace in h_t (h̄: the same model without the pulse)",
        MEMORY_HEIGHT,
        pulse_description(gap, t0, threshold * peak),
    )


def pulse_description(gap: np.ndarray, t0: int, line: float) -> str:
    """Where the pulse's trace peaks, and the last step at which it is still above the line."""
    top = int(np.argmax(gap))
    kept = np.flatnonzero(gap >= line)  # (≤ T,)
    until = (
        f"still above {line:.1e} at t = {int(kept[-1]) + 1}, its last step there"
        if kept.size
        else f"never above {line:.1e}"
    )
    return (
        f"How far a pulse at t0 = {t0} moves h_t (largest over units), on a log axis: it peaks "
        f"at {float(gap[top]):.1e} at t = {top + 1} and is {until}."
    )


def horizon_figure(P: np.ndarray, end: int) -> go.Figure:
    """The LSTM's ∏ f_τ for one sample, P (T, M): its mean over units and its largest
    unit, on a log axis."""
    T = P.shape[0]
    t = np.arange(1, T + 1)  # (T,)
    mean, top = P.mean(axis=1), P.max(axis=1)  # (T,) each
    floor = _log_floor(np.concatenate([mean, top]))
    fig = go.Figure()
    for i, (y, name) in enumerate(((mean, "mean over units"), (top, "the unit that keeps most"))):
        fig.add_trace(
            go.Scatter(
                x=t,
                y=np.maximum(y, floor),  # (T,)
                mode="lines",
                name=name,
                line=_line(i),
                customdata=y,
                hovertemplate=f"t = %{{x}}: {name} %{{customdata:.2e}}<extra></extra>",
            )
        )
    fig.update_xaxes(title=f"time step t (T = {T})")
    shown = np.maximum(np.concatenate([mean, top]), floor)  # (2T,)
    fig.update_yaxes(title="∏ f_τ", type="log", exponentformat="e", dtick=_log_dtick(shown))
    fig.update_layout(legend=dict(orientation="h", y=-0.3))
    title = f"Memory horizon: the share of c_t that reaches c_{end}"
    return _layout(fig, title, MEMORY_HEIGHT, horizon_description(P, end))


def horizon_description(P: np.ndarray, end: str) -> str:
    """∏ f_τ where the mean over units is lowest: the mean there and the unit that keeps most."""
    mean, top = P.mean(axis=1), P.max(axis=1)  # (T,) each
    t = int(np.argmin(mean))
    unit = int(np.argmax(P[t]))
    return (
        f"∏ f_τ, the share of c_t that reaches c_{end}, over t = 1..{P.shape[0]} on a log "
        f"axis. At its lowest (t = {t + 1}) the mean over units is {float(mean[t]):.1e}; the "
        f"unit that keeps most there, m = {unit}, keeps {float(top[t]):.1e}."
    )


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
            line=dict(color=REFERENCE, dash="dash", width=1),
            annotation_text=f"best constant answer {baseline:.3g}",
            annotation_position="top right",
            annotation_font=dict(size=12),
        )
    for i, (label, start, values) in enumerate(
        (("training", before, loss), ("validation (held out)", val_before, val_loss))
    ):
        y = ([start] if start is not None else []) + list(values)
        x = list(range(0 if start is not None else 1, len(values) + 1))
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines+markers" if len(y) <= 60 else "lines",
                name=label,
                line=_line(i),
                marker=_marker(i),
                hovertemplate=f"{label}, epoch %{{x}}: %{{y:.4g}}<extra></extra>",
            )
        )
    fig.update_xaxes(title="epoch (0: the initial weights)", range=[-0.3, epochs + 0.3])
    fig.update_yaxes(title=metric, type="log", tickformat=".2~g")  # 0.2, not a bare 2
    fig.update_layout(legend=dict(orientation="h", y=1.12, x=0))
    words = loss_description(before, val_before, loss, val_loss, metric, baseline)
    return _layout(fig, "", 300, words)


def loss_description(
    before: float | None,
    val_before: float | None,
    loss: Sequence[float],
    val_loss: Sequence[float],
    metric: str,
    baseline: float | None = None,
) -> str:
    """Each curve from its first epoch to its last, and the best constant answer."""
    parts = []
    for label, start, values in (("training", before, loss), ("validation", val_before, val_loss)):
        y = ([start] if start is not None else []) + list(values)
        first = 0 if start is not None else 1
        if len(y) == 1:
            parts.append(f"{label} {y[0]:.3g} at epoch {first}")
        elif y:
            parts.append(
                f"{label} {y[0]:.3g} at epoch {first} → {y[-1]:.3g} at epoch {len(values)}"
            )
    said = "; ".join(parts) if parts else "no epoch has ended yet"
    floor = (
        f"; the best constant answer, which ignores X, {baseline:.3g}"
        if baseline is not None and baseline > 0
        else ""
    )
    return f"The {metric} after each epoch, on a log axis: {said}{floor}."


def connectivity_figure(curves: dict[str, np.ndarray], t: int, predicted: str) -> go.Figure:
    """Distill's connectivity, one line per cell on the same axes: ‖∂logit/∂x_τ‖ of the
    prediction made after character t, against how many characters back τ is (0: the
    character itself), on a log axis. ``curves``: cell title -> (lookback,), oldest first."""
    fig = go.Figure()
    floor = _log_floor(np.concatenate(list(curves.values())))
    shown = []
    for i, (name, g) in enumerate(curves.items()):
        back = np.arange(len(g))[::-1]  # (lookback,): characters back, oldest first
        y = np.maximum(g, floor)  # (lookback,)
        shown.append(y)
        fig.add_trace(
            go.Scatter(
                x=back,
                y=y,
                mode="lines",
                name=name,
                line=_line(i),
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
    return _layout(fig, title, MEMORY_HEIGHT, connectivity_description(curves))


def connectivity_description(curves: dict[str, np.ndarray]) -> str:
    """Per cell: the gradient's size at the character itself and at the oldest one drawn."""
    parts = []
    for name, g in curves.items():
        back = g.shape[0] - 1
        parts.append(
            f"{name}: {float(g[-1]):.1e} at the character itself, {float(g[0]):.1e} at {back} back"
        )
    return (
        "‖∂logit/∂x_τ‖ per cell against how many characters back x_τ is, on a log axis. "
        + "; ".join(parts)
        + "."
    )
