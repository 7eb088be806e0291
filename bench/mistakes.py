"""Time the "What if the shape is wrong?" section's work; print a Markdown table.

For each config: the five mistakes made cold (the first config in a fresh process, after
TensorFlow's import, which is timed on its own line), made again for a new seed (the same
shapes, so Keras' own first-use costs are paid), and read from the page's cache
(``rnnviz.ui.cache.shape_mistakes``), which is what every later rerun of the section costs.
Run from the repository root with ``.venv/bin/python bench/mistakes.py``.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # rnnviz is not pip-installed

from rnnviz.config import RNNConfig  # noqa: E402
from rnnviz.keras_side import model as keras_side  # noqa: E402
from rnnviz.keras_side.shape_mistakes import mistakes  # noqa: E402
from rnnviz.recurrence.cells import GRU, LSTM  # noqa: E402

CONFIGS = {
    "notebook SimpleRNN": RNNConfig(),
    "notebook LSTM": RNNConfig(cell=LSTM.key),
    "GRU × 2, bidirectional": RNNConfig(cell=GRU.key, layers=2, bidirectional=True),
    "LSTM N=200 T=100 D=8 M=64": RNNConfig(cell=LSTM.key, N=200, T=100, D=8, M=64, K=4),
}


def seconds(call) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``call()``: on a shared machine the wall clock also
    counts the other processes' turns, the CPU time only this one's work."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def ms(pair: tuple[float, float]) -> str:
    return f"{pair[0] * 1e3:.0f} ms ({pair[1] * 1e3:.0f} ms CPU)"


def main() -> None:
    print(f"TensorFlow import: {ms(seconds(keras_side._keras))}\n")
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # no runtime: the cache still works
    from rnnviz.ui import cache

    print("| config | cold | new seed | cached |")
    print("|---|---:|---:|---:|")
    for name, c in CONFIGS.items():
        cold = seconds(lambda c=c: mistakes(c))
        again = seconds(lambda c=c: mistakes(c.replace(seed=c.seed + 1)))
        cache.shape_mistakes(c)
        hit = seconds(lambda c=c: cache.shape_mistakes(c))
        print(f"| {name} | {ms(cold)} | {ms(again)} | {hit[0] * 1e6:.0f} µs |")


if __name__ == "__main__":
    main()
