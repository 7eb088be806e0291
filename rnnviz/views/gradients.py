"""∂y/∂x_t and ∂h_T/∂h_t of a whole model, by backpropagation through time in NumPy.

The scalar differentiated is s = Σ_k w_k y_k summed over the samples (and over the steps with
return_sequences), w all ones, or the one-hot e_k to follow a chosen output y_k. Since the samples
do not mix, ∂s/∂X[n] is sample n's own gradient. From the Dense head (``y = h W_o + b_o``, so every
h the head reads receives ``W_o w``) the gradient goes back through the layers, last to first, and
through each layer's directions, each path by its cell's backward pass (``rnnviz.recurrence.bptt``,
through the cell table) over the forward trace that ``rnnviz.recurrence.network.numpy_forward``
keeps. A backward path walked the input from x_T to x_1, so its gradient walks it from x_1 to x_T:
its trace and δh are reversed in time (views, no copy) and its results put back in the input's
order, as numpy_forward does going forward. A planted bug (``config.bug``) changes nothing here:
these are the correct recurrence's gradients, the ones Keras' tf.GradientTape gives
(``rnnviz.keras_side.model.KerasRNN.gradients``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from rnnviz.config import RNNConfig
from rnnviz.pipeline import Run
from rnnviz.recurrence.agreement import GradientAgreement, compare_gradients, output_seed
from rnnviz.recurrence.bugs import NONE
from rnnviz.recurrence.cells import Cell, suffix
from rnnviz.recurrence.forward import Term
from rnnviz.recurrence.network import numpy_forward

Traces = Mapping[tuple[int, str], Mapping[str, np.ndarray]]


@dataclass(frozen=True)
class Gradients:
    """The gradients of s (see the module docstring) that the page and the CLI show."""

    dy_dx: np.ndarray  # (N, T, D)  ∂s/∂x_t for every sample; X is the model's input
    # (N, T, M)  ∂(Σ_m h_T,m)/∂h_t for the last layer's forward path, its inputs held fixed
    dh_T_dh: np.ndarray
    dy_dh: Mapping[tuple[int, str], np.ndarray]  # (T,) each: ‖∂s/∂h_t‖ over samples and units
    k: int | None  # the output followed, or None for the sum over all K
    # per path, (N, T, M) each: δ_t = ∂s/∂h_t in total, and δh_t, the part that arrives from
    # outside the layer (the head, or the layer above); the rest came through h_{t+1}
    δ: Mapping[tuple[int, str], np.ndarray] = field(default_factory=lambda: MappingProxyType({}))
    δh: Mapping[tuple[int, str], np.ndarray] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays, for a cache's budget (a broadcast view counts as one step)."""
        arrays = [self.dy_dx, self.dh_T_dh, *self.dy_dh.values(), *self.δ.values()]
        arrays += list(self.δh.values())
        return sum(a.nbytes if a.flags.owndata or a.base is None else a.base.nbytes for a in arrays)

    def against(self, theirs: Mapping[str, np.ndarray]) -> GradientAgreement:
        """How far these are from Keras' (``KerasRNN.gradients``, same X, weights and k)."""
        return compare_gradients({"dy_dx": self.dy_dx, "dh_T_dh": self.dh_T_dh}, theirs)

    @property
    def grad_norm_x(self) -> np.ndarray:
        """(T,): entry t the L2 norm of dy_dx[:, t, :], how strongly y depends on step t."""
        return _norms(self.dy_dx)  # (T,)


def _norms(g: np.ndarray) -> np.ndarray:
    """(N, T, ·) -> (T,): the L2 norm of each step's g[:, t, :] (einsum makes no g² copy)."""
    return np.sqrt(np.einsum("ntm,ntm->t", g, g))  # (T,)


def _path_backward(
    cell: Cell, trace: Mapping[str, np.ndarray], δh: np.ndarray, W, direction: str
) -> tuple[np.ndarray, np.ndarray]:
    """One path's BPTT; a backward path's on reversed time, its results in the input's order."""
    if direction == "fwd":
        return cell.backprop(trace, δh, W)  # (N, T, D_l), (N, T, M)
    reversed_trace = {k: v[:, ::-1] for k, v in trace.items()}  # (N, T, M) views, its own order
    δx, δ = cell.backprop(reversed_trace, δh[:, ::-1], W)  # (N, T, D_l), (N, T, M)
    return δx[:, ::-1], δ[:, ::-1]  # input order again


