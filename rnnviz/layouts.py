"""One set of weights in PyTorch's layout, and back: the converter behind ``--export-torch``.

Keras keeps a layer's gate blocks side by side in columns, ``x_t @ W``: W_xh (D, gM),
W_hh (M, gM) and one bias b_h. PyTorch multiplies ``W @ x_t`` and keeps rows, so every kernel
is transposed, (gM, D) and (gM, M); its gates come in its own order (i, f, g, o for the LSTM,
r, z, n for the GRU); and it keeps two biases, ``bias_ih`` added to the input part and
``bias_hh`` to the recurrent part. Which is which is the cell table's (``rnnviz.cells``):

* SimpleRNN and LSTM have one Keras bias; it becomes ``bias_ih`` with ``bias_hh = 0``.
  Going back, the two are added: both are added to the same pre-activation.
* Keras' GRU with reset_after=True maps exactly: b (row 0) -> ``bias_ih``, b' (row 1) ->
  ``bias_hh``, since the reset gate scales b' as PyTorch's scales ``b_hn``.
* Keras' GRU with reset_after=False has no PyTorch equivalent: it is refused.

The names are exactly ``torch.nn.{RNN,LSTM,GRU}(D, M, num_layers=L, bidirectional=…,
batch_first=True).state_dict()``'s: ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
``bias_hh_l{k}``, k from 0, with ``_reverse`` for the backward direction; plus the Dense head
as ``head.weight`` (K, H) and ``head.bias`` (K,). Nothing here imports torch.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from rnnviz.cells import Cell, cell_of, shape_text
from rnnviz.config import RNNConfig, suffix
from rnnviz.ledger import head_symbol, model_name, width_symbol


class LayoutError(ValueError):
    """A conversion that does not exist, or weights that do not fit the config."""


def torch_suffix(layer: int, direction: str) -> str:
    """PyTorch's suffix of a path's weights: "_l0", "_l1_reverse"."""
    return f"_l{layer - 1}" + ("_reverse" if direction == "bwd" else "")


def _convertible(config: RNNConfig) -> Cell:
    cell = cell_of(config.cell, config.reset_after)
    if not cell.torch_name:
        raise LayoutError(cell.torch_refusal)
    return cell


def _order(cell: Cell) -> np.ndarray:
    """For each of PyTorch's gate blocks, in its order, the index of the same block here."""
    keys = [g.key for g in cell.gates]
    return np.array([keys.index(key) for key, _ in cell.torch_gates] or [0])


def _blocks(A: np.ndarray, order: np.ndarray) -> np.ndarray:
    """A's gate blocks (along its last axis) in the given order."""
    blocks = np.split(A, len(order), axis=-1)  # (..., M) each
    return np.concatenate([blocks[i] for i in order], axis=-1)  # (..., gM)


def torch_shapes(config: RNNConfig) -> dict[str, tuple[int, ...]]:
    """Every entry of the PyTorch export and its shape, in state_dict order, head last."""
    c = config
    cell = _convertible(c)
    gM = cell.blocks * c.M
    shapes = {}
    for layer, d in c.paths:
        sfx = torch_suffix(layer, d)
        shapes["weight_ih" + sfx] = (gM, c.width(layer))
        shapes["weight_hh" + sfx] = (gM, c.M)
        shapes["bias_ih" + sfx] = (gM,)
        shapes["bias_hh" + sfx] = (gM,)
    shapes["head.weight"] = (c.K, c.head_width)
    shapes["head.bias"] = (c.K,)
    return shapes


def _by_rows(cell: Cell, weights: Mapping[str, np.ndarray], sfx: str) -> tuple[np.ndarray, ...]:
    """A path's input kernel, recurrent kernel and bias, found by their rows in the table."""
    return tuple(weights[w.symbol + sfx] for w in cell.parts)


