"""One complete run of the notebook: data, Keras, the NumPy recurrence, agreement.

``execute(config)`` is what the CLI, the app and the tests call. It is the last of the
pipeline's stages, each of which depends on less of the config than the next and so can
be cached on its own key: the shapes ledger (``rnnviz.shapes.ledger``, no TensorFlow, the config
alone), the Keras model (``rnnviz.keras_side.model.build``, everything but N), and the run itself
(X, Keras' y, the NumPy trace and their agreement: the whole config). A ``Run``'s arrays
are read-only and its dicts are read-only views, so one cached run can be shared by
every browser session without a copy.

A run flows through one *path* per recurrent layer and direction: layer 1 forward,
then (bidirectional) layer 1 backward, then layer 2, and so on. Each path keeps its
own weights and its whole trace; a backward path's trace is stored in the input's
time order (index t - 1 holds the state after reading x_t), as Keras returns it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from rnnviz.config import RNNConfig
from rnnviz.recurrence import bugs, forward
from rnnviz.recurrence.agreement import Agreement, Divergence, compare, diverge
from rnnviz.recurrence.cells import HEAD, HEAD_FORMULAS, Cell, suffix
from rnnviz.recurrence.network import numpy_forward
from rnnviz.shapes import ledger
from rnnviz.tasks import Xy_of


def _frozen(a: np.ndarray | None) -> np.ndarray | None:
    if a is not None:
        a.flags.writeable = False
    return a


def _frozen_map(arrays: Mapping[str, np.ndarray]) -> Mapping[str, np.ndarray]:
    return MappingProxyType({k: _frozen(v) for k, v in arrays.items()})


@dataclass(frozen=True)
class RecurrentPath:
    """One recurrent layer in one direction; what it is given, it holds read-only."""

    layer: int  # 1-based
    direction: str  # "fwd" or "bwd"
    weights: Mapping[str, np.ndarray]  # W_xh (D_l, bM), W_hh (M, bM), b_h: Keras' layout
    trace: Mapping[str, np.ndarray]  # "h" and the cell's gates and states, each (N, T, M)
    keras_h: np.ndarray | None = None  # (N, T, M) Keras' h_t, kept when a bug is planted

    def __post_init__(self):
        object.__setattr__(self, "weights", _frozen_map(self.weights))
        object.__setattr__(self, "trace", _frozen_map(self.trace))
        _frozen(self.keras_h)

    @property
    def suffix(self) -> str:
        return suffix(self.layer, self.direction)

    @property
    def label(self) -> str:
        return f"layer {self.layer}, {'backward' if self.direction == 'bwd' else 'forward'}"


@dataclass(frozen=True)
class Run:
    config: RNNConfig
    X: np.ndarray  # (N, T, D)
    paths: tuple[RecurrentPath, ...]  # layer 1 fwd, [layer 1 bwd], layer 2 fwd, ...
    head: Mapping[str, np.ndarray]  # W_o (M·directions, K), b_o (K,)
    y_numpy: np.ndarray  # (N, K) or (N, T, K)
    y_task: np.ndarray | None = None  # the task's or the data's target: (N, K) or (N,) classes
    # Keras' side (``joined``), None on a run of the NumPy side alone (``recur``):
    y_keras: np.ndarray | None = None  # same shape as y_numpy
    agreement: Agreement | None = None
    summary: str | None = None  # Keras' model.summary() text
    divergence: Divergence | None = None  # h_t step by step, when a bug is planted

    def __post_init__(self):
        # one cached run is shared by every session: its arrays are read-only, its dicts views
        for name in ("X", "y_keras", "y_numpy", "y_task"):
            _frozen(getattr(self, name))
        object.__setattr__(self, "head", _frozen_map(self.head))

    @property
    def checked(self) -> bool:
        """Whether Keras' side is in: y_keras, the agreement and the summary."""
        return self.y_keras is not None

    def joined(self, check: KerasCheck) -> Run:
        """This run of the NumPy side with Keras' beside it: the same arrays, not copies."""
        if self.checked:
            raise ValueError("this run has Keras' side already")
        keras_h = check.keras_h if self.config.bug != bugs.NONE else None
        paths = tuple(
            dataclasses.replace(
                p, keras_h=None if keras_h is None else keras_h[p.layer, p.direction]
            )
            for p in self.paths
        )
        return dataclasses.replace(
            self,
            paths=paths,
            y_keras=check.y_keras,
            agreement=check.agreement,
            summary=check.summary,
            divergence=check.divergence,
        )

    @property
    def diverges_from_t(self) -> int | None:
        """The first step (from 1) at which Keras' and NumPy's h_t differ by more than the
        tolerance. If every h_t agrees but y does not, the first step whose h the head
        reads wrongly: with return_sequences the first t whose y differs; otherwise the
        backward layer's last state (t = 1) when bidirectional, else h_T (t = T). None when
        the two sides agree, or when the states were not compared."""
        if self.divergence is None or self.agreement.agree and self.divergence.t is None:
            return None
        if self.divergence.t is not None:
            return self.divergence.t
        a, c = self.agreement, self.config
        if a.per_step is not None:
            return int(np.flatnonzero(a.per_step > a.tolerance)[0]) + 1
        return 1 if c.bidirectional else c.T

    @property
    def cell(self) -> Cell:
        return self.config.variant

    @property
    def nbytes(self) -> int:
        """Bytes held by the run's arrays: what it costs to keep it in a cache."""
        arrays = [self.X, self.y_numpy, *self.head.values()]
        arrays += [a for a in (self.y_task, self.y_keras) if a is not None]
        for p in self.paths:
            arrays += [*p.weights.values(), *p.trace.values()]
            arrays += [p.keras_h] if p.keras_h is not None else []
        if self.divergence is not None:
            arrays.append(self.divergence.per_step)
        if self.agreement is not None:
            a = self.agreement
            arrays += [x for x in (a.per_sample, a.per_output, a.per_step) if x is not None]
        return sum(x.nbytes for x in arrays)

    @property
    def weights(self) -> dict[str, np.ndarray]:
        """Every weight by its export name: W_xh, ..., W_xh_2, b_h_bwd, ..., W_o, b_o."""
        named = {}
        for p in self.paths:
            named.update({k + p.suffix: v for k, v in p.weights.items()})
        named.update(self.head)
        return named

    @property
    def trace(self) -> Mapping[str, np.ndarray]:
        """The first layer's forward trace (h, and the cell's gates and states)."""
        return self.paths[0].trace

    @property
    def h(self) -> np.ndarray:
        return self.paths[0].trace["h"]  # (N, T, M)

    def path(self, layer: int = 1, direction: str = "fwd") -> RecurrentPath:
        for p in self.paths:
            if (p.layer, p.direction) == (layer, direction):
                return p
        raise ValueError(f"no path layer {layer}, {direction} in {self.config}")

    def layer_input(self, layer: int, n: int, i: int) -> np.ndarray:
        """What layer ``layer`` reads at 0-based step i of sample n: x_t, or the layer
        below's h_t (both directions side by side). Indexed before concatenating, so a
        rerun of the step panel copies (M·directions,) values, not the whole trace."""
        if layer == 1:
            return self.X[n, i]  # (D,)
        below = [p.trace["h"][n, i] for p in self.paths if p.layer == layer - 1]
        return np.concatenate(below)  # (M·directions,)

    def step_state(self, n: int, t: int, layer: int = 1, direction: str = "fwd") -> StepState:
        """What step t (1-based, as on the page) of one path reads and makes, for sample n,
        as the code that ran computed it: with a bug planted, its weights, activations and
        state before the step are the buggy code's.

        The state before the step is h_{t-1} going forward and h_{t+1} going backward
        (zero at the sequence's start, which is t = T for the backward path)."""
        c = self.config
        if not (0 <= n < c.N and 1 <= t <= c.T):
            raise ValueError(
                f"need 0 <= n < N = {c.N} and 1 <= t <= T = {c.T}, got n = {n}, t = {t}"
            )
        p = self.path(layer, direction)
        bug = bugs.bug_of(c.bug)
        walk = direction if not bug.reverse else {"fwd": "bwd", "bwd": "fwd"}[direction]
        i = t - 1  # 0-based index of step t
        j = i - 1 if walk == "fwd" else i + 1  # index of the state before the step
        start = {k: np.zeros(c.M, self.X.dtype) for k in p.trace}  # (M,) each
        start["h"] = np.full(c.M, bug.h_0, self.X.dtype)  # (M,)  h_0
        carried = bug.carry and 0 <= j < c.T
        return StepState(
            x_t=self.layer_input(layer, n, i),  # (D_l,)
            before={k: (v[n, j] if carried else start[k]) for k, v in p.trace.items()},
            now={k: v[n, i] for k, v in p.trace.items()},
            weights=bug.weights(self.cell, p.weights),
            activations=bug.activations(self.cell.step),
            swapped=bug.swapped,
            backward=walk == "bwd",
        )

    def step_terms(
        self, n: int, t: int, layer: int = 1, direction: str = "fwd", layout: str = "keras"
    ) -> list[forward.Term]:
        """The terms of step t (1-based, as on the page) of one path, for sample n, named and
        written as ``layout`` (``rnnviz.recurrence.cells.LAYOUTS``) does: the same numbers in each.

        With a bug planted the terms are the buggy code's (``step_state``), and Keras' h_t is
        the last term.
        """
        s = self.step_state(n, t, layer, direction)
        terms = self.cell.step_terms(s.x_t, s.before, s.now, s.weights, layout, **s.activations)
        keras_h = self.path(layer, direction).keras_h
        if keras_h is not None:
            terms.append(forward.Term(r"h_t^{\text{Keras}}", "", keras_h[n, t - 1]))  # (M,)
        if not s.backward:
            return terms
        # Going backward the state carried into step t is the one after step t + 1.
        return [
            forward.Term(
                term.name.replace("t-1", "t+1"), term.formula.replace("t-1", "t+1"), term.value
            )
            for term in terms
        ]


