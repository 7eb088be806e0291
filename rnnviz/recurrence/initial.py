"""A model's initial weights, drawn from its seed in NumPy: nothing waits for Keras to draw them.

The families are Keras' own defaults (``keras/src/initializers``), written out here:

* every kernel that reads an input, W_xh (D_l, gM) and the head's W_o (H, K), is Glorot-uniform,
  uniform in ±√(6 / (fan_in + fan_out)) with fan_in, fan_out its rows and columns;
* every recurrent kernel W_hh (M, gM) is orthogonal: Q of the QR of a standard normal
  (gM, M) matrix, its columns' signs fixed by R's diagonal, then transposed, so W_hh W_hhᵀ = I;
* every bias is uniform in ±0.1 where Keras starts biases at zero: with zero biases a
  hand-written recurrence that forgets b_h would still agree with Keras, and the step panel's
  b_h term would teach nothing. The LSTM's forget gate still starts at 1 (Keras'
  ``unit_forget_bias``).

Each weight has a stream of its own (``np.random.SeedSequence(seed).spawn``), in the order
layer 1 forward (W_xh, W_hh, b_h), layer 1 backward, layer 2, ..., then W_o and b_o, so that
adding a layer changes none of the layers before it. Values are drawn in float32, the model's
precision by default; a float64 model holds the same numbers widened, so that a change of
precision changes nothing else. The Keras model receives these with ``set_weights``
(``rnnviz.keras_side.model.build``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from rnnviz.recurrence.cells import HEAD, Cell, suffix

BIAS_SCALE = 0.1  # biases start uniform in ±0.1


class Model(Protocol):
    """What the weights depend on: an ``rnnviz.config.RNNConfig`` (one floor up) has it all."""

    seed: int
    M: int
    K: int
    dtype: str
    whh_scale: float

    @property
    def variant(self) -> Cell: ...
    @property
    def paths(self) -> list[tuple[int, str]]: ...
    @property
    def head_width(self) -> int: ...
    def width(self, layer: int) -> int: ...


def glorot_uniform(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Uniform in ±√(6 / (fan_in + fan_out)) for a (fan_in, fan_out) kernel."""
    fan_in, fan_out = shape
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)  # (fan_in, fan_out)


def orthogonal(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """An (rows, cols) matrix with orthonormal rows (rows ≤ cols) or columns (rows ≥ cols)."""
    rows, cols = shape
    A = rng.standard_normal((max(rows, cols), min(rows, cols)))  # (max, min)
    Q, R = np.linalg.qr(A)  # (max, min), (min, min)
    Q *= np.sign(np.diag(R))  # (max, min): a unique Q, uniformly distributed
    return Q.T if rows < cols else Q  # (rows, cols)


def uniform_bias(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(-BIAS_SCALE, BIAS_SCALE, size=shape)  # (gM,) or (2, gM) or (K,)


def drawn(config: Model) -> dict[str, np.ndarray]:
    """Every weight of ``config``'s model drawn from its seed, float32, by export name:
    W_xh, W_hh, b_h (+ "_bwd", "_2", ...), W_o, b_o. Only the seed, the cell and the sizes
    matter (not N, X, the precision nor the what-if)."""
    c = config
    cell = c.variant
    W_xh, W_hh, b_h = cell.parts
    streams = np.random.SeedSequence(c.seed).spawn(3 * len(c.paths) + 2)
    rngs = iter(np.random.default_rng(s) for s in streams)
    weights = {}
    for layer, d in c.paths:
        D_l, name = c.width(layer), suffix(layer, d)
        bias = uniform_bias(next(rngs), cell.numeric_shape(b_h, D_l, c.M))  # (gM,) or (2, gM)
        weights[W_xh.symbol + name] = glorot_uniform(
            next(rngs), cell.numeric_shape(W_xh, D_l, c.M)
        )  # (D_l, gM)
        weights[W_hh.symbol + name] = orthogonal(
            next(rngs), cell.numeric_shape(W_hh, D_l, c.M)
        )  # (M, gM)
        if cell.keras_name == "LSTM":  # blocks i, f, g, o: the forget gate's bias starts at 1
            bias[c.M : 2 * c.M] = 1.0  # (M,)
        weights[b_h.symbol + name] = bias
    W_o, b_o = HEAD
    weights[W_o.symbol] = glorot_uniform(next(rngs), (c.head_width, c.K))  # (H, K)
    weights[b_o.symbol] = uniform_bias(next(rngs), (c.K,))  # (K,)
    order = [w.symbol + suffix(layer, d) for layer, d in c.paths for w in cell.weights]
    order += [w.symbol for w in HEAD]  # the order of get_weights(), layer by layer
    # C order, as Keras' get_weights gives them (orthogonal()'s Qᵀ is a Fortran-ordered view)
    return {name: np.ascontiguousarray(weights[name], dtype=np.float32) for name in order}


def scaled(config: Model, weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``weights`` with every recurrent kernel W_hh (each layer and direction, every gate
    block) times ``config.whh_scale``, a new dict of new arrays: the what-if of a model of
    its own. Multiplied in float32, then in the config's dtype, so that a float64 model
    holds the float32 one's numbers, widened."""
    s = config.whh_scale
    _, W_hh, _ = config.variant.parts
    out = dict(weights)
    if s == 1.0:
        return out
    for layer, d in config.paths:
        name = W_hh.symbol + suffix(layer, d)
        W = np.asarray(weights[name], dtype=np.float32) * np.float32(s)  # (M, gM)
        out[name] = W.astype(config.dtype)  # (M, gM)
    return out


def weights_of(
    config: Model, given: Mapping[str, np.ndarray] | None = None
) -> dict[str, np.ndarray]:
    """The weights a run of ``config`` computes with, in its dtype: ``given`` (imported or
    trained, Keras layout, by export name) or else the seed's, then every W_hh scaled by
    ``config.whh_scale``. The NumPy recurrence and the Keras model both start from these."""
    start = drawn(config) if given is None else given
    return {
        k: np.ascontiguousarray(v, dtype=config.dtype) for k, v in scaled(config, start).items()
    }
