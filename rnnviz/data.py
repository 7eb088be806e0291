"""The input X: random as in the notebook, a pulse or a step to watch memory with, a built-in
task's draw (``rnnviz.tasks``) or uploaded data (``rnnviz.userdata``).

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


def Xy_of(config, data=None) -> tuple[np.ndarray, np.ndarray | None]:
    """The X of a run of ``config`` (an ``RNNConfig``), (N, T, D) in its dtype, a new array,
    and the target y its task or data brings (None for task=random): the task's draw from
    the seed (``rnnviz.tasks``), or ``data`` (an ``rnnviz.userdata.Data``), the uploaded
    arrays the config's ``data`` field names."""
    from rnnviz.tasks import TASKS  # tasks draws its random X with make_X

    c = config
    if c.data != "none":
        if data is None or data.digest != c.data or data.X.shape != (c.N, c.T, c.D):
            given = "none" if data is None else f"data={data.digest} of {data.X.shape}"
            raise ValueError(
                f"the config names data={c.data}, (N, T, D) = "
                f"{(c.N, c.T, c.D)}, but {given} was given"
            )
        return data.X.astype(c.dtype), data.y  # (N, T, D), y as uploaded
    if c.task == "random":
        return make_X(c.N, c.T, c.D, c.seed, c.dtype, c.input, c.pulse_t, c.pulse_d), None
    X, y = TASKS[c.task].make(c.N, c.T, c.D, c.K, c.seed)  # (N, T, D) float32, y
    return X.astype(c.dtype, copy=False), y


def X_of(config, data=None) -> np.ndarray:
    """The X of a run of ``config`` (an ``RNNConfig``): (N, T, D)."""
    return Xy_of(config, data)[0]
