"""What if the shape is wrong? Five shape mistakes, each made live against the installed Keras.

The notebook's lesson is that every array has one right shape; this module shows what happens
otherwise, for the config on the page. ``mistakes(config)`` builds its own Keras models of the
config (the shared cached model is never touched: one mistake overwrites a weight), makes each
mistake on them with the config's X and records what Keras did: the exception's type and
message exactly as Keras raised them, or, where the wrong shapes happen to fit and Keras
accepts them without a word, the wrong numbers beside the right ones. Nothing is canned: run
on another Keras, the messages are that Keras' own.

Which outcome a mistake has depends on the sizes: X given as (N, D, T) passes the input check
when T == D; a transposed W_hh is (M, M) either way for a SimpleRNN; targets (N, T, K) for a
model whose y is (N, K) broadcast in the loss when T == N (or K == 1). Long messages (a
TensorFlow graph error quotes the Python stack where its node was defined) are trimmed, and
each trim says what it left out.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from rnnviz.config import RNNConfig
from rnnviz.recurrence.agreement import TOLERANCE, compare
from rnnviz.recurrence.cells import shape_text
from rnnviz.shapes.ledger import head_symbol
from rnnviz.tasks import X_of

KINDS = ("error", "silent", "harmless")  # Keras raised; accepted, wrong; accepted, right here
MESSAGE_MAX = 1200  # characters of a message shown; a longer one is cut, with a note
SHOWN = 6  # values of a wrong y printed beside the right one
# A frame of the stack a TensorFlow graph error quotes: 'File "/…/trainer.py", line 96, in …'
_FRAME = re.compile(r'^\s*File ".*", line \d+, in .*$')
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the bold Keras puts around some messages
# One computation at a time: each builds and traces its own small models, which gains
# nothing from running beside another and would take a core from the other visitors.
_ONE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class Mistake:
    """One shape mistake made live: the wrong code, what Keras did, and the fix."""

    key: str  # "x_transposed", "no_batch", "w_hh_transposed", "head_not_sequences", "wrong_d"
    title: str  # "X given as (N, D, T)"
    wrong: str  # the mistaken lines, in the notebook's style, shapes in comments
    kind: str  # one of KINDS
    outcome: str  # "error": Keras' message as raised (trimmed: see note); else the numbers
    fix: str  # the right lines
    fix_shape: str  # the shape the fix needs, in symbols and numbers
    error: str = ""  # the exception's type, "ValueError" ("" unless kind is "error")
    gap: float | None = None  # accepted: the largest |Δ| from the right result, if comparable
    note: str = ""  # what trimming left out of Keras' message
    # What the same line does once model.predict(X) has run, where that differs: a model's
    # predict function is traced for the shapes it has seen, and Keras' message changes.
    also: str = ""


def keras_message(err: BaseException) -> tuple[str, str]:
    """The message of ``err`` as Keras raised it, and a note on what was left out, if anything.

    Only what is no use on a page goes: terminal colour codes, the Python stack a graph error
    quotes (file paths on the server, one line a frame), and beyond MESSAGE_MAX characters.
    """
    text, notes = str(err), []
    plain = _ANSI.sub("", text)
    if plain != text:
        notes.append("terminal bold codes removed")
    lines = plain.split("\n")
    frames = sum(1 for line in lines if _FRAME.match(line))
    if frames:
        kept: list[str] = []
        for line in lines:
            if _FRAME.match(line) or (not line.strip() and kept and not kept[-1].strip()):
                continue  # a frame, or the blank line that followed one
            kept.append(line)
        plain = "\n".join(kept)
        notes.append(f"{frames} lines of the stack where TensorFlow's graph node was defined")
    if len(plain) > MESSAGE_MAX:
        notes.append(f"{len(plain) - MESSAGE_MAX:,} characters after the first {MESSAGE_MAX:,}")
        plain = plain[:MESSAGE_MAX] + " …"
    return plain, ("Left out: " + "; ".join(notes) + ".") if notes else ""


def _attempt(call: Callable[[], object]) -> tuple[object, BaseException | None]:
    """``call()``'s result and None, or None and the exception it raised."""
    try:
        return call(), None
    except Exception as err:  # whatever Keras raises is the lesson, shown as it is
        return None, err


def _raised(err: BaseException, **item) -> Mistake:
    message, note = keras_message(err)
    return Mistake(kind="error", outcome=message, error=type(err).__name__, note=note, **item)


