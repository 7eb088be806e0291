"""The recurrences in NumPy, written to be read beside the equations on the page.

Layouts are Keras': batch on rows, ``x_t @ W``. Every function is vectorised
over the N samples, so the only Python loop runs over the T time steps, and it
keeps the whole trace (every pre-activation and every h_t), because the
visualiser shows all of them. Nothing here imports Keras.
"""

from __future__ import annotations

import numpy as np


def simple_rnn(
    X: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b_h: np.ndarray
) -> dict[str, np.ndarray]:
    """Elman recurrence ``h_t = tanh(x_t W_xh + h_{t-1} W_hh + b_h)``, ``h_0 = 0``.

    Args:
        X: inputs, (N, T, D).
        W_xh: input-to-hidden kernel, (D, M).
        W_hh: hidden-to-hidden kernel, (M, M).
        b_h: hidden bias, (M,).

    Returns:
        ``{"a": a, "h": h}``: the pre-activation ``a_t = x_t W_xh + h_{t-1} W_hh + b_h``
        and the hidden state ``h_t = tanh(a_t)`` for every step, each (N, T, M).
    """
    N, T, D = X.shape
    M = W_hh.shape[0]
    a = np.empty((N, T, M), dtype=X.dtype)  # (N, T, M)
    h = np.empty((N, T, M), dtype=X.dtype)  # (N, T, M)
    h_prev = np.zeros((N, M), dtype=X.dtype)  # (N, M)  h_0
    for t in range(T):
        x_t = X[:, t]  # (N, D)
        a[:, t] = x_t @ W_xh + h_prev @ W_hh + b_h  # (N, M)
        h[:, t] = np.tanh(a[:, t])  # (N, M)
        h_prev = h[:, t]  # (N, M)
    return {"a": a, "h": h}


def dense(h_T: np.ndarray, W_o: np.ndarray, b_o: np.ndarray) -> np.ndarray:
    """Output head ``y = h_T W_o + b_o``: h_T (N, M), W_o (M, K), b_o (K,) -> (N, K)."""
    return h_T @ W_o + b_o  # (N, K)


def simple_rnn_step(
    x_t: np.ndarray, h_prev: np.ndarray, W_xh: np.ndarray, W_hh: np.ndarray, b_h: np.ndarray
) -> dict[str, np.ndarray]:
    """One step for one sample, term by term, for the step-by-step panel.

    x_t (D,), h_prev = h_{t-1} (M,) -> each term (M,), keyed by its LaTeX.
    """
    xW = x_t @ W_xh  # (M,)
    hW = h_prev @ W_hh  # (M,)
    a_t = xW + hW + b_h  # (M,)
    return {
        r"x_t W_{xh}": xW,
        r"h_{t-1} W_{hh}": hW,
        r"b_h": b_h,
        r"a_t": a_t,
        r"h_t = \tanh(a_t)": np.tanh(a_t),
    }
