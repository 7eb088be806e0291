"""The built-in tasks: what X is and, where there is one, the target y a model learns.

One table entry per task, in the spirit of the cell table in ``rnnviz.recurrence.cells``: its key,
its title and one-line description, the D and K it fixes (None where the config's own sizes are
used) and why, whether it is a regression or a classification, and ``make``, which draws (X, y) for
N samples of T steps from the seed. X is (N, T, D) float32. A regression's y is (N, 1) float32; a
classification's y is the class index (N,) int32, the form Keras'
``SparseCategoricalCrossentropy(from_logits=True)`` reads next to a Dense(K) head's logits. The
default task, "random", is X as the page always drew it (``make_X``) and no y. ``Xy_of`` gives a
config's X and y: its task's draw, or the uploaded data it names.

X by hand (``make_X``, task random) is standard normal, reproducible from the seed, or a
pulse or a step: a pulse is one kick, x_{t0} = 1 on feature d0 and zeros everywhere else, so
whatever h_t holds after t0 is that kick, remembered (and the biases' doing, which a run
without the pulse shows alone); a step is the same feature switched on at t0 and left on.
Every sample gets the same pulse or step.

Each ``make`` checks its sizes first (N, T, and a fixed D or K given otherwise, named in a
ValueError) and draws from ``np.random.default_rng(seed)`` alone, so the same seed gives the
same arrays whatever else has used NumPy's random state. The order of the draws is written
in each docstring, so a test can redo them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from rnnviz.text import corpus

# sine: (amplitude a_j, period P_j in steps) of each component, and the noise σ
SINES: tuple[tuple[float, float], ...] = ((1.0, 16.0), (0.5, 5.0))
SINE_NOISE = 0.1
COPY_S = 4  # copy: the alphabet size S; D = S + 1 (the delimiter), K = S
# The text tasks (rnnviz.text.corpus): D = K = the alphabet's size; brackets' is fixed by what
# it draws (every letter of its syllables, digits, brackets, quote, space, newline), python's
# is the 63 most common characters and one symbol for every other.
BRACKETS_D = len(corpus.BRACKETS_ALPHABET)
PYTHON_D = corpus.ALPHABET_MAX
TEXT_SIZES = (("N", 1024), ("T", 64))  # enough text to learn from within a training's budget

# "none": X only, no y; "sequence": a class at every step, y (N, T) int32 (the text tasks)
Kind = Literal["regression", "classification", "sequence", "none"]
Make = Callable[..., "tuple[np.ndarray, np.ndarray | None]"]  # (N, T, D, K, seed) -> (X, y)


@dataclass(frozen=True)
class Task:
    key: str  # value of a future ?task=
    title: str  # human name
    description: str  # one line for the page
    D: int | None  # the input features it fixes, or None: the config's D
    K: int | None  # the outputs it fixes, or None: the config's K
    kind: Kind  # what y is: regression (N, 1) float32, classification (N,) int32, none
    why_fixed: str  # why D and K are what they are ("" where neither is fixed)
    make: Make  # (N, T, D, K, seed) -> (X (N, T, D), y or None); D, K may be None if fixed
    T_min: int = 1  # the fewest steps the task is defined for
    T_why: str = ""  # why, where T_min > 1
    sizes: tuple[tuple[str, int], ...] = ()  # N and T a run of it starts with, unless told

    @property
    def per_step(self) -> bool:
        """Whether y has a target at every step (return_sequences), not one per sequence."""
        return self.kind == "sequence"


VAL_FRACTION = 0.2  # the last 20% of the N samples (and of a text) are held out


def n_val(N: int) -> int:
    """How many of N samples are held out for validation: the last VAL_FRACTION, at least 1."""
    return max(1, int(N * VAL_FRACTION))


# ---- X by hand: the notebook's random X, a pulse or a step ----


def make_X(
    N: int,
    T: int,
    D: int,
    seed: int,
    dtype: str = "float32",
    input: str = "random",
    pulse_t: int = 1,
    pulse_d: int = 0,
) -> np.ndarray:
    """X of shape (N, T, D) in ``dtype``. ``input``: "random", X ~ N(0, 1) fixed by
    ``seed`` (float32, widened for float64, so that changing the precision changes nothing
    else); "pulse", x_t = 1 on feature d0 = ``pulse_d`` at t = t0 = ``pulse_t`` (1-based)
    only; "step", x_t = 1 on feature d0 for every t ≥ t0. The seed draws no pulse."""
    if input == "random":
        rng = np.random.default_rng(seed)
        return rng.standard_normal((N, T, D), dtype=np.float32).astype(dtype, copy=False)
    X = np.zeros((N, T, D), dtype=dtype)  # (N, T, D)
    if input == "pulse":
        X[:, pulse_t - 1, pulse_d] = 1.0  # x_{t0}[d0] = 1
    elif input == "step":
        X[:, pulse_t - 1 :, pulse_d] = 1.0  # x_t[d0] = 1 for t0 ≤ t ≤ T
    else:
        raise ValueError(f"input must be one of random, pulse, step, got {input!r}")
    return X


# ---- the built-in tasks ----


def _sizes(key: str, N: int, T: int, D: int | None, K: int | None) -> tuple[int, int | None]:
    """The task's D and K, after checking N, T and any fixed D or K against ``key``'s entry;
    a ValueError names the symbol, the allowed value and the value given."""
    task = TASKS[key]
    if N < 1:
        raise ValueError(f"N (samples) must be at least 1, got {N}")
    if T < task.T_min:
        why = f" ({task.T_why})" if task.T_why else ""
        raise ValueError(
            f"T (time steps) must be at least {task.T_min} for the {task.title} task{why}, got {T}"
        )
    for symbol, meaning, given, fixed in (
        ("D", "input features", D, task.D),
        ("K", "outputs", K, task.K),
    ):
        if fixed is not None and given is not None and given != fixed:
            raise ValueError(
                f"{symbol} ({meaning}) is fixed at {fixed} by the {task.title} task "
                f"({task.why_fixed}), got {given}"
            )
    if task.D is None and D is None:
        raise ValueError(f"D (input features) must be given for the {task.title} task")
    return task.D or D, task.K or K


def sine(N: int, T: int, D: int | None = None, K: int | None = None, seed: int = 0):
    """x_t = Σ_j a_j sin(2π t / P_j + φ_nj) + σ ε_nt for t = 1..T+1, (a_j, P_j) in SINES and
    σ = SINE_NOISE; X holds x_1..x_T, y = x_{T+1}, the next value (noise included). Draws:
    φ = rng.uniform(0, 2π, (N, J)), then ε = rng.standard_normal((T + 1, N)).T, time-major so
    that a longer T only appends: make(N, T + 1) starts with make(N, T)'s X and then its y."""
    _sizes("sine", N, T, D, K)
    rng = np.random.default_rng(seed)
    a = np.array([amplitude for amplitude, _ in SINES])  # (J,)
    P = np.array([period for _, period in SINES])  # (J,)
    φ = rng.uniform(0.0, 2 * math.pi, (N, len(SINES)))  # (N, J)
    ε = rng.standard_normal((T + 1, N)).T  # (N, T + 1)
    t = np.arange(1, T + 2)  # (T + 1,)
    clean = np.sin(2 * math.pi * t[None, :, None] / P + φ[:, None, :]) @ a  # (N, T + 1)
    x = (clean + SINE_NOISE * ε).astype(np.float32)  # (N, T + 1)
    X = x[:, :T, None]  # (N, T, 1)
    y = x[:, T:]  # (N, 1)
    return X, y


