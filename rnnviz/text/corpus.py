"""The texts a character-level model reads, and how they become X and y.

A sentence is a (T, D) matrix of one-hot rows, D the alphabet's size, and the target is the
next character at every step, so y is (N, T) class indices and the Dense head's logits are
(N, T, K) with K = D. Two texts are built in:

- ``brackets``: lines of made-up words, numbers and "quoted words", nested in (), [] and {}
  to a depth of up to DEPTH_MAX, drawn from the seed alone. A line ends only at depth 0, so
  the depth is worth remembering; ``brackets`` also returns the depth at every character.
- ``python``: the source of modules of the Python standard library that is running, read at
  run time with ``inspect.getsource`` (nothing is copied into rnnviz), in the order of
  PYTHON_MODULES, up to PYTHON_CHARS characters.

The alphabet keeps at most ALPHABET_MAX symbols: the most common characters of the text
(ties by code point) and, when some are left out, OTHER, which every other character becomes.
The last ``held_out`` of the text (the tasks' VAL_FRACTION) is held out: the validation
samples are cut from it, and the units are read over it. Nothing here imports Streamlit or
TensorFlow.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import platform
from collections import Counter
from dataclasses import dataclass

import numpy as np

ALPHABET_MAX = 64  # symbols kept, OTHER included: D = K ≤ 64
OTHER = "\N{CURRENCY SIGN}"  # ¤: every character the alphabet leaves out

# ---- brackets ----

BRACKETS_CHARS = 50_000  # the generated text's length
DEPTH_MAX = 8  # the deepest nesting drawn (at least 6 occurs in every text of this length)
PAIRS = {"(": ")", "[": "]", "{": "}"}
SYLLABLES = ("ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "ve", "zu", "da", "fo", "gi")
P_NEST = 0.55  # an item is a group with this chance, less with each level (below)
P_BREAK = 0.3  # a group's next item starts a new line, indented by its depth, with this chance
INDENT = "  "  # per level: to know where the next line starts, a model must know the depth


def _word(rng: np.random.Generator) -> str:
    return "".join(SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), rng.integers(1, 4)))


def _item(rng: np.random.Generator, depth: int, out: list[str]) -> None:
    """One item at nesting ``depth``: a group (an opening bracket, 1-3 items, its closing
    bracket), a number, a "quoted word" or a word."""
    u = rng.random()
    if depth < DEPTH_MAX and u < P_NEST * (1 - depth / (DEPTH_MAX + 2)):
        open_ = "([{"[rng.integers(0, 3)]
        out.append(open_)
        for i in range(rng.integers(1, 4)):
            if i:  # the next item on this line, or on a new one indented by its depth
                out.append("\n" + INDENT * (depth + 1) if rng.random() < P_BREAK else " ")
            _item(rng, depth + 1, out)
        out.append(PAIRS[open_])
    elif u < 0.75:
        out.append(_word(rng))
    elif u < 0.88:
        out.append(str(rng.integers(0, 1000)))
    else:
        out.append('"' + _word(rng) + '"')


def brackets(chars: int = BRACKETS_CHARS, seed: int = 0) -> tuple[str, np.ndarray]:
    """``chars`` characters of bracketed lines from ``seed``, and the nesting depth after
    each character (L,) int: an opening bracket counts itself, a closing one does not. Lines
    hold 1-4 items at depth 0; the text is cut at ``chars`` (its last line may be open)."""
    rng = np.random.default_rng(seed)
    out: list[str] = []
    length = 0
    while length < chars:
        line: list[str] = []
        for i in range(rng.integers(1, 5)):
            if i:
                line.append(" ")
            _item(rng, 0, line)
        line.append("\n")
        out.extend(line)
        length += sum(len(s) for s in line)
    text = "".join(out)[:chars]
    return text, depth_of(text)


def depth_of(text: str) -> np.ndarray:
    """The bracket depth after each character of ``text`` (L,) int: +1 at ( [ {, -1 at ) ] },
    never below 0 (a closing bracket with nothing open is ignored), brackets inside quotes
    included (as a model that has not learnt the quotes sees them)."""
    step = np.zeros(len(text), dtype=np.int64)  # (L,)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)  # (L,)
    for o, c in PAIRS.items():
        step[codes == ord(o)] += 1
        step[codes == ord(c)] -= 1
    depth = np.empty(len(text), dtype=np.int64)  # (L,)
    d = 0
    for i, s in enumerate(step.tolist()):
        d = max(0, d + s)
        depth[i] = d
    return depth


# ---- python ----

PYTHON_CHARS = 120_000  # read from the standard library, in the order below
# Plain, self-contained modules: code, docstrings and strings, few long tables.
PYTHON_MODULES = (
    "textwrap",
    "json.decoder",
    "json.encoder",
    "shlex",
    "bisect",
    "heapq",
    "colorsys",
    "fractions",
    "string",
    "fnmatch",
    "glob",
    "calendar",
    "statistics",
)


@dataclass(frozen=True)
class Source:
    """The python task's text and where it came from."""

    text: str
    modules: tuple[str, ...]  # the modules read, in order (the last may be cut)
    python: str  # the version that is running, e.g. "3.11.9"

    @property
    def title(self) -> str:
        return f"Python {self.python} standard library: " + ", ".join(self.modules)


