"""The Keras side: build ``Input((T, D)) -> cell(M) [× layers, bidirectional] -> Dense(K)``.

TensorFlow is imported on first use, not at import time, so the rest of the
core (and ``python -m rnnviz --help``) starts instantly. The forward pass is a
``tf.function`` traced once per model: ``model.predict`` costs ~80 ms a call
even on tiny inputs and is not thread-safe (tensorflow#61298), while the
compiled call costs ~2 ms. Streamlit serves each browser tab from its own thread
and the cached models are shared between them, so every model carries its own lock:
calls into one model are serialised, while different models (one visitor's cap-size
LSTM, another's notebook-sized RNN) build and run at the same time.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from rnnviz.config import SEEDED, RNNConfig
from rnnviz.recurrence import initial
from rnnviz.recurrence.agreement import output_seed
from rnnviz.recurrence.cells import HEAD, suffix

EAGER_MAX_STEPS = 32  # a first call over at most this many cell steps skips tracing
KERAS_THREADS = 1  # TensorFlow's threads per call (intra- and inter-op)
_KERAS_READY = threading.Event()  # set once TensorFlow and Keras are imported
_FIRST_USE = threading.Lock()


def _keras():
    # Quiet C++ logging, and turn off oneDNN's reordered kernels so Keras'
    # float32 results are bit-reproducible from run to run; both can be
    # overridden from the environment.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import tensorflow as tf

    # Each cached model has its own tf.function, which TensorFlow's retracing
    # heuristic reports as a warning once five models exist; that is by design here.
    tf.get_logger().setLevel("ERROR")
    if not _KERAS_READY.is_set():
        with _FIRST_USE:  # two visitors' first pages may arrive together
            _first_use(tf)
    return keras, tf


def _first_use(tf) -> None:
    """What is done once, before TensorFlow runs its first op (under _FIRST_USE)."""
    if _KERAS_READY.is_set():
        return
    # One thread per Keras call: a recurrence's per-step ops are too small to gain from
    # more (a cap-size LSTM runs as fast), and one visitor's run then leaves the other core
    # to everyone else. (If something in the process ran TensorFlow first, its setting stays.)
    with contextlib.suppress(RuntimeError):
        tf.config.threading.set_intra_op_parallelism_threads(KERAS_THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(KERAS_THREADS)
    # TensorFlow's import leaves ~300,000 long-lived objects, and every full garbage
    # collection walks them all: ~150 ms, which Streamlit pays twice after each script
    # run (its post-run gc.collect and keras.backend.clear_session). Freezing them
    # moves them out of the collector's sight; what is created later is still collected.
    gc.freeze()
    _KERAS_READY.set()


def ready() -> bool:
    """Whether TensorFlow is imported, so building a model costs milliseconds, not seconds."""
    return _KERAS_READY.is_set()


def _cell_layer(keras, c: RNNConfig, return_sequences: bool, name: str, go_backwards: bool = False):
    """One Keras recurrent layer. Its weights start at zero: ``build`` sets the ones drawn in
    NumPy (``rnnviz.recurrence.initial``), so Keras' initialisers would only cost time."""
    cell = c.variant
    layer = getattr(keras.layers, cell.keras_name)  # SimpleRNN, LSTM, GRU
    return layer(
        c.M,
        kernel_initializer="zeros",
        recurrent_initializer="zeros",
        bias_initializer="zeros",
        return_sequences=return_sequences,
        go_backwards=go_backwards,
        name=name,
        dtype=c.dtype,
        **cell.options,  # the variant's own: reset_after for a GRU
    )


