"""Training a config's Keras model on a task's (X, y), one training at a time per server.

``train`` builds a fresh model (never a cached one) from the config's seed or from given weights,
holds out the last VAL_FRACTION of the N samples for validation, and runs Adam over the rest in
batches of BATCH. The loop is written out rather than left to ``model.fit``: its step is a
``tf.function`` with a batch-free input signature, traced once for every batch size (the last,
smaller batch of an epoch would cost ``fit`` a second trace), with Adam written out (a Keras
optimizer keeps every training's graph alive, see ``_step``); the training set is shuffled each
epoch by ``np.random.default_rng(config.seed)`` and nothing global (other threads use TensorFlow
too); and Stop, the wall-clock budget, a NaN and the progress report are all looked at after every
batch. TensorFlow runs on one thread (``rnnviz.keras_side.model._keras``), so the same (config, X,
y, epochs) gives bit-identical weights on one machine. The losses of ``History`` are evaluated on
the whole training and validation sets after each epoch, with the weights as they then are (not the
running mean of the batches that ``fit`` reports), so ``loss_before`` and ``loss`` are one quantity,
before and after.

The queue: a server has one ``Trainer`` whose single worker thread runs the jobs in the order
they came. Two tabs asking for the same training share one ``Ticket``; a page polls its
``state``, ``position()`` and ``snapshot``. A job's exception becomes ``ticket.error`` (one
line), never the next visitor's problem. A finished training is a ``Trained``, which the
server's store (``rnnviz.inputs.store``) keeps like an upload. Nothing here imports Streamlit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np

from rnnviz import tasks
from rnnviz.config import SEEDED, TRAINED, RNNConfig
from rnnviz.inputs.imported import architecture, fits
from rnnviz.inputs.store import Store
from rnnviz.keras_side import model as keras_side

VAL_FRACTION = tasks.VAL_FRACTION  # the last 20% of the N samples are validation (≥ 1)
EPOCHS = (1, 200)  # the allowed epochs, lowest and highest
BUDGET_S = 60.0  # a training's default wall-clock budget, seconds
# Adam's step and the batch: bench/training.py's LSTM reaches validation MSE < 0.05 on the
# adding problem at T = 50 in ~13 epochs, 4-6 s, with these (with Keras' default 1e-3 it took
# ~3× the epochs); a batch of 32 (fit's default) gives 50 steps an epoch at N = 2000 and
# several even at the small N a page starts with.
LEARNING_RATE = 1e-2
BATCH = 32
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7  # Adam's other constants: Keras' defaults
EVERY_S = 0.25  # the most seconds between two progress reports during an epoch

# "sequence": one class at every step (the text tasks), its cross-entropy averaged over steps
METRICS = {"regression": "MSE", "classification": "cross-entropy", "sequence": "cross-entropy"}
NO_TARGET = "random X has no target: choose a task or upload data with y"
ONE_PER_SEQUENCE = (
    "return_sequences gives an output at every step, but this target is one per "
    "sequence: turn return_sequences off to train"
)
EVERY_STEP = (
    "this target has a class at every step, which needs return_sequences on: an output "
    "at every step"
)


class TrainingError(ValueError):
    """Why a training cannot run, or why it ended without weights; one sentence."""


@dataclass(frozen=True)
class History:
    """What a training did, epoch by epoch. Losses are evaluated on the whole training and
    validation sets with the weights at the end of each epoch."""

    loss: tuple[float, ...]  # training loss after each completed epoch
    val_loss: tuple[float, ...]  # validation loss after each completed epoch
    loss_before: float  # training loss of the initial weights
    val_loss_before: float  # validation loss of the initial weights
    epochs: int  # epochs completed
    stopped: str | None  # None (every epoch ran), "stop" (Stop pressed), "budget" (time up)
    seconds: float  # wall time of the whole training, building the model included
    metric: str  # what the loss is: "MSE" or "cross-entropy"
    accuracy: tuple[float, ...] = ()  # classification: training accuracy after each epoch
    val_accuracy: tuple[float, ...] = ()  # classification: validation accuracy
    accuracy_before: float | None = None  # classification: of the initial weights
    val_accuracy_before: float | None = None
    n_train: int = 0  # samples trained on (the first n_train of X)
    n_val: int = 0  # samples validated on (the last n_val)


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, and weakly referenced
class Trained:
    """A finished training: what its weights depend on (``RNNConfig.training_key``, with the
    epochs it completed), the weights (read-only float32, by export name) and the losses."""

    key: RNNConfig
    weights: Mapping[str, np.ndarray]
    history: History

    @classmethod
    def of(cls, key: RNNConfig, weights: Mapping[str, np.ndarray], history: History) -> Trained:
        """The training's result with copies of its weights of its own, read-only: sessions
        and the store share them."""
        frozen = {}
        for name, a in weights.items():
            a = np.array(a, dtype=np.float32)  # (the weight's shape), a copy
            a.flags.writeable = False
            frozen[name] = a
        return cls(key, MappingProxyType(frozen), history)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.weights.values())

    def problem(self, config: RNNConfig) -> str | None:
        """None: the store finds trained weights by what they were trained for, which is all
        a config's weights=trained asks of them."""
        return None if config.training_key == self.key else "were trained for another model"