@dataclass(frozen=True)
class StepState:
    """One step of one sample in one path, as the code that ran saw it (``Run.step_state``)."""

    x_t: np.ndarray  # (D_l,): what the layer reads at step t
    before: Mapping[str, np.ndarray]  # the state carried into the step: "h" (and "c"), (M,) each
    now: Mapping[str, np.ndarray]  # the trace at step t: h, gates and states, (M,) each
    weights: Mapping[str, np.ndarray]  # the path's weights as the code read them (a bug's)
    activations: Mapping[str, object]  # σ and tanh as the step function takes them
    swapped: bool  # σ and tanh swapped (a planted bug): a gate's σ was a tanh, and back
    backward: bool  # walked from T down: the state before step t is the one after t + 1


@dataclass(frozen=True)
class OutputStep:
    """The Dense head at one step of one sample: y = h W_o + b_o, NumPy beside Keras."""

    h: np.ndarray  # (M·directions,): h_T (or h_t with return_sequences), both directions
    hW: np.ndarray  # (K,)  h W_o
    b_o: np.ndarray  # (K,)
    y_numpy: np.ndarray  # (K,)
    y_keras: np.ndarray | None  # (K,), None before Keras' side is in


def head_equation(config: RNNConfig, layout: str = "keras") -> str:
    """The Dense head in plain text, as ``layout`` writes it, with what it reads when
    bidirectional: the forward path's state after its last step beside the backward
    path's, which ends at t = 1. "y = h_T W_o + b_o, h_T = [h→_T ; h←_1]"."""
    y = HEAD_FORMULAS[layout][0].replace("{", "").replace("}", "")  # h_T W_o + b_o
    if config.return_sequences:
        both = ", h_t = [h→_t ; h←_t]"
        return "y_t = " + y.replace("h_T", "h_t") + (both if config.bidirectional else "")
    both = ", h_T = [h→_T ; h←_1]"
    return "y = " + y + (both if config.bidirectional else "")


