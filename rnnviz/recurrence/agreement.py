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

Gradients (``rnnviz.views.gradients``, backpropagation through time in NumPy, against Keras'
tf.GradientTape) are compared relative to their own size instead: see GRADIENT_TOLERANCES.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-5  # per unit of max |y|, in float32
# In float64 (unit round-off 1.1e-16) the same few round-offs come to about 1e-15.
TOLERANCES = {"float32": TOLERANCE, "float64": 1e-12}


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
# (rnnviz.views.standalone), so they use nothing but NumPy, TOLERANCE and TOLERANCES.


def scaled_tolerance(y_keras: np.ndarray) -> float:
    """The tolerance of y_keras' precision (TOLERANCE in float32) · max(1, max |y_keras|):
    round-off grows with the size of y."""
    return TOLERANCES[y_keras.dtype.name] * max(1.0, float(np.abs(y_keras).max()))


def verdict_line(max_abs_diff: float, tolerance: float) -> str:
    """The verdict: "Same output (max |Δ| = 3.0e-08 ≤ 1e-05)", or "Different output (…)"."""
    if max_abs_diff <= tolerance:
        return f"Same output (max |Δ| = {max_abs_diff:.1e} ≤ {tolerance:.2g})"
    return f"Different output (max |Δ| = {max_abs_diff:.1e} > {tolerance:.2g})"


def compare(y_keras: np.ndarray, y_numpy: np.ndarray, tolerance: float | None = None) -> Agreement:
    """Compare two outputs, (N, K) or (N, T, K), element by element.

    ``tolerance`` defaults to TOLERANCE · max(1, max |y_keras|) (see the module docstring),
    1e-12 · max(1, max |y_keras|) in float64.
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


@dataclass(frozen=True)
class Divergence:
    """Where Keras' and NumPy's h_t first part ways, and how the gap grows after."""

    per_step: np.ndarray  # (T,) max |Δh_t| over samples, units, layers and directions
    tolerance: float
    t: int | None  # the first step (from 1) whose gap is over the tolerance; None if none
    where: tuple[int, str, int, int] | None  # at t: (layer, direction, sample n, unit m)

    @property
    def max_abs_diff(self) -> float:
        return float(self.per_step.max())


def diverge(
    keras_h: dict[tuple[int, str], np.ndarray], numpy_h: dict[tuple[int, str], np.ndarray]
) -> Divergence:
    """Compare h_t step by step, for every (layer, direction): each (N, T, M), time order.

    A difference starts in the lowest layer that has one (the layers above only inherit
    it), and in that layer on the direction that meets it after the fewest steps of its
    own walk: step k is t = k going forward and t = T + 1 - k going backward (forward
    first on a tie). ``where`` names the largest gap at that step."""
    gaps = {
        path: np.abs(keras_h[path].astype(np.float64) - numpy_h[path])  # (N, T, M)
        for path in keras_h
    }
    per_step = np.max([gap.max(axis=(0, 2)) for gap in gaps.values()], axis=0)  # (T,)
    tolerance = max(scaled_tolerance(h) for h in keras_h.values())
    T = per_step.shape[0]
    for layer in sorted({layer for layer, _ in gaps}):
        starts = []  # (steps walked, direction, index of t)
        for d in ("fwd", "bwd"):
            if (layer, d) not in gaps:
                continue
            over = np.flatnonzero(gaps[(layer, d)].max(axis=(0, 2)) > tolerance)  # 0-based t
            if len(over):
                i = int(over[0] if d == "fwd" else over[-1])
                starts.append((i + 1 if d == "fwd" else T - i, d, i))
        if starts:
            _, d, i = min(starts, key=lambda start: (start[0], start[1] != "fwd"))
            n, m = np.unravel_index(np.argmax(gaps[(layer, d)][:, i]), gaps[(layer, d)][:, i].shape)
            return Divergence(per_step, tolerance, i + 1, (layer, d, int(n), int(m)))
    return Divergence(per_step, tolerance, None, None)


# Gradients (rnnviz.views.gradients against tf.GradientTape) are compared relative to their own
# size: they shrink or grow along the sequence by orders of magnitude, so an absolute
# tolerance would say nothing. Both sides sum the same terms in other orders; we measured
# ~5e-7 of max |g| in float32 and ~1e-15 in float64 (tests/test_bptt.py).
GRADIENT_TOLERANCES = {"float32": 1e-5, "float64": 1e-10}


@dataclass(frozen=True)
class GradientAgreement:
    grad_max_rel_err: float  # max |Δ| / max |g| of the worst gradient, g Keras'
    tolerance: float

    @property
    def grad_agree(self) -> bool:
        return self.grad_max_rel_err <= self.tolerance


def relative_error(mine: np.ndarray, theirs: np.ndarray) -> float:
    """max |mine − theirs| / max |theirs|; 0 where both are all zero."""
    if mine.shape != theirs.shape:
        raise ValueError(f"gradient shapes differ: Keras {theirs.shape}, NumPy {mine.shape}")
    delta = float(np.abs(mine.astype(np.float64) - theirs).max())
    scale = float(np.abs(theirs).max())
    return delta / scale if scale else (0.0 if delta == 0 else float("inf"))


def compare_gradients(
    mine: Mapping[str, np.ndarray], theirs: Mapping[str, np.ndarray]
) -> GradientAgreement:
    """The largest relative error over the gradients Keras gives (``dy_dx``, ``dh_T_dh``),
    each against NumPy's of the same name, and the tolerance of Keras' precision."""
    errors = [relative_error(mine[name], theirs[name]) for name in theirs]
    dtype = next(iter(theirs.values())).dtype.name
    return GradientAgreement(max(errors), GRADIENT_TOLERANCES[dtype])


def output_seed(K: int, k: int | None, dtype) -> np.ndarray:
    """w (K,) in s = Σ w_k y_k: ones for k = None, else the one-hot e_k."""
    if k is None:
        return np.ones(K, dtype=dtype)  # (K,)
    if not 0 <= k < K:
        raise ValueError(
            f"k (the output y_k followed) must be between 0 and K - 1 = {K - 1}, got {k}"
        )
    return np.eye(K, dtype=dtype)[k]  # (K,)
