"""The recurrences in NumPy, written to be read beside the equations on the page.

Layouts are Keras': batch on rows, ``x_t @ W``. Every function is vectorised
over the N samples, so the only Python loop runs over the T time steps, and it
keeps the whole trace (every pre-activation, gate and h_t), because the
visualiser shows all of them. ``x_t W_xh`` needs no h, so it is computed outside
the loop with few matmuls: for all t at once in the SimpleRNN, whose trace keeps it as
part of a_t, and a block of steps at a time in the gated cells, which keep only the gates.
Nothing here imports Keras.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Term:
    """One quantity of one step for one sample, as the step-by-step panel shows it."""

    name: str  # LaTeX: "f_t"
    formula: str  # LaTeX of how it is computed ("" for a given quantity)
    value: np.ndarray  # (M,)


def _project(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x_t W + b for every step in one matmul, time first: X (N, T, D) -> (T, N, ·).

    The bias is added in place: at the work cap the result is ~80 MB, and ``X @ W + b``
    would hold two of them at once."""
    xW = np.swapaxes(X, 0, 1) @ W  # (T, N, ·)
    xW += b  # (T, N, ·)
    return xW


PROJECTION_BLOCK_BYTES = 4 * 2**20  # a gated cell's x_t W + b, a block of steps at a time