def adding(N: int, T: int, D: int | None = None, K: int | None = None, seed: int = 0):
    """Hochreiter & Schmidhuber's adding problem. Feature 0 holds values u_t ~ U[0, 1); feature
    1 marks two steps with 1: one i in the first half (1..⌊T/2⌋), one j in the second
    (⌊T/2⌋+1..T); y = u_i + u_j. Draws: u = rng.random((N, T), float32), then i, then j
    (0-based, rng.integers)."""
    _sizes("adding", N, T, D, K)
    rng = np.random.default_rng(seed)
    half = T // 2
    u = rng.random((N, T), dtype=np.float32)  # (N, T)
    i = rng.integers(0, half, N)  # (N,) 0-based, first half
    j = rng.integers(half, T, N)  # (N,) 0-based, second half
    n = np.arange(N)  # (N,)
    marks = np.zeros((N, T), dtype=np.float32)  # (N, T)
    marks[n, i] = marks[n, j] = 1.0
    X = np.stack([u, marks], axis=-1)  # (N, T, 2)
    y = (u[n, i] + u[n, j])[:, None]  # (N, 1) float32
    return X, y


def parity(N: int, T: int, D: int | None = None, K: int | None = None, seed: int = 0):
    """Bits b_t in feature 0; y = (Σ_t b_t) mod 2, the class index (N,) int32. Draws:
    b = rng.integers(0, 2, (N, T))."""
    _sizes("parity", N, T, D, K)
    rng = np.random.default_rng(seed)
    b = rng.integers(0, 2, (N, T))  # (N, T)
    X = b[:, :, None].astype(np.float32)  # (N, T, 1)
    y = (b.sum(axis=1) % 2).astype(np.int32)  # (N,)
    return X, y


