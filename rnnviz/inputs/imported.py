"""Weights imported from PyTorch, named by their digest and held in a small bounded store.

A config's ``weights`` field is ``seeded`` or the digest of imported weights: the first
DIGEST_CHARS hex digits of the sha256 of their Keras-layout arrays, float32, by name. The
digest, not the arrays, is what a config carries, so every cache keyed on the config (the
Keras model, the run, each view, each download) tells uploaded weights from the seed's and
from each other, and a link stays short and exact. The arrays live in a ``Store`` on the
server that read them; a link to them works only there. Nothing here imports Streamlit
or TensorFlow.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import BinaryIO

import numpy as np

from rnnviz.config import DIGEST_CHARS, NOT_HELD, RNNConfig
from rnnviz.shapes.layouts import read_torch_npz, shapes_in
from rnnviz.shapes.ledger import model_name

MB = 2**20


def digest(weights: Mapping[str, np.ndarray]) -> str:
    """The name of ``weights`` (Keras layout, by export name): sha256 over each name, shape
    and float32 bytes, names sorted. A float64 model's weights widened from float32 narrow
    back exactly, so they keep the digest of the float32 ones they came from."""
    h = hashlib.sha256()
    for name in sorted(weights):
        a = np.ascontiguousarray(weights[name], dtype="<f4")  # the same shape, float32
        h.update(f"{name}{a.shape};".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:DIGEST_CHARS]


def architecture(config: RNNConfig) -> str:
    """What weights must fit, in words: "LSTM(5) → Dense(2) reading D = 3"."""
    return f"{model_name(config)} reading D = {config.D}"


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, and weakly referenced
class Imported:
    """One set of imported weights: Keras-layout float32 arrays, read-only, and whence."""

    digest: str
    weights: Mapping[str, np.ndarray]  # W_xh (D, gM), ..., W_o (H, K), b_o (K,)
    made_for: str  # the model they were read for: architecture(config)
    name: str  # the uploaded file's name

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.weights.values())


def fits(config: RNNConfig, weights: Mapping[str, np.ndarray]) -> bool:
    """Whether ``weights`` are exactly the weights ``config``'s model has, name and shape.
    Keras' shapes tell the cells apart (W_hh is (M, gM): 1, 3 or 4 blocks; the GRU's b_h is
    (2, 3M) with reset_after), so shapes that fit are weights of this very architecture."""
    return {k: tuple(np.shape(v)) for k, v in weights.items()} == shapes_in(config, "keras")


def problem(config: RNNConfig, imported: Imported) -> str | None:
    """Why ``imported`` cannot be the weights of ``config``, as a warning goes on after
    "weights=<digest> "; None when they fit."""
    if fits(config, imported.weights):
        return None
    return (
        f"are for {imported.made_for}, not for this model, {architecture(config)}; using the "
        "seeded weights."
    )


def read(config: RNNConfig, file: BinaryIO, name: str) -> Imported:
    """A PyTorch-layout .npz for ``config`` (``layouts.read_torch_npz``: LayoutError says
    what is wrong) as read-only Keras-layout weights with their digest."""
    weights = read_torch_npz(config, file)
    for a in weights.values():
        a.flags.writeable = False
    frozen = MappingProxyType(weights)
    return Imported(digest(frozen), frozen, architecture(config), name)


class Store:
    """Imported weights by digest: the ``entries`` most recently put (at most ``nbytes``
    together), plus any that something else still holds, such as a session that uploaded
    them or opened a link to them. So a session never loses its own weights, while the
    memory of weights nobody uses stays bounded. Thread-safe: sessions share one store."""

    def __init__(self, entries: int = 16, nbytes: int = 64 * MB):
        self.entries, self.nbytes = entries, nbytes
        self._recent: OrderedDict[str, Imported] = OrderedDict()
        self._alive: weakref.WeakValueDictionary[str, Imported] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()

    def put(self, imported: Imported) -> Imported:
        """Hold ``imported`` as the most recent; returns the one held under its digest (an
        equal upload gets the first one, so sessions share its arrays)."""
        with self._lock:
            held = self._recent.pop(imported.digest, None) or self._alive.get(imported.digest)
            held = held or imported
            self._recent[held.digest] = held
            self._alive[held.digest] = held
            total = sum(w.nbytes for w in self._recent.values())
            while len(self._recent) > 1 and (
                len(self._recent) > self.entries or total > self.nbytes
            ):
                _, old = self._recent.popitem(last=False)
                total -= old.nbytes
            return held

    def get(self, digest: str) -> Imported | None:
        with self._lock:
            return self._recent.get(digest) or self._alive.get(digest)

    def __len__(self) -> int:
        """How many the store itself keeps (the recent ones)."""
        return len(self._recent)

    def problem(self, config: RNNConfig) -> str | None:
        """Why ``config.weights`` cannot be used here: not held, or not for this model."""
        held = self.get(config.weights)
        return NOT_HELD if held is None else problem(config, held)
