"""Train on the adding problem at T = 50 as the page would and check two targets; print Markdown.

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
from rnnviz.tasks import TASKS  # noqa: E402

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
    for ok, text in checks:
        print(f"- {'PASS' if ok else 'FAIL'}: {text}")


if __name__ == "__main__":
    main()
