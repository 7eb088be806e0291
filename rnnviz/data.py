"""The input X drawn by hand: random as in the notebook, or a pulse or a step to watch memory
with. (A config's X and y, a task's draw or uploaded data included: ``rnnviz.tasks.Xy_of``.)

Random X is standard normal, reproducible from the seed. A pulse is one kick, x_{t0} = 1
on feature d0 and zeros everywhere else, so whatever h_t holds after t0 is that kick,
remembered (and the biases' doing, which a run without the pulse shows alone). A step is
the same feature switched on at t0 and left on: zeros before t0, ones from t0 to T. Every
sample gets the same pulse or step.
"""

from __future__ import annotations

import numpy as np


def make_X(
    N: int,
    T: int,
    D: int,
    seed: int,
    dtype: str = "float32",
    input: str = "random",
    pulse_t: int = 1,
    pulse_d: int = 0,
) -> np.ndarray:
    """X of shape (N, T, D) in ``dtype``. ``input``: "random", X ~ N(0, 1) fixed by
    ``seed`` (float32, widened for float64, so that changing the precision changes nothing
    else); "pulse", x_t = 1 on feature d0 = ``pulse_d`` at t = t0 = ``pulse_t`` (1-based)
    only; "step", x_t = 1 on feature d0 for every t ≥ t0. The seed draws no pulse."""
    if input == "random":
        rng = np.random.default_rng(seed)
        return rng.standard_normal((N, T, D), dtype=np.float32).astype(dtype, copy=False)
    X = np.zeros((N, T, D), dtype=dtype)  # (N, T, D)
    if input == "pulse":
        X[:, pulse_t - 1, pulse_d] = 1.0  # x_{t0}[d0] = 1
    elif input == "step":
        X[:, pulse_t - 1 :, pulse_d] = 1.0  # x_t[d0] = 1 for t0 ≤ t ≤ T
    else:
        raise ValueError(f"input must be one of random, pulse, step, got {input!r}")
    return X