def symptom(run: Run) -> str | None:
    """One sentence on where a planted bug shows, from the numbers: "With “W_hh transposed”
    planted, NumPy diverges from t = 2, where h_{t-1} first matters (...): first in layer 1,
    forward, sample n = 3, unit m = 1, |Δh| = 3.1e-02; the gap reaches 4.2e-01 at t = 9."
    None when no bug is planted."""
    c = run.config
    bug = bugs.bug_of(c.bug)
    if c.bug == bugs.NONE or run.divergence is None:
        return None
    t, d = run.diverges_from_t, run.divergence
    planted = f"With “{bug.title}” planted, NumPy"
    if t is None:
        return f"{planted} still agrees with Keras at every step: this bug does not show here."
    if d.t is None:
        return f"{planted}'s y diverges from t = {t}, {bug.symptom}."
    layer, direction, n, m = d.where
    i = t - 1
    gap = d.per_step[i]
    peak = int(np.argmax(d.per_step))
    where = f"layer {layer}, {'backward' if direction == 'bwd' else 'forward'}"
    return (
        f"{planted} diverges from t = {t}, {bug.symptom}: first in {where}, sample n = {n}, "
        f"unit m = {m}, |Δh| = {gap:.1e} (tolerance {d.tolerance:.0e}); the gap reaches "
        f"{d.per_step[peak]:.1e} at t = {peak + 1}."
    )


