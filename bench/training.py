"""Train on the adding problem at T = 50 and on the brackets text as the page would; print Markdown.

Targets: an LSTM reaches validation MSE < 0.05 within the page's 60 s budget (for every seed tried),
and a SimpleRNN of the same size, on the same data and with the same budget, ends at least 2× worse.
The data are the config's N = 2000 samples (the app's largest N), the last 20% held out, as
``rnnviz.keras_side.training.train`` splits them; the hyperparameters are its defaults (Adam's
LEARNING_RATE, BATCH). The LSTM trains LSTM_EPOCHS epochs; the SimpleRNN is given every epoch the
app allows within the same budget, so it gets at least the LSTM's time. The trivial baseline, always
predicting E[y] = 1, has MSE Var(u_i + u_j) = 1/6 ≈ 0.167. TensorFlow runs on one thread, as on the
server. A third target is the page's: a training reports its progress at least PROGRESS_RATE times a
second (its throttle allows one every EVERY_S), so the progress bar moves while an epoch runs. Run
from the repository root with ``.venv/bin/python bench/training.py``; ``--seeds 1`` runs one seed
(about a minute).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # rnnviz is not pip-installed

from rnnviz.config import RNNConfig  # noqa: E402
from rnnviz.keras_side import model as keras_side  # noqa: E402
from rnnviz.keras_side.training import (  # noqa: E402
    BATCH,
    BUDGET_S,
    EPOCHS,
    EVERY_S,
    LEARNING_RATE,
    split,
    train,
)
from rnnviz.tasks import BRACKETS_D, TASKS, TEXT_SIZES, VAL_FRACTION  # noqa: E402
from rnnviz.text import corpus, reading  # noqa: E402
from rnnviz.text.hypotheses import HYPOTHESES, pearson  # noqa: E402

N, T, M = 2000, 50, 32  # N·T·M = 3.2e6, under the app's cap of 5e6 (M ≤ 50 at this N, T)
TARGET = 0.05  # the LSTM's validation MSE
MARGIN = 2.0  # the SimpleRNN's validation MSE at least this many times the LSTM's
LSTM_EPOCHS = 40
SEEDS = (0, 1, 2)
PROGRESS_RATE = 1.5  # progress reports a second during a training, at least


def progress_rate() -> tuple[float, int, float]:
    """Reports a second during a training of one sample a batch: two epochs of 800 steps, a
    few seconds, in which the start and the two epoch ends alone would come at under
    PROGRESS_RATE a second; the rest is the throttle's. Returns the rate, the reports and
    the seconds between the first and the last."""
    c = RNNConfig(N=1000, T=20, D=1, M=4, K=1, seed=0, task="sine")
    X, y = TASKS["sine"].make(c.N, c.T, None, None, c.seed)
    arrived = []
    train(c, X, y, "regression", 2, batch=1, on_progress=lambda s: arrived.append((s.seconds, s)))
    during = [t for t, s in arrived if s.state == "training"]
    seconds = during[-1] - during[0]
    return (len(during) - 1) / seconds, len(during), seconds


def run(cell: str, seed: int, epochs: int) -> dict:
    """One training of ``cell`` on the adding problem drawn from ``seed``, and when its
    validation MSE first went under TARGET (epoch, seconds), if it did."""
    c = RNNConfig(N=N, T=T, D=2, M=M, K=1, seed=seed, cell=cell)
    X, y = TASKS["adding"].make(N, T, None, None, seed)  # (N, T, 2), (N, 1)
    ends = []  # (epoch, seconds, val_loss) at each epoch's end

    def on_progress(s):
        if s.state == "training" and s.batch == 0 and s.val_loss:
            ends.append((s.epoch, s.seconds, s.val_loss[-1]))

    _, history = train(c, X, y, "regression", epochs, budget_s=BUDGET_S, on_progress=on_progress)
    under = next(((e, sec) for e, sec, v in ends if v < TARGET), None)
    y_val = y[history.n_train :]  # (n_val, 1)
    return {
        "history": history,
        "under": under,
        "baseline": float(np.mean((y_val.astype(np.float64) - 1.0) ** 2)),
    }


TEXT_M, TEXT_EPOCHS = 32, 60  # the brackets task: LSTM(32), at most 60 epochs in the budget
TEXT_R, TEXT_DROP = 0.8, 0.30  # a unit with |r| ≥ this against depth; bits this far below


def text_run(cell: str) -> dict:
    """The brackets task at the sizes it starts with, trained as the page trains it: after each
    epoch, the best |r| of a unit (h, or an LSTM's c) against the nesting depth over the
    held-out text, and the bits per character there; when |r| first reached TEXT_R."""
    sizes = dict(TEXT_SIZES)
    c = RNNConfig(
        task="brackets", cell=cell, M=TEXT_M, D=BRACKETS_D, K=BRACKETS_D, return_sequences=True,
        **sizes,
    )  # fmt: skip
    X, y = TASKS["brackets"].make(c.N, c.T, None, None, c.seed)  # (N, T, D), (N, T)
    text = corpus.of_task("brackets", c.seed)
    cut, held = text.held_out(VAL_FRACTION)
    ids = text.ids[cut:]  # (L,)
    depth = HYPOTHESES["depth"].of(held)  # (L,)
    ends = []  # (epoch, seconds of training, best |r|, bits per character)
    start, reading_s = time.perf_counter(), [0.0]  # the reading's own time is not training's

    def on_epoch(epoch, weights):
        now = time.perf_counter()
        r = reading.over(c, weights, ids)
        best = max(
            float(np.abs(pearson(r.states[k], depth)).max()) for k in ("h", "c") if k in r.states
        )
        ends.append((epoch, now - start - reading_s[0], best, r.bits_per_char(ids)))
        reading_s[0] += time.perf_counter() - now

    _, history = train(c, X, y, "sequence", TEXT_EPOCHS, budget_s=BUDGET_S, on_epoch=on_epoch)
    reached = next(((e, sec) for e, sec, r, _ in ends if r >= TEXT_R), None)
    return {
        "history": history,
        "ends": ends,
        "reached": reached,
        "baseline": reading.unigram_bits(text.ids[:cut], c.K),
    }


def text_checks() -> list[tuple[bool, str]]:
    """The brackets task's table and its targets: the LSTM's depth unit, and its bits."""
    rows = {cell: text_run(cell) for cell in ("lstm", "simple")}
    sizes = dict(TEXT_SIZES)
    print(
        f"\n# Brackets, N = {sizes['N']}, T = {sizes['T']}, M = {TEXT_M}: the depth unit\n\n"
        "| cell | epochs | seconds | best |r| against depth | first |r| ≥ "
        f"{TEXT_R:g} | bits/char held out | unigram baseline |"
    )
    print("|---|--:|--:|--:|---|--:|--:|")
    for cell, r in rows.items():
        h, (_, seconds, best, bits) = r["history"], r["ends"][-1]
        reached = "never" if r["reached"] is None else "epoch {}, {:.1f} s".format(*r["reached"])
        print(
            f"| {cell} | {h.epochs} | {seconds:.1f} | {best:.3f} | {reached} | {bits:.3f} "
            f"| {r['baseline']:.3f} |"
        )
    lstm = rows["lstm"]
    _, _, best, bits = lstm["ends"][-1]
    drop = 1 - bits / lstm["baseline"]
    return [
        (
            lstm["reached"] is not None and lstm["reached"][1] <= BUDGET_S,
            f"brackets: an LSTM({TEXT_M}) unit reaches |r| ≥ {TEXT_R:g} against the nesting "
            f"depth within {BUDGET_S:g} s: "
            + (
                "never"
                if lstm["reached"] is None
                else "epoch {}, {:.1f} s".format(*lstm["reached"])
            )
            + f" (|r| = {best:.3f} after {lstm['history'].epochs} epochs)",
        ),
        (
            drop >= TEXT_DROP,
            f"brackets: the LSTM's bits per character on the held-out text ≥ {TEXT_DROP:.0%} "
            f"below the unigram baseline: {bits:.3f} against {lstm['baseline']:.3f}, "
            f"{drop:.0%} below",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=len(SEEDS), help="how many seeds (1-3)")
    seeds = SEEDS[: max(1, parser.parse_args().seeds)]
    keras_side._keras()  # one TensorFlow thread, as on the server
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    n_train, n_val = split(N)
    print(f"# Training on the adding problem, T = {T}, N = {N}, M = {M}\n")
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
        f"{load}; Adam, learning rate {LEARNING_RATE:g}, batch {BATCH}, budget {BUDGET_S:g} s; "
        f"{n_train} samples trained on, {n_val} validated on\n"
    )
    rows = {}
    for seed in seeds:
        rows["lstm", seed] = run("lstm", seed, LSTM_EPOCHS)
        rows["simple", seed] = run("simple", seed, EPOCHS[1])
    print(
        "| cell | seed | epochs | seconds | ended by | val MSE before | val MSE after "
        f"| best val MSE | first < {TARGET:g} | baseline (y = 1) |"
    )
    print("|---|--:|--:|--:|---|--:|--:|--:|---|--:|")
    for (cell, seed), r in rows.items():
        h = r["history"]
        under = "never" if r["under"] is None else "epoch {}, {:.1f} s".format(*r["under"])
        cells = [
            cell,
            seed,
            h.epochs,
            f"{h.seconds:.1f}",
            h.stopped or "epochs",
            f"{h.val_loss_before:.3f}",
            f"{h.val_loss[-1]:.4f}",
            f"{min(h.val_loss):.4f}",
            under,
            f"{r['baseline']:.3f}",
        ]
        print("| " + " | ".join(map(str, cells)) + " |")
    print()
    lstm = [rows["lstm", s]["history"] for s in seeds]
    simple = [rows["simple", s]["history"] for s in seeds]
    worst_lstm = max(h.val_loss[-1] for h in lstm)
    slowest = max(h.seconds for h in lstm)
    ratios = [
        s.val_loss[-1] / max(h.val_loss[-1], 1e-12) for h, s in zip(lstm, simple, strict=True)
    ]
    checks = [
        (
            worst_lstm < TARGET and slowest <= BUDGET_S,
            f"LSTM reaches validation MSE < {TARGET:g} within {BUDGET_S:g} s, every seed: "
            f"worst {worst_lstm:.4f}, slowest {slowest:.1f} s",
        ),
        (
            min(ratios) >= MARGIN,
            f"SimpleRNN's validation MSE ≥ {MARGIN:g}× the LSTM's, every seed: "
            f"SimpleRNN {', '.join(f'{s.val_loss[-1]:.3f}' for s in simple)}, "
            f"smallest ratio {min(ratios):.0f}×",
        ),
    ]
    rate, reports, seconds = progress_rate()
    checks.append(
        (
            rate >= PROGRESS_RATE,
            f"a training reports its progress ≥ {PROGRESS_RATE:g} times a second (one every "
            f"{EVERY_S:g} s at most): {reports} reports in {seconds:.1f} s, {rate:.1f} a second",
        )
    )
    checks += text_checks()
    print()
    for ok, text in checks:
        print(f"- {'PASS' if ok else 'FAIL'}: {text}")


if __name__ == "__main__":
    main()