def copy(N: int, T: int, D: int | None = None, K: int | None = None, seed: int = 0):
    """Copy memory: a symbol s in 0..S-1 (S = COPY_S) shown one-hot on features 0..S-1 at step
    1, blanks (all zeros) after, and the delimiter, feature S, at step T: recall s now, T - 1
    steps later. y = s, the class index (N,) int32. Draws: s = rng.integers(0, S, N)."""
    _sizes("copy", N, T, D, K)
    rng = np.random.default_rng(seed)
    s = rng.integers(0, COPY_S, N)  # (N,)
    X = np.zeros((N, T, COPY_S + 1), dtype=np.float32)  # (N, T, S + 1)
    X[np.arange(N), 0, s] = 1.0  # x_1 = one-hot(s)
    X[:, T - 1, COPY_S] = 1.0  # x_T = the delimiter
    return X, s.astype(np.int32)  # (N, T, S + 1), (N,)


def _text(key: str, N: int, T: int, D: int | None, K: int | None, seed: int):
    """A text task's samples: N windows of T + 1 characters of its text
    (``rnnviz.text.corpus``), the first N - n_val(N) from the training text and the rest from
    the held-out text; X the one-hot rows of the first T (N, T, D), y the next character at
    every step (N, T) int32."""
    D, _ = _sizes(key, N, T, D, K)
    text = corpus.of_task(key, seed)
    if text.alphabet.size != D:
        raise ValueError(
            f"the {key} text has {text.alphabet.size} symbols on this machine, not D = {D}"
        )
    held = n_val(N) if N > 1 else 0
    return corpus.samples(text.ids, N, T, D, held, VAL_FRACTION, text.anchors)  # X, y


def brackets(N: int, T: int, D: int | None = None, K: int | None = None, seed: int = 0):
    """Nested (), [] and {} around words and numbers, drawn from the seed (``corpus.brackets``)."""
    return _text("brackets", N, T, D, K, seed)


def python(N: int, T: int, D: int | None = None, K: int | None = None, seed: int = 0):
    """The running Python's standard-library source (``corpus.python``); the seed draws no text."""
    return _text("python", N, T, D, K, seed)


def random(N: int, T: int, D: int | None = None, K: int | None = None, seed: int = 0):
    """X ~ N(0, 1) from the seed, exactly ``make_X``; no y."""
    D, _ = _sizes("random", N, T, D, K)
    return make_X(N, T, D, seed), None  # (N, T, D)