@dataclass(frozen=True)
class Snapshot:
    """A training's progress, as a page draws it."""

    state: Literal["starting", "training", "finished"]  # starting: building, evaluating
    epoch: int  # epochs completed
    epochs: int  # epochs asked for
    batch: float  # fraction of the current epoch done, 0..1
    loss: tuple[float, ...]  # History.loss so far
    val_loss: tuple[float, ...]  # History.val_loss so far
    running_loss: float | None  # mean batch loss of the current epoch so far (None: none yet)
    seconds: float  # since the training started
    loss_before: float | None = None  # the initial weights' losses, once evaluated
    val_loss_before: float | None = None
    stopped: str | None = None  # once finished: History.stopped

    @property
    def fraction(self) -> float:
        """How much of the asked-for training is done, 0..1."""
        return min(1.0, (self.epoch + self.batch) / self.epochs)


def loss_of(kind: str):
    """The Keras loss of a task of ``kind``: MSE for a regression, sparse categorical
    cross-entropy on logits (the Dense head has no softmax) for a classification."""
    keras, _ = keras_side._keras()
    if kind == "regression":
        return keras.losses.MeanSquaredError()
    if kind in ("classification", "sequence"):  # a sequence's: the mean over N and T
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    if kind == "none":
        raise TrainingError(NO_TARGET)
    raise TrainingError(f"kind must be regression, classification or sequence, got {kind!r}")


def baseline(y: np.ndarray, kind: str, N: int) -> float:
    """The validation loss of the best answer that ignores X, learnt from the training
    targets alone: their mean (MSE: the validation targets' spread about it), or their class
    frequencies (cross-entropy). A model at this loss has learnt nothing from X."""
    n_train, _ = split(N)
    train, val = y[:n_train], y[n_train:]
    if kind == "regression":
        mean = train.astype(np.float64).mean(axis=0)  # (K,)
        return float(np.mean((val.astype(np.float64) - mean) ** 2))
    train, val = train.reshape(-1), val.reshape(-1)  # a sequence's steps count as samples
    K = int(max(train.max(), val.max())) + 1
    p = (np.bincount(train, minlength=K) + 1) / (len(train) + K)  # (K,) smoothed frequencies
    return float(-np.mean(np.log(p[val])))


def split(N: int) -> tuple[int, int]:
    """(n_train, n_val): the last VAL_FRACTION of N samples, at least 1, are validation."""
    if N < 2:
        raise TrainingError(
            f"training needs N ≥ 2 samples (one to learn from, one to validate on), got N = {N}"
        )
    held = tasks.n_val(N)
    return N - held, held


