"""Why plain RNNs forget: the spectrum of W_hh, a pulse's trace in h_t, the LSTM's forget path.

Three small measures, from a run's weights and trace alone (no Keras, no gradients):

- ``spectrum``: the eigenvalues of each (M, M) gate block of W_hh, its spectral radius ρ
  (the largest |λ|) and its largest singular value σ_max. For a SimpleRNN linearised
  around h = 0 the state after k more steps is h_{t+k} ≈ h_t W_hh^k, so what h_t leaves
  behind shrinks or grows roughly like ρ^k.
- ``pulse_memory``: with a pulse input (``rnnviz.tasks``), how far h_t sits from where the
  same model goes without the pulse, max over units, step by step, and the last step at
  which the pulse still moves h_t by a share of its peak. The no-pulse run is needed because
  the biases alone pull h_t to a fixed point that is not 0.
- ``forget_products``: the LSTM's ∏ f_τ, the share of c_t that reaches the last cell state
  along the cell path alone: its memory horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnviz.pipeline import Run
from rnnviz.recurrence.cells import Cell
from rnnviz.recurrence.network import numpy_forward

EDGE = 1e-3  # |ρ − 1| below this counts as ρ = 1 (float32 weights)
THRESHOLD = 1e-2  # a pulse is "still there" while it moves h_t by this share of its peak


@dataclass(frozen=True)
class Block:
    """One (M, M) block of W_hh: its name, eigenvalues, ρ and σ_max."""

    name: str  # "W_hh", or the gate's name from the cell table: "forget gate f"
    letter: str  # the block's superscript in the equations: "", "f"
    eigenvalues: np.ndarray  # (M,) complex
    rho: float  # spectral radius: max |λ|
    sigma_max: float  # largest singular value: max over h of |h W| / |h|


def spectrum(cell: Cell, W_hh: np.ndarray) -> list[Block]:
    """The spectrum of each gate block of W_hh (M, gM), in Keras' gate order; one block
    for a SimpleRNN. In Keras' layout h_t = ... h_{t-1} W_hh, and W and Wᵀ have the same
    eigenvalues and singular values, so the layout does not matter. In float64."""
    M = W_hh.shape[0]
    gates = cell.gates or (None,)
    blocks = []
    for g, gate in enumerate(gates):
        W = np.asarray(W_hh[:, g * M : (g + 1) * M], dtype=np.float64)  # (M, M)
        lam = np.linalg.eigvals(W)  # (M,) complex
        sigma = np.linalg.svd(W, compute_uv=False)  # (M,) descending
        name = "W_hh" if gate is None else gate.name
        letter = "" if gate is None else gate.letter
        blocks.append(Block(name, letter, lam, float(np.abs(lam).max()), float(sigma[0])))
    return blocks


def rho_sentence(cell: Cell, blocks: list[Block], T: int) -> str:
    """What ρ says about memory and gradients through time, and where it says nothing."""
    if not cell.gates:
        rho = blocks[0].rho
        k = max(T - 1, 1)
        trend = (
            "sits on the edge: ρ^(T−t) = 1, neither shrinking nor growing (an orthogonal "
            "W_hh, Keras' start, has every |λ| = 1)"
            if abs(rho - 1) < EDGE
            else "forgets: a state's trace, and the gradient ‖∂h_T/∂h_t‖, shrink roughly like "
            "ρ^(T−t) (vanishing)"
            if rho < 1
            else "keeps or amplifies: ‖∂h_T/∂h_t‖ grows roughly like ρ^(T−t) (exploding) "
            "until tanh saturates"
        )
        return (
            f"ρ = {rho:.3g}, σ_max = {blocks[0].sigma_max:.3g}. Linearised around h = 0, "
            "each step multiplies by W_hh (∂h_t/∂h_{t−1} = diag(1 − h_t²) W_hhᵀ, and "
            f"tanh′(0) = 1), so this SimpleRNN {trend}; over T − 1 = {k} steps ρ^{k} = "
            f"{rho**k:.2g}. ρ is only the linear part: where tanh saturates (|h| near 1) "
            "diag(1 − h_t²) shrinks every step's factor, so even ρ > 1 can forget; and "
            "σ_max ≥ ρ bounds a single step's gain, not the long-run rate."
        )
    radii = ", ".join(f"ρ({b.letter}) = {b.rho:.3g}" for b in blocks)
    return (
        f"Per gate block: {radii}. In a gated cell no single block's ρ predicts memory: "
        "W_hh's blocks only feed the gates' pre-activations, and what carries a state from "
        "step to step is the gates' values (the LSTM's c_t = f_t ⊙ c_{t−1} + …, the GRU's "
        "h_t = z_t ⊙ h_{t−1} + …), which the input and the biases set as much as W_hh. "
        "ρ^(T−t) is a SimpleRNN's rule of thumb for how ‖∂h_T/∂h_t‖ vanishes or explodes."
    )


@dataclass(frozen=True)
class PulseMemory:
    """How long a pulse at t0 stays in h_t, for one sample and one path."""

    t0: int  # the pulse's step, 1-based
    gap: np.ndarray  # (T,) max_m |h_t − h̄_t|, h̄ the same model's h_t without the pulse
    peak: float  # the largest gap
    threshold: float  # the share of the peak that counts as "still there"
    last: int | None  # the last step (1-based, along the path's walk) where gap ≥ share·peak
    walk: str  # "fwd" (t grows) or "bwd" (the backward path reads x_T first)

    @property
    def steps(self) -> int | None:
        """How many steps after the pulse it is still there (None if it never shows)."""
        if self.last is None:
            return None
        return self.last - self.t0 if self.walk == "fwd" else self.t0 - self.last


def pulse_memory(
    run: Run, layer: int = 1, direction: str = "fwd", n: int = 0, threshold: float = THRESHOLD
) -> PulseMemory:
    """The pulse's trace in path (``layer``, ``direction``) of sample n: the gap between
    h_t and the h̄_t the same recurrence (and planted bug) gives with X = 0, its peak, and
    the last step, walking the path's way, at which the gap is still ≥ threshold · peak
    (after it the gap stays below). A run of a pulse input (``config.input == "pulse"``)."""
    c = run.config
    if c.input != "pulse":
        raise ValueError(f"pulse_memory needs input=pulse, got input={c.input}")
    X_0 = np.zeros((1, c.T, c.D), dtype=run.X.dtype)  # (1, T, D): the same model, no pulse
    traces, _ = numpy_forward(c, X_0, run.weights)
    h_bar = traces[(layer, direction)]["h"][0]  # (T, M)
    h = run.path(layer, direction).trace["h"][n]  # (T, M)
    gap = np.abs(h.astype(np.float64) - h_bar).max(axis=1)  # (T,)
    peak = float(gap.max())
    there = np.flatnonzero(gap >= threshold * peak) if peak > 0 else np.array([], int)
    last = None
    if there.size:
        last = int(there[-1] if direction == "fwd" else there[0]) + 1
    return PulseMemory(c.pulse_t, gap, peak, threshold, last, direction)


def pulse_sentence(memory: PulseMemory, T: int) -> str:
    """ "The pulse at t0 = 3 still moves h_t by ≥ 1e-02 of its peak at t = 9 (6 steps on)"."""
    p = memory
    share = f"{p.threshold:.0e} of its peak ({p.peak:.2g})"
    if p.last is None:
        return f"The pulse at t0 = {p.t0} never moves h_t here."
    end = T if p.walk == "fwd" else 1
    if p.last == end:
        return (
            f"The pulse at t0 = {p.t0} still moves h_t by more than {share} at the last step "
            f"t = {end}: this path has not forgotten it within the sequence."
        )
    return (
        f"The pulse at t0 = {p.t0} still moves h_t by {share} at t = {p.last} "
        f"({p.steps} steps on); after that, less: its trace lasts {p.steps} steps."
    )


def forget_products(f: np.ndarray, direction: str = "fwd") -> np.ndarray:
    """The LSTM's memory horizon from its forget gates f (N, T, M): the share of c_t that
    reaches the path's last cell state along the cell path alone, ∏_{τ=t+1}^{T} f_τ going
    forward (1 at t = T), ∏_{τ=1}^{t-1} f_τ for a backward path (which ends at t = 1).
    (N, T, M) in float64, so a product over hundreds of steps does not underflow early."""
    f = np.asarray(f, dtype=np.float64)  # (N, T, M)
    P = np.ones_like(f)  # (N, T, M)
    if direction == "fwd":
        P[:, :-1] = np.cumprod(f[:, ::-1], axis=1)[:, ::-1][:, 1:]  # (N, T-1, M)
    else:
        P[:, 1:] = np.cumprod(f, axis=1)[:, :-1]  # (N, T-1, M)
    return P


FORGET, CELL_STATE = "f", "c"  # the trace keys of the LSTM's forget gate and cell state


def has_forget_path(cell: Cell) -> bool:
    """Whether ``cell`` carries a cell state c_t = f_t ⊙ c_{t−1} + …: its table lists a
    forget gate and a state c (the LSTM)."""
    gates, states = {g.key for g in cell.gates}, {s.key for s in cell.states}
    return FORGET in gates and CELL_STATE in states


def horizon_sentence(P: np.ndarray, direction: str = "fwd") -> str:
    """One sentence on the memory horizon P (T, M) of one sample (``forget_products``):
    how many steps back c_t still reaches the last cell state by more than THRESHOLD."""
    T = P.shape[0]
    mean = P.mean(axis=1)  # (T,)
    reach = np.flatnonzero(mean >= THRESHOLD)  # (≤ T,) steps whose share is still there
    end, far = (T, 1) if direction == "fwd" else (1, T)
    where = "c_T" if direction == "fwd" else "c_1 (the backward path ends at t = 1)"
    farthest = int(reach[0] if direction == "fwd" else reach[-1]) + 1
    if farthest == far:
        horizon = f"every c_t still reaches {where} by at least {THRESHOLD:.0e} on average"
    else:
        horizon = (
            f"on average c_t reaches {where} by at least {THRESHOLD:.0e} only from "
            f"t = {farthest} ({abs(end - farthest)} steps back)"
        )
    return (
        f"∏ f_τ over the steps between t and the end is the share of c_t that survives to "
        f"{where} along the cell path alone (the gradient ∂c_end/∂c_t along it, too): "
        f"{horizon}. The mean over units at t = {far} is {mean[far - 1]:.2g}."
    )