def to_torch(config: RNNConfig, weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Keras-layout weights named as in the export (W_xh, W_hh_2_bwd, ..., W_o, b_o) as
    PyTorch's state_dict for ``config``, plus ``head.weight`` and ``head.bias``."""
    c = config
    cell = _convertible(c)
    order = _order(cell)
    out: dict[str, np.ndarray] = {}
    for layer, d in c.paths:
        W_xh, W_hh, b_h = _by_rows(cell, weights, suffix(layer, d))
        b_ih, b_hh = (b_h[0], b_h[1]) if b_h.ndim == 2 else (b_h, np.zeros_like(b_h))  # (gM,)
        sfx = torch_suffix(layer, d)
        out["weight_ih" + sfx] = np.ascontiguousarray(_blocks(W_xh, order).T)  # (gM, D_l)
        out["weight_hh" + sfx] = np.ascontiguousarray(_blocks(W_hh, order).T)  # (gM, M)
        out["bias_ih" + sfx] = _blocks(b_ih, order)  # (gM,)
        out["bias_hh" + sfx] = _blocks(b_hh, order)  # (gM,)
    out["head.weight"] = np.ascontiguousarray(weights["W_o"].T)  # (K, H)
    out["head.bias"] = np.array(weights["b_o"])  # (K,), a copy: the run's are read-only
    return out


def check_torch(config: RNNConfig, state: Mapping[str, np.ndarray]) -> None:
    """Every entry ``config`` needs is there, with its shape, and nothing else; else a
    LayoutError naming each difference."""
    expected = torch_shapes(config)
    problems = []
    missing = [k for k in expected if k not in state]
    extra = [k for k in state if k not in expected]
    if missing:
        problems.append("missing " + ", ".join(missing))
    if extra:
        problems.append("not part of this model: " + ", ".join(sorted(extra)[:8]))
    for key, shape in expected.items():
        if key in state and tuple(np.shape(state[key])) != shape:
            problems.append(
                f"{key} must be {shape_text(shape)}, got {shape_text(np.shape(state[key]))}"
            )
    for key, value in state.items():
        if key not in expected:
            continue
        if not np.issubdtype(np.asarray(value).dtype, np.number):
            problems.append(f"{key} holds {np.asarray(value).dtype} values, not numbers")
        elif not np.all(np.isfinite(value)):
            problems.append(f"{key} holds values that are not finite numbers")
    if problems:
        raise LayoutError(
            f"the PyTorch weights do not fit {model_name(config)}: " + "; ".join(problems)
        )


def from_torch(config: RNNConfig, state: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """PyTorch-layout weights (``to_torch``'s names) as Keras-layout weights named as in the
    export, ready for ``KerasRNN.set_weights``. Checked first (``check_torch``)."""
    c = config
    cell = _convertible(c)
    check_torch(c, state)
    back = np.argsort(_order(cell))  # PyTorch's block order -> the table's
    f32 = {k: np.asarray(v, dtype=np.float32) for k, v in state.items()}
    out: dict[str, np.ndarray] = {}
    for layer, d in c.paths:
        sfx, ours = torch_suffix(layer, d), suffix(layer, d)
        W_xh = _blocks(f32["weight_ih" + sfx].T, back)  # (D_l, gM)
        W_hh = _blocks(f32["weight_hh" + sfx].T, back)  # (M, gM)
        b_ih = _blocks(f32["bias_ih" + sfx], back)  # (gM,)
        b_hh = _blocks(f32["bias_hh" + sfx], back)  # (gM,)
        two_rows = cell.parts[2].rows == "2"  # the GRU's b and b'
        b_h = np.stack([b_ih, b_hh]) if two_rows else b_ih + b_hh  # (2, gM) or (gM,)
        for w, value in zip(cell.parts, (W_xh, W_hh, b_h), strict=True):
            out[w.symbol + ours] = np.ascontiguousarray(value)
    out["W_o"] = np.ascontiguousarray(f32["head.weight"].T)  # (H, K)
    out["b_o"] = f32["head.bias"]  # (K,)
    return out


def torch_npz(
    config: RNNConfig, weights: Mapping[str, np.ndarray], file: str | os.PathLike | BinaryIO
) -> None:
    """Write ``to_torch``'s arrays as an ``.npz`` to a path (exactly as given) or a file."""
    arrays = to_torch(config, weights)
    if isinstance(file, str | os.PathLike):
        with open(file, "wb") as f:
            np.savez(f, **arrays)
    else:
        np.savez(file, **arrays)


def torch_npz_bytes(config: RNNConfig, weights: Mapping[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    torch_npz(config, weights, buffer)
    return buffer.getvalue()


def read_torch_npz(config: RNNConfig, file: str | os.PathLike | BinaryIO) -> dict[str, np.ndarray]:
    """A PyTorch-layout ``.npz`` as Keras-layout weights for ``config``; a LayoutError that
    says what is wrong with a file that is not one, or does not fit."""
    if not zipfile.is_zipfile(file):
        raise LayoutError("not an .npz file: an .npz is a zip archive of .npy arrays")
    if not isinstance(file, str | os.PathLike):
        file.seek(0)
    try:
        with np.load(file, allow_pickle=False) as archive:
            state = {key: archive[key] for key in archive.files}
    except ValueError as err:  # object arrays need pickle, which is never used here
        raise LayoutError(
            "the .npz holds Python objects, which are not read; only numeric arrays are"
        ) from err
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise LayoutError(f"the .npz cannot be read: {err}") from err
    return from_torch(config, state)


@dataclass(frozen=True)
class Move:
    """Where one Keras weight goes in PyTorch's layout, and what happens to it on the way."""

    keras: str  # "W_xh_2 (M, 4M)"
    torch: str  # "weight_ih_l1 (4M, M)"
    how: str  # "transposed; gate blocks i, f, g, o kept in order"


def moves(config: RNNConfig) -> list[Move]:
    """The mapping view's rows: every path's kernels and bias, then the head, with their
    shapes in symbols. Raises LayoutError (with the reason) where PyTorch has no such cell."""
    c = config
    cell = _convertible(c)
    keras_gates = [g.key for g in cell.gates]
    torch_gates = [name for _, name in cell.torch_gates]
    moved = [key for key, _ in cell.torch_gates] != keras_gates
    if not cell.gates:
        blocks = "one block"
    elif moved:
        blocks = (
            f"gate blocks {', '.join(_gate_names(cell))} reordered to PyTorch's "
            f"{', '.join(torch_gates)}"
        )
    else:
        blocks = f"gate blocks {', '.join(torch_gates)} in the same order"
    rows = []
    width = cell.width
    for layer, d in c.paths:
        ours, theirs = suffix(layer, d), torch_suffix(layer, d)
        D = width_symbol(c, layer)
        W_xh, W_hh, b_h = cell.parts
        rows.append(
            Move(
                f"{W_xh.symbol}{ours} ({D}, {width})",
                f"weight_ih{theirs} ({width}, {D})",
                f"transposed; {blocks}",
            )
        )
        rows.append(
            Move(
                f"{W_hh.symbol}{ours} (M, {width})",
                f"weight_hh{theirs} ({width}, M)",
                f"transposed; {blocks}",
            )
        )
        if b_h.rows == "2":
            rows.append(
                Move(
                    f"{b_h.symbol}{ours} row 0, b ({width},)",
                    f"bias_ih{theirs} ({width},)",
                    "the input part's bias; " + blocks,
                )
            )
            rows.append(
                Move(
                    f"{b_h.symbol}{ours} row 1, b' ({width},)",
                    f"bias_hh{theirs} ({width},)",
                    "the recurrent part's bias, which the reset gate scales in both; " + blocks,
                )
            )
        else:
            rows.append(
                Move(
                    f"{b_h.symbol}{ours} ({width},)",
                    f"bias_ih{theirs} ({width},)",
                    "Keras' one bias; " + blocks,
                )
            )
            rows.append(
                Move(
                    "—",
                    f"bias_hh{theirs} ({width},)",
                    "zeros: PyTorch adds both biases to the same sum, Keras keeps one",
                )
            )
    H = head_symbol(c)
    rows.append(Move(f"W_o ({H}, K)", f"head.weight (K, {H})", "transposed (torch.nn.Linear)"))
    rows.append(Move("b_o (K,)", "head.bias (K,)", "as it is"))
    return rows


def _gate_names(cell: Cell) -> list[str]:
    """The gates' names as Keras' documentation writes them: z, r, h for the GRU's h̃."""
    return [g.latex.removesuffix("_t").replace(r"\tilde h", "h̃") for g in cell.gates]
