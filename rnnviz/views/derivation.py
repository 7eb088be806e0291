"""One step's arithmetic, entry by entry: the products, sums and biases behind each number of the
step panel.

The step panel's table says f_t = 0.52 for unit m; this module says where that comes from. For
step t of sample n in one path, each gate's block (a SimpleRNN has one) is built from two
products, x_t W_xh and h_{t-1} W_hh, each a matmul A (p, q) · B (q, r) → (p, r) in the layout's
own orientation: Keras' row vector times a block, x_t (1, D) · W_xh^(f) (D, M) → (1, M); PyTorch's
and the textbook's block times a column vector, W_if (M, D) · x_t (D, 1) → (M, 1). Unit m is
Σ_k A[i, k] · B[k, j], each product a term named by the two entries it multiplies
(``x_t[2]*W_xh[2,4]``); the biases (and the GRU's reset gate) then give the pre-activation, and
σ or tanh the value the table shows.

A weight entry is named as the layout names it: ``W_xh[2,4]``, ``weight_ih_l0[9,2]``, ``W_f[4,2]``.
The blocks drawn are the ones the code multiplied: with a bug planted, the buggy code's, in
Keras' layout (the mistakes are made on Keras' arrays), and each entry is named by the weight it
really is, found by sending every weight's index through the bug's own change (a transposed
W_hh names the entries it read; a bias of two rows added together names both).

``derive`` builds a ``Derivation``; ``payload`` is what the browser draws
(``rnnviz.ui.components.derivation``); ``Product.terms`` and ``Block.pre_of`` compute the
same sums here, for the tests and for anyone scripting it.
"""

from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass, field

import numpy as np

from rnnviz.pipeline import Run, StepState
from rnnviz.recurrence import bugs
from rnnviz.recurrence.cells import HEAD_FORMULAS, Cell, Gate
from rnnviz.shapes import layouts, ledger
from rnnviz.views.player_data import plain

GRID_MAX = 32  # D or M over this: no grid, only the lit column and its largest terms
TOP_TERMS = 8  # the terms written out when the grid is not drawn, by |value|
BATCH_ROWS = 12  # the whole-batch view shows at most this many samples, n among them
HEAD = "y"  # the key of the Dense head's block, after the cell's, at a step with an output


@dataclass(frozen=True)
class Operand:
    """One side of a product as it is drawn: its values and what each entry is called.

    A vector's entries are ``vector[k]`` with k along its long axis (``x_t[2]``), or, for the
    whole batch, ``vector[n,k]`` with n one of ``rows`` (``X_t[3,2]``); a weight's entries
    are named by ``codes``, each an index into ``Names``."""

    symbol: str  # how the page writes it: "x_t", "W_xh^(f)", "W_if", "h_(t-1)"
    values: np.ndarray  # (p, q) as drawn
    vector: str = ""  # a vector's name in terms: "x_t", "h_prev", "X_t"
    rows: tuple[int, ...] = ()  # the samples of a batch operand, along its sample axis
    sample_axis: int = 0  # which axis of a batch operand runs over the samples
    codes: np.ndarray | None = None  # (p, q) int: a weight entry's code in Names

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    def name(self, names: Names, i: int, j: int) -> str:
        """Entry (i, j)'s name: "x_t[2]", "X_t[3,2]", "W_xh[2,4]"."""
        if self.codes is not None:
            return names.of(int(self.codes[i, j]))
        if self.rows:
            n, k = (i, j) if self.sample_axis == 0 else (j, i)
            return f"{self.vector}[{self.rows[n]},{k}]"
        return f"{self.vector}[{max(i, j)}]"


@dataclass(frozen=True)
class Names:
    """Every weight entry of the layout, by code: code = its array's offset + its flat index."""

    arrays: tuple[tuple[str, tuple[int, ...]], ...]  # (name, shape) in code order

    @functools.cached_property
    def offsets(self) -> list[int]:
        return [0, *np.cumsum([math.prod(shape) for _, shape in self.arrays]).tolist()]

    def of(self, code: int) -> str:
        """The name of a code, "W_xh[2,4]"; "0" for -1, an entry the code left out."""
        if code < 0:
            return "0"
        k = bisect.bisect_right(self.offsets, code) - 1
        name, shape = self.arrays[k]
        flat, index = code - self.offsets[k], []
        for size in reversed(shape):  # row-major, as np.unravel_index
            flat, i = divmod(flat, size)
            index.append(i)
        return f"{name}[{','.join(map(str, reversed(index)))}]"