def _head_backward(c: RNNConfig, N: int, W_o: np.ndarray, w: np.ndarray) -> np.ndarray:
    """δH (N, T, M·directions): what the head sends back to each h_t of the last layer. With
    return_sequences y_t reads every h_t; else the forward path's h after t = T and the
    backward path's after t = 1, where each one ends. Every sample gets the same, so it is
    one (T, M·directions) array seen N times (a view), not N copies."""
    δ_head = W_o @ w  # (M·directions,)  ∂(h W_o w)/∂h
    per_step = np.zeros((c.T, c.head_width), dtype=W_o.dtype)  # (T, M·directions)
    if c.return_sequences:
        per_step[:] = δ_head
    else:
        per_step[-1, : c.M] = δ_head[: c.M]  # forward h_T
        per_step[0, c.M :] = δ_head[c.M :]  # backward h_1 (nothing when one direction)
    return np.broadcast_to(per_step, (N, c.T, c.head_width))  # (N, T, M·directions)


def _through_layers(
    c: RNNConfig, traces: Traces, weights: Mapping[str, np.ndarray], δH: np.ndarray
) -> tuple[np.ndarray, dict, dict]:
    """From δH (N, T, M·directions), what reaches the last layer's h_t from the head, back
    through every layer and direction to the input: ∂s/∂X (N, T, D), and each path's δ (its
    ∂s/∂h_t in total) and δh (what arrived from outside it), (N, T, M) each."""
    cell = c.variant
    δ_of, δh_of = {}, {}
    for layer in range(c.layers, 0, -1):
        δ_below = []  # each path's ∂s/∂(its input), (N, T, D_l): summed, both read the same
        for i, d in enumerate(("fwd", "bwd")[: c.directions]):
            W = cell.path_weights(weights, suffix(layer, d))
            δh = δH[..., i * c.M : (i + 1) * c.M]  # (N, T, M)  this path's share
            δx, δ = _path_backward(cell, traces[(layer, d)], δh, W, d)  # (N, T, D_l), (N, T, M)
            δ_of[(layer, d)], δh_of[(layer, d)] = δ, δh  # (N, T, M) each
            δ_below.append(δx)
        δH = sum(δ_below[1:], δ_below[0])  # (N, T, D_l)
    return δH, δ_of, δh_of


def connectivity(
    config: RNNConfig,
    traces: Traces,
    weights: Mapping[str, np.ndarray],
    t: int,
    k: int,
    lookback: int,
) -> np.ndarray:
    """‖∂logit_(t, k)/∂x_τ‖ for τ = t − lookback + 1, ..., t (0-based steps of one sequence,
    whose forward ``traces`` are given, (1, L, ·) each): how strongly the logit of character k
    at step t depends on each earlier input, (lookback,) float, Distill's "connectivity".

    The backward pass starts at step t and walks back ``lookback`` steps and one more: the
    gradient at step τ needs only the states from τ − 1 to t, so the values are exact, not an
    approximation of a longer walk; the extra step gives the first one its c_{τ−1} (LSTM)
    or h_{τ−1} (GRU). A model reading the text backwards too (bidirectional) has no
    connectivity to earlier characters alone, and is refused."""
    c = config.replace(bug=NONE)
    if c.bidirectional:
        raise ValueError(
            "connectivity reads how a prediction depends on earlier characters; a "
            "bidirectional model also reads later ones: turn bidirectional off"
        )
    if not 0 <= t < len(traces[(1, "fwd")]["h"][0]) or not 1 <= lookback:
        raise ValueError(f"t must be a step of the sequence and lookback ≥ 1, got {t}, {lookback}")
    start = max(0, t - lookback)  # one step before the window, where there is one
    window = {
        path: {name: a[:, start : t + 1] for name, a in trace.items()}  # (1, W, M) views
        for path, trace in traces.items()
    }
    W_o = weights["W_o"]  # (M, K)
    δH = np.zeros((1, t + 1 - start, c.M), dtype=W_o.dtype)  # (1, W, M)
    δH[0, -1] = W_o[:, k]  # ∂logit_(t, k)/∂h_t, at step t alone
    δX, _, _ = _through_layers(c, window, weights, δH)  # (1, W, D)
    norms = np.linalg.norm(δX[0], axis=1)  # (W,)
    out = np.zeros(lookback, dtype=np.float64)  # (lookback,) zero before the sequence starts
    kept = norms[-lookback:]  # without the extra step
    out[lookback - len(kept) :] = kept
    return out


