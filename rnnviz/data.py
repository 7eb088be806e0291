"""The input X, as in the notebook: standard normal, reproducible from the seed."""

from __future__ import annotations

import numpy as np


def make_X(N: int, T: int, D: int, seed: int, dtype: str = "float32") -> np.ndarray:
    """X ~ N(0, 1) of shape (N, T, D), fixed by ``seed``: float32 (Keras' default), or the
    same numbers in float64, so that changing the precision changes nothing else."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, T, D), dtype=np.float32).astype(dtype, copy=False)
