"""Does the NumPy recurrence compute what Keras computes?

TOLERANCE is an absolute bound on |y_keras - y_numpy|. Both sides work in
float32 (unit round-off 6e-8); the two differ only in the order of the
multiply-adds, and tanh has slope at most 1, so the round-off of each step adds
up rather than grows. The largest gap measured over the allowed sizes (see
``bench/bench.py``) stays below 2e-6, and a real mistake (a transposed kernel,
a missing bias, an off-by-one step) moves y by 1e-2 or more: 1e-5 sits between
with room on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-5


@dataclass(frozen=True)
class Agreement:
    per_sample: np.ndarray  # (N,) max |Δ| over outputs (and steps), for each sample n
    per_output: np.ndarray  # (K,) max |Δ| over samples (and steps), for each output k
    per_step: np.ndarray | None  # (T,) max |Δ| for each step t when y is (N, T, K), else None
    max_abs_diff: float  # max |Δ| over everything
    tolerance: float

    @property
    def agree(self) -> bool:
        return self.max_abs_diff <= self.tolerance

    @property
    def verdict(self) -> str:
        if self.agree:
            return f"Same output (max |Δ| = {self.max_abs_diff:.1e} ≤ {self.tolerance:.0e})"
        return f"Different output (max |Δ| = {self.max_abs_diff:.1e} > {self.tolerance:.0e})"


def compare(y_keras: np.ndarray, y_numpy: np.ndarray, tolerance: float = TOLERANCE) -> Agreement:
    """Compare two outputs, (N, K) or (N, T, K), element by element."""
    if y_keras.shape != y_numpy.shape:
        raise ValueError(f"y shapes differ: Keras {y_keras.shape}, NumPy {y_numpy.shape}")
    delta = np.abs(y_keras.astype(np.float64) - y_numpy.astype(np.float64))  # (N, [T,] K)
    return Agreement(
        per_sample=delta.reshape(delta.shape[0], -1).max(axis=1),  # (N,)
        per_output=delta.reshape(-1, delta.shape[-1]).max(axis=0),  # (K,)
        per_step=delta.max(axis=(0, 2)) if delta.ndim == 3 else None,  # (T,)
        max_abs_diff=float(delta.max()),
        tolerance=tolerance,
    )
