"""The input X, as in the notebook: standard normal, reproducible from the seed."""

from __future__ import annotations

import numpy as np


def make_X(N: int, T: int, D: int, seed: int) -> np.ndarray:
    """X ~ N(0, 1) of shape (N, T, D), float32 (Keras' dtype), fixed by ``seed``."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, T, D), dtype=np.float32)  # (N, T, D)
