"""Backpropagation through time in NumPy, one function per cell, read off the forward trace.

Each function differentiates one recurrence of ``rnnviz.recurrence.forward`` for a scalar s (the
model's output summed, in ``rnnviz.views.gradients``). It is given δh (N, T, M), the gradient that
reaches each h_t from outside the layer (the Dense head, the layer above), walks the steps
once from t = T down to 1, and returns

- δx (N, T, D): ∂s/∂x_t, the gradient with respect to the layer's input at every step;
- δ (N, T, M): ∂s/∂h_t in total, what arrives from outside plus what flows back from step
  t + 1 through the recurrence.

The forward trace keeps every h_t and gate, so nothing is run forward again except where the
trace lacks a term (the tanh(c_t) of an LSTM, one matmul of Keras' default GRU). Like the
forward pass it is vectorised over the N samples, loops over T only, and fills its arrays
time-major, (T, N, ·), handing them out as (N, T, ·) views. The input X itself is not needed:
every derivative is a function of the traced states and the weights. Nothing here imports Keras.
"""

from __future__ import annotations

import numpy as np


def _time_major(a: np.ndarray) -> np.ndarray:
    """(N, T, ·) as a (T, N, ·) view: a forward trace's own storage order, so step t is one
    contiguous block."""
    return a.transpose(1, 0, 2)  # (T, N, ·)