@dataclass(frozen=True)
class Product:
    """One matmul of the step, A (p, q) · B (q, r) → (p, r); units run along C's ``units``
    axis: 1 for Keras' (1, M), 0 for W x_t's (M, 1)."""

    symbol: str  # "x_t W_xh^(f)", "W_if x_t"
    A: Operand
    B: Operand
    units: int
    shapes: str  # in symbols: "(1, D) · (D, M) → (1, M)"
    whole: str = ""  # the weight the block is cut from: "W_xh (D, 4M), columns 5–9"
    only: int | None = None  # the one unit drawn (its column alone), when there is no grid
    batch: Product | None = None  # the same product over the whole batch, or None

    @property
    def C(self) -> tuple[int, int]:
        return (self.A.shape[0], self.B.shape[1])

    def at(self, m: int, row: int = 0) -> tuple[int, int]:
        """C's entry for unit m (and, over the batch, the row-th sample drawn)."""
        if self.only is not None:
            if m != self.only:
                raise ValueError(f"only unit {self.only} is drawn, not {m}")
            return (0, 0)
        return (row, m) if self.units == 1 else (m, row)

    def terms(self, names: Names, i: int, j: int) -> list[tuple[str, float]]:
        """C[i, j]'s terms, A[i, k] · B[k, j] for every k, each named by its two entries;
        as the browser computes them, in float64 (a product of two float32 values is exact)."""
        q = self.A.shape[1]
        return [
            (
                f"{self.A.name(names, i, k)}*{self.B.name(names, k, j)}",
                float(self.A.values[i, k]) * float(self.B.values[k, j]),
            )
            for k in range(q)
        ]


@dataclass(frozen=True)
class Bias:
    """A bias added to a block, or the reset gate scaling its recurrent part: (M,) values."""

    symbol: str  # "b_h^(f)", "b_if", "b'_h", "r_t"
    values: np.ndarray  # (M,)
    names: tuple[str, ...]  # each unit's entry: "b_h[12]", "b_h[0,12]+b_h[1,12]", "r_t[2]"


@dataclass(frozen=True)
class Block:
    """One gate's block (a SimpleRNN's only one): products, then biases, then the activation.

    ``parts`` is the pre-activation as a sum: ("product", k), ("bias", Bias), or
    ("reset", r_t, parts), the GRU's r_t ⊙ (h_{t-1} W + b')."""

    key: str  # the gate's key ("f"), or "h" for a SimpleRNN
    name: str  # the value's name, as the table names it: "f_t", "n_t", "h_t"
    title: str  # "forget gate f"
    pre_name: str  # "a_t" for the SimpleRNN, "z^(f)_t" for a gate
    activation: str  # "σ" or "tanh", as the code applied it
    equation: str  # plain text: "f_t = σ(x_t W_xh^(f) + h_(t-1) W_hh^(f) + b_h^(f))"
    products: tuple[Product, ...]
    parts: tuple
    pre: np.ndarray  # (M,) the pre-activation, as NumPy's matmuls computed it
    value: np.ndarray  # (M,) the value after the activation, from the recurrence's trace

    def pre_of(self, names: Names, m: int) -> float:
        """Unit m's pre-activation from the drawn terms, in float64, as the browser adds it."""

        def total(parts) -> float:
            s = 0.0
            for kind, what, *inner in parts:
                if kind == "product":
                    p = self.products[what]
                    s += sum(v for _, v in p.terms(names, *p.at(m)))
                elif kind == "bias":
                    s += float(what.values[m])
                else:  # "reset": r_t ⊙ (the inner parts)
                    s += float(what.values[m]) * total(inner[0])
            return s

        return total(self.parts)