def _accepted(gap: float, numbers: list[str], **item) -> Mistake:
    """An outcome Keras did not object to: "silent" if the result is off by more than
    float32 round-off (``rnnviz.recurrence.agreement``'s tolerance), else "harmless"."""
    kind = "silent" if gap > TOLERANCE else "harmless"
    if kind == "harmless":
        numbers.append("For these sizes the mistake changes nothing; with others it would.")
    return Mistake(kind=kind, outcome="\n".join(numbers), gap=gap, **item)


def _values(v: np.ndarray) -> str:
    """A row of y as the page prints it: [0.1234, -0.5678], the first SHOWN values."""
    more = ", …" if v.size > SHOWN else ""
    return "[" + ", ".join(f"{x:.4f}" for x in v[:SHOWN]) + more + "]"


@dataclass
class _Live:
    """The config, its X and a Keras model of its own, with the right y predicted once.

    Keras traces a model's predict function for the shapes it is given and keeps it, and what
    it says about a wrong shape depends on what was traced before; so each mistake is made
    with a predict function of its own, as on a model fresh from ``Model(i, x)``.
    """

    c: RNNConfig
    X: np.ndarray  # (N, T, D)
    net: object  # keras.Model: built here, never shared
    y: np.ndarray | None = None  # (N, K) or (N, T, K), from model.predict(X)
    traced: object = None  # the predict function that computed y

    def __post_init__(self):
        self.y = self.net.predict(self.X, verbose=0)  # (N, [T,] K)
        self.traced = self.net.predict_function

    def predict_fresh(self, X: np.ndarray) -> np.ndarray:
        """``model.predict(X)`` as on a new model, whose predict function has seen nothing."""
        self.net.make_predict_function(force=True)
        return self.net.predict(X, verbose=0)  # (N, [T,] K)

    def predict_traced(self, X: np.ndarray) -> np.ndarray:
        """``model.predict(X)`` after ``model.predict(self.X)``, as in the notebook."""
        self.net.predict_function = self.traced
        return self.net.predict(X, verbose=0)  # (N, [T,] K)

    @property
    def rnn(self) -> str:
        """The first recurrent layer, as the notebook's code reaches it."""
        return "model.layers[1]" + (".forward_layer" if self.c.bidirectional else "")

    def first_layer(self):
        layer = self.net.layers[1]
        return layer.forward_layer if self.c.bidirectional else layer

    def compare(self, y_wrong: np.ndarray, y: np.ndarray, label: str) -> tuple[float, list[str]]:
        """max |Δ| between ``y_wrong`` and the right ``y``, and the lines that show both."""
        # |y| is of order 1 for a new model, so TOLERANCE is the round-off bound for y too
        gap = compare(y_wrong, y).max_abs_diff
        first = (0, -1) if self.c.return_sequences else (0,)  # sample 0 (at t = T)
        at = "[0, T-1]" if self.c.return_sequences else "[0]"
        lines = [
            f"No error. y{at} {label}: {_values(y_wrong[first])}",
            f"y{at} with the right shapes: {_values(y[first])}",
            f"max |Δ| over all {y.size:,} outputs = {gap:.4g}",
        ]
        return gap, lines


def _x_transposed(live: _Live) -> Mistake:
    c = live.c
    item = dict(
        key="x_transposed",
        title="X given as (N, D, T)",
        wrong=f"model.predict(np.transpose(X, (0, 2, 1)))  # (N, D, T) = ({c.N}, {c.D}, {c.T})",
        fix=f"model.predict(X)  # (N, T, D) = ({c.N}, {c.T}, {c.D})",
        fix_shape=f"X must be (N, T, D) = ({c.N}, {c.T}, {c.D}): samples, steps, features.",
    )
    X_wrong = np.transpose(live.X, (0, 2, 1))  # (N, D, T)
    y_wrong, err = _attempt(lambda: live.predict_fresh(X_wrong))
    if err is not None:
        return _raised(err, **item)
    gap, lines = live.compare(y_wrong, live.y, "from X as (N, D, T)")
    lines.insert(0, f"T = D = {c.T}, so (N, D, T) has the shape Keras expects.")
    return _accepted(gap, lines, **item)