def _batch_first(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    return tuple(a.transpose(1, 0, 2) for a in arrays)  # (N, T, ·) each


def _buffers(δh: np.ndarray, D: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """δh time-major, and the empty δx (T, N, D) and δ (T, N, M) a backward pass fills."""
    N, T, M = δh.shape
    δx = np.empty((T, N, D), dtype=δh.dtype)  # (T, N, D)
    δ = np.empty((T, N, M), dtype=δh.dtype)  # (T, N, M)
    return _time_major(δh), δx, δ


def simple_rnn_backward(
    trace: dict[str, np.ndarray],
    δh: np.ndarray,
    W_xh: np.ndarray,
    W_hh: np.ndarray,
    b_h: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """BPTT of ``h_t = tanh(a_t)``, ``a_t = x_t W_xh + h_{t-1} W_hh + b_h``, ``h_0 = 0``.

        δ_t   = δh_t + (δ_{t+1} ⊙ (1 − h_{t+1}²)) W_hhᵀ      (δ_{T+1} = 0)
        δa_t  = δ_t ⊙ (1 − h_t²)                              tanh' = 1 − tanh²
        δx_t  = δa_t W_xhᵀ

    so that, where nothing arrives from outside, ``δ_{t-1} = (δ_t ⊙ (1 − h_t²)) W_hhᵀ``.

    Args:
        trace: the forward trace, ``h`` (N, T, M) read. δh: (N, T, M).
        W_xh: (D, M). W_hh: (M, M). b_h: (M,), unused: a bias has no input to pass back to.

    Returns:
        δx (N, T, D) and δ (N, T, M), as in the module docstring.
    """
    h = _time_major(trace["h"])  # (T, N, M)
    δh, δx, δ = _buffers(δh, W_xh.shape[0])  # (T, N, M), (T, N, D), (T, N, M)
    δ_next = np.zeros_like(δh[0])  # (N, M)  what h_t receives from step t + 1
    for t in reversed(range(h.shape[0])):
        δ[t] = δh[t] + δ_next  # (N, M)  δ_t = ∂s/∂h_t
        δa = δ[t] * (1 - h[t] ** 2)  # (N, M)  δa_t = δ_t ⊙ (1 − h_t²)
        # δx_t step by step: a (T, N, M) δa kept for one matmul after the loop costs more
        # (its first writes fault in ~25 MB of fresh pages at N = 1000, T = 100, M = 64).
        δx[t] = δa @ W_xh.T  # (N, D)  δx_t = δa_t W_xhᵀ
        δ_next = δa @ W_hh.T  # (N, M)  δ_{t-1} = (δ_t ⊙ (1 − h_t²)) W_hhᵀ, the recurrent part
    return _batch_first(δx, δ)


def lstm_backward(
    trace: dict[str, np.ndarray],
    δh: np.ndarray,
    W_xh: np.ndarray,
    W_hh: np.ndarray,
    b_h: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """BPTT of Keras' LSTM (``rnnviz.recurrence.forward.lstm``), gate blocks in the order i, f, g,
    o:

        δ_t   = δh_t + δz_{t+1} W_hhᵀ                          ∂s/∂h_t
        δc_t  = δc_{t+1} ⊙ f_{t+1} + δ_t ⊙ o_t ⊙ (1 − tanh²(c_t))   ∂s/∂c_t
        δz_i  = δc_t ⊙ g_t ⊙ i_t(1 − i_t)      δz_f = δc_t ⊙ c_{t-1} ⊙ f_t(1 − f_t)
        δz_g  = δc_t ⊙ i_t ⊙ (1 − g_t²)        δz_o = δ_t ⊙ tanh(c_t) ⊙ o_t(1 − o_t)
        δx_t  = δz_t W_xhᵀ,   δz_t = [δz_i, δz_f, δz_g, δz_o]   (the gates' pre-activations)

    Args and Returns as simple_rnn_backward; ``trace`` gives h, c, i, f, g, o, each (N, T, M);
    W_xh (D, 4M), W_hh (M, 4M), b_h (4M,) unused.
    """
    c, i, f, g, o = (_time_major(trace[k]) for k in ("c", "i", "f", "g", "o"))  # (T, N, M)
    δh, δx, δ = _buffers(δh, W_xh.shape[0])  # (T, N, M), (T, N, D), (T, N, M)
    T, N, M = c.shape
    δh_next = np.zeros((N, M), dtype=δh.dtype)  # (N, M)  δz_{t+1} W_hhᵀ
    δc_next = np.zeros((N, M), dtype=δh.dtype)  # (N, M)  δc_{t+1} ⊙ f_{t+1}
    δz = np.empty((N, 4 * M), dtype=δh.dtype)  # (N, 4M)  filled block by block each step
    δz_i, δz_f, δz_g, δz_o = np.split(δz, 4, axis=1)  # (N, M) views of δz
    c_0 = np.zeros((N, M), dtype=δh.dtype)  # (N, M)
    for t in reversed(range(T)):
        c_prev = c[t - 1] if t else c_0  # (N, M)
        tanh_c = np.tanh(c[t])  # (N, M)  the trace keeps c_t, not tanh(c_t)
        δ[t] = δh[t] + δh_next  # (N, M)  δ_t = ∂s/∂h_t
        δc = δc_next + δ[t] * o[t] * (1 - tanh_c**2)  # (N, M)  δc_t
        δz_i[:] = δc * g[t] * i[t] * (1 - i[t])  # (N, M)
        δz_f[:] = δc * c_prev * f[t] * (1 - f[t])  # (N, M)
        δz_g[:] = δc * i[t] * (1 - g[t] ** 2)  # (N, M)
        δz_o[:] = δ[t] * tanh_c * o[t] * (1 - o[t])  # (N, M)
        δx[t] = δz @ W_xh.T  # (N, D)
        δh_next = δz @ W_hh.T  # (N, M)
        δc_next = δc * f[t]  # (N, M)
    return _batch_first(δx, δ)


def gru_backward(
    trace: dict[str, np.ndarray],
    δh: np.ndarray,
    W_xh: np.ndarray,
    W_hh: np.ndarray,
    b_h: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """BPTT of Keras' GRU (``rnnviz.recurrence.forward.gru``), blocks z, r, h̃; the variant is read
    off b_h's shape, as the forward pass does. With a_z, a_r, a_h̃ the pre-activations and
    ``h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ h̃_t``:

        δ_t    = δh_t + (what h_t gives step t + 1, below)                ∂s/∂h_t
        δa_z   = δ_t ⊙ (h_{t-1} − h̃_t) ⊙ z_t(1 − z_t)
        δa_h̃   = δ_t ⊙ (1 − z_t) ⊙ (1 − h̃_t²)
        reset_after:  δa_r = δa_h̃ ⊙ u_h̃ ⊙ r_t(1 − r_t),  u_h̃ = h_{t-1} W_hh^(h̃) + b'^(h̃)
            δ_{t-1} ∋ δ_t ⊙ z_t + [δa_z, δa_r, δa_h̃ ⊙ r_t] W_hhᵀ
        reset_after=False:  δ(r⊙h) = δa_h̃ W_hh^(h̃)ᵀ,  δa_r = δ(r⊙h) ⊙ h_{t-1} ⊙ r_t(1 − r_t)
            δ_{t-1} ∋ δ_t ⊙ z_t + δ(r⊙h) ⊙ r_t + [δa_z, δa_r] [W_hh^(z), W_hh^(r)]ᵀ
        δx_t   = [δa_z, δa_r, δa_h̃] W_xhᵀ

    The trace keeps h̃_t but not u_h̃ inside it, so reset_after recomputes u_h̃: one (M, M)
    matmul a step, a third of the forward's recurrent one.

    Args and Returns as simple_rnn_backward; ``trace`` gives h, z, r, hh, each (N, T, M);
    W_xh (D, 3M), W_hh (M, 3M), b_h (2, 3M) with reset_after, else (3M,).
    """
    h, z, r, hh = (_time_major(trace[k]) for k in ("h", "z", "r", "hh"))  # (T, N, M) each
    δh, δx, δ = _buffers(δh, W_xh.shape[0])  # (T, N, M), (T, N, D), (T, N, M)
    T, N, M = h.shape
    reset_after = b_h.ndim == 2
    W_hz_hr, W_hhh = W_hh[:, : 2 * M], W_hh[:, 2 * M :]  # (M, 2M), (M, M)
    b_hhh = b_h[1, 2 * M :] if reset_after else None  # (M,)  b'^(h̃)
    δh_next = np.zeros((N, M), dtype=δh.dtype)  # (N, M)  what h_t receives from step t + 1
    δa = np.empty((N, 3 * M), dtype=δh.dtype)  # (N, 3M)  [δa_z, δa_r, δa_h̃]
    δa_z, δa_r, δa_hh = np.split(δa, 3, axis=1)  # (N, M) views of δa
    h_0 = np.zeros((N, M), dtype=δh.dtype)  # (N, M)
    for t in reversed(range(T)):
        h_prev = h[t - 1] if t else h_0  # (N, M)
        δ[t] = δh[t] + δh_next  # (N, M)  δ_t = ∂s/∂h_t
        δa_z[:] = δ[t] * (h_prev - hh[t]) * z[t] * (1 - z[t])  # (N, M)
        δa_hh[:] = δ[t] * (1 - z[t]) * (1 - hh[t] ** 2)  # (N, M)
        if reset_after:
            u_hh = h_prev @ W_hhh + b_hhh  # (N, M)  recomputed, see the docstring
            δa_r[:] = δa_hh * u_hh * r[t] * (1 - r[t])  # (N, M)
            δx[t] = δa @ W_xh.T  # (N, D)
            δa_hh *= r[t]  # (N, M)  the recurrent part of h̃ is scaled by r_t
            δh_next = δ[t] * z[t] + δa @ W_hh.T  # (N, M)
        else:
            δrh = δa_hh @ W_hhh.T  # (N, M)  ∂s/∂(r_t ⊙ h_{t-1})
            δa_r[:] = δrh * h_prev * r[t] * (1 - r[t])  # (N, M)
            δx[t] = δa @ W_xh.T  # (N, D)
            δh_next = δ[t] * z[t] + δrh * r[t] + δa[:, : 2 * M] @ W_hz_hr.T  # (N, M)
    return _batch_first(δx, δ)


def simple_rnn_delta_step(δ_t, now, W_xh, W_hh, b_h) -> list[tuple[str, np.ndarray]]:
    """Backward through one SimpleRNN step for one sample, term by term, for the step
    panel: δ_t (M,) and the step's trace ``now`` (h_t) give δ^rec_{t-1}, what reaches
    h_{t-1} through step t: ``(δ_t ⊙ (1 − h_t²)) W_hhᵀ``."""
    tanh_prime = 1 - now["h"] ** 2  # (M,)  tanh'(a_t) = 1 − h_t²
    δa = δ_t * tanh_prime  # (M,)  δa_t = δ_t ⊙ (1 − h_t²)
    return [
        ("1 - h_t^2", tanh_prime),
        (r"\delta_t \odot (1 - h_t^2)", δa),
        (r"\delta^{\text{rec}}_{t-1}", δa @ W_hh.T),  # (M,)
    ]