def _checked(config: RNNConfig, X, y, kind: str, epochs: int):
    """X as (N, T, D) float32 and y as the loss reads it, or TrainingError saying what is
    wrong and what is allowed."""
    if kind == "none" or y is None:
        raise TrainingError(NO_TARGET)
    if kind not in METRICS:
        raise TrainingError(f"kind must be regression, classification or sequence, got {kind!r}")
    if config.return_sequences != (kind == "sequence"):
        raise TrainingError(ONE_PER_SEQUENCE if config.return_sequences else EVERY_STEP)
    low, high = EPOCHS
    if isinstance(epochs, bool) or not isinstance(epochs, int) or not low <= epochs <= high:
        raise TrainingError(
            f"epochs must be a whole number between {low} and {high}, got {epochs!r}"
        )
    X = np.asarray(X, dtype=np.float32)  # (N, T, D)
    c = config
    if X.ndim != 3 or X.shape[1:] != (c.T, c.D):
        raise TrainingError(
            f"X must be (N, T, D) = (N, {c.T}, {c.D}) for this model, got {X.shape}"
        )
    N = X.shape[0]
    if kind == "regression":
        y = np.asarray(y, dtype=np.float32)  # (N, K)
        if y.shape != (N, c.K):
            raise TrainingError(f"y must be (N, K) = ({N}, {c.K}) for a regression, got {y.shape}")
        if not np.isfinite(y).all():
            raise TrainingError("y must hold finite numbers, but some are NaN or infinite")
    else:
        y = np.asarray(y)
        shape, what = {"classification": ((N,), "a classification")}.get(
            kind, ((N, c.T), "a target at every step")
        )
        if y.shape != shape or not np.issubdtype(y.dtype, np.integer):
            raise TrainingError(
                f"y must be {shape} class indices for {what}, got {y.shape} {y.dtype}"
            )
        if y.size and not (0 <= y.min() and y.max() < c.K):
            raise TrainingError(
                f"y's classes must be between 0 and K - 1 = {c.K - 1}, got {y.min()} to {y.max()}"
            )
        y = y.astype(np.int32)  # (N,) or (N, T)
    if not np.isfinite(X).all():
        raise TrainingError("X must hold finite numbers, but some are NaN or infinite")
    split(N)
    return X, y


def _evaluate(net, X: np.ndarray, y: np.ndarray, kind: str) -> tuple[float, float | None]:
    """(loss, accuracy or None) of ``net`` on (X, y), in float64 from its outputs: the mean
    squared error, or the mean of -log softmax(logits)[y] (over every step of a sequence)."""
    out = net(X).astype(np.float64)  # (n, K), or (n, T, K) for a sequence
    if kind == "regression":
        return float(np.mean((out - y) ** 2)), None
    out, y = out.reshape(-1, out.shape[-1]), y.reshape(-1)  # (n·T, K), (n·T,): steps as samples
    z = out - out.max(axis=1, keepdims=True)  # (n, K), the largest logit 0
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # (n, K) log softmax
    n = np.arange(len(y))  # (n,)
    return float(-log_p[n, y].mean()), float((out.argmax(axis=1) == y).mean())


def _step(net, kind: str, η: float):
    """One Adam step on a batch, as a ``tf.function`` traced once for any batch size;
    returns the batch's loss. Adam is Keras' (``keras.optimizers.Adam`` with its defaults
    β1, β2, ε, the same arithmetic in the same order), written out: a Keras optimizer
    stepped inside a ``tf.function`` keeps each training's graph alive after it is done
    (measured: 5 MB a training of an LSTM(8) at T = 20, 14 MB with Keras' own ``compile``
    and ``train_on_batch``), for the life of the server; these variables go with the step."""
    _, tf = keras_side._keras()
    model, loss = net.model, loss_of(kind)
    W = model.trainable_variables  # W_xh, W_hh, b_h, ..., W_o, b_o as Keras holds them
    m = [tf.Variable(tf.zeros(w.shape, "float32"), trainable=False) for w in W]  # 1st moments
    v = [tf.Variable(tf.zeros(w.shape, "float32"), trainable=False) for w in W]  # 2nd moments
    t = tf.Variable(0.0, trainable=False)  # steps taken
    c = net.config
    y_spec = {
        "regression": tf.TensorSpec((None, c.K), "float32"),
        "classification": tf.TensorSpec((None,), "int32"),
        "sequence": tf.TensorSpec((None, c.T), "int32"),
    }[kind]

    @tf.function(input_signature=[tf.TensorSpec((None, c.T, c.D), "float32"), y_spec])
    def step(X, y):
        with tf.GradientTape() as tape:
            value = loss(y, model(X, training=True))
        g = tape.gradient(value, W)
        t.assign_add(1.0)
        α = η * tf.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)  # the bias-corrected step
        for w, m_i, v_i, g_i in zip(W, m, v, g, strict=True):
            m_i.assign_add((g_i - m_i) * (1 - BETA_1))  # m ← β1 m + (1 - β1) g
            v_i.assign_add((tf.square(g_i) - v_i) * (1 - BETA_2))  # v ← β2 v + (1 - β2) g²
            w.assign_sub(m_i * α / (tf.sqrt(v_i) + EPSILON))  # w ← w - α m / (√v + ε)
        return value

    return step


