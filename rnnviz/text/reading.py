"""A text model's hidden units read over the held-out text, and how well it predicts it.

``over`` runs the NumPy recurrence (``rnnviz.recurrence.network``) over the held-out text as one
sequence, from a zero state, and keeps every state of the last layer (h, and c and the gates of a
gated cell; both directions side by side) and the head's logits at every character. From them:
bits per character, against the unigram baseline that ignores history; and, for each hypothesis
of ``rnnviz.text.hypotheses``, the unit whose state follows it best. Nothing here imports Keras.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rnnviz.recurrence.network import numpy_forward
from rnnviz.text.hypotheses import HYPOTHESES, pearson, ranked


@dataclass(frozen=True)
class Reading:
    """The last layer's states over a text of L characters and the logits after each."""

    states: Mapping[str, np.ndarray]  # "h", "c", "i", ... -> (L, M·directions)
    logits: np.ndarray  # (L, K): row i predicts character i + 1
    traces: Mapping = None  # every (layer, direction)'s trace, (1, L, M) each: for gradients

    def bits_per_char(self, ids: np.ndarray) -> float:
        """−log2 p(character i + 1 | characters 0..i), averaged over i = 0..L−2."""
        return bits_per_char(self.logits[:-1], ids[1:])


def one_hot(ids: np.ndarray, D: int, dtype: str = "float32") -> np.ndarray:
    """The one-hot rows of ``ids`` (L,) as one sequence, (1, L, D)."""
    return np.eye(D, dtype=dtype)[ids][None]  # (1, L, D)


def over(config, weights: Mapping[str, np.ndarray], ids: np.ndarray) -> Reading:
    """The NumPy recurrence of ``config``'s model (its sizes, cell, layers) with ``weights``
    over the characters ``ids`` (L,), one sequence of L steps."""
    if not config.return_sequences:
        raise ValueError("a text model predicts at every step: return_sequences must be on")
    c = config.replace(bug="none")  # the correct recurrence, whatever is planted
    X = one_hot(ids, c.D, c.dtype)  # (1, L, D)
    traces, y = numpy_forward(c, X, weights)  # y: (1, L, K)
    last = [traces[(c.layers, d)] for d in ("fwd", "bwd")[: c.directions]]
    states = {
        k: np.concatenate([t[k][0] for t in last], axis=-1)  # (L, M·directions)
        for k in last[0]
    }
    return Reading(states, y[0], traces)


def bits_per_char(logits: np.ndarray, targets: np.ndarray) -> float:
    """The mean of −log2 softmax(logits_i)[targets_i]: logits (L, K), targets (L,) int."""
    z = np.asarray(logits, dtype=np.float64)  # (L, K)
    z = z - z.max(axis=1, keepdims=True)  # (L, K): the largest logit 0
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # (L, K) natural log
    return float(-log_p[np.arange(len(targets)), targets].mean() / math.log(2))


def unigram_bits(ids: np.ndarray, K: int) -> float:
    """The entropy of the characters' frequencies in ``ids`` (L,), in bits: the bits per
    character of the best prediction that ignores history, on the text it was counted on."""
    p = np.bincount(ids, minlength=K) / len(ids)  # (K,)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


@dataclass(frozen=True)
class Best:
    """The unit whose state follows a hypothesis best."""

    unit: int
    r: float
    state: str  # "h", or "c" for an LSTM's cell state

    def as_json(self) -> dict:
        return {"unit": self.unit, "r": round(self.r, 6), "state": self.state}


READ = ("h", "c")  # the states whose units are ranked: h_t, and an LSTM's c_t


def best_units(reading: Reading, text: str) -> dict[str, Best]:
    """For each hypothesis, the unit of h (or of an LSTM's c) with the largest |r| over the
    text; h first on a tie."""
    best = {}
    for key, hypothesis in HYPOTHESES.items():
        v = hypothesis.of(text)  # (L,)
        candidates = []
        for state in READ:
            if state in reading.states:
                r = pearson(reading.states[state], v)  # (M·directions,)
                m = int(ranked(r)[0])
                candidates.append(Best(m, float(r[m]), state))
        best[key] = max(candidates, key=lambda b: abs(b.r))  # the first of equals: h
    return best