def _projected(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> Iterator[np.ndarray]:
    """x_t W + b for t = 1, ..., T, one (N, ·) array per step, computed a block of steps at
    a time: one matmul per block keeps BLAS fast, and the scratch stays at ~4 MB where the
    whole (T, N, 4M) would be ~80 MB at the work cap. For the gates, which keep no x_t W."""
    N, T, _ = X.shape
    steps = max(1, PROJECTION_BLOCK_BYTES // (N * W.shape[1] * X.itemsize))
    for start in range(0, T, steps):
        yield from _project(X[:, start : start + steps], W, b)  # (N, ·) each


def _batch_first(trace: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Time-major (T, N, M) arrays as (N, T, M) views, Keras' layout, without a copy."""
    return {k: v.transpose(1, 0, 2) for k, v in trace.items()}  # (N, T, M) each


# The traces are filled time-major, (T, N, M), so that step t writes one contiguous
# block, then handed out as (N, T, M) views: ~1.5x faster than writing [:, t] slices.


def simple_rnn(
    X: np.ndarray,
    W_xh: np.ndarray,
    W_hh: np.ndarray,
    b_h: np.ndarray,
    *,
    tanh=np.tanh,
    h_0: float | np.ndarray = 0.0,
) -> dict[str, np.ndarray]:
    """Elman recurrence ``h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)``, ``h_0 = 0``.

    Args:
        X: inputs, (N, T, D).
        W_xh: input-to-hidden kernel, (D, M).
        W_hh: hidden-to-hidden kernel, (M, M).
        b_h: hidden bias, (M,).
        tanh, h_0: the activation and the initial state, as Keras has them; the agreement
            debugger (``rnnviz.recurrence.bugs``) passes others to show what a mistake does.
            h_0 is a number or (N, M): text generation carries h from one call to the next.

    Returns:
        ``{"a": a, "h": h}``: the pre-activation ``a_t = x_t W_xh + h_{t-1} W_hh + b_h``
        and the hidden state ``h_t = tanh(a_t)`` for every step, each (N, T, M).
    """
    N, T, D = X.shape
    M = W_hh.shape[0]
    # a_t starts as x_t W_xh + b_h for every t at once (it needs no h); the loop adds
    # h_{t-1} W_hh in place. That is also the order in which Keras adds the terms.
    a = _project(X, W_xh, b_h)  # (T, N, M)
    h = np.empty((T, N, M), dtype=X.dtype)  # (T, N, M)
    h_prev = np.full((N, M), h_0, dtype=X.dtype)  # (N, M)  h_0
    for t in range(T):
        a[t] += h_prev @ W_hh  # (N, M)  a_t = x_t W_xh + b_h + h_{t-1} W_hh
        tanh(a[t], out=h[t])  # (N, M)  h_t = tanh(a_t), written in place
        h_prev = h[t]  # (N, M)
    return _batch_first({"a": a, "h": h})


def dense(h_T: np.ndarray, W_o: np.ndarray, b_o: np.ndarray) -> np.ndarray:
    """Output head ``y = h_T W_o + b_o``: h_T (N, M), W_o (M, K), b_o (K,) -> (N, K)."""
    return h_T @ W_o + b_o  # (N, K)


def sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """σ(z) = 1 / (1 + e^-z), Keras' default recurrent activation, as 0.5 · (tanh(z/2) + 1):
    the same values with no overflow warning for large |z|. Like np.tanh it can write into
    ``out``, so the two can stand for each other (a planted bug swaps them)."""
    out = np.multiply(z, 0.5, out=out)  # z/2
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def lstm(
    X: np.ndarray,
    W_xh: np.ndarray,
    W_hh: np.ndarray,
    b_h: np.ndarray,
    *,
    σ=sigmoid,
    tanh=np.tanh,
    h_0: float | np.ndarray = 0.0,
    c_0: float | np.ndarray = 0.0,
) -> dict[str, np.ndarray]:
    """Keras' LSTM. Each weight holds four gate blocks side by side, in the order i, f, c, o.

        i_t = σ(x_t W_xh^(i) + h_{t-1} W_hh^(i) + b_h^(i))        input gate
        f_t = σ(x_t W_xh^(f) + h_{t-1} W_hh^(f) + b_h^(f))        forget gate
        g_t = tanh(x_t W_xh^(g) + h_{t-1} W_hh^(g) + b_h^(g))     candidate (Keras' "c" block)
        o_t = σ(x_t W_xh^(o) + h_{t-1} W_hh^(o) + b_h^(o))        output gate
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t,   h_t = o_t ⊙ tanh(c_t),   h_0 = c_0 = 0

    Args:
        X: (N, T, D). W_xh: (D, 4M). W_hh: (M, 4M). b_h: (4M,).
        σ, tanh, h_0: the activations and the initial h, as in simple_rnn; c_0: the initial
            c, 0 or (N, M) (text generation carries h and c from one call to the next).

    Returns:
        h, c and the gates i, f, g, o, each (N, T, M).
    """
    N, T, D = X.shape
    M = W_hh.shape[0]
    trace = {k: np.empty((T, N, M), dtype=X.dtype) for k in ("h", "c", "i", "f", "g", "o")}
    h_prev = np.full((N, M), h_0, dtype=X.dtype)  # (N, M)
    c_prev = np.full((N, M), c_0, dtype=X.dtype)  # (N, M)
    for t, xW_b in enumerate(_projected(X, W_xh, b_h)):  # xW_b: (N, 4M)  x_t W_xh + b_h
        z = xW_b + h_prev @ W_hh  # (N, 4M): the four gates' pre-activations
        z_i, z_f, z_g, z_o = np.split(z, 4, axis=1)  # (N, M) each
        i_t, f_t, g_t, o_t = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)  # (N, M) each
        c_t = f_t * c_prev + i_t * g_t  # (N, M)
        h_t = o_t * tanh(c_t)  # (N, M)
        for k, v in (("h", h_t), ("c", c_t), ("i", i_t), ("f", f_t), ("g", g_t), ("o", o_t)):
            trace[k][t] = v
        h_prev, c_prev = h_t, c_t
    return _batch_first(trace)


def gru(
    X: np.ndarray,
    W_xh: np.ndarray,
    W_hh: np.ndarray,
    b_h: np.ndarray,
    *,
    σ=sigmoid,
    tanh=np.tanh,
    h_0: float | np.ndarray = 0.0,
) -> dict[str, np.ndarray]:
    """Keras' GRU. Weights hold three gate blocks in the order z, r, h̃.

        z_t = σ(x_t W_xh^(z) + h_{t-1} W_hh^(z) + b_h^(z))                         update gate
        r_t = σ(x_t W_xh^(r) + h_{t-1} W_hh^(r) + b_h^(r))                          reset gate
        h̃_t = tanh(x_t W_xh^(h̃) + b_h^(h̃) + r_t ⊙ (h_{t-1} W_hh^(h̃) + b'_h^(h̃)))   reset_after
        h̃_t = tanh(x_t W_xh^(h̃) + (r_t ⊙ h_{t-1}) W_hh^(h̃) + b_h^(h̃))       reset_after=False
        h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ h̃_t,   h_0 = 0

    With ``reset_after=True`` (Keras' default) b_h is (2, 3M): row 0 is added to the input
    part, row 1 (b') to the recurrent part, which the reset gate scales. With
    ``reset_after=False`` b_h is (3M,). The variant is read off b_h's shape.

    Args:
        X: (N, T, D). W_xh: (D, 3M). W_hh: (M, 3M). b_h: (2, 3M) or (3M,).
        σ, tanh, h_0: the activations and the initial state, as in simple_rnn.

    Returns:
        h and the gates z, r and the candidate hh (h̃), each (N, T, M).
    """
    N, T, D = X.shape
    M = W_hh.shape[0]
    reset_after = b_h.ndim == 2
    b_x, b_hr = (b_h[0], b_h[1]) if reset_after else (b_h, np.zeros_like(b_h))  # (3M,) each
    W_hz, W_hr, W_hhh = np.split(W_hh, 3, axis=1)  # (M, M) each
    trace = {k: np.empty((T, N, M), dtype=X.dtype) for k in ("h", "z", "r", "hh")}
    h_prev = np.full((N, M), h_0, dtype=X.dtype)  # (N, M)
    for t, xW_b in enumerate(_projected(X, W_xh, b_x)):  # xW_b: (N, 3M), biases included
        x_z, x_r, x_hh = np.split(xW_b, 3, axis=1)  # (N, M) each
        if reset_after:
            u_z, u_r, u_hh = np.split(h_prev @ W_hh + b_hr, 3, axis=1)  # (N, M) each
            z_t, r_t = σ(x_z + u_z), σ(x_r + u_r)  # (N, M)
            hh_t = tanh(x_hh + r_t * u_hh)  # (N, M)
        else:
            z_t = σ(x_z + h_prev @ W_hz)  # (N, M)
            r_t = σ(x_r + h_prev @ W_hr)  # (N, M)
            hh_t = tanh(x_hh + (r_t * h_prev) @ W_hhh)  # (N, M)
        h_t = z_t * h_prev + (1 - z_t) * hh_t  # (N, M)
        for k, v in (("h", h_t), ("z", z_t), ("r", r_t), ("hh", hh_t)):
            trace[k][t] = v
        h_prev = h_t
    return _batch_first(trace)


# One step for one sample, term by term, for the step-by-step panel. Each takes the
# input x_t (D,), the state before the step ``prev`` and the trace at the step ``now``
# (dicts of (M,) vectors, zeros before the first step) and the cell's weights by name, and
# returns (name, value) pairs in the order shown; each name's formula is in the cell
# table (rnnviz.recurrence.cells), and a name without one is a given quantity.


def simple_rnn_step(x_t, prev, now, W_xh, W_hh, b_h, tanh=np.tanh) -> list[tuple[str, np.ndarray]]:
    xW = x_t @ W_xh  # (M,)
    hW = prev["h"] @ W_hh  # (M,)
    a_t = xW + hW + b_h  # (M,)
    return [
        (r"x_t W_{xh}", xW),
        (r"h_{t-1} W_{hh}", hW),
        ("b_h", b_h),
        ("a_t", a_t),
        ("h_t", tanh(a_t)),  # (M,)
    ]


def lstm_step(x_t, prev, now, W_xh, W_hh, b_h, tanh=np.tanh) -> list[tuple[str, np.ndarray]]:
    i_t, f_t, g_t, o_t, c_prev = now["i"], now["f"], now["g"], now["o"], prev["c"]  # (M,)
    c_t = f_t * c_prev + i_t * g_t  # (M,)
    return [
        ("i_t", i_t),
        ("f_t", f_t),
        ("g_t", g_t),
        ("o_t", o_t),
        ("c_{t-1}", c_prev),
        ("c_t", c_t),
        ("h_t", o_t * tanh(c_t)),  # (M,)
    ]


def gru_step(x_t, prev, now, W_xh, W_hh, b_h) -> list[tuple[str, np.ndarray]]:
    z_t, r_t, hh_t, h_prev = now["z"], now["r"], now["hh"], prev["h"]  # (M,)
    return [
        ("z_t", z_t),
        ("r_t", r_t),
        (r"\tilde h_t", hh_t),
        ("h_{t-1}", h_prev),
        ("h_t", z_t * h_prev + (1 - z_t) * hh_t),  # (M,)
    ]