def train(
    config: RNNConfig,
    X,
    y,
    kind: str,
    epochs: int,
    *,
    weights: Mapping[str, np.ndarray] | None = None,
    budget_s: float = BUDGET_S,
    stop: threading.Event | None = None,
    on_progress: Callable[[Snapshot], None] | None = None,
    on_epoch: Callable[[int, dict[str, np.ndarray]], None] | None = None,
    every_s: float = EVERY_S,
    learning_rate: float = LEARNING_RATE,
    batch: int = BATCH,
) -> tuple[dict[str, np.ndarray], History]:
    """Train ``config``'s model (float32, whh_scale 1) from its seed's weights or from
    ``weights`` on the first n_train samples of (X, y) for ``epochs`` epochs, validating on
    the rest; returns its weights (Keras layout by export name, float32) and the History.

    X is (N, T, D); y is (N, K) float32 for a regression, (N,) class indices for a
    classification. ``stop`` set, or ``budget_s`` seconds spent, ends the training after the
    current batch with the weights of the last whole epoch (History.stopped says which), so
    that E epochs' weights are always those of training E epochs, Stop or not.
    ``on_progress`` gets a Snapshot at the start, at most every ``every_s`` seconds during
    an epoch, at every epoch's end and at the finish; ``on_epoch(e, weights)`` the weights
    after each whole epoch e (what a benchmark reads the units of). TrainingError: no
    target, the wrong shapes, too few samples, a loss that became NaN.
    """
    start = time.perf_counter()
    X, y = _checked(config, X, y, kind, epochs)
    if weights is None and config.weights != SEEDED:
        raise TrainingError(
            f"the config names imported weights={config.weights}: pass them as weights"
        )
    c = config.replace(dtype="float32", whh_scale=1.0, weights=SEEDED)
    if weights is not None and not fits(c, weights):
        raise TrainingError(
            f"the initial weights given are not those of {architecture(c)}: their names or "
            "shapes differ"
        )
    n_train, n_val = split(len(X))
    X_train, y_train = X[:n_train], y[:n_train]  # (n_train, T, D), (n_train, [K])
    X_val, y_val = X[n_train:], y[n_train:]  # (n_val, T, D), (n_val, [K])
    B = min(batch, n_train)
    batches = math.ceil(n_train / B)

    loss, val_loss, accuracy, val_accuracy = [], [], [], []
    before: tuple[float | None, float | None] = (None, None)

    def report(state, epoch, done_batches, running, stopped=None):
        if on_progress is not None:
            on_progress(
                Snapshot(
                    state=state,
                    epoch=epoch,
                    epochs=epochs,
                    batch=done_batches / batches,
                    loss=tuple(loss),
                    val_loss=tuple(val_loss),
                    running_loss=running,
                    seconds=time.perf_counter() - start,
                    loss_before=before[0],
                    val_loss_before=before[1],
                    stopped=stopped,
                )
            )

    report("starting", 0, 0, None)
    net = keras_side.build(c, weights)  # fresh: the caller's arrays are only read
    step = _step(net, kind, learning_rate)
    (loss_0, acc_0), (val_0, val_acc_0) = (
        _evaluate(net, X_train, y_train, kind),
        _evaluate(net, X_val, y_val, kind),
    )
    before = (loss_0, val_0)
    kept = net.weights()  # the weights after the last whole epoch: what is handed back
    rng = np.random.default_rng(config.seed)  # the shuffle's own: no global seed is touched
    stopped, epoch, last = None, 0, time.perf_counter()
    report("training", 0, 0, None)
    while epoch < epochs and stopped is None:
        order = rng.permutation(n_train)  # (n_train,)
        total = 0.0
        for b in range(batches):
            idx = order[b * B : (b + 1) * B]  # (B,) the last batch may be smaller
            value = float(step(X_train[idx], y_train[idx]))
            if not math.isfinite(value):
                what = "NaN" if math.isnan(value) else "infinite"
                raise TrainingError(
                    f"the loss became {what} at epoch {epoch + 1}: the training diverged"
                )
            total += value
            now = time.perf_counter()
            if stop is not None and stop.is_set():
                stopped = "stop"
            elif now - start >= budget_s:
                stopped = "budget"
            if stopped is not None and b < batches - 1:
                break  # mid-epoch: back to the last whole epoch's weights, below
            if now - last >= every_s and b < batches - 1:
                report("training", epoch, b + 1, total / (b + 1))
                last = now
        else:
            epoch += 1
            kept = net.weights()
            if on_epoch is not None:
                on_epoch(epoch, kept)
            (v, a), (val_v, val_a) = (
                _evaluate(net, X_train, y_train, kind),
                _evaluate(net, X_val, y_val, kind),
            )
            loss.append(v)
            val_loss.append(val_v)
            if a is not None:
                accuracy.append(a)
                val_accuracy.append(val_a)
            if epoch == epochs:
                stopped = None  # every epoch ran, whatever came at its last batch
            report("training", epoch, 0, total / batches)
            last = time.perf_counter()
    history = History(
        loss=tuple(loss),
        val_loss=tuple(val_loss),
        loss_before=loss_0,
        val_loss_before=val_0,
        epochs=epoch,
        stopped=stopped,
        seconds=time.perf_counter() - start,
        metric=METRICS[kind],
        accuracy=tuple(accuracy),
        val_accuracy=tuple(val_accuracy),
        accuracy_before=acc_0,
        val_accuracy_before=val_acc_0,
        n_train=n_train,
        n_val=n_val,
    )
    report("finished", epoch, 0, None, stopped)
    return kept, history