@dataclass(frozen=True)
class Study:
    """What a text model learnt, read on the held-out text: bits per character before and
    after training beside the unigram baseline, and the unit that follows each hypothesis."""

    start: int  # where the held-out text starts in the whole text
    text: str  # the held-out text read (all of it, or its first ``readable`` characters)
    ids: np.ndarray  # (L,) its characters' indices
    before: float  # bits per character with the initial weights
    after: float  # with the weights the run has
    baseline: float  # the unigram entropy of the training text, bits
    units: Mapping[str, Best]  # hypothesis key -> the best unit, with the run's weights
    reading: Reading  # the run's weights' states over the held-out text
    held: int = 0  # characters held out, read or not

    def as_json(self) -> dict:
        return {
            "bits_per_char_before": round(self.before, 6),
            "bits_per_char_after": round(self.after, 6),
            "bits_per_char_baseline": round(self.baseline, 6),
            "units": {key: best.as_json() for key, best in self.units.items()},
        }


READ_CAP = 4_000_000  # numbers a reading's traces may hold (16 MB of float32): its length


def readable(config, L: int) -> int:
    """How many of L characters a reading of ``config``'s model covers: all of them, unless
    every layer's and direction's trace over them (h, and c and the gates of a gated cell)
    would hold more than READ_CAP numbers; then as many as that allows."""
    traced = len(config.variant.gates) + len(config.variant.states) + 1  # h, c, gates, (a)
    per_character = config.layers * config.directions * config.M * traced
    return max(2, min(L, READ_CAP // per_character))


def study(config, corpus, weights, initial, held_out: float, before=None) -> Study:
    """``corpus`` (an ``rnnviz.text.corpus.Corpus``) read by ``config``'s model with the
    run's ``weights`` and with its ``initial`` ones, over its last ``held_out`` (the first
    ``readable`` characters of it, for a model too large to read it all). ``initial`` None:
    the weights are the initial ones, or ``before``, the initial weights' Reading already
    made over the same characters, is given: neither is read again."""
    start, text = corpus.held_out(held_out)
    text = text[: readable(config, len(text))]
    ids = corpus.ids[start : start + len(text)]  # (L,)
    after = over(config, weights, ids)
    if before is None:
        before = after if initial is None else over(config, initial, ids)
    return Study(
        start=start,
        text=text,
        ids=ids,
        before=before.bits_per_char(ids),
        after=after.bits_per_char(ids),
        baseline=unigram_bits(corpus.ids[:start], config.K),
        units=best_units(after, text),
        reading=after,
        held=len(corpus.text) - start,
    )


GENERATION_TOLERANCE = 1e-5  # |p_numpy − p_keras| at every generated step, float32


@dataclass(frozen=True)
class TextRead:
    """A text run's study and, when asked, what it wrote and how close Keras' odds were."""

    corpus: object  # rnnviz.text.corpus.Corpus
    study: Study
    generated: object = None  # rnnviz.text.generate.Generated
    generated_max_abs_diff: float | None = None

    @property
    def generated_agree(self) -> bool:
        return self.generated_max_abs_diff is not None and (
            self.generated_max_abs_diff <= GENERATION_TOLERANCE
        )

    def as_json(self) -> dict:
        c = self.corpus
        out = {
            "text": {
                "source": c.title,
                "modules": list(c.modules),
                "characters": len(c.text),
                "heldout_characters": self.study.held,
                "read_characters": len(self.study.text),
                "alphabet": c.alphabet.size,
                "others": c.others,
            }
        } | self.study.as_json()
        g = self.generated
        if g is not None:
            out["generated"] = {
                "prompt": c.alphabet.decode(g.ids[: g.prompt]),
                "text": g.text(c.alphabet),
                "temperature": g.temperature,
                "seed": g.seed,
                "max_abs_diff_p": self.generated_max_abs_diff,
                "tolerance": GENERATION_TOLERANCE,
                "agree": self.generated_agree,
            }
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        """What --export adds: the held-out text, its indices and the last layer's h over it."""
        s = self.study
        return {
            "text_heldout": np.array(s.text),  # a 0-d unicode array: read back with str()
            "text_heldout_ids": s.ids,  # (L,)
            "h_heldout": s.reading.states["h"],  # (L, M·directions)
        }
