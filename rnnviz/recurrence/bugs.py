"""The agreement debugger's planted bugs: classic mistakes in a hand-written recurrence.

"Same output" alone teaches little; what teaches is seeing how a mistake shows up, and
from which step. Each entry here is one mistake a learner makes when writing the
recurrence by hand, applied to the NumPy side only (Keras stays right), so the page and
the CLI can show where Keras' and NumPy's h_t part ways and how the gap grows.

A bug is described by what it changes, not by a second copy of the recurrence: the
weights the code reads (a transposed W_hh, a dropped bias, gate blocks read in another
order), the activations (σ and tanh swapped), the initial state (h_0 = 1), whether a step
reads the state before it at all (h_t used where h_{t-1} belongs: the slot it reads is
still zero), the direction it walks the sequence, and which state the head reads. Each
applies where the cell and options make it a mistake; ``needs`` says where otherwise.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rnnviz.recurrence.cells import CELLS, Cell, cell_of
from rnnviz.recurrence.forward import sigmoid


class RNNConfig(Protocol):
    """What a bug's reach reads of a config (``rnnviz.config.RNNConfig`` has it all): named
    here, not imported, because the config checks its bug against this table."""

    cell: str
    reset_after: bool
    M: int
    T: int
    bidirectional: bool
    return_sequences: bool


NONE = "none"  # the value of bug= when nothing is planted

Weights = Mapping[str, np.ndarray]


def _same(cell: Cell, W: Weights) -> dict[str, np.ndarray]:
    return dict(W)


def _blocks(cell: Cell, a: np.ndarray) -> list[np.ndarray]:
    """A weight's gate blocks along its last axis: [(·, M)] × blocks."""
    return np.split(a, cell.blocks, axis=-1)


def _whh_transposed(cell: Cell, W: Weights) -> dict[str, np.ndarray]:
    """Each (M, M) gate block of W_hh transposed: the PyTorch or textbook habit of
    h W_hhᵀ, or W_hh h with Keras' matrix. For a SimpleRNN, W_hh itself."""
    _, recurrent, _ = cell.parts
    named = dict(W)
    blocks = [block.T for block in _blocks(cell, W[recurrent.symbol])]  # (M, M) each
    named[recurrent.symbol] = np.concatenate(blocks, axis=-1)  # (M, gM)
    return named


def _bias_dropped(cell: Cell, W: Weights) -> dict[str, np.ndarray]:
    """Every bias left out: b_h (and, for Keras' default GRU, b') zero."""
    _, _, bias = cell.parts
    return dict(W) | {bias.symbol: np.zeros_like(W[bias.symbol])}


def _torch_permutation(cell: Cell) -> list[int]:
    """Which Keras block the code reads in each Keras slot when it assumes PyTorch's gate
    order: slot i (Keras' i-th gate) gets the block PyTorch keeps that gate in. The GRU
    without reset_after has no PyTorch twin, but the same habit reads its blocks wrong."""
    torch_order = [key for key, _ in CELLS[cell.key].torch_gates]  # e.g. r, z, hh
    keras_order = [g.key for g in cell.gates]  # e.g. z, r, hh
    if not torch_order:
        return list(range(cell.blocks))
    return [torch_order.index(key) for key in keras_order]


def _torch_order(cell: Cell, W: Weights) -> dict[str, np.ndarray]:
    order = _torch_permutation(cell)
    return {
        k: np.concatenate([_blocks(cell, a)[j] for j in order], axis=-1)  # (·, gM)
        for k, a in W.items()
    }


def _reset_before(cell: Cell, W: Weights) -> dict[str, np.ndarray]:
    """Keras' default GRU computed as the textbook one: its two bias rows added together,
    so the recurrence reads a (3M,) bias and applies r_t to h_{t-1} before the matmul."""
    _, _, bias = cell.parts
    b_h = W[bias.symbol]  # (2, 3M)
    return dict(W) | {bias.symbol: b_h[0] + b_h[1]}  # (3M,)


def _needs(condition: Callable[[RNNConfig], bool], where: str):
    def needs(config: RNNConfig) -> str | None:
        return None if condition(config) else where

    return needs


@dataclass(frozen=True)
class Bug:
    name: str  # the value of bug= and --plant-bug
    title: str  # what the page calls it: "W_hh transposed"
    description: str  # one line: what the wrong code does
    symptom: str  # why it shows where it shows, after "diverges from t = 2, "
    needs: Callable[[RNNConfig], str | None]  # None where it applies, else where it does
    weights: Callable[[Cell, Weights], dict[str, np.ndarray]] = _same
    swapped: bool = False  # σ and tanh swapped
    h_0: float = 0.0  # the initial state the code starts from
    carry: bool = True  # whether step t reads h_{t-1} (False: the still-zero h_t)
    reverse: bool = False  # each layer walks the sequence the other way
    head_reads_last: bool = False  # the backward h_T read at index T instead of 1

    def activations(self, recurrence: Callable) -> dict[str, Callable]:
        """The σ and tanh to give ``recurrence`` (only those it takes)."""
        chosen = {"σ": sigmoid, "tanh": np.tanh}
        if self.swapped:
            chosen = {"σ": np.tanh, "tanh": sigmoid}
        return {k: f for k, f in chosen.items() if k in _parameters(recurrence)}

    def applies(self, config: RNNConfig) -> bool:
        return self.needs(config) is None