State = Literal["queued", "running", "done", "stopped", "failed"]


class Ticket:
    """One training's place in a Trainer's queue and, once run, its outcome.

    ``state``: "queued", "running", then "done" (``result`` holds the weights and History;
    History.stopped says whether Stop or the budget ended it early), "failed" (``error``
    says why, one line) or "stopped" (Stop pressed while queued: it never ran, no result).
    """

    def __init__(self, trainer: Trainer, key: Hashable, job: Callable[[Ticket], tuple]):
        self.key = key
        self.state: State = "queued"
        self.snapshot: Snapshot | None = None  # the latest progress, for the page to draw
        self.result: Trained | None = None  # once done
        self.error: str | None = None
        self.stop_event = threading.Event()
        self._trainer, self._job = trainer, job
        self._finished = threading.Event()

    def report(self, snapshot: Snapshot) -> None:
        """The ``on_progress`` of the job's ``train``."""
        self.snapshot = snapshot

    def position(self) -> int:
        """0 while running, 1 for the next in line, 2 after it...; -1 once finished."""
        return self._trainer._position(self)

    def stop(self) -> None:
        """Stop the training: a running one ends after its current batch, with its weights;
        a queued one leaves the queue without running."""
        self.stop_event.set()
        self._trainer._cancel(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the ticket is done, failed or stopped; False if ``timeout`` came first."""
        return self._finished.wait(timeout)

    def __repr__(self) -> str:
        return f"Ticket({self.key!r}, {self.state})"


def _one_line(error: Exception) -> str:
    """A job's exception as the page shows it: a TrainingError's own sentence, else its type."""
    if isinstance(error, TrainingError):
        text = str(error)
    else:
        text = f"training failed: {type(error).__name__}: {error}"
    return " ".join(text.split())


class Trainer:
    """One training at a time for the whole server: jobs run first come, first served on a
    single worker thread, started when a job comes and ended when the queue is empty.
    Thread-safe. A job is ``job(ticket) -> Trained`` (see ``run_training``). With ``store``,
    each result is put there before its ticket is done, so a page that looks in the store
    and then at the tickets never misses it."""

    def __init__(self, store: Store | None = None):
        self.store = store
        self._lock = threading.Lock()
        self._queue: deque[Ticket] = deque()
        self._running: Ticket | None = None
        self._worker: threading.Thread | None = None

    def submit(self, key: Hashable, job: Callable[[Ticket], tuple]) -> Ticket:
        """Queue ``job`` under ``key``; the ticket already queued or running under ``key``
        if there is one (two tabs asking for one training share it)."""
        with self._lock:
            for ticket in self._tickets():
                if ticket.key == key:
                    return ticket
            ticket = Ticket(self, key, job)
            self._queue.append(ticket)
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._work, name="rnnviz-trainer", daemon=True
                )
                self._worker.start()
            return ticket

    def tickets(self) -> list[Ticket]:
        """The running ticket, then the queued ones in order."""
        with self._lock:
            return self._tickets()

    def _tickets(self) -> list[Ticket]:
        return ([self._running] if self._running else []) + list(self._queue)

    def _position(self, ticket: Ticket) -> int:
        with self._lock:
            tickets = self._tickets()
            if ticket not in tickets:
                return -1
            return tickets.index(ticket) + (self._running is None)

    def _cancel(self, ticket: Ticket) -> None:
        with self._lock:
            if ticket in self._queue:  # a running one ends by its stop_event
                self._queue.remove(ticket)
                self._finish(ticket, "stopped")

    def _work(self) -> None:
        while True:
            with self._lock:
                while self._queue and self._queue[0].stop_event.is_set():
                    self._finish(self._queue.popleft(), "stopped")  # stopped as it came up
                if not self._queue:
                    self._running = self._worker = None
                    return
                ticket = self._running = self._queue.popleft()
                ticket.state = "running"
            job, ticket._job = ticket._job, None  # nothing keeps its X and y once it ran
            try:
                result, error = job(ticket), None
                if self.store is not None:
                    self.store.put(result)
            except Exception as e:  # one visitor's failure stays theirs
                result, error = None, _one_line(e)
            with self._lock:
                ticket.result, ticket.error = result, error
                self._running = None
                self._finish(ticket, "failed" if error else "done")

    @staticmethod
    def _finish(ticket: Ticket, state: State) -> None:
        ticket.state, ticket._job = state, None
        ticket._finished.set()


def run_training(
    ticket: Ticket,
    config: RNNConfig,
    X,
    y,
    kind: str,
    epochs: int,
    weights: Mapping[str, np.ndarray] | None = None,
    budget_s: float = BUDGET_S,
) -> Trained:
    """``train`` as a Trainer job: ``trainer.submit(key, lambda t: run_training(t, ...))``;
    Stop is the ticket's, and its snapshot the latest progress. The result is named by what
    it depends on, with the epochs it completed; a Stop before the first epoch ended is a
    TrainingError (nothing was trained)."""
    trained, history = train(
        config,
        X,
        y,
        kind,
        epochs,
        weights=weights,
        budget_s=budget_s,
        stop=ticket.stop_event,
        on_progress=ticket.report,
    )
    if history.epochs == 0:
        raise TrainingError(
            "stopped before the first epoch ended: nothing was trained, the weights are the "
            "initial ones"
        )
    key = config.replace(weights=TRAINED, epochs=history.epochs).training_key
    return Trained.of(key, trained, history)