TASKS: dict[str, Task] = {
    t.key: t
    for t in (
        Task(
            "random",
            "random",
            "X ~ N(0, 1) drawn from the seed, no target: watch the shapes, nothing to learn",
            None,
            None,
            "none",
            "",
            random,
        ),
        Task(
            "sine",
            "sine",
            "predict the next value of a noisy sum of two sines (periods 16 and 5 steps)",
            1,
            1,
            "regression",
            "one series in, its one next value out",
            sine,
        ),
        Task(
            "adding",
            "adding",
            "add the two values marked by a 1, one in each half of the sequence",
            2,
            1,
            "regression",
            "a value and its mark per step in, their sum out",
            adding,
            T_min=2,
            T_why="one mark in each half",
        ),
        Task(
            "parity",
            "parity",
            "say whether the sequence of bits holds an odd number of ones",
            1,
            2,
            "classification",
            "one bit per step in, a logit for even and one for odd out",
            parity,
        ),
        Task(
            "copy",
            "copy memory",
            f"recall which of {COPY_S} symbols was shown at step 1 when the delimiter comes at T",
            COPY_S + 1,
            COPY_S,
            "classification",
            f"{COPY_S} one-hot symbols and a delimiter in, a logit per symbol out",
            copy,
            T_min=2,
            T_why="the symbol at step 1, the delimiter at step T",
        ),
        Task(
            "brackets",
            "brackets",
            "predict the next character of words nested in (), [] and {} up to 8 deep",
            BRACKETS_D,
            BRACKETS_D,
            "sequence",
            f"one-hot rows of the {BRACKETS_D} characters of its text in, a logit for each out",
            brackets,
            sizes=TEXT_SIZES,
        ),
        Task(
            "python",
            "Python source",
            "predict the next character of the source of the standard library that runs this",
            PYTHON_D,
            PYTHON_D,
            "sequence",
            f"one-hot rows of its {PYTHON_D - 1} most common characters and one for the rest "
            "in, a logit for each out",
            python,
            sizes=TEXT_SIZES,
        ),
    )
}
DEFAULT = "random"


def Xy_of(config, data=None, edit=None) -> tuple[np.ndarray, np.ndarray | None]:
    """The X of a run of ``config`` (an ``RNNConfig``), (N, T, D) in its dtype, a new array,
    and the target y its task or data brings (None for task=random): the task's draw from
    the seed, or ``data`` (an ``rnnviz.inputs.userdata.Data``), the uploaded arrays the
    config's ``data`` field names; with one sample as ``edit`` (an
    ``rnnviz.inputs.x_edits.Edit``) typed it, the one the config's ``x_edit`` names."""
    c = config
    if c.data != "none":
        if data is None or data.digest != c.data or data.X.shape != (c.N, c.T, c.D):
            given = "none" if data is None else f"data={data.digest} of {data.X.shape}"
            raise ValueError(
                f"the config names data={c.data}, (N, T, D) = "
                f"{(c.N, c.T, c.D)}, but {given} was given"
            )
        X, y = data.X.astype(c.dtype), data.y  # (N, T, D), y as uploaded
    elif c.task == "random":
        X, y = make_X(c.N, c.T, c.D, c.seed, c.dtype, c.input, c.pulse_t, c.pulse_d), None
    else:
        X, y = TASKS[c.task].make(c.N, c.T, c.D, c.K, c.seed)  # (N, T, D) float32, y
        X = X.astype(c.dtype, copy=False)  # (N, T, D)
    if c.x_edit != "none" or edit is not None:
        if edit is None or edit.digest != c.x_edit or not edit.fits(c):
            given = "none" if edit is None else f"x_edit={edit.digest}"
            raise ValueError(f"the config names x_edit={c.x_edit}, but {given} was given")
        X[edit.n] = edit.X  # (T, D): sample n as typed on the page
    return X, y


def text_of(config, data=None) -> corpus.Corpus | None:
    """The text a run of ``config`` reads, or None: ``data``'s (an uploaded .txt, the
    ``rnnviz.inputs.userdata.Data`` its ``data`` field names), else its text task's."""
    if data is not None:
        return data.text
    return corpus.of_task(config.task, config.seed) if TASKS[config.task].per_step else None


def X_of(config, data=None) -> np.ndarray:
    """The X of a run of ``config`` (an ``RNNConfig``): (N, T, D)."""
    return Xy_of(config, data)[0]