def output_step(run: Run, n: int, t: int) -> OutputStep | None:
    """y for sample n at step t (1-based) from the last layer; None where there is no y.

    With return_sequences the head reads every h_t; otherwise only h_T, which for a
    backward path is the state after its last step, at t = 1.
    """
    c = run.config
    if not c.return_sequences and t != c.T:
        return None
    last = [p for p in run.paths if p.layer == c.layers]
    if c.return_sequences:
        h = np.concatenate([p.trace["h"][n, t - 1] for p in last])  # (M·directions,)
        at = (n, t - 1)
    else:
        h = np.concatenate([p.trace["h"][n, -1 if p.direction == "fwd" else 0] for p in last])
        at = (n,)
    y_numpy = run.y_numpy[at]  # (K,)
    y_keras = None if run.y_keras is None else run.y_keras[at]  # (K,)
    hW = h @ run.head["W_o"]  # (K,)
    return OutputStep(h=h, hW=hW, b_o=run.head["b_o"], y_numpy=y_numpy, y_keras=y_keras)


@dataclass(frozen=True)
class KerasCheck:
    """Keras' side of a run: what the Keras model says about the run's X and weights."""

    y_keras: np.ndarray  # (N, K) or (N, T, K)
    agreement: Agreement  # y_keras against the run's y_numpy
    summary: str  # Keras' model.summary() text
    divergence: Divergence | None = None  # h_t step by step, when compared
    keras_h: Mapping[tuple[int, str], np.ndarray] | None = None  # (N, T, M) per path, compared

    def __post_init__(self):
        _frozen(self.y_keras)
        if self.keras_h is not None:
            object.__setattr__(self, "keras_h", _frozen_map(self.keras_h))

    @property
    def nbytes(self) -> int:
        a = self.agreement
        arrays = [self.y_keras, *(self.keras_h or {}).values()]
        arrays += [x for x in (a.per_sample, a.per_output, a.per_step) if x is not None]
        arrays += [self.divergence.per_step] if self.divergence is not None else []
        return sum(x.nbytes for x in arrays) + len(self.summary)


def recur(config: RNNConfig, weights: Mapping[str, np.ndarray], edit=None, data=None) -> Run:
    """The NumPy side of ``config``'s run, with no Keras: X (from the seed, ``edit`` or
    ``data``), the recurrence over it with ``weights`` (every weight by export name, in the
    config's dtype: ``rnnviz.recurrence.initial.weights_of``), its whole trace and y."""
    c = config
    X, y_task = Xy_of(c, data, edit)  # (N, T, D); the target, (N, 1) or (N,), or None
    traces, y_numpy = numpy_forward(c, X, weights)  # each (N, T, M); (N, [T,] K)
    paths = tuple(
        RecurrentPath(
            layer=layer,
            direction=d,
            weights=c.variant.path_weights(weights, suffix(layer, d)),
            trace=trace,
        )
        for (layer, d), trace in traces.items()
    )
    return Run(
        config=c,
        X=X,
        paths=paths,
        head={w.symbol: weights[w.symbol] for w in HEAD},
        y_numpy=y_numpy,
        y_task=None if y_task is None else np.array(y_task),
    )