def _parameters(function: Callable) -> tuple[str, ...]:
    return tuple(inspect.signature(function).parameters)


def _always(config: RNNConfig) -> str | None:
    return None


BUGS: dict[str, Bug] = {
    bug.name: bug
    for bug in (
        Bug(
            "whh_transposed",
            "W_hh transposed",
            "reads each gate block of W_hh transposed (h W_hhᵀ): PyTorch's or the textbook's "
            "habit on Keras' matrix",
            "where h_{t-1} first matters (h_0 = 0 hides it at t = 1)",
            _needs(lambda c: c.M >= 2, "a model with M ≥ 2 hidden units (for M = 1, W_hhᵀ = W_hh)"),
            weights=_whh_transposed,
        ),
        Bug(
            "bias_dropped",
            "b_h dropped",
            "leaves the recurrent layers' bias out of every step",
            "where the bias is first added",
            _always,
            weights=_bias_dropped,
        ),
        Bug(
            "h0_ones",
            "h_0 = 1 instead of 0",
            "starts every sequence from h_0 = 1 instead of zeros",
            "where h_0 is read",
            _always,
            h_0=1.0,
        ),
        Bug(
            "h_t_for_h_prev",
            "h_t used where h_{t-1} belongs",
            "reads h_t (still zero when step t starts) where h_{t-1} belongs, so no step "
            "sees the one before",
            "where h_{t-1} first matters",
            _needs(lambda c: c.T >= 2, "a sequence of T ≥ 2 steps"),
            carry=False,
        ),
        Bug(
            "torch_gate_order",
            "gates read in PyTorch's order",
            "slices Keras' fused kernels as if the gates were in PyTorch's order "
            "(GRU: r, z, n instead of Keras' z, r, h)",
            "at the first step, where every gate is used",
            _needs(
                lambda c: _torch_permutation(_cell(c)) != sorted(_torch_permutation(_cell(c))),
                "a GRU (an LSTM's gates i, f, g, o are in the same order in both frameworks)",
            ),
            weights=_torch_order,
        ),
        Bug(
            "activations_swapped",
            "σ and tanh swapped",
            "uses tanh where σ belongs and σ where tanh belongs",
            "at the first step, where the activations are first applied",
            _always,
            swapped=True,
        ),
        Bug(
            "reset_before",
            "GRU reset applied before",
            "applies the GRU's reset gate to h_{t-1} before the recurrent matmul (the "
            "textbook GRU) on Keras' reset_after=True weights, both bias rows added together",
            "where the reset gate first acts on a non-zero state or on b'",
            _needs(
                lambda c: _cell(c).options.get("reset_after", False),
                "a GRU with reset_after=true",
            ),
            weights=_reset_before,
        ),
        Bug(
            "time_reversed",
            "time reversed",
            "walks the sequence from x_T back to x_1 (and a backward layer from x_1 on)",
            "at the first step, which already holds a different input",
            _needs(lambda c: c.T >= 2, "a sequence of T ≥ 2 steps"),
            reverse=True,
        ),
        Bug(
            "bwd_last_index",
            "backward h_T read at index T",
            "gives the Dense head the backward layer's state at index T, as for the "
            "forward layer, instead of at t = 1, where the backward layer ends",
            "the step whose backward state the head reads: every h_t agrees, only y differs",
            _needs(
                lambda c: c.bidirectional and not c.return_sequences and c.T >= 2,
                "a bidirectional model without return_sequences, with T ≥ 2",
            ),
            head_reads_last=True,
        ),
    )
}

CLEAN = Bug(NONE, "none", "nothing planted", "", _always)


def _cell(config: RNNConfig) -> Cell:
    return cell_of(config.cell, config.reset_after)


def bug_of(name: str) -> Bug:
    return CLEAN if name == NONE else BUGS[name]


def applicable(config: RNNConfig) -> list[Bug]:
    """The bugs that can be planted in ``config``'s model, in the table's order."""
    return [bug for bug in BUGS.values() if bug.applies(config)]


def forward(bug: Bug, cell: Cell, X: np.ndarray, W: Weights, M: int) -> dict[str, np.ndarray]:
    """``cell``'s recurrence over X (N, T, D) with ``bug`` planted; each traced (N, T, M).

    The shapes are checked on the weights as given, before the bug changes them."""
    if np.ndim(X) == 3:
        cell.check(W, X.shape[2], M)
    recurrence = cell.recurrence
    options = bug.activations(recurrence) | {"h_0": bug.h_0}
    W = bug.weights(cell, W)
    if bug.carry:
        return recurrence(X, **W, **options)  # each (N, T, M)
    # The slot step t reads is zero whatever came before: each step starts afresh, as a
    # sequence of its own.
    N, T, D = X.shape
    trace = recurrence(X.reshape(N * T, 1, D), **W, **options)  # each (N·T, 1, M)
    return {k: v.reshape(N, T, -1) for k, v in trace.items()}  # each (N, T, M)