@functools.lru_cache(maxsize=1)
def python(chars: int = PYTHON_CHARS) -> Source:
    """Up to ``chars`` characters of the running Python's standard library source."""
    parts: list[str] = []
    read: list[str] = []
    length = 0
    for name in PYTHON_MODULES:
        if length >= chars:
            break
        try:
            source = inspect.getsource(importlib.import_module(name))
        except (ImportError, OSError, TypeError):  # a build without that module's source
            continue
        parts.append(source)
        read.append(name)
        length += len(source)
    if not parts:
        raise OSError("no source of the Python standard library could be read on this machine")
    return Source("".join(parts)[:chars], tuple(read), platform.python_version())


# ---- the alphabet ----


@dataclass(frozen=True)
class Alphabet:
    """The symbols a text's characters become: index i is one-hot row i of X and class i of y."""

    symbols: str  # the kept characters, most common first, OTHER last if anything was left out

    @classmethod
    def of(cls, text: str, most: int = ALPHABET_MAX) -> Alphabet:
        """The ``most`` most common characters of ``text`` (ties by code point), or, when the
        text has more, the ``most`` - 1 most common and OTHER."""
        counts = sorted(Counter(text).items(), key=lambda kv: (-kv[1], kv[0]))
        if len(counts) <= most:
            return cls("".join(ch for ch, _ in counts))
        return cls("".join(ch for ch, _ in counts[: most - 1]) + OTHER)

    @property
    def size(self) -> int:
        return len(self.symbols)

    @functools.cached_property
    def _index(self) -> dict[str, int]:
        return {ch: i for i, ch in enumerate(self.symbols)}

    def encode(self, text: str) -> np.ndarray:
        """The indices of ``text``'s characters (L,) int32; a character left out is OTHER's."""
        other = self._index.get(OTHER, -1)
        ids = np.fromiter((self._index.get(ch, other) for ch in text), np.int32, len(text))
        if (ids < 0).any():
            raise ValueError("the text has characters this alphabet has no place for")
        return ids  # (L,)

    def decode(self, ids) -> str:
        return "".join(self.symbols[i] for i in np.asarray(ids).ravel().tolist())

    def others(self, text: str) -> int:
        """How many of ``text``'s characters become OTHER."""
        return sum(1 for ch in text if ch not in self._index) + (
            text.count(OTHER) if OTHER in self._index else 0
        )


# ---- the samples ----


def held_out_start(L: int, held_out: float) -> int:
    """Where the held-out text starts in a text of L characters: its last ``held_out``."""
    return L - max(1, int(round(L * held_out)))


