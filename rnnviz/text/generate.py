"""Text written by the model one character at a time, with the NumPy recurrence, not Keras.

From a zero state the prompt is read; then, G times, the head's logits at the last character
give the next character's probabilities p = softmax(logits / τ), a character is drawn from p
with ``np.random.default_rng(seed)`` (τ = 0: the most likely one, no draw), and it is read in
turn. Every step is the recurrence of ``rnnviz.recurrence.forward`` (the cell table's) run for
one step from the state the last one left, layer by layer, then the Dense head. The same seed
gives the same text. ``agreement`` sets the probabilities beside Keras' over the same text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rnnviz.recurrence.cells import suffix
from rnnviz.text.corpus import OTHER, Alphabet

MAX_CHARS = 400  # generated at most: with the prompt, within a Keras model's T ≤ 500
MAX_PROMPT = 100
TEMPERATURE = (0.0, 5.0)  # τ allowed: 0 picks the most likely character


@dataclass(frozen=True)
class Generated:
    """A prompt and what followed it."""

    ids: np.ndarray  # (P + G,) the prompt's characters, then the generated ones
    prompt: int  # P
    p: np.ndarray  # (G, K) float64: the distribution each generated character was drawn from
    temperature: float
    seed: int

    def text(self, alphabet: Alphabet) -> str:
        return alphabet.decode(self.ids[self.prompt :])


def softmax(z: np.ndarray, τ: float = 1.0) -> np.ndarray:
    """softmax(z / τ) over the last axis in float64; τ = 0 puts all of it on the largest."""
    z = np.asarray(z, dtype=np.float64)  # (..., K)
    if τ == 0:
        return (z == z.max(axis=-1, keepdims=True)) / (z == z.max(axis=-1, keepdims=True)).sum(
            axis=-1, keepdims=True
        )
    z = z / τ  # (..., K)
    e = np.exp(z - z.max(axis=-1, keepdims=True))  # (..., K)
    return e / e.sum(axis=-1, keepdims=True)


def check(config, prompt: str, G: int, τ: float, alphabet: Alphabet) -> None:
    """ValueError, in one sentence, for what cannot be generated."""
    if config.bidirectional:
        raise ValueError(
            "a bidirectional model reads each character's future too, so it cannot write one "
            "character at a time: turn bidirectional off to generate"
        )
    if not 1 <= G <= MAX_CHARS:
        raise ValueError(f"the characters to generate must be between 1 and {MAX_CHARS}, got {G}")
    if not 1 <= len(prompt) <= MAX_PROMPT:
        raise ValueError(
            f"the prompt must have between 1 and {MAX_PROMPT} characters, got {len(prompt)}"
        )
    low, high = TEMPERATURE
    if not low <= τ <= high:
        raise ValueError(f"the temperature τ must be between {low:g} and {high:g}, got {τ:g}")
    unknown = sorted({ch for ch in prompt if ch not in alphabet.symbols})
    if unknown and OTHER not in alphabet.symbols:
        shown = "".join(unknown[:10])
        raise ValueError(f"the prompt has characters the model does not know: {shown!r}")


def generate(
    config,
    weights: Mapping[str, np.ndarray],
    alphabet: Alphabet,
    prompt: str,
    G: int,
    τ: float = 1.0,
    seed: int = 0,
) -> Generated:
    """G characters after ``prompt``, from ``config``'s model with ``weights`` (export names)."""
    check(config, prompt, G, τ, alphabet)
    c = config
    cell = c.variant
    rng = np.random.default_rng(seed)
    eye = np.eye(c.D, dtype=c.dtype)  # (D, D): one-hot rows
    paths = [cell.path_weights(weights, suffix(layer, "fwd")) for layer in range(1, c.layers + 1)]
    state: list[dict[str, np.ndarray]] = [{} for _ in paths]  # per layer: h (and c), (1, M)

    def read(i: int) -> np.ndarray:
        """Read character i: one step of every layer; the head's logits (K,)."""
        H = eye[i][None, None]  # (1, 1, D)
        for layer, W in enumerate(paths):
            carried = {f"{k}_0": v for k, v in state[layer].items()}  # h_0 (and c_0): (1, M)
            trace = cell.recurrence(H, **W, **carried)  # each (1, 1, M)
            state[layer] = {k: trace[k][:, -1] for k in ("h", "c") if k in trace}  # (1, M)
            H = trace["h"]  # (1, 1, M)
        return H[0, 0] @ weights["W_o"] + weights["b_o"]  # (K,)

    ids = list(alphabet.encode(prompt).tolist())
    for i in ids:
        logits = read(i)  # (K,)
    p = np.empty((G, c.K), dtype=np.float64)  # (G, K)
    for g in range(G):
        p[g] = softmax(logits, τ)  # (K,)
        i = int(np.argmax(p[g])) if τ == 0 else int(rng.choice(c.K, p=p[g]))
        ids.append(i)
        logits = read(i)  # (K,)
    return Generated(np.array(ids, dtype=np.int32), len(prompt), p, float(τ), seed)


def agreement(generated: Generated, keras_logits: np.ndarray) -> float:
    """The largest |p_numpy − p_keras| over every generated step and character, where
    ``keras_logits`` (L − 1, K) are Keras' over the generated text's characters but the last
    (row j predicts character j + 1) and p_keras = softmax(logits / τ)."""
    P = generated.prompt
    theirs = softmax(keras_logits[P - 1 :], generated.temperature)  # (G, K)
    return float(np.abs(generated.p - theirs).max())