def _no_batch(live: _Live) -> Mistake:
    c = live.c
    item = dict(
        key="no_batch",
        title="A missing batch axis",
        wrong=f"model.predict(X[0])  # (T, D) = ({c.T}, {c.D}): one sample, no batch axis",
        fix=f"model.predict(X[0:1])  # (1, T, D) = (1, {c.T}, {c.D})",
        fix_shape=(
            f"One sample is still a batch: (1, T, D) = (1, {c.T}, {c.D}); "
            "X[0:1] or X[0][None] keeps the axis."
        ),
    )
    y_wrong, err = _attempt(lambda: live.predict_fresh(live.X[0]))
    _, later = _attempt(lambda: live.predict_traced(live.X[0]))
    also = ""
    if later is not None and (err is None or str(later) != str(err)):
        message, note = keras_message(later)
        also = f"{type(later).__name__}: {message}" + (f"\n({note})" if note else "")
    if err is not None:
        return replace(_raised(err, **item), also=also)
    y_wrong = np.asarray(y_wrong)  # (?, [T,] K)
    y = live.y[:1]  # (1, [T,] K)
    if y_wrong.shape != y.shape:  # Keras made samples of X[0]'s rows
        lines = [
            f"No error. y is {shape_text(y_wrong.shape)}, not {shape_text(y.shape)}: Keras "
            f"read X[0] {shape_text(live.X[0].shape)} as {y_wrong.shape[0]} samples."
        ]
        return Mistake(kind="silent", outcome=lines[0], also=also, **item)
    gap, lines = live.compare(y_wrong, y, "from X[0]")
    return replace(_accepted(gap, lines, **item), also=also)


def _w_hh_transposed(live: _Live) -> Mistake:
    c = live.c
    cell = c.variant
    _, recurrent, _ = cell.parts
    shape = cell.numeric_shape(recurrent, c.D, c.M)  # (M, gM)
    item = dict(
        key="w_hh_transposed",
        title="W_hh transposed through set_weights",
        wrong=(
            f"wx, wh, bh = {live.rnn}.get_weights()  # wh: (M, {cell.width}) = {shape_text(shape)}"
            f"\n{live.rnn}.set_weights([wx, wh.T, bh])  # wh.T: {shape_text(shape[::-1])}"
        ),
        fix=f"{live.rnn}.set_weights([wx, wh, bh])  # wh: {shape_text(shape)}",
        fix_shape=(
            f"W_hh must be {cell.shape(recurrent)} = {shape_text(shape)}, one row per unit of "
            "the previous state: Keras computes h_(t-1) W_hh (PyTorch's weight_hh is the "
            "transpose)."
        ),
    )
    layer = live.first_layer()
    weights = layer.get_weights()
    wx, wh, bh = weights
    _, err = _attempt(lambda: layer.set_weights([wx, wh.T, bh]))
    if err is not None:
        return _raised(err, **item)
    y_wrong = live.predict_traced(live.X)  # (N, [T,] K); the same shapes: no new trace
    layer.set_weights(weights)  # the other mistakes need the right model
    gap, lines = live.compare(y_wrong, live.y, "with W_hh transposed")
    lines.insert(0, f"W_hh is {shape_text(shape)} either way, so set_weights accepted wh.T.")
    return _accepted(gap, lines, **item)


def targets(config: RNNConfig) -> np.ndarray:
    """Y ~ N(0, 1) of (N, T, K): a target at every step, for the Dense-head mistake; its own
    stream of the seed, so Y is not X when K == D."""
    rng = np.random.default_rng([config.seed, 1])
    return rng.standard_normal((config.N, config.T, config.K), dtype=np.float32)  # (N, T, K)