def line_starts(text: str) -> np.ndarray:
    """Where a window may start (P,) int: the first character of every line. A brackets line
    starts indented by its depth, so what a zero state misses is written right there."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)  # (L,)
    after = np.flatnonzero(codes[:-1] == ord("\n")) + 1  # (P - 1,)
    return np.concatenate([[0], after])  # (P,)


def starts(
    L: int, N: int, T: int, n_val: int, held_out: float, anchors: np.ndarray | None = None
) -> np.ndarray:
    """The first character of each of the N windows of T + 1 characters (N,) int: the first
    N - n_val evenly spread over the training text, the last n_val over the held-out text,
    so that a training's validation samples are held-out text; at ``anchors`` (line starts)
    where the part has enough of them (``_place``)."""
    cut = held_out_start(L, held_out)
    if cut < T + 1 or L - cut < T + 1:
        raise ValueError(
            f"T (time steps) must be at most {min(cut, L - cut) - 1} for a text of {L:,} "
            f"characters (its training and held-out parts each need T + 1), got {T}"
        )
    train = _place(0, cut - T - 1, N - n_val, anchors)  # (N - n_val,)
    val = _place(cut, L - T - 1, n_val, anchors)  # (n_val,)
    return np.concatenate([train, val])  # (N,)


def _place(low: int, high: int, n: int, anchors: np.ndarray | None) -> np.ndarray:
    """n window starts within [low, high] (n,) int: as many different anchors, evenly
    picked, where there are that many; else evenly spread positions."""
    if anchors is not None:
        inside = anchors[(anchors >= low) & (anchors <= high)]  # (P',)
        if len(inside) >= n:
            return inside[np.linspace(0, len(inside) - 1, n).round().astype(np.int64)]
    return np.linspace(low, high, n).round().astype(np.int64)  # (n,)


def samples(
    ids: np.ndarray,
    N: int,
    T: int,
    D: int,
    n_val: int,
    held_out: float,
    anchors: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """X (N, T, D) float32, the one-hot rows of each window's first T characters, and
    y (N, T) int32, each step's next character, for the windows of ``starts``."""
    s = starts(len(ids), N, T, n_val, held_out, anchors)  # (N,)
    window = ids[s[:, None] + np.arange(T + 1)]  # (N, T + 1)
    X = np.eye(D, dtype=np.float32)[window[:, :T]]  # (N, T, D)
    y = window[:, 1:].astype(np.int32)  # (N, T)
    return X, y


# ---- a task's text, as a model reads it ----

# Every character ``brackets`` writes, in a fixed order: its D = K does not depend on the seed.
BRACKETS_ALPHABET = "".join(sorted(set("".join(SYLLABLES) + '0123456789()[]{}" \n')))


@dataclass(frozen=True, eq=False)
class Corpus:
    """A text task's text, its alphabet and its characters' indices."""

    text: str
    alphabet: Alphabet
    title: str  # where the text came from, for the page and the report
    modules: tuple[str, ...] = ()  # python: the standard-library modules read

    anchors: np.ndarray | None = None  # where a window may start (line_starts)

    @functools.cached_property
    def ids(self) -> np.ndarray:
        return self.alphabet.encode(self.text)  # (L,)

    @property
    def others(self) -> int:
        """How many characters became OTHER."""
        return self.alphabet.others(self.text)

    def held_out(self, fraction: float) -> tuple[int, str]:
        """(where it starts, the held-out text): the last ``fraction`` of the text."""
        cut = held_out_start(len(self.text), fraction)
        return cut, self.text[cut:]


@functools.lru_cache(maxsize=8)
def of_task(key: str, seed: int) -> Corpus:
    """The text of task ``key`` ("brackets": drawn from ``seed``; "python": the running
    Python's standard library, the same for every seed)."""
    if key == "brackets":
        text, _ = brackets(seed=seed)
        title = f"brackets drawn from seed {seed}"
        return Corpus(text, Alphabet(BRACKETS_ALPHABET), title, (), line_starts(text))
    if key == "python":
        source = python()
        return Corpus(
            source.text,
            Alphabet.of(source.text),
            source.title,
            source.modules,
            line_starts(source.text),
        )
    raise ValueError(f"task must be brackets or python for a text, got {key!r}")
