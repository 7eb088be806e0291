"""Does the NumPy recurrence compute what Keras computes?

Both sides work in float32 (unit round-off 6e-8) and differ only in the order of
their multiply-adds, so their gap is a few round-offs *relative to the size of y*:
about 5e-7 of max |y| over every size and cell we measured (``bench/bench.py``
prints it). The tolerance is therefore scaled: TOLERANCE · max(1, max |y_keras|).
For the outputs of freshly initialised models (|y| of order 1) that is the
classic 1e-5, twenty times the largest gap seen; trained or hand-set weights
with |y| ≈ 20 get 2e-4 instead of failing on round-off. A real mistake (a
transposed kernel, a missing bias, an off-by-one step) moves y by 1e-2 or more,
far above either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-5  # per unit of max |y|


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
        return verdict_line(self.max_abs_diff, self.tolerance)


# The two functions below are copied verbatim into the standalone script and notebook
# (rnnviz.standalone), so they use nothing but NumPy and TOLERANCE.


def scaled_tolerance(y_keras: np.ndarray) -> float:
    """TOLERANCE · max(1, max |y_keras|): round-off grows with the size of y."""
    return TOLERANCE * max(1.0, float(np.abs(y_keras).max()))


def verdict_line(max_abs_diff: float, tolerance: float) -> str:
    """The verdict: "Same output (max |Δ| = 3.0e-08 ≤ 1e-05)", or "Different output (…)"."""
    if max_abs_diff <= tolerance:
        return f"Same output (max |Δ| = {max_abs_diff:.1e} ≤ {tolerance:.2g})"
    return f"Different output (max |Δ| = {max_abs_diff:.1e} > {tolerance:.2g})"


def compare(y_keras: np.ndarray, y_numpy: np.ndarray, tolerance: float | None = None) -> Agreement:
    """Compare two outputs, (N, K) or (N, T, K), element by element.

    ``tolerance`` defaults to TOLERANCE · max(1, max |y_keras|) (see the module docstring).
    """
    if y_keras.shape != y_numpy.shape:
        raise ValueError(f"y shapes differ: Keras {y_keras.shape}, NumPy {y_numpy.shape}")
    delta = np.abs(y_keras.astype(np.float64) - y_numpy.astype(np.float64))  # (N, [T,] K)
    if tolerance is None:
        tolerance = scaled_tolerance(y_keras)
    return Agreement(
        per_sample=delta.reshape(delta.shape[0], -1).max(axis=1),  # (N,)
        per_output=delta.reshape(-1, delta.shape[-1]).max(axis=0),  # (K,)
        per_step=delta.max(axis=(0, 2)) if delta.ndim == 3 else None,  # (T,)
        max_abs_diff=float(delta.max()),
        tolerance=tolerance,
    )