def _head_not_sequences(live: _Live, keras, build: Callable) -> Mistake:
    """Targets at every step for a model that gives y at the last step only. The loss is
    computed as fit and evaluate compute it, but eagerly on y: evaluate would trace a
    test function first (~0.2 s), and then say the same in a graph error's many lines."""
    c = live.c
    cell = c.variant
    layer = f"{cell.keras_name}(M)"
    if c.bidirectional:
        layer = f"Bidirectional({layer})"
    # the notebook's names: i is the Input, x what a layer made; its width M, or 2M both ways
    below, width = ("i" if c.layers == 1 else "x"), head_symbol(c)
    last = " the last recurrent layer," if c.layers > 1 else ""
    Y = targets(c)  # (N, T, K)
    item = dict(
        key="head_not_sequences",
        title="A Dense head on a sequence without return_sequences",
        wrong=(
            f"Y = np.random.randn(N, T, K)  # ({c.N}, {c.T}, {c.K}): a target at every step\n"
            f"x = {layer}({below})  #{last} (N, {width}): h_T only\n"
            f"x = Dense(K)(x)  # y: (N, K) = ({c.N}, {c.K})\n"
            "model = Model(i, x)\n"
            "mse = keras.losses.MeanSquaredError()  # the loss fit and evaluate use\n"
            "mse(Y, model.predict(X))"
        ),
        fix=(
            f"x = {layer.replace('(M)', '(M, return_sequences=True)')}({below})"
            f"  # (N, T, {width}): every h_t"
            f"\nx = Dense(K)(x)  # y: (N, T, K) = ({c.N}, {c.T}, {c.K})"
        ),
        fix_shape=(
            f"A target at every step needs y of (N, T, K) = ({c.N}, {c.T}, {c.K}): the last "
            "recurrent layer returns every h_t, and Dense acts on each."
        ),
    )

    # Models built from one seed (or given the same weights) have the same weights whatever their
    # return_sequences; the one the config does not describe runs through its compiled forward pass
    # (rnnviz.keras_side.model), which equals predict's to float32 round-off at a fraction of the
    # cost.
    def y_of(sequences: bool) -> np.ndarray:
        if sequences == c.return_sequences:
            return live.y  # (N, [T,] K)
        return build(c.replace(return_sequences=sequences))(live.X)  # (N, [T,] K)

    mse = keras.losses.MeanSquaredError()
    y_flat = y_of(False)  # (N, K)
    loss, err = _attempt(lambda: float(mse(Y, y_flat)))
    if err is not None:
        return _raised(err, **item)
    right = float(mse(Y, y_of(True)))
    gap = abs(loss - right)
    lines = [
        f"No error: y is (N, K) = {shape_text(y_flat.shape)}, "
        f"Y is (N, T, K) = {shape_text(Y.shape)}.",
        "Keras' mean squared error broadcast one against the other",
        "and averaged every pair that made, not y_t against Y_t.",
        f"loss = {loss:.6f} from mse(Y, model.predict(X))",
        f"loss = {right:.6f} with return_sequences=True (the same weights)",
        f"|Δ| = {gap:.4g}",
    ]
    return _accepted(gap, lines, **item)


def _wrong_d(live: _Live) -> Mistake:
    c = live.c
    cell = c.variant
    kernel, _, _ = cell.parts
    shape = cell.numeric_shape(kernel, c.D, c.M)  # (D, gM)
    wrong = cell.numeric_shape(kernel, c.D + 1, c.M)  # (D + 1, gM)
    columns = cell.width.replace("M", " * M") if cell.blocks > 1 else "M"
    item = dict(
        key="wrong_d",
        title="A kernel for the wrong D",
        wrong=(
            f"wx, wh, bh = {live.rnn}.get_weights()  # wx: (D, {cell.width}) = {shape_text(shape)}"
            f"\nwx_new = np.zeros((D + 1, {columns}))  # {shape_text(wrong)}: for D = {c.D + 1}"
            f"\n{live.rnn}.set_weights([wx_new, wh, bh])"
        ),
        fix=f"{live.rnn}.set_weights([wx, wh, bh])  # wx: {shape_text(shape)}",
        fix_shape=(
            f"W_xh must be {cell.shape(kernel)} = {shape_text(shape)}: one row per input "
            f"feature, D = {c.D} here."
        ),
    )
    layer = live.first_layer()
    wx, wh, bh = layer.get_weights()
    _, err = _attempt(lambda: layer.set_weights([np.zeros(wrong, c.dtype), wh, bh]))
    if err is not None:
        return _raised(err, **item)
    layer.set_weights([wx, wh, bh])  # never reached with Keras 3.15, which checks shapes
    return _accepted(float("inf"), ["No error: set_weights took a kernel of the wrong D."], **item)


def mistakes(
    config: RNNConfig,
    weights: Mapping[str, np.ndarray] | None = None,
    X: np.ndarray | None = None,
) -> list[Mistake]:
    """Each shape mistake made on Keras models of ``config``, with what Keras did and the fix.

    The models are built here for this call alone, so the shared cached model and its lock
    are never involved; X is the page's X (``X``, else ``X_of``) and the weights are the
    page's (``weights``: imported or trained ones the config names), so the right y is the
    page's y.
    """
    from rnnviz.keras_side import model as keras_side  # imports TensorFlow on first use

    c = config.model_config.replace(N=config.N)  # a planted bug is the NumPy side's only
    keras, _ = keras_side._keras()

    def build(config: RNNConfig):  # the page's weights in every model made here
        return keras_side.build(config, weights)

    with _ONE_AT_A_TIME:
        live = _Live(c, X_of(config) if X is None else X, build(c).model)
        # W_hh first: it reuses the predict function traced for y, before another
        # mistake's shapes make Keras trace it anew.
        w_hh = _w_hh_transposed(live)
        return [
            _x_transposed(live),
            _no_batch(live),
            w_hh,
            _head_not_sequences(live, keras, build),
            _wrong_d(live),
        ]