@dataclass
class KerasRNN:
    """A built Keras model plus its compiled forward pass. Treat as read-only."""

    model: object  # keras.Model
    config: RNNConfig  # what it was built for (N = 1: the model serves every N)
    paths: dict = field(repr=False)  # (layer, direction) -> the Keras recurrent layer
    head: object = field(repr=False)  # the Dense layer
    _forward: object = field(repr=False)  # tf.function (X) -> y
    _outputs: list = field(repr=False)  # each recurrent layer's symbolic output, in order
    _called: bool = field(default=False, repr=False)  # has the model run once already?
    _states: object = field(default=None, repr=False)  # tf.function (X) -> every layer's h
    _gradients: object = field(default=None, repr=False)  # (X, w) -> dy_dx, dh_T_dh; .traced
    # held around every call into this model: TensorFlow's are not thread-safe (tensorflow#61298)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """y = model(X) for X (N, T, D) float32 -> (N, K), or (N, T, K) with return_sequences.

        A new model's first call runs eagerly when the sequence is short: eager Keras costs
        about 1.5 ms a step, tracing the tf.function about 70 ms. Later calls are traced.
        """
        _, tf = _keras()
        c = self.config
        with self.lock:
            if not self._called and c.T * c.layers * c.directions <= EAGER_MAX_STEPS:
                self._called = True
                return self.model(X, training=False).numpy()  # (N, [T,] K)
            self._called = True
            return self._forward(tf.constant(X, dtype=c.dtype)).numpy()  # (N, [T,] K)

    def states(self, X: np.ndarray) -> dict[tuple[int, str], np.ndarray]:
        """Keras' h_t after every step, for each (layer, direction): (N, T, M) each, in the
        input's time order (a backward layer's too, as Keras' Bidirectional returns it).

        The last layer of a model without return_sequences hands out only h_T, so these come
        from a twin that returns sequences: the same layers and weights, built once per
        model. The agreement debugger compares them with the NumPy trace step by step."""
        _, tf = _keras()
        c = self.config
        with self.lock:
            if self._states is None:
                twin = self
                if not c.return_sequences:  # this model's weights, scaled or imported, as given
                    same = c.replace(return_sequences=True, whh_scale=1.0, weights=SEEDED)
                    twin = build(same, self.weights())
                keras, _ = _keras()
                sequences = keras.Model(twin.model.inputs, twin._outputs)
                self._states = tf.function(
                    lambda X: sequences(X, training=False),
                    input_signature=[tf.TensorSpec((None, c.T, c.D), c.dtype)],
                    reduce_retracing=True,
                )
            outputs = self._states(tf.constant(X, dtype=c.dtype))
        if not isinstance(outputs, list | tuple):  # a model of one output returns it bare
            outputs = [outputs]
        named = {}
        for layer, H in enumerate(outputs, start=1):
            H = H.numpy()  # (N, T, M·directions)
            for i, d in enumerate(("fwd", "bwd")[: c.directions]):
                named[(layer, d)] = H[..., i * c.M : (i + 1) * c.M]  # (N, T, M)
        return named

    def gradients(self, X: np.ndarray, k: int | None = None) -> dict[str, np.ndarray]:
        """Keras' own gradients by tf.GradientTape, the reference for ``rnnviz.views.gradients``:
        ``dy_dx`` (N, T, D), ∂s/∂X with s = Σ y (or Σ y_k), and ``dh_T_dh`` (N, T, M),
        ∂(Σ_m h_T,m)/∂h_t for the last layer's forward path with its inputs held fixed.

        dy_dx differentiates the model itself. The h_t of a Keras layer live inside its loop,
        where a tape cannot watch them, so dh_T_dh steps the layer's own cell over the
        layer's input (from the layers below, then held fixed) and adds a zero ε_t to each
        h_t: the values are bit for bit the same (h + 0 = h), and as ε_t enters s only through
        h_t, ∂s/∂ε_t is exactly ∂s/∂h_t in total. Both run in one tf.function traced once
        per model, with w (K,) as an argument so that every k shares the trace. As in
        ``__call__``, a new model's first call runs eagerly when the sequence is short:
        tracing a tape through Keras' loops costs ~2 s, the eager call ~0.1 s."""
        _, tf = _keras()
        c = self.config
        w = output_seed(c.K, k, c.dtype)  # (K,)
        with self.lock:
            first = self._gradients is None
            if first:
                self._gradients = self._gradient_steps()
            steps = self._gradients
            if not (first and c.T * c.layers * c.directions <= EAGER_MAX_STEPS):
                steps = steps.traced
            dy_dx, dh_T_dh = steps(tf.constant(X, dtype=c.dtype), tf.constant(w))
        return {"dy_dx": dy_dx.numpy(), "dh_T_dh": dh_T_dh.numpy()}  # (N, T, D), (N, T, M)

    def _gradient_steps(self):
        """The function behind ``gradients``, (X, w) -> (dy_dx, dh_T_dh), with its
        tf.function as ``.traced`` (built under the lock)."""
        keras, tf = _keras()
        c = self.config
        last = c.layers
        # The last layer's input: X, or the layer below's output sequence (both directions).
        below = keras.Model(self.model.inputs, self._outputs[last - 2]) if last > 1 else None
        cell = self.paths[(last, "fwd")].cell
        n_states = len(cell.state_size) if isinstance(cell.state_size, list | tuple) else 1

        def gradients(X, w):
            with tf.GradientTape() as tape:
                tape.watch(X)
                s = tf.reduce_sum(self.model(X, training=False) * w)
            dy_dx = tape.gradient(s, X)  # (N, T, D)
            H = X if below is None else below(X, training=False)  # (N, T, D_L)
            N = tf.shape(X)[0]
            ε = tf.zeros((N, c.T, c.M), dtype=c.dtype)  # (N, T, M)
            with tf.GradientTape() as tape:
                tape.watch(ε)
                states = [tf.zeros((N, c.M), dtype=c.dtype) for _ in range(n_states)]
                # A graph loop (autograph's tf.while_loop), as in Keras' layer: unrolled, the
                # trace would take 6 s at T = 100 and 45 s at T = 300.
                for t in tf.range(c.T):
                    _, states = cell(H[:, t], states, training=False)
                    states = [states[0] + ε[:, t], *states[1:]]  # h_t + ε_t, c_t as it is
                h_T_sum = tf.reduce_sum(states[0])
            return dy_dx, tape.gradient(h_T_sum, ε)  # (N, T, D), (N, T, M)

        gradients.traced = tf.function(
            gradients,
            input_signature=[
                tf.TensorSpec((None, c.T, c.D), c.dtype),
                tf.TensorSpec((c.K,), c.dtype),
            ],
            reduce_retracing=True,
        )
        return gradients

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The notebook's ``model.predict``; slow, kept for the benchmark."""
        with self.lock:
            return self.model.predict(X, verbose=0)  # (N, [T,] K)

    def weights(self) -> dict[str, np.ndarray]:
        """Every weight under its name in the export: W_xh, W_hh, b_h (+ suffix), W_o, b_o."""
        cell = self.config.variant
        named = {}
        with self.lock:
            for (layer, d), keras_layer in self.paths.items():
                values = keras_layer.get_weights()
                for spec, value in zip(cell.weights, values, strict=True):
                    named[spec.symbol + suffix(layer, d)] = value
            for spec, value in zip(HEAD, self.head.get_weights(), strict=True):
                named[spec.symbol] = value
        return named

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Load weights given by name (tests use it for hand-checkable cases)."""
        cell = self.config.variant
        with self.lock:
            for (layer, d), keras_layer in self.paths.items():
                keras_layer.set_weights(
                    [weights[w.symbol + suffix(layer, d)] for w in cell.weights]
                )
            self.head.set_weights([weights[w.symbol] for w in HEAD])

    def summary(self, line_length: int = 80) -> str:
        """``model.summary()`` as text; a server has no terminal (and Keras crops at 80)."""
        lines: list[str] = []
        with self.lock:
            self.model.summary(
                line_length=line_length,
                print_fn=lambda text, line_break=None: lines.append(text),
            )
        return "\n".join(lines).rstrip()

    def count_params(self) -> int:
        return int(self.model.count_params())


def build(config: RNNConfig, weights: Mapping[str, np.ndarray] | None = None) -> KerasRNN:
    """The Keras model of ``config`` (its N is ignored) holding the weights a run of it
    computes with (``rnnviz.recurrence.initial.weights_of``): the seed's, drawn in NumPy, or
    ``weights`` (Keras layout, by export name), with every W_hh then scaled by
    ``config.whh_scale``. A config whose ``weights`` names imported or trained weights needs
    them: the ones held under its key (``RNNConfig.held``), which the caller looks up, so that
    a model cached under a config holds the weights the config names."""
    c = config.model_config
    if (c.imported or c.trained) and weights is None:
        raise ValueError(f"the config names weights={c.weights}, but none were given")
    keras, tf = _keras()
    paths, outputs = {}, []
    # Keras keeps its model-building state per thread, so models build concurrently.
    X = keras.Input(shape=(c.T, c.D), name="X", dtype=c.dtype)
    H = X
    for layer in range(1, c.layers + 1):
        sequences = layer < c.layers or c.return_sequences
        name = f"{c.cell}_{layer}"
        forward = _cell_layer(keras, c, sequences, name)
        if not c.bidirectional:
            H = forward(H)
            paths[(layer, "fwd")] = forward
            outputs.append(H)
            continue
        backward = _cell_layer(keras, c, sequences, f"{name}_bwd", go_backwards=True)
        wrapper = keras.layers.Bidirectional(
            forward,
            backward_layer=backward,
            merge_mode="concat",
            name=f"bidirectional_{layer}",
            dtype=c.dtype,
        )
        H = wrapper(H)
        paths[(layer, "fwd")] = wrapper.forward_layer
        paths[(layer, "bwd")] = wrapper.backward_layer
        outputs.append(H)
    head = keras.layers.Dense(
        c.K, kernel_initializer="zeros", bias_initializer="zeros", name="dense", dtype=c.dtype
    )
    model = keras.Model(X, head(H), name="rnnviz")
    forward_pass = tf.function(
        lambda X: model(X, training=False),
        input_signature=[tf.TensorSpec((None, c.T, c.D), c.dtype)],
        reduce_retracing=True,
    )
    built = KerasRNN(
        model=model, config=c, paths=paths, head=head, _forward=forward_pass, _outputs=outputs
    )
    built.set_weights(initial.weights_of(c, weights))
    return built


def over_sequence(config: RNNConfig, weights: Mapping[str, np.ndarray], X: np.ndarray):
    """y of ``config``'s model with ``weights`` (as a run computes with them: already scaled)
    over X (1, L, D), for any L a config allows: the same layers built for T = L, since the
    weights of a recurrent layer do not depend on T. (1, L, K) with return_sequences."""
    c = config.replace(T=X.shape[1], N=1, weights=SEEDED, whh_scale=1.0, bug="none")
    return build(c, weights)(np.asarray(X, dtype=c.dtype))
