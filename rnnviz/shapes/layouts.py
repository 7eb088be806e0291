"""One set of weights in PyTorch's layout, and back: the converter behind ``--export-torch``.

Keras keeps a layer's gate blocks side by side in columns, ``x_t @ W``: W_xh (D, gM),
W_hh (M, gM) and one bias b_h. PyTorch multiplies ``W @ x_t`` and keeps rows, so every kernel
is transposed, (gM, D) and (gM, M); its gates come in its own order (i, f, g, o for the LSTM,
r, z, n for the GRU); and it keeps two biases, ``bias_ih`` added to the input part and
``bias_hh`` to the recurrent part. Which is which is the cell table's (``rnnviz.recurrence.cells``):

* SimpleRNN and LSTM have one Keras bias; it becomes ``bias_ih`` with ``bias_hh = 0``.
  Going back, the two are added: both are added to the same pre-activation.
* Keras' GRU with reset_after=True maps exactly: b (row 0) -> ``bias_ih``, b' (row 1) ->
  ``bias_hh``, since the reset gate scales b' as PyTorch's scales ``b_hn``.
* Keras' GRU with reset_after=False has no PyTorch equivalent: it is refused.

The names are exactly ``torch.nn.{RNN,LSTM,GRU}(D, M, num_layers=L, bidirectional=…,
batch_first=True).state_dict()``'s: ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
``bias_hh_l{k}``, k from 0, with ``_reverse`` for the backward direction; plus the Dense head
as ``head.weight`` (K, H) and ``head.bias`` (K,). Nothing here imports torch.

The page and the CLI show the weights in any of three layouts (``rnnviz.recurrence.cells.LAYOUTS``):
Keras', PyTorch's, or the textbook's column vectors, one W (M, D), U (M, M) and b (M,) per
gate. ``path_entries`` names a path's weights in a layout and says what each axis is,
``path_arrays`` cuts and transposes Keras' arrays to match, and ``convert`` does it for a
whole model: the same numbers, written another way. ``shown`` says which layout a view
can show, since a cell PyTorch does not have is shown in Keras' layout instead.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from rnnviz.config import RNNConfig
from rnnviz.recurrence.cells import HEAD, LAYOUTS, Cell, Gate, shape_text, suffix
from rnnviz.shapes.ledger import (
    ShapeRow,
    head_symbol,
    model_name,
    param_totals,
    path_tag,
    shapes,
    width_symbol,
)


class LayoutError(ValueError):
    """A conversion that does not exist, or weights that do not fit the config."""


def torch_suffix(layer: int, direction: str) -> str:
    """PyTorch's suffix of a path's weights: "_l0", "_l1_reverse"."""
    return f"_l{layer - 1}" + ("_reverse" if direction == "bwd" else "")


def _convertible(config: RNNConfig) -> Cell:
    cell = config.variant
    if not cell.torch_name:
        raise LayoutError(cell.torch_refusal)
    return cell


# What each layout is, in a sentence: the page's and the report's captions.
CONVENTIONS = {
    "keras": "Keras' layout: a sample is a row, x_t W; each kernel keeps the gate blocks side by "
    "side in its columns, W_xh (D, gM), and one bias b_h.",
    "pytorch": "PyTorch's layout: W x_t, so every kernel is transposed, weight_ih_l0 (gM, D), its "
    "gate blocks stacked in rows in PyTorch's order; two biases, bias_ih and bias_hh, and "
    "layers counted from 0.",
    "textbook": "The textbook's column vectors: h_t = tanh(W x_t + U h_{t-1} + b), one W (M, D), "
    "U (M, M) and b (M,) per gate.",
}


def shown(config: RNNConfig, layout: str) -> tuple[str, str]:
    """The layout the views show when ``layout`` is asked for, and why it is another one
    ("" if it is not): PyTorch's for a cell PyTorch does not have is Keras' instead."""
    if layout not in LAYOUTS:
        raise LayoutError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    cell = config.variant
    if layout == "pytorch" and not cell.torch_name:
        return "keras", cell.torch_refusal
    return layout, ""


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
    _convertible(config)
    return shapes_in(config, "pytorch")


@dataclass(frozen=True)
class Entry:
    """One weight of a path, or of the head, as a layout names and shapes it.

    Each axis is a token: "in" (what the layer reads: D, or M or 2M above the first layer),
    "unit", "from" and "to" (hidden units: the state made, the state before the step and
    after it), "gates" (the gate blocks side by side, gM), "bias" (a GRU's two bias rows),
    "H" (what the head reads), "K" (outputs), or "" for a vector's missing rows.
    """

    name: str  # without a path's suffix: "weight_ih", "W_f", "b'_h", "W_xh"
    latex: str  # in equations: "W_{ih}", "W_f", "b'_h", "W_{xh}"
    axes: tuple[str, str]  # (rows, columns): ("gates", "in") for weight_ih
    meaning: str
    gate: str = ""  # the one gate it belongs to (a textbook weight), by the cell's key
    row_labels: tuple[str, ...] = ()


_AXES = {"D": "in", "M": "from", "2": "bias", "": ""}  # a Keras weight's rows -> axis token


def gate_order(cell: Cell, layout: str) -> list[tuple[Gate, str]]:
    """The cell's gates in the order ``layout`` keeps their blocks, with its name for each:
    PyTorch's GRU is r, z, n; the others follow Keras (i, f, g, o; z, r, h)."""
    if layout == "pytorch":
        by_key = {g.key: g for g in cell.gates}
        return [(by_key[key], name) for key, name in cell.torch_gates]
    return [(g, g.letter if layout == "textbook" else g.key) for g in cell.gates]


def path_entries(cell: Cell, layout: str) -> list[Entry]:
    """A path's weights in ``layout``, in the order ``path_arrays`` gives their arrays."""
    if layout == "keras":
        return [
            Entry(w.symbol, w.latex, (_AXES[w.rows], "gates"), w.meaning, row_labels=w.row_labels)
            for w in cell.weights
        ]
    W_xh, W_hh, b_h = cell.parts
    if layout == "pytorch":
        two = b_h.rows == "2"  # the GRU's b' is PyTorch's bias_hh; Keras' other cells have none
        hh = "recurrent bias (Keras' b', row 1)" if two else "zeros: Keras keeps one bias"
        return [
            Entry("weight_ih", "W_{ih}", ("gates", "in"), W_xh.meaning),
            Entry("weight_hh", "W_{hh}", ("gates", "from"), W_hh.meaning),
            Entry("bias_ih", "b_{ih}", ("", "gates"), "input bias" if two else "Keras' bias"),
            Entry("bias_hh", "b_{hh}", ("", "gates"), hh),
        ]
    out = []
    gates = gate_order(cell, layout) or [(None, "")]
    for w, axes in zip(cell.parts, (("unit", "in"), ("to", "from"), ("", "unit")), strict=True):
        for row, symbol in enumerate(w.textbook):
            meaning = w.row_labels[row] + " of each block" if w.row_labels else w.meaning
            for gate, letter in gates:
                name = f"{symbol}_{letter}" if letter else symbol
                out.append(Entry(name, name, axes, meaning, gate.key if gate else ""))
    return out


def path_arrays(cell: Cell, layout: str, weights: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """One path's Keras-layout weights (W_xh, W_hh, b_h) as ``layout`` keeps them: the
    arrays of ``path_entries``, in its order. The numbers are the same, only cut, reordered
    and transposed."""
    W_xh, W_hh, b_h = (weights[w.symbol] for w in cell.parts)  # (D, gM), (M, gM), b_h
    if layout == "keras":
        return [weights[w.symbol] for w in cell.weights]
    if layout == "pytorch":
        order = _order(cell)
        b_ih, b_hh = (b_h[0], b_h[1]) if b_h.ndim == 2 else (b_h, np.zeros_like(b_h))  # (gM,)
        return [
            np.ascontiguousarray(_blocks(W_xh, order).T),  # (gM, D_l)
            np.ascontiguousarray(_blocks(W_hh, order).T),  # (gM, M)
            _blocks(b_ih, order),  # (gM,)
            _blocks(b_hh, order),  # (gM,)
        ]
    M = W_hh.shape[0]
    out = []
    for w, A in zip(cell.parts, (W_xh, W_hh, b_h), strict=True):
        for row in range(len(w.textbook)):
            V = A[row] if w.rows == "2" else A  # (gM,) or (rows, gM)
            for k in range(cell.blocks):
                block = V[..., k * M : (k + 1) * M]  # (rows, M) or (M,)
                out.append(np.ascontiguousarray(block.T))  # (M, rows) or (M,)
    return out


def head_entries(layout: str) -> list[Entry]:
    """The Dense head in ``layout``: W_o (H, K) in Keras', (K, H) in the others."""
    W_o, b_o = HEAD
    if layout == "keras":
        return [Entry(W_o.symbol, W_o.latex, ("H", "K"), W_o.meaning),
                Entry(b_o.symbol, b_o.latex, ("", "K"), b_o.meaning)]  # fmt: skip
    W, b = ("head.weight", "head.bias") if layout == "pytorch" else (*W_o.textbook, *b_o.textbook)
    latex = (r"W_{head}", r"b_{head}") if layout == "pytorch" else (W, b)
    return [Entry(W, latex[0], ("K", "H"), W_o.meaning), Entry(b, latex[1], ("", "K"), b_o.meaning)]


def head_arrays(layout: str, head: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    """The head's W_o (H, K) and b_o (K,) as ``layout`` keeps them."""
    W_o, b_o = head["W_o"], head["b_o"]  # (H, K), (K,)
    if layout == "keras":
        return [W_o, b_o]
    return [np.ascontiguousarray(W_o.T), np.array(b_o)]  # (K, H), (K,): copies, writable


def path_suffix(layout: str, layer: int, direction: str) -> str:
    """The suffix of a path's names in ``layout``: "_l1_reverse" in PyTorch's, else "_2_bwd"."""
    return torch_suffix(layer, direction) if layout == "pytorch" else suffix(layer, direction)


def path_label(config: RNNConfig, layout: str, layer: int, direction: str) -> str:
    """How the weights view tells a path's panels apart: PyTorch's suffix ("_l0",
    "_l1_reverse"), else a tag in titles ("", " [2] backward")."""
    if layout == "pytorch":
        return torch_suffix(layer, direction)
    return path_tag(config, layer, direction)


def convert(config: RNNConfig, layout: str, weights: Mapping[str, np.ndarray]) -> dict:
    """Every weight of ``config`` (named as in the export: W_xh, W_hh_2_bwd, ..., W_o, b_o)
    in ``layout``, by that layout's names, paths first and the head last. PyTorch's refuses
    a cell it does not have (LayoutError)."""
    c = config
    cell = _convertible(c) if layout == "pytorch" else c.variant
    out: dict[str, np.ndarray] = {}
    for layer, d in c.paths:
        ours = suffix(layer, d)
        path = {w.symbol: weights[w.symbol + ours] for w in cell.weights}
        sfx = path_suffix(layout, layer, d)
        entries, arrays = path_entries(cell, layout), path_arrays(cell, layout, path)
        out.update({e.name + sfx: a for e, a in zip(entries, arrays, strict=True)})
    head = head_arrays(layout, weights)
    out.update({e.name: a for e, a in zip(head_entries(layout), head, strict=True)})
    return out


def to_torch(config: RNNConfig, weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Keras-layout weights named as in the export (W_xh, W_hh_2_bwd, ..., W_o, b_o) as
    PyTorch's state_dict for ``config``, plus ``head.weight`` and ``head.bias``."""
    return convert(config, "pytorch", weights)


def _symbols(config: RNNConfig, cell: Cell, layer: int) -> dict[str, str]:
    """Each axis token's symbol for layer ``layer``: in -> "D" (or "M", "2M"), gates -> "4M"."""
    c = config
    symbols = {"in": width_symbol(c, layer), "gates": cell.width, "bias": "2", "K": "K"}
    symbols["H"] = head_symbol(c)  # the last layer's output H, the head's rows: M or 2M
    return symbols | {"unit": "M", "from": "M", "to": "M"}


def _sizes(config: RNNConfig, cell: Cell, layer: int) -> dict[str, int]:
    """Each axis token's size for layer ``layer``: in -> 3, gates -> 20."""
    c = config
    sizes = {"in": c.width(layer), "gates": cell.blocks * c.M, "bias": 2, "H": c.head_width}
    return sizes | {"K": c.K, "unit": c.M, "from": c.M, "to": c.M}


def symbolic(entry: Entry, symbols: Mapping[str, str]) -> str:
    """An entry's shape in symbols: "(4M, D)", "(M,)"."""
    dims = [symbols[axis] for axis in entry.axes if axis]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def ledger(config: RNNConfig, layout: str) -> list[ShapeRow]:
    """The shapes ledger in ``layout``: its weights' names and shapes, the rest as in
    ``rnnviz.shapes.ledger.shapes``. The textbook's per-gate weights share a row per kind
    (W_i, W_f, W_g, W_o (M, D)). ``layout`` must be one ``shown`` allows."""
    c = config
    cell = c.variant
    each = " (each direction)" if c.bidirectional else ""
    reverse = "; _reverse: the backward direction" if c.bidirectional else ""

    def rows(layer: int) -> list[ShapeRow]:
        symbols = _symbols(c, cell, layer)
        sfx = path_suffix(layout, layer, "fwd")
        tag = f"^{{[{layer}]}}" if c.layers > 1 else ""
        grouped: dict[tuple[str, str], list[Entry]] = {}
        for e in path_entries(cell, layout):  # the textbook's W_i, W_f, ... share one row
            grouped.setdefault((symbolic(e, symbols), e.meaning), []).append(e)
        out = []
        for (shape, meaning), entries in grouped.items():
            name = ", ".join(e.name + sfx for e in entries)
            latex = ", ".join(e.latex + tag for e in entries)
            note = reverse if layout == "pytorch" else each
            out.append(ShapeRow(name, latex, shape, (), meaning + note))
        return out

    symbols = _symbols(c, cell, 1)
    head = [
        ShapeRow(e.name, e.latex, symbolic(e, symbols), (), e.meaning) for e in head_entries(layout)
    ]
    return shapes(c, rows, head)


def count_note(config: RNNConfig, layout: str) -> str:
    """The numbers ``layout``'s weights hold, beside the model's parameter count, which
    no layout changes."""
    held, total = numbers(config, layout), param_totals(config)["total"]
    if held == total:
        return f"In the {LAYOUTS[layout]} layout the weights hold the same {total:,} parameters."
    return (
        f"In the {LAYOUTS[layout]} layout the weights hold {held:,} numbers: the same {total:,} "
        f"parameters and {held - total:,} zeros in bias_hh, since Keras keeps one bias where "
        "PyTorch adds two."
    )


def shapes_in(config: RNNConfig, layout: str) -> dict[str, tuple[int, ...]]:
    """Every weight of ``config`` by its name in ``layout`` and its shape, in ``convert``'s
    order (paths first, the head last), from the config alone."""
    c = config
    cell = c.variant
    out = {}
    for layer, d in c.paths:
        sizes, sfx = _sizes(c, cell, layer), path_suffix(layout, layer, d)
        out |= {e.name + sfx: _numeric(e, sizes) for e in path_entries(cell, layout)}
    sizes = _sizes(c, cell, c.layers)
    return out | {e.name: _numeric(e, sizes) for e in head_entries(layout)}


def _numeric(entry: Entry, sizes: Mapping[str, int]) -> tuple[int, ...]:
    return tuple(sizes[axis] for axis in entry.axes if axis)


def numbers(config: RNNConfig, layout: str) -> int:
    """How many numbers ``layout``'s weights hold for ``config``: the parameter count, plus
    PyTorch's bias_hh (zeros) for the cells that keep one bias."""
    return sum(math.prod(shape) for shape in shapes_in(config, layout).values())


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


UNPACKED_SLACK = 2**20  # beyond the weights' float64 bytes: .npy headers, a few extra entries


def read_torch_npz(config: RNNConfig, file: str | os.PathLike | BinaryIO) -> dict[str, np.ndarray]:
    """A PyTorch-layout ``.npz`` as Keras-layout weights for ``config``; a LayoutError that
    says what is wrong with a file that is not one, or does not fit."""
    if not zipfile.is_zipfile(file):
        raise LayoutError("not an .npz file: an .npz is a zip archive of .npy arrays")
    # A compressed archive can unpack to far more than it weighs: its members' sizes are
    # checked before one is read, so an upload cannot make the server allocate gigabytes.
    expected = torch_shapes(config)  # refuses a cell PyTorch does not have, with the reason
    most = 8 * sum(math.prod(shape) for shape in expected.values()) + UNPACKED_SLACK
    try:
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise LayoutError(f"the .npz cannot be read: {err}") from err
    if unpacked > most:
        raise LayoutError(
            f"the .npz unpacks to {unpacked:,} bytes, more than the weights of "
            f"{model_name(config)} take even in float64 ({most:,} bytes with room for the "
            "headers); it is not read"
        )
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
    width = head_symbol(c)
    rows.append(
        Move(f"W_o ({width}, K)", f"head.weight (K, {width})", "transposed (torch.nn.Linear)")
    )
    rows.append(Move("b_o (K,)", "head.bias (K,)", "as it is"))
    return rows


def _gate_names(cell: Cell) -> list[str]:
    """The gates' names as Keras' documentation writes them: z, r, h for the GRU's h̃."""
    return [g.latex.removesuffix("_t").replace(r"\tilde h", "h̃") for g in cell.gates]
