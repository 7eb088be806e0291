"""The Keras side: build ``Input((T, D)) -> cell(M) -> Dense(K)`` and run it.

TensorFlow is imported on first use, not at import time, so the rest of the
core (and ``python -m rnnviz --help``) starts instantly. The forward pass is a
``tf.function`` traced once per model: ``model.predict`` costs ~80 ms a call
even on tiny inputs and is not thread-safe (tensorflow#61298), while the
compiled call costs ~2 ms. One process-wide lock serialises every build and
call, because Streamlit serves each browser tab from its own thread and the
cached models are shared between them; the calls are short, so the lock is
never the bottleneck.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

import numpy as np

from rnnviz.cells import CELLS, HEAD

_KERAS_LOCK = threading.RLock()


def _keras():
    # Quiet C++ logging, and turn off oneDNN's reordered kernels so Keras'
    # float32 results are bit-reproducible from run to run; both can be
    # overridden from the environment.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import tensorflow as tf

    return keras, tf


def _init_seeds(seed: int, n: int) -> list[int]:
    """``n`` independent initialiser seeds derived from one user seed."""
    return [int(s) % (2**31 - 1) for s in np.random.SeedSequence(seed).generate_state(n)]


def _recurrent_layer(keras, cell: str, M: int, seeds: list[int]):
    if cell == "simple":
        return keras.layers.SimpleRNN(
            M,
            kernel_initializer=keras.initializers.GlorotUniform(seed=seeds[0]),
            recurrent_initializer=keras.initializers.Orthogonal(seed=seeds[1]),
            name="simple_rnn",
        )
    raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}")


@dataclass
class KerasRNN:
    """A built Keras model plus its compiled forward pass. Treat as read-only."""

    model: object  # keras.Model
    key: tuple  # (T, D, M, K, seed, cell) it was built for
    _forward: object = field(repr=False)  # tf.function (X) -> y

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """y = model(X) for X (N, T, D) float32 -> (N, K) float32."""
        _, tf = _keras()
        with _KERAS_LOCK:
            return self._forward(tf.constant(X, dtype=tf.float32)).numpy()  # (N, K)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The notebook's ``model.predict``; slow, kept for the benchmark."""
        with _KERAS_LOCK:
            return self.model.predict(X, verbose=0)  # (N, K)

    @property
    def cell(self) -> str:
        return self.key[-1]

    def weights(self) -> dict[str, np.ndarray]:
        """Every weight under its symbol on the page: W_xh, W_hh, b_h, W_o, b_o."""
        rnn, head = self.model.get_layer(index=1), self.model.get_layer(index=2)
        named = {}
        for spec, value in zip(CELLS[self.cell].weights, rnn.get_weights(), strict=True):
            named[spec.symbol] = value
        for spec, value in zip(HEAD, head.get_weights(), strict=True):
            named[spec.symbol] = value
        return named

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Load weights given by symbol (tests use it for hand-checkable cases)."""
        rnn, head = self.model.get_layer(index=1), self.model.get_layer(index=2)
        with _KERAS_LOCK:
            rnn.set_weights([weights[w.symbol] for w in CELLS[self.cell].weights])
            head.set_weights([weights[w.symbol] for w in HEAD])

    def summary(self, line_length: int = 80) -> str:
        """``model.summary()`` as text; a server has no terminal, so width is fixed."""
        lines: list[str] = []
        with _KERAS_LOCK:
            self.model.summary(
                line_length=line_length,
                print_fn=lambda text, line_break=None: lines.append(text),
            )
        return "\n".join(lines).rstrip()

    def count_params(self) -> int:
        return int(self.model.count_params())


def build(T: int, D: int, M: int, K: int, seed: int, cell: str = "simple") -> KerasRNN:
    """Keras ``Input((T, D)) -> cell(M) -> Dense(K)``, initialised from ``seed``."""
    keras, tf = _keras()
    seeds = _init_seeds(seed, 3)
    with _KERAS_LOCK:
        inputs = keras.Input(shape=(T, D), name="X")
        h_T = _recurrent_layer(keras, cell, M, seeds)(inputs)
        y = keras.layers.Dense(
            K, kernel_initializer=keras.initializers.GlorotUniform(seed=seeds[2]), name="dense"
        )(h_T)
        model = keras.Model(inputs, y, name="rnnviz")
        forward = tf.function(
            lambda X: model(X, training=False),
            input_signature=[tf.TensorSpec((None, T, D), tf.float32)],
            reduce_retracing=True,
        )
    return KerasRNN(model=model, key=(T, D, M, K, seed, cell), _forward=forward)