@dataclass(frozen=True)
class Derivation:
    """Every block of step t of sample n in one path, with the names of their entries."""

    n: int
    t: int
    layer: int
    direction: str
    layout: str  # the layout drawn: Keras' when a bug is planted
    T: int
    N: int
    X: str  # what the layer reads over every step and its slice at t, in symbols and numbers
    M: int
    grid: bool  # the operands are drawn as grids; else only unit ``unit``'s column
    unit: int
    names: Names
    blocks: tuple[Block, ...]
    after: tuple[tuple[str, str, np.ndarray], ...]  # (name, formula, (M,)) after the gates
    note: str = ""
    opens: dict[str, str] = field(default_factory=dict)  # step-table column -> block key


def derive(
    run: Run,
    n: int,
    t: int,
    layer: int = 1,
    direction: str = "fwd",
    layout: str = "keras",
    unit: int = 0,
    batch: bool = True,
) -> Derivation:
    """Step t (1-based) of sample n in one path, block by block, written as ``layout`` writes
    it (Keras' when a bug is planted, or when the layout cannot show the cell); only unit
    ``unit``'s column when D or M is over GRID_MAX. ``batch`` adds each product over a
    window of up to BATCH_ROWS samples around n."""
    c, cell = run.config, run.cell
    s = run.step_state(n, t, layer, direction)
    bugged = c.bug != bugs.NONE
    layout = "keras" if bugged else layouts.shown(c, layout)[0]
    D_l, M = len(s.x_t), c.M
    unit = min(max(int(unit), 0), M - 1)
    grid = max(D_l, M) <= GRID_MAX
    names, arrays = _named_arrays(run, s, layer, direction, layout)
    rows = _window(c.N, n) if batch and grid else ()
    context = _Context(
        cell=cell,
        layout=layout,
        M=M,
        width=ledger.width_symbol(c, layer),
        blocks=cell.blocks,
        names=names,
        arrays=arrays,
        step=s,
        h_name="h_(t+1)" if s.backward else "h_(t-1)",
        pre=_numpy_pre(cell, s, M),
        only=None if grid else unit,
        rows=rows,
        row_steps=tuple(run.step_state(r, t, layer, direction) for r in rows),
    )
    gates = layouts.gate_order(cell, layout) or [(None, "")]
    blocks = tuple(_block(context, k, gate, called) for k, (gate, called) in enumerate(gates))
    head = _head(run, n, t, layout, names, rows, unit)
    if head is not None:
        names, y = head
        blocks += (y,)
    terms = run.step_terms(n, t, layer, direction, layout)
    done = {b.name for b in blocks} | {b.pre_name for b in blocks}
    after = tuple(
        (plain(term.name), plain(term.formula), term.value)
        for term in terms
        if term.formula and plain(term.name) not in done
    )
    cells = [b for b in blocks if b.key != HEAD]
    opens = {
        plain(term.name): (
            cells[0].key
            if len(cells) == 1
            else next((b.key for b in cells if b.name == plain(term.name)), "")
        )
        for term in terms
    }
    if head is not None:  # the output table's columns open the head's block
        opens |= {column: HEAD for column in (*HEAD_FORMULAS[layout][1:], "y NumPy", "y Keras")}
    notes = []
    if bugged:
        notes.append(
            "A bug is planted: these are the buggy code's terms, in Keras' layout, each entry "
            "named by the weight it really is."
        )
    if not grid:
        notes.append(
            f"With {ledger.width_symbol(c, layer)} = {D_l} and M = {M} a grid would be too "
            f"large to read (over {GRID_MAX} a side): unit m = {unit}'s column alone, its "
            f"{TOP_TERMS} largest terms written out. Pick another unit with m above."
        )
    width = ledger.width_symbol(c, layer)
    return Derivation(
        n=n,
        t=t,
        layer=layer,
        direction=direction,
        layout=layout,
        T=c.T,
        N=c.N,
        X=(f"X (N, T, {width})" if layer == 1 else f"layer {layer - 1}'s h (N, T, {width})")
        + f" = ({c.N}, {c.T}, {D_l}), its slice x_t (N, {width}) = ({c.N}, {D_l})",
        M=M,
        grid=grid,
        unit=unit,
        names=names,
        blocks=blocks,
        after=after,
        note=" ".join(notes),
        opens=opens,
    )


