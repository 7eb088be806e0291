"""What a hidden unit might be tracking, computed from the text alone: one value per character.

Each hypothesis is the state a reader is in just after reading character i (the state h_i a
model has after reading x_i): how deep in brackets, whether inside a string, how far into the
line, whether that character was a space, a digit, the first letter of a word. One table entry
each (``HYPOTHESES``); ``pearson`` and ``ranked`` set them against the units' states, and
``contrast`` ranks the units by how differently they behave inside a stretch of text chosen by
hand (LSTMVis' selection, simplified). Nothing here knows about models: arrays in, arrays out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnnviz.text.corpus import depth_of


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)  # (L,)


def in_quotes(text: str) -> np.ndarray:
    """1 inside a string, 0 outside (L,) float: a quote ' or " (or three of them) opens a
    string that the same quote closes; a backslash escapes the next character; a string of
    one quote ends at the end of its line; # outside a string starts a comment to the end of
    the line, in which quotes open nothing. The opening quote counts as inside, the closing
    one as outside (the state after reading each)."""
    out = np.zeros(len(text), dtype=np.float64)  # (L,)
    quote: str | None = None  # the open string's quote: ' " ''' or """
    comment = escaped = False
    i = 0
    while i < len(text):
        ch = text[i]
        if quote is None:
            if comment:
                comment = ch != "\n"
            elif ch == "#":
                comment = True
            elif ch in "'\"":
                quote = ch * 3 if text.startswith(ch * 3, i) else ch
                out[i : i + len(quote)] = 1.0
                i += len(quote)
                continue
        elif escaped:
            escaped = False
            out[i] = 1.0
        elif ch == "\\":
            escaped = True
            out[i] = 1.0
        elif text.startswith(quote, i):
            i += len(quote)  # the closing quote: outside, as the state after it
            quote = None
            continue
        elif ch == "\n" and len(quote) == 1:
            quote = None  # an unclosed one-quote string ends with its line
        else:
            out[i] = 1.0
        i += 1
    return out


def line_position(text: str) -> np.ndarray:
    """How many characters of the line have been read (L,) float: 0 after a newline."""
    codes = _codes(text)  # (L,)
    i = np.arange(len(text))  # (L,)
    last_newline = np.maximum.accumulate(np.where(codes == ord("\n"), i, -1))  # (L,)
    return ((i - last_newline) * (codes != ord("\n"))).astype(np.float64)  # (L,)


def after_space(text: str) -> np.ndarray:
    """1 just after reading a space (L,) float."""
    return (_codes(text) == ord(" ")).astype(np.float64)  # (L,)


def digit(text: str) -> np.ndarray:
    """1 just after reading a digit 0-9 (L,) float."""
    codes = _codes(text)  # (L,)
    return ((codes >= ord("0")) & (codes <= ord("9"))).astype(np.float64)  # (L,)


def word_start(text: str) -> np.ndarray:
    """1 just after reading the first character of a word (L,) float: a letter or _ after
    anything but a letter, a digit or _."""
    word = np.array([ch.isalnum() or ch == "_" for ch in text], dtype=bool)  # (L,)
    letter = np.array([ch.isalpha() or ch == "_" for ch in text], dtype=bool)  # (L,)
    before = np.concatenate([[False], word[:-1]])  # (L,)
    return (letter & ~before).astype(np.float64)  # (L,)


@dataclass(frozen=True)
class Hypothesis:
    key: str  # the name in the JSON and the URL
    title: str  # what the page calls it
    of: Callable[[str], np.ndarray]  # text -> (L,) float


HYPOTHESES: dict[str, Hypothesis] = {
    h.key: h
    for h in (
        Hypothesis("depth", "nesting depth", lambda t: depth_of(t) * 1.0),
        Hypothesis("in_quotes", "inside quotes or a string", in_quotes),
        Hypothesis("line_position", "position in the line", line_position),
        Hypothesis("after_space", "just after a space", after_space),
        Hypothesis("digit", "a digit", digit),
        Hypothesis("word_start", "the start of a word", word_start),
    )
}


def pearson(S: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Pearson's r of each unit's state against ``v``: S (L, M), v (L,) -> r (M,), in float64;
    0 where a unit or ``v`` does not vary (r is undefined there, and says nothing)."""
    S = np.asarray(S, dtype=np.float64)  # (L, M)
    s = S - S.mean(axis=0)  # (L, M)
    u = np.asarray(v, dtype=np.float64) - np.mean(v)  # (L,)
    den = np.sqrt((s * s).sum(axis=0) * (u @ u))  # (M,)
    num = u @ s  # (M,)
    r = np.divide(num, den, out=np.zeros_like(num), where=den > 1e-12 * len(u))  # (M,)
    return np.clip(r, -1.0, 1.0)


def ranked(r: np.ndarray) -> np.ndarray:
    """The units in order of |r|, largest first (M,) int; ties by unit."""
    return np.lexsort((np.arange(len(r)), -np.abs(r)))  # (M,)


def contrast(S: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """How differently each unit behaves inside a stretch of text than outside it, (M,): the
    difference of its means, inside − outside, over their pooled standard deviation (Cohen's
    d). ``inside`` is (L,) bool with characters on both sides; a unit constant on both is 0."""
    S = np.asarray(S, dtype=np.float64)  # (L, M)
    inside = np.asarray(inside, dtype=bool)  # (L,)
    a, b = S[inside], S[~inside]  # (L_in, M), (L_out, M)
    if len(a) == 0 or len(b) == 0:
        raise ValueError("a selection needs characters inside it and outside it")
    pooled = np.sqrt((a.var(axis=0) * len(a) + b.var(axis=0) * len(b)) / len(S))  # (M,)
    diff = a.mean(axis=0) - b.mean(axis=0)  # (M,)
    return np.divide(diff, pooled, out=np.zeros_like(diff), where=pooled > 1e-12)  # (M,)
