"""One complete run of the notebook: data, Keras, the NumPy recurrence, agreement.

``execute(config)`` is what the CLI, the app and the tests call. A ``Run``'s arrays
are read-only and its dicts are read-only views, so one cached run can be shared by
every browser session without a copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from rnnviz import recurrence
from rnnviz.agreement import Agreement, compare
from rnnviz.cells import CELLS
from rnnviz.config import RNNConfig
from rnnviz.data import make_X


@dataclass(frozen=True)
class Run:
    config: RNNConfig
    X: np.ndarray  # (N, T, D)
    weights: Mapping[str, np.ndarray]  # W_xh (D, M), W_hh (M, M), b_h (M,), W_o (M, K), b_o (K,)
    y_keras: np.ndarray  # (N, K)
    trace: Mapping[str, np.ndarray]  # "a" and "h", each (N, T, M)
    y_numpy: np.ndarray  # (N, K)
    agreement: Agreement
    summary: str  # Keras' model.summary() text

    @property
    def h(self) -> np.ndarray:
        return self.trace["h"]  # (N, T, M)

    def step_terms(self, n: int, t: int) -> dict[str, np.ndarray]:
        """The terms of step t (1-based, as on the page) for sample n, each (M,)."""
        if not (0 <= n < self.config.N and 1 <= t <= self.config.T):
            raise ValueError(
                f"need 0 <= n < N = {self.config.N} and 1 <= t <= T = {self.config.T}, "
                f"got n = {n}, t = {t}"
            )
        cell = CELLS[self.config.cell]
        h_prev = self.h[n, t - 2] if t > 1 else np.zeros(self.config.M, self.X.dtype)  # (M,)
        rnn_weights = [self.weights[w.symbol] for w in cell.weights]
        return cell.step(self.X[n, t - 1], h_prev, *rnn_weights)


def numpy_forward(
    cell: str, X: np.ndarray, weights: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The recurrence of ``cell`` over X (N, T, D), then the Dense head -> (trace, y (N, K))."""
    spec = CELLS[cell]
    trace = spec.recurrence(X, *(weights[w.symbol] for w in spec.weights))
    h_T = trace["h"][:, -1]  # (N, M)
    return trace, recurrence.dense(h_T, weights["W_o"], weights["b_o"])  # (N, K)


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def execute(config: RNNConfig, keras_model=None) -> Run:
    """Run ``config`` end to end; pass ``keras_model`` to reuse an already built one."""
    from rnnviz import model as keras_side  # imports TensorFlow on first use

    c = config
    if keras_model is None:
        keras_model = keras_side.build(c.T, c.D, c.M, c.K, c.seed, c.cell)
    elif keras_model.key != (c.T, c.D, c.M, c.K, c.seed, c.cell):
        raise ValueError(f"the Keras model was built for {keras_model.key}, not for {c}")
    X = make_X(c.N, c.T, c.D, c.seed)  # (N, T, D)
    weights = keras_model.weights()
    y_keras = keras_model(X)  # (N, K)
    trace, y_numpy = numpy_forward(c.cell, X, weights)  # (N, T, M) each, (N, K)
    return Run(
        config=c,
        X=_frozen(X),
        weights=MappingProxyType({k: _frozen(v) for k, v in weights.items()}),
        y_keras=_frozen(y_keras),
        trace=MappingProxyType({k: _frozen(v) for k, v in trace.items()}),
        y_numpy=_frozen(y_numpy),
        agreement=compare(y_keras, y_numpy),
        summary=keras_model.summary(),
    )