@dataclass(frozen=True)
class _Context:
    """What every block of one step is cut from."""

    cell: Cell
    layout: str
    M: int
    width: str  # what the layer reads, as a symbol: "D", "M", "2M"
    blocks: int
    names: Names
    arrays: dict  # layout name (no suffix) -> (Entry, values, codes, full name): the code's
    step: StepState
    h_name: str
    pre: dict[str, np.ndarray]  # block key -> (M,)
    only: int | None
    rows: tuple[int, ...]
    row_steps: tuple[StepState, ...]


def _named_arrays(run: Run, s: StepState, layer: int, direction: str, layout: str):
    """The layout's arrays of the weights the code multiplied, with each entry's codes
    ((..., 1) for one weight each, or ``_decode``'s (..., 2) where a bug may have added two or
    left one out; -1 is none), and the Names of the codes."""
    cell = run.cell
    bugged = run.config.bug != bugs.NONE
    sfx = layouts.path_suffix(layout, layer, direction)
    entries = layouts.path_entries(cell, layout)
    true = layouts.path_arrays(cell, layout, run.path(layer, direction).weights)
    shapes = [np.shape(a) for a in true]
    names = Names(
        tuple((e.name + sfx, tuple(shape)) for e, shape in zip(entries, shapes, strict=True))
    )
    # Code every Keras weight's entries as the layout's are coded, then send the codes
    # through the same cuts as the numbers: the layout's, and a planted bug's.
    offsets = names.offsets
    layout_codes = [
        np.arange(offsets[k], offsets[k + 1], dtype=np.int64).reshape(shape)
        for k, shape in enumerate(shapes)
    ]
    if bugged:  # in Keras' layout, where the bugs are made
        keras_codes = {e.name: codes for e, codes in zip(entries, layout_codes, strict=True)}
        first = {k: v + 1.0 for k, v in keras_codes.items()}
        second = {k: (v + 1.0) ** 2 for k, v in keras_codes.items()}
        bug = bugs.bug_of(run.config.bug)
        first, second = bug.weights(cell, first), bug.weights(cell, second)
        coded = [_decode(np.asarray(first[e.name]), np.asarray(second[e.name])) for e in entries]
    else:  # no bug: each entry is itself, one code
        coded = [codes[..., None] for codes in layout_codes]  # (..., 1)
    values = layouts.path_arrays(cell, layout, s.weights) if bugged else true
    arrays = {
        e.name: (e, np.asarray(v), codes, e.name + sfx)
        for e, v, codes in zip(entries, values, coded, strict=True)
    }
    return names, arrays