def check(run: Run, keras_model, states: bool = False) -> KerasCheck:
    """Keras' side of ``run``: the model (built for ``run.config.model_config``, holding the
    run's weights) computes y from the run's X, and its summary; with a bug planted, or
    with ``states``, its h_t are compared with NumPy's step by step too."""
    c = run.config
    if keras_model.config != c.model_config:
        raise ValueError(f"the Keras model was built for {keras_model.config}, not for {c}")
    y_keras = keras_model(run.X)  # (N, K) or (N, T, K)
    keras_h = None
    if c.bug != bugs.NONE or states:
        keras_h = keras_model.states(run.X)  # (N, T, M) each
    divergence = None
    if keras_h is not None:
        divergence = diverge(keras_h, {(p.layer, p.direction): p.trace["h"] for p in run.paths})
    return KerasCheck(
        y_keras=y_keras,
        agreement=compare(y_keras, run.y_numpy),
        summary=keras_model.summary(),
        divergence=divergence,
        keras_h=keras_h,
    )


def execute(
    config: RNNConfig,
    keras_model=None,
    states: bool = False,
    weights: Mapping[str, np.ndarray] | None = None,
    edit=None,
    data=None,
) -> Run:
    """Run ``config`` end to end, the NumPy side and Keras' joined; pass ``keras_model`` to
    reuse an already built one (whose weights the run then computes with), or ``weights``
    for a new one (``model.build``: imported or trained weights the config names),
    ``edit`` (an ``rnnviz.inputs.x_edits.Edit``), the edited sample the config's ``x_edit``
    names, and ``data`` (an ``rnnviz.inputs.userdata.Data``), the uploaded data its ``data``
    names.

    With a bug planted, or with ``states``, Keras' h_t are compared with NumPy's step by
    step too (``Run.divergence``); a bug's run also keeps Keras' h_t for the step panel."""
    from rnnviz.keras_side import model as keras_side  # imports TensorFlow on first use

    c = config
    if keras_model is None:
        keras_model = keras_side.build(c, weights)
    run = recur(c, keras_model.weights(), edit=edit, data=data)
    return run.joined(check(run, keras_model, states))


def planned_nbytes(config: RNNConfig) -> int:
    """``execute(config).nbytes``, known before running it, so a cache can make room first.

    In the config's dtype: X (N, T, D), y from Keras and from NumPy, every parameter (the
    ledger's total), and for each layer and direction one (N, T, M) array per quantity the
    cell's recurrence traces (counted by running it once on a single zero step), one more
    (Keras' h_t) with a bug planted; float64: the largest |Δ| per sample, per output and,
    with return_sequences or a bug, per step.
    """
    c, f64 = config, 8
    traced = c.variant.traced + (c.bug != bugs.NONE)
    steps = c.T if c.return_sequences else 1
    arrays = c.N * c.T * c.D + 2 * c.N * steps * c.K + ledger.param_totals(c)["total"]
    arrays += len(c.paths) * traced * c.N * c.T * c.M
    per = c.N + c.K + (c.T if c.return_sequences else 0) + (c.T if c.bug != bugs.NONE else 0)
    return c.itemsize * arrays + f64 * per


KERAS_STEPS_AHEAD = 32  # Keras' loop runs up to 32 iterations at once (its parallel_iterations)


def scratch_nbytes(config: RNNConfig) -> int:
    """At most what computing the run of ``config`` takes beyond what it keeps.

    Keras' compiled loop works up to 32 steps ahead, each step holding (N + M)·gM numbers
    or so (its input projection, and the recurrent kernel's gate blocks, which the GRU
    with reset_after=False slices anew every step), times 4 for the temporaries around
    them and for tracing the loop on a new model's first call, for every layer and
    direction (a new model's graph holds them all). NumPy projects x_t W a 4 MB block at a
    time. A bound, not an estimate: tests/test_budget.py checks it against the peak
    resident memory of real runs at the work cap, which comes to about half of planned +
    scratch or less.
    """
    c = config
    cell = c.variant
    gM = cell.blocks * c.M  # the gate blocks side by side: M, 3M or 4M
    keras = min(c.T, KERAS_STEPS_AHEAD) * (c.N + c.M) * gM * 4 * len(c.paths)
    return c.itemsize * keras + forward.PROJECTION_BLOCK_BYTES
