"""One sample's X edited by hand, named by its digest and held in a small bounded store.

The page lets a visitor type the T·D numbers of sample n (when T·D ≤ MAX_CELLS). The run
depends on them, so the config names the edit by ``x_edit=<digest>``: the first
DIGEST_CHARS hex digits of the sha256 of n, the shape and the float32 values. Every cache
keyed on the config then keeps edited runs apart, and a link to one is exact; the values
live in the server's store (``rnnviz.inputs.store``), as uploaded weights do. Nothing here
imports Streamlit or TensorFlow.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rnnviz.config import RNNConfig
from rnnviz.config.fields import DIGEST_CHARS

MAX_CELLS = 1_000  # T·D numbers at most: a table a person can read and type into
FLOAT32_MAX = float(np.finfo(np.float32).max)  # a larger number would become inf in X


class EditError(ValueError):
    """An edit that cannot be used; the message says which cell and why."""


def digest(n: int, X_n: np.ndarray) -> str:
    """The name of sample n's edited X_n (T, D): sha256 over n, the shape, float32 bytes."""
    a = np.ascontiguousarray(X_n, dtype="<f4")  # (T, D)
    h = hashlib.sha256(f"x_edit;{n};{a.shape};".encode())
    h.update(a.tobytes())
    return h.hexdigest()[:DIGEST_CHARS]


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, and weakly referenced
class Edit:
    """Sample n's X, (T, D) float32, read-only, as typed."""

    digest: str
    n: int
    X: np.ndarray  # (T, D)

    @property
    def key(self) -> str:
        return self.digest

    @property
    def nbytes(self) -> int:
        return self.X.nbytes

    def fits(self, config: RNNConfig) -> bool:
        """Whether the edit is of a sample and a shape that ``config``'s X has."""
        return self.n < config.N and self.X.shape == (config.T, config.D)

    def problem(self, config: RNNConfig) -> str | None:
        """Why ``config``'s X cannot take this edit, as a warning goes on after
        "x_edit=<digest> "; None where it can."""
        if self.fits(config):
            return None
        return f"is of {self.made_for()}, which this X does not have; using X as drawn."

    def made_for(self) -> str:
        T, D = self.X.shape
        return f"sample n = {self.n} of (T, D) = ({T}, {D})"


def editable(config: RNNConfig) -> bool:
    """Whether one sample's X is small enough to edit as a table: T·D ≤ MAX_CELLS."""
    return config.T * config.D <= MAX_CELLS


def apply(X_n: np.ndarray, edited_rows: Mapping) -> np.ndarray:
    """X_n (T, D) with the data editor's changes, ``{row: {column: value}}`` (rows are
    t - 1, columns "d = 0", ...), as a new float32 array; EditError naming the first cell
    that is not a finite number. (A cleared cell comes as None.)"""
    T, D = X_n.shape
    out = np.array(X_n, dtype=np.float32)  # (T, D), a copy
    for row, changes in edited_rows.items():
        i = int(row)
        if not 0 <= i < T:
            raise EditError(f"row {row} is not a step of X (T = {T})")
        for column, value in changes.items():
            d = column_index(column, D)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise EditError(
                    f"x_{i + 1}[{d}] = {str(value)[:40]!r} is not a number; X takes finite numbers"
                )
            if not math.isfinite(value) or abs(value) > FLOAT32_MAX:
                raise EditError(f"x_{i + 1}[{d}] = {value} is not finite; X takes finite numbers")
            out[i, d] = value
    return out


def columns(D: int) -> list[str]:
    """The editor's column names: "d = 0", "d = 1", ..."""
    return [f"d = {d}" for d in range(D)]


def column_index(column, D: int) -> int:
    """The feature d of an editor column, by its name or position; EditError otherwise."""
    names = columns(D)
    if column in names:
        return names.index(column)
    if isinstance(column, int) and 0 <= column < D:
        return column
    raise EditError(f"column {str(column)[:40]!r} is not a feature of X (D = {D})")


def make(n: int, X_n: np.ndarray) -> Edit:
    """A read-only Edit of sample n's X_n (T, D), named by its digest."""
    a = np.array(X_n, dtype=np.float32)  # (T, D)
    a.flags.writeable = False
    return Edit(digest(n, a), n, a)