def gradients(
    config: RNNConfig,
    X: np.ndarray,
    weights: Mapping[str, np.ndarray],
    k: int | None = None,
    traces: Traces | None = None,
) -> Gradients:
    """∂s/∂X, ∂h_T/∂h_t and each path's ‖∂s/∂h_t‖ for X (N, T, D) and the weights by their
    export names (W_xh, W_hh_2, b_h_bwd, ..., W_o, b_o).

    ``traces``: the forward traces of the correct recurrence, as numpy_forward returns them,
    to reuse; computed here when None. ``k``: None for s = Σ_k y_k, or the output followed.
    """
    c = config.replace(bug=NONE)  # the correct recurrence's gradients, whatever is planted
    if traces is None:
        traces, _ = numpy_forward(c, X, weights)
    cell = c.variant
    N = X.shape[0]
    δH = _head_backward(c, N, weights["W_o"], output_seed(c.K, k, X.dtype))  # (N, T, M·dirs)
    δH, δ_of, δh_of = _through_layers(c, traces, weights, δH)  # (N, T, D), {path: (N, T, M)}
    dy_dh = {path: _norms(δ) for path, δ in δ_of.items()}  # (T,) each
    # ∂(Σ_m h_T,m)/∂h_t: the last forward path's backward pass again, seeded at h_T alone.
    # Its ∂/∂x_t is not wanted: W_xh cut to no rows makes δx (N, T, 0), and its matmuls free.
    W = cell.path_weights(weights, suffix(c.layers, "fwd"))
    input_kernel, _, _ = cell.parts
    W[input_kernel.symbol] = W[input_kernel.symbol][:0]  # (0, bM)
    at_T = np.zeros((c.T, c.M), dtype=X.dtype)  # (T, M)
    at_T[-1] = 1
    seed = np.broadcast_to(at_T, (N, c.T, c.M))  # (N, T, M)  the same for every sample
    _, dh_T_dh = _path_backward(cell, traces[(c.layers, "fwd")], seed, W, "fwd")  # (N, T, M)
    for a in (δH, dh_T_dh, *dy_dh.values(), *δ_of.values(), *δh_of.values()):
        a.flags.writeable = False  # read-only, as a Run's arrays: a cache may share them
    return Gradients(
        dy_dx=δH,
        dh_T_dh=dh_T_dh,
        dy_dh=MappingProxyType(dy_dh),
        k=k,
        δ=MappingProxyType(δ_of),
        δh=MappingProxyType(δh_of),
    )


def gradients_of(run: Run, k: int | None = None) -> Gradients:
    """``gradients`` of a run, reusing its traces; with a bug planted they are the buggy
    code's, so the correct recurrence is run again first."""
    traces = None
    if run.config.bug == NONE:
        traces = {(p.layer, p.direction): p.trace for p in run.paths}
    return gradients(run.config, run.X, run.weights, k, traces)


def step_terms(
    run: Run, grads: Gradients, n: int, t: int, layer: int = 1, direction: str = "fwd"
) -> list[Term]:
    """Backward through step t of one path, for sample n: the δ_t that reached h_t, what
    step t sends back to the state before it (δ^rec), and what that state gets from outside
    the layer (δ^out, from the head or the layer above), which add up to its own δ. Going
    forward the state before step t is h_{t-1}; going backward it is h_{t+1}, and before
    the first step of the walk there is none (h_0 = 0 is no parameter).

    The recurrent part is the cell's (``Cell.delta``); where the table gives its steps
    (``Cell.delta_step``, the SimpleRNN's (δ_t ⊙ (1 − h_t²)) W_hhᵀ) they are computed here
    from δ_t; otherwise it is δ_{t-1} − δ^out_{t-1}, from the BPTT pass."""
    c = run.config
    path, p = (layer, direction), run.path(layer, direction)
    i = t - 1
    j = i - 1 if direction == "fwd" else i + 1  # the state before step t, in input order
    δ_t = grads.δ[path][n, i]  # (M,)
    terms = [Term(r"\delta_t", r"\partial s / \partial h_t", δ_t)]
    if not 0 <= j < c.T:
        return terms
    δ_prev = grads.δ[path][n, j]  # (M,)
    outside = grads.δh[path][n, j]  # (M,)
    recurrent = δ_prev - outside  # (M,)  what came back through step t
    cell = run.cell
    if cell.delta_step is not None:
        now = {k: v[n, i] for k, v in p.trace.items()}  # (M,) each
        *shown, (_, recurrent) = cell.delta_step(δ_t, now, **p.weights)
        terms += [Term(name, "", value) for name, value in shown]
    before = "t-1" if direction == "fwd" else "t+1"

    def named(latex: str) -> str:
        return latex.replace("t-1", before)

    rec, out = r"\delta^{\text{rec}}_{t-1}", r"\delta^{\text{out}}_{t-1}"
    return terms + [
        Term(named(rec), named(cell.delta), recurrent),
        Term(named(out), r"\text{from the head or the layer above}", outside),
        Term(named(r"\delta_{t-1}"), named(f"{rec} + {out}"), δ_prev),
    ]


@dataclass(frozen=True)
class Backprop:
    """``--grad``: the hand-written gradients and how far they are from Keras'."""

    mine: Gradients
    check: GradientAgreement


def backprop(run: Run, keras_model) -> Backprop:
    """BPTT in NumPy (``gradients_of``) beside tf.GradientTape on the same model and X."""
    mine = gradients_of(run)
    return Backprop(mine, mine.against(keras_model.gradients(run.X)))