def _decode(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Which weights each entry is, from a change (a bug's) of two codings of every code c,
    c + 1 and (c + 1)²: one weight gives c + 1 and its square; none gives 0 (a dropped
    bias); a sum of two (a GRU's bias rows added together) gives the sum s and the sum of
    squares q of theirs, whose codes are the roots of x² - s x + (s² - q)/2. Out: the codes,
    (..., 2) int, the second -1 for one weight, both -1 for none."""
    s = np.asarray(first, dtype=np.float64)  # (...)
    q = np.asarray(second, dtype=np.float64)  # (...)
    one = q == s * s  # exact: the codes are integers far below 2**26
    root = np.sqrt(np.maximum(0.0, 2 * q - s * s))  # (...)  the roots' distance apart
    low = np.where(one, s, (s - root) / 2)  # (...)
    high = np.where(one, 0.0, (s + root) / 2)  # (...)
    return np.stack([np.rint(low) - 1, np.rint(high) - 1], axis=-1).astype(np.int64)  # (..., 2)


def _numpy_pre(cell: Cell, s: StepState, M: int) -> dict[str, np.ndarray]:
    """Each block's pre-activation as the recurrence computes it, with NumPy's matmuls in the
    run's precision (``rnnviz.recurrence.forward``): the reference the drawn terms add up to."""
    W_xh, W_hh, b_h = (np.asarray(s.weights[w.symbol]) for w in cell.parts)  # Keras' layout
    h_prev = s.before["h"]  # (M,)
    two = b_h.ndim == 2  # the GRU's reset_after: b' is added inside the reset
    b_x, b_r = (b_h[0], b_h[1]) if two else (b_h, np.zeros_like(b_h))  # (gM,) each
    xW = s.x_t @ W_xh + b_x  # (gM,)  x_t W_xh + b_h
    pre = {}
    for k, gate in enumerate(cell.gates or (None,)):
        cols = slice(k * M, (k + 1) * M)
        if gate is not None and gate.reset_by and two:
            r_t = s.now[gate.reset_by]  # (M,)
            z = xW[cols] + r_t * (h_prev @ W_hh[:, cols] + b_r[cols])  # (M,)
        elif gate is not None and gate.reset_by:
            z = xW[cols] + (s.now[gate.reset_by] * h_prev) @ W_hh[:, cols]  # (M,)
        else:
            z = xW[cols] + h_prev @ W_hh[:, cols] + b_r[cols]  # (M,)
        pre[gate.key if gate else "h"] = z
    return pre


def _window(N: int, n: int) -> tuple[int, ...]:
    """Up to BATCH_ROWS samples around n, for the whole-batch view."""
    start = min(max(0, n - BATCH_ROWS // 2), max(0, N - BATCH_ROWS))
    return tuple(range(start, min(N, start + BATCH_ROWS)))


def _gate_symbol(e: layouts.Entry, layout: str, gate: Gate | None, called: str) -> str:
    """How a block of entry ``e`` is written: W_xh^(f), W_if, b_hf, W_f, b'_h."""
    if gate is None or e.gate:  # the whole weight, or the textbook's own per-gate one
        return plain(e.latex)
    if layout == "pytorch":  # PyTorch's documented names: W_if, W_hf, b_if, b_hf
        return {"weight_ih": f"W_i{called}", "weight_hh": f"W_h{called}",
                "bias_ih": f"b_i{called}", "bias_hh": f"b_h{called}"}[e.name]  # fmt: skip
    return f"{plain(e.latex)}^({called})"


def _cut(ctx: _Context, e: layouts.Entry, values: np.ndarray, codes: np.ndarray, k: int):
    """Block k (in the layout's gate order) of a layout array: its values and codes, and
    where it sits ("columns 5–9")."""
    if "gates" not in e.axes or ctx.blocks == 1:
        return values, codes, ""
    axis = values.ndim - 1 if e.axes[1] == "gates" else 0  # Keras: columns; PyTorch: rows
    take = np.arange(k * ctx.M, (k + 1) * ctx.M)
    where = f"{'rows' if axis == 0 and values.ndim == 2 else 'columns'} {take[0]}–{take[-1]}"
    # codes have one more axis, last: the same axis counted from the front cuts both
    return np.take(values, take, axis=axis), np.take(codes, take, axis=axis), where


def _column(W: Operand, unit: int, axis: int) -> Operand:
    """Unit ``unit``'s column (axis 1) or row (axis 0) of a kernel block, as an operand."""
    take = [unit]
    return Operand(
        W.symbol, np.take(W.values, take, axis=axis), codes=np.take(W.codes, take, axis=axis)
    )


def _kernel(
    ctx: _Context, entry: layouts.Entry, k: int, gate, called, v: Operand, batch: Operand | None
) -> Product:
    """Kernel block k times the vector it multiplies, v (1, q), in the layout's orientation
    (and over the batch, ``batch`` (R, q)): x_t W in Keras', W x_t in the others."""
    _, values, codes, full = ctx.arrays[entry.name]
    block, block_codes, where = _cut(ctx, entry, values, codes, k)
    W = Operand(  # a kernel's entry is one weight, whatever a bug did: its first code
        _gate_symbol(entry, ctx.layout, gate, called), block, codes=block_codes[..., 0]
    )
    rows_form = entry.axes[0] in ("in", "from")  # Keras: x_t W; the others: W x_t
    q = ctx.width if "in" in entry.axes else "M"
    whole = ""
    if where:
        symbols = f"({q}, {ctx.blocks}M)" if rows_form else f"({ctx.blocks}M, {q})"
        whole = f"{full} {symbols} = {tuple(np.shape(values))}, {where}"

    return _product(W, rows_form, q, "M", whole, v, batch, ctx.only)


def _product(
    W: Operand,
    rows_form: bool,
    q: str,
    units: str,
    whole: str,
    v: Operand,
    batch: Operand | None,
    only: int | None,
) -> Product:
    """W times the vector v (1, q) it multiplies: v W, (1, q) · (q, M) → (1, M), when
    ``rows_form`` (Keras'), else W vᵀ, (M, q) · (q, 1) → (M, 1); over the batch (R, q) too.
    ``units`` is the symbol of what the result holds (M units, K outputs)."""

    def made(v: Operand, only: int | None) -> Product:
        n = "N" if v.rows else "1"
        if rows_form:
            B = W if only is None else _column(W, only, axis=1)
            shapes = f"({n}, {q}) · ({q}, {units}) → ({n}, {units})"
            return Product(f"{v.symbol} {W.symbol}", v, B, 1, shapes, whole, only)
        A = W if only is None else _column(W, only, axis=0)
        vT = Operand(v.symbol, v.values.T, v.vector, v.rows, 1 - v.sample_axis)  # (q, ·)
        shapes = f"({units}, {q}) · ({q}, {n}) → ({units}, {n})"
        return Product(f"{W.symbol} {v.symbol}", A, vT, 0, shapes, whole, only)

    one = made(v, only)
    if batch is None:
        return one
    return Product(
        one.symbol, one.A, one.B, one.units, one.shapes, whole, only, batch=made(batch, None)
    )


def _bias(ctx: _Context, entry: layouts.Entry, k: int, gate, called, row: int | None) -> Bias:
    """A bias block as an addend: Keras' b_h (or one row of the GRU's two), PyTorch's
    bias_ih or bias_hh, the textbook's b_f or b'_h."""
    _, values, codes, _ = ctx.arrays[entry.name]
    if row is not None:  # Keras' GRU: row 0 is added to the input part, row 1 (b') inside
        values, codes = values[row], codes[row]
    block, block_codes, _ = _cut(ctx, entry, values, codes, k)
    symbol = _gate_symbol(entry, ctx.layout, gate, called)
    if row == 1:
        symbol = symbol.replace("b_h", "b'_h", 1)
    names = tuple(
        "+".join(ctx.names.of(int(c)) for c in pair if c >= 0) or "0" for pair in block_codes
    )
    return Bias(symbol, np.asarray(block), names)


def _block(ctx: _Context, k: int, gate: Gate | None, called: str) -> Block:
    """Block k in the layout's gate order: its two products, its biases (and reset), and
    the activation, with NumPy's pre-activation and the trace's value beside them."""
    s, M = ctx.step, ctx.M
    entries = [e for e, *_ in ctx.arrays.values() if gate is None or e.gate in ("", gate.key)]
    x_kernel = next(e for e in entries if "in" in e.axes)
    h_kernel = next(e for e in entries if "from" in e.axes)
    biases = []
    for e in entries:
        if e in (x_kernel, h_kernel):
            continue
        two_rows = np.ndim(ctx.arrays[e.name][1]) == 2  # Keras' GRU, unless a bug added them
        for row in (0, 1) if two_rows else (None,):
            recurrent = row == 1 or e.name == "bias_hh" or e.name.startswith("b'")
            biases.append((recurrent, _bias(ctx, e, k, gate, called, row)))
    inputs = tuple(("bias", b) for recurrent, b in biases if not recurrent)
    recurrents = tuple(("bias", b) for recurrent, b in biases if recurrent)

    reset = gate.reset_by if gate is not None else ""
    after_matmul = np.ndim(s.weights[ctx.cell.parts[2].symbol]) == 2  # b' kept apart
    x_t = Operand("x_t", s.x_t[None, :], "x_t")  # (1, D_l)
    h_prev = s.before["h"]  # (M,)
    if reset and not after_matmul:  # (r_t ⊙ h_{t-1}) W: the reset before the matmul
        h = Operand(f"(r_t ⊙ {ctx.h_name})", (s.now[reset] * h_prev)[None, :], "(r_t⊙h_prev)")
    else:
        h = Operand(ctx.h_name, h_prev[None, :], "h_prev")  # (1, M)
    X = H = None
    if ctx.rows:
        X = Operand("X_t", np.stack([r.x_t for r in ctx.row_steps]), "X_t", ctx.rows)  # (R, D_l)
        H_prev = np.stack([r.before["h"] for r in ctx.row_steps])  # (R, M)
        if reset and not after_matmul:
            R_t = np.stack([r.now[reset] for r in ctx.row_steps])  # (R, M)
            H = Operand(f"(R_t ⊙ {ctx.h_name.upper()})", R_t * H_prev, "(R_t⊙H_prev)", ctx.rows)
        else:
            H = Operand(ctx.h_name.upper(), H_prev, "H_prev", ctx.rows)
    products = (
        _kernel(ctx, x_kernel, k, gate, called, x_t, X),
        _kernel(ctx, h_kernel, k, gate, called, h, H),
    )
    if reset and after_matmul:  # x_t W + b + r_t ⊙ (h_{t-1} W + b')
        r_t = Bias("r_t", s.now[reset], tuple(f"r_t[{m}]" for m in range(M)))
        parts = (("product", 0), *inputs, ("reset", r_t, (("product", 1), *recurrents)))
    elif recurrents:  # x_t W + b + h_{t-1} W + b'
        parts = (("product", 0), *inputs, ("product", 1), *recurrents)
    else:  # x_t W + h_{t-1} W + b
        parts = (("product", 0), ("product", 1), *inputs)

    if gate is None:
        key, name, title, pre_name, act = "h", "h_t", "hidden state h", "a_t", "tanh"
    else:
        notation = ctx.cell.notations.get(ctx.layout)
        key, title, pre_name = gate.key, gate.name, f"a_t^({called})"
        name = plain(notation.names.get(gate.latex, gate.latex) if notation else gate.latex)
        act = "σ" if gate.bounds == (0.0, 1.0) else "tanh"
    if s.swapped:
        act = {"σ": "tanh", "tanh": "σ"}[act]

    def written(parts) -> str:
        out = []
        for kind, what, *inner in parts:
            if kind == "product":
                out.append(products[what].symbol)
            elif kind == "bias":
                out.append(what.symbol)
            else:
                out.append(f"r_t ⊙ ({written(inner[0])})")
        return " + ".join(out)

    return Block(
        key=key,
        name=name,
        title=title,
        pre_name=pre_name,
        activation=act,
        equation=f"{pre_name} = {written(parts)},  {name} = {act}({pre_name})",
        products=products,
        parts=parts,
        pre=np.asarray(ctx.pre[key]),
        value=np.asarray(s.now[key]),
    )


# ---------------------------------------------------------------------------------------------
# The browser's payload


def _numbers(a: np.ndarray) -> list[float]:
    """Values as JSON numbers, exactly: a float32 widened to float64 is the same number."""
    return np.asarray(a, dtype=np.float64).ravel().tolist()


def _operand(o: Operand) -> dict:
    out = {"symbol": o.symbol, "shape": list(o.shape), "values": _numbers(o.values)}
    if o.codes is not None:
        out["codes"] = o.codes.ravel().tolist()
    else:
        out |= {"vector": o.vector, "rows": list(o.rows), "sample_axis": o.sample_axis}
    return out


def _product_json(p: Product) -> dict:
    out = {
        "symbol": p.symbol,
        "A": _operand(p.A),
        "B": _operand(p.B),
        "units": p.units,
        "shapes": p.shapes,
        "sizes": f"{p.A.shape} · {p.B.shape} → {p.C}",
        "whole": p.whole,
        "only": p.only,
    }
    if p.batch is not None:
        out["batch"] = _product_json(p.batch)
    return out


def _parts(parts) -> list:
    out = []
    for kind, what, *inner in parts:
        if kind == "product":
            out.append(["product", what])
        else:
            entry = {
                "symbol": what.symbol,
                "values": _numbers(what.values),
                "names": list(what.names),
            }
            out.append([kind, entry, *([_parts(inner[0])] if inner else [])])
    return out


def payload(d: Derivation, where: str = "") -> dict:
    """What the browser draws (``rnnviz.ui.components.derivation``): JSON, every number as
    the run holds it; ``names`` decodes a weight entry's code into its name."""
    first = d.blocks[0].value
    return {
        "n": d.n,
        "t": d.t,
        "T": d.T,
        "N": d.N,
        "X": d.X,
        "M": d.M,
        "unit": d.unit,
        "layout": d.layout,
        "grid": d.grid,
        "top": TOP_TERMS,
        "head": HEAD,
        "float32": bool(first.dtype == np.float32),
        "where": where,
        "note": d.note,
        "names": [[name, list(shape)] for name, shape in d.names.arrays],
        "blocks": [
            {
                "key": b.key,
                "name": b.name,
                "title": b.title,
                "pre_name": b.pre_name,
                "activation": b.activation,
                "equation": b.equation,
                "products": [_product_json(p) for p in b.products],
                "parts": _parts(b.parts),
                "pre": _numbers(b.pre),
                "value": _numbers(b.value),
            }
            for b in d.blocks
        ],
        "after": [[name, formula, _numbers(v)] for name, formula, v in d.after],
        "opens": d.opens,
    }


def _head_input(run: Run, n: int, t: int) -> np.ndarray:
    """What the Dense head read for sample n at step t, as the code read it: the last
    layer's h (both directions side by side), at t with return_sequences, else the forward
    h_T beside the backward h_1 (a planted bug may read the backward one at T instead)."""
    c = run.config
    reads_last = bugs.bug_of(c.bug).head_reads_last
    last = [p for p in run.paths if p.layer == c.layers]
    if c.return_sequences:
        return np.concatenate([p.trace["h"][n, t - 1] for p in last])  # (H,)
    ends = [-1 if p.direction == "fwd" or reads_last else 0 for p in last]
    return np.concatenate([p.trace["h"][n, i] for p, i in zip(last, ends, strict=True)])  # (H,)


def _head(
    run: Run, n: int, t: int, layout: str, names: Names, rows: tuple[int, ...], unit: int
) -> tuple[Names, Block] | None:
    """The Dense head's block at a step with an output: h (1, H) · W_o (H, K) → (1, K), then
    + b_o, to y (no activation); None at a step without one. Its weights join the names."""
    c = run.config
    if not c.return_sequences and t != c.T:
        return None
    (W_entry, b_entry) = layouts.head_entries(layout)
    W, b = layouts.head_arrays(layout, run.head)  # (H, K) in Keras', (K, H) in the others
    base = names.offsets[-1]
    names = Names(names.arrays + ((W_entry.name, W.shape), (b_entry.name, b.shape)))
    W_op = Operand(
        plain(W_entry.latex), np.asarray(W), codes=base + np.arange(W.size).reshape(W.shape)
    )
    b_codes = base + W.size + np.arange(b.size)
    H, K = c.head_width, c.K
    grid = max(H, K) <= GRID_MAX
    rows_form = W_entry.axes[0] == "H"  # Keras: h W_o; the others: W h
    h = _head_input(run, n, t)  # (H,)
    v = Operand("h", h[None, :], "h")
    wide = None
    if rows and grid:
        wide = Operand("H", np.stack([_head_input(run, r, t) for r in rows]), "H", rows)  # (R, H)
    symbol = ledger.head_symbol(c)
    whole = f"{W_entry.name} {W_entry.axes} = {W.shape}".replace("'", "")
    product = _product(
        W_op, rows_form, symbol, "K", whole, v, wide, None if grid else min(unit, K - 1)
    )
    bias = Bias(plain(b_entry.latex), np.asarray(b), tuple(names.of(int(code)) for code in b_codes))
    y_name = "y_t" if c.return_sequences else "y"
    at = (n, t - 1) if c.return_sequences else (n,)
    return names, Block(
        key=HEAD,
        name=y_name,
        title="the Dense head's output y",
        pre_name=y_name,
        activation="",
        equation=f"{y_name} = {product.symbol} + {bias.symbol}",
        products=(product,),
        parts=(("product", 0), ("bias", bias)),
        pre=h @ run.head["W_o"] + run.head["b_o"],  # (K,) as forward.dense computes it
        value=np.asarray(run.y_numpy[at]),  # (K,)
    )
