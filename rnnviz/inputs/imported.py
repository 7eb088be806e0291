"""Weights imported from outside: a PyTorch state_dict (.npz), or a .keras file, named by digest.

A config's ``weights`` field is ``initial``, ``trained`` or the digest of imported weights: the
first DIGEST_CHARS hex digits of the sha256 of their Keras-layout arrays, float32, by name. The
digest, not the arrays, is what a config carries, so every cache keyed on the config (the
Keras model, the run, each view, each download) tells uploaded weights from the seed's and
from each other, and a link stays short and exact. The arrays live in the server's store
(``rnnviz.inputs.store``); a link to them works only there. (``rnnviz.keras_side.own_model``
reads a .keras file into the same ``Imported``.) Nothing here imports Streamlit or TensorFlow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import BinaryIO

import numpy as np

from rnnviz.config import RNNConfig
from rnnviz.config.fields import DIGEST_CHARS
from rnnviz.shapes.layouts import read_torch_npz, shapes_in
from rnnviz.shapes.ledger import model_name


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
    def key(self) -> str:
        return self.digest

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.weights.values())

    def problem(self, config: RNNConfig) -> str | None:
        """Why these cannot be the weights of ``config``, as a warning goes on after
        "weights=<digest> "; None when they fit."""
        return problem(config, self)


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
