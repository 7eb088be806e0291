"""Time the forward pass four ways and check that they agree; print Markdown.

The four ways: (a) the "Importance of shapes" notebook's loop over every sample n and step t, (b)
rnnviz's NumPy recurrence, vectorised over N and keeping the whole trace, (c) Keras'
``model.predict``, as the notebook calls it, and (d) rnnviz's Keras path, the ``tf.function`` traced
once per model. Each time is the median of repeated calls after one warm-up call. Below the table
come the speed targets (PASS/FAIL), the largest |y_keras - y_numpy| at each size and at the corners
of the allowed sizes (the evidence for ``rnnviz.recurrence.agreement.TOLERANCE``), and the process
memory with a bounded model cache against an unbounded one. Run from the repository root with
``.venv/bin/python bench/bench.py``; ``--quick`` times the notebook's size only. The gated cells
(LSTM, GRU) are timed at MID too, three ways (they have no notebook loop). Last, for every cell at
MID, backpropagation through time in NumPy (``rnnviz.views.gradients``, reusing the forward trace)
against the forward trace itself, with its target (≤ 2×) and its largest relative error against
Keras' tf.GradientTape.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import gc
import glob
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # rnnviz is not pip-installed

from rnnviz.config import RNNConfig  # noqa: E402
from rnnviz.config.rnn_config import WORK_CAP  # noqa: E402
from rnnviz.keras_side import model as keras_side  # noqa: E402  (TensorFlow is imported on first use)
from rnnviz.pipeline import execute  # noqa: E402
from rnnviz.recurrence.agreement import TOLERANCE, compare  # noqa: E402
from rnnviz.recurrence.cells import CELLS, VARIANTS, Cell  # noqa: E402
from rnnviz.recurrence.network import numpy_forward  # noqa: E402
from rnnviz.tasks import make_X  # noqa: E402
from rnnviz.views.gradients import gradients  # noqa: E402

# (N, T, D, M, K). SEED is the notebook's; MID is over the app's N·T·M cap (6.4e6 > 5e6) but is
# the size the targets name; LARGE sits exactly on the cap with 3.4× MID's multiply-adds.
SEED = (10, 10, 3, 5, 2)
MID = (1000, 100, 8, 64, 4)
LARGE = (200, 100, 64, 250, 32)
# Corners of the allowed sizes, with D, K and M at their maxima where the cap allows: longest
# sequence with one sample and with as many as fit, and the most samples (T = 10 would be over).
CORNERS = [(1, 500, 64, 256, 32), (39, 500, 64, 256, 32), (2000, 9, 64, 256, 32)]

BPTT_TARGET = 2.0  # hand-written BPTT at most this many times the forward trace's time
BUDGET_S = 1.0  # keep repeating a call until this much time is spent...
MIN_RUNS = 5  # ...and at least this many runs
MIN_RUNS_SEED_LOOP = 3  # the notebook's loop takes seconds a call at MID
N_MODELS, CACHE_SIZE = 40, 8  # the memory section: models built, and the app's cache bound


def seed_loop(X, wx, wh, bh, wo, bo):
    """The notebook's manual RNN as written there (its names, its float64 h), minus the print.

    ``wx, wh, bh, wo, bo`` are W_xh, W_hh, b_h, W_o, b_o. Returns the list of every y, N·T of
    them; y for sample n is ``y_hats[n * T + T - 1]``. The notebook printed ``y_hats[-1]`` once
    per sample, left out here so that the terminal is not what gets timed.
    """
    N, T, D = X.shape
    M = wh.shape[0]
    h_last = np.zeros(M)  # Initializing the hidden state to an array of zeros
    y_hats = []

    for n in range(N):
        x = X[n]
        h_last = np.zeros(M)

        for t in range(T):
            h = np.tanh(x[t].dot(wx) + h_last.dot(wh) + bh)
            y = h.dot(wo) + bo

            y_hats.append(y)

            h_last = h
    return y_hats


def median_time(f, warm_up=None, min_runs: int = MIN_RUNS) -> float:
    """Median wall time of ``f()`` in seconds, after one call of ``warm_up`` (default ``f``)."""
    (warm_up or f)()
    times = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < BUDGET_S:
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def paired_times(f, g, min_runs: int = MIN_RUNS) -> tuple[float, float]:
    """Median wall times of ``f()`` and ``g()`` called in turn, after one warm-up call each:
    whatever else loads the machine meanwhile falls on both alike, so their ratio holds."""
    f(), g()
    times: tuple[list[float], list[float]] = ([], [])
    start = time.perf_counter()
    while len(times[0]) < min_runs or time.perf_counter() - start < 2 * BUDGET_S:
        for call, spent in zip((f, g), times, strict=True):
            t0 = time.perf_counter()
            call()
            spent.append(time.perf_counter() - t0)
    return float(np.median(times[0])), float(np.median(times[1]))


def model_config(T: int, D: int, M: int, K: int, cell: str = "simple", seed: int = 0):
    """The config of the Keras model alone (N = 1): MID's N would be over the app's cap."""
    return RNNConfig(N=1, T=T, D=D, M=M, K=K, seed=seed, cell=cell)


def bench_size(N: int, T: int, D: int, M: int, K: int) -> dict[str, float]:
    """Median times of the four forward passes at one size, and how far their y differ."""
    c = model_config(T, D, M, K)
    net = keras_side.build(c)
    X = make_X(N, T, D, seed=0)  # (N, T, D) float32
    X_notebook = X.astype(np.float64)  # (N, T, D): the notebook's X came from np.random.randn
    W = net.weights()
    wx, wh, bh, wo, bo = (W[s] for s in ("W_xh", "W_hh", "b_h", "W_o", "b_o"))

    y_keras = net(X)  # (N, K)
    _, y_numpy = numpy_forward(c, X, W)  # (N, K)
    y_seed = np.array(seed_loop(X_notebook, wx, wh, bh, wo, bo)[T - 1 :: T])  # (N, K)
    return {
        # One sample is enough to warm the notebook's loop up; all N would take seconds.
        "seed loop": median_time(
            lambda: seed_loop(X_notebook, wx, wh, bh, wo, bo),
            warm_up=lambda: seed_loop(X_notebook[:1], wx, wh, bh, wo, bo),
            min_runs=MIN_RUNS_SEED_LOOP,
        ),
        "numpy": median_time(lambda: numpy_forward(c, X, W)),
        "predict": median_time(lambda: net.predict(X)),
        "keras": median_time(lambda: net(X)),
        "Δ numpy": compare(y_keras, y_numpy).max_abs_diff,
        "Δ seed loop": compare(y_keras, y_seed).max_abs_diff,
        "max |y|": float(np.abs(y_keras).max()),
    }


def bench_cell(cell: str, N: int, T: int, D: int, M: int, K: int) -> dict[str, float]:
    """A gated cell: NumPy trace (h, c and every gate kept) vs predict vs the compiled call."""
    c = model_config(T, D, M, K, cell)
    net = keras_side.build(c)
    X = make_X(N, T, D, seed=0)  # (N, T, D)
    W = net.weights()
    _, y_numpy = numpy_forward(c, X, W)  # (N, K)
    return {
        "numpy": median_time(lambda: numpy_forward(c, X, W)),
        "predict": median_time(lambda: net.predict(X)),
        "keras": median_time(lambda: net(X)),
        "Δ numpy": compare(net(X), y_numpy).max_abs_diff,
    }


def bench_bptt(cell: Cell, N: int, T: int, D: int, M: int, K: int) -> dict[str, float]:
    """One cell variant: the NumPy forward trace, then its BPTT (every gradient of
    ``rnnviz.views.gradients``: ∂y/∂x_t and ∂y/∂h_t of every path, and ∂h_T/∂h_t) from that trace,
    and how far the gradients are from Keras' tf.GradientTape."""
    c = model_config(T, D, M, K, cell.key).replace(**cell.options)
    net = keras_side.build(c)
    X = make_X(N, T, D, seed=0)  # (N, T, D)
    W = net.weights()
    traces, _ = numpy_forward(c, X, W)
    forward, bptt = paired_times(
        lambda: numpy_forward(c, X, W), lambda: gradients(c, X, W, traces=traces)
    )
    mine = gradients(c, X, W, traces=traces)
    return {
        "forward": forward,
        "bptt": bptt,
        "rel err": mine.against(net.gradients(X)).grad_max_rel_err,
    }


def rss_mb() -> float:
    """Resident memory of this process in MB (peak RSS where /proc is missing)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024  # kB -> MB
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, else kB


def memory_section() -> list[tuple[str, float]]:
    """RSS at each step: importing TensorFlow, then N_MODELS models through an LRU cache of
    CACHE_SIZE, then N_MODELS more all kept alive. Each model is also called once, as the app
    does, because the traced graph is most of a model's memory."""
    X = make_X(*SEED[:3], seed=0)  # (N, T, D)
    _, T, D, M, K = SEED
    rows = [("Python, NumPy and rnnviz's core imported", rss_mb())]
    # the import rnnviz.keras_side.model does, with its environment settings
    _, tf = keras_side._keras()
    rows.append(("TensorFlow imported", rss_mb()))
    # Every model has its own tf.function, traced once; TF's "retracing" warning takes that for
    # one function traced again and again.
    tf.get_logger().setLevel("ERROR")
    build = functools.lru_cache(maxsize=CACHE_SIZE)(keras_side.build)
    for seed in range(N_MODELS):
        build(model_config(T, D, M, K, seed=seed))(X)
        if (seed + 1) % CACHE_SIZE == 0:
            gc.collect()
            rows.append((f"{seed + 1} models built, an LRU cache keeping {CACHE_SIZE}", rss_mb()))
    kept = []
    for seed in range(N_MODELS, 2 * N_MODELS):
        kept.append(keras_side.build(model_config(T, D, M, K, seed=seed)))
        kept[-1](X)
        if len(kept) % CACHE_SIZE == 0:
            gc.collect()
            rows.append((f"{len(kept)} more models built, all kept", rss_mb()))
    kept.clear()
    build.cache_clear()
    gc.collect()
    rows.append(("all of them dropped, gc.collect()", rss_mb()))
    return rows


def blas_threads() -> str:
    """OpenBLAS' thread count, asked of the library NumPy loaded; else the CPU count."""
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*"))
    for path in libs:
        lib = ctypes.CDLL(path)
        for symbol in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads"):
            if hasattr(lib, symbol):
                return str(getattr(lib, symbol)())
    return f"{os.cpu_count()} (assumed: os.cpu_count())"


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next(line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line)
    except (OSError, StopIteration):
        return "unknown CPU"


def machine_line(load: float) -> str:
    import keras
    import tensorflow as tf

    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    return (
        f"Machine: {os.cpu_count()} CPUs ({cpu_name()}); Python {sys.version.split()[0]}; "
        f"NumPy {np.__version__} with {blas['name']} {blas['version']}, "
        f"{blas_threads()} BLAS threads; TensorFlow {tf.__version__}, Keras {keras.__version__}; "
        f"load average {load:.2f} at the start (other work on the machine skews every time)"
    )


def fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.01:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e3:.2f} ms"


def fmt_ratio(x: float) -> str:
    return f"{x:.1f}×" if x >= 10 else f"{x:.2f}×"


def label(size: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(v) for v in size) + ")"


def print_times(results: dict[tuple, dict[str, float]]) -> None:
    print("## SimpleRNN forward pass, median wall time\n")
    print(
        "| (N, T, D, M, K) | seed loop | NumPy trace | model.predict | rnnviz Keras "
        "| seed loop / NumPy | predict / rnnviz Keras | rnnviz Keras / NumPy |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for size, r in results.items():
        times = (r["seed loop"], r["numpy"], r["predict"], r["keras"])
        speedups = (r["seed loop"] / r["numpy"], r["predict"] / r["keras"], r["keras"] / r["numpy"])
        cells = [label(size), *map(fmt_time, times), *map(fmt_ratio, speedups)]
        print("| " + " | ".join(cells) + " |")
    print(
        f"\nEach time is a median over at least {BUDGET_S:g} s and {MIN_RUNS} runs "
        f"({MIN_RUNS_SEED_LOOP} for the seed loop) after one warm-up call. The NumPy trace keeps "
        "every a_t and h_t (N·T·M floats each); Keras returns y only."
    )
    for N, T, D, M, K in list(results)[1:]:
        over = " — over the app's cap, so timed here only" if N * T * M > WORK_CAP else ""
        print(
            f"- {label((N, T, D, M, K))}: N·T·M = {N * T * M:,}, "
            f"N·T·M·(D + M) = {N * T * M * (D + M):.2e} multiply-adds{over}"
        )


def print_targets(results: dict[tuple, dict[str, float]]) -> None:
    print("\n## Targets\n")
    s = results[SEED]
    keras_vs_predict = s["predict"] / s["keras"]
    checks = [
        (
            keras_vs_predict >= 20,
            f"rnnviz Keras ≥ 20× faster than model.predict at {label(SEED)}: "
            + fmt_ratio(keras_vs_predict),
        )
    ]
    if MID in results:
        m = results[MID]
        numpy_vs_loop = m["seed loop"] / m["numpy"]
        checks += [
            (
                numpy_vs_loop >= 30,
                f"NumPy trace ≥ 30× faster than the seed loop at {label(MID)}: "
                + fmt_ratio(numpy_vs_loop),
            ),
            (
                m["numpy"] <= m["keras"],
                f"NumPy trace no slower than rnnviz Keras at {label(MID)}: "
                f"{fmt_time(m['numpy'])} vs {fmt_time(m['keras'])}",
            ),
        ]
    for ok, text in checks:
        print(f"- {'PASS' if ok else 'FAIL'}: {text}")
    if MID not in results:
        print(f"- not measured with --quick: the two targets at {label(MID)}")


def print_cells(cells: dict[str, dict[str, float]]) -> None:
    print(f"\n## Gated cells at {label(MID)}, median wall time\n")
    print(
        "| cell | NumPy trace | model.predict | rnnviz Keras | predict / rnnviz Keras "
        "| rnnviz Keras / NumPy | max abs Δy |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|")
    for cell, r in cells.items():
        times = (r["numpy"], r["predict"], r["keras"])
        ratios = (r["predict"] / r["keras"], r["keras"] / r["numpy"])
        cells_ = [cell, *map(fmt_time, times), *map(fmt_ratio, ratios), f"{r['Δ numpy']:.1e}"]
        print("| " + " | ".join(cells_) + " |")
    print("\nThe NumPy trace keeps h and every gate (and c for the LSTM) at every step.")


def print_bptt(bptt: dict[str, dict[str, float]]) -> None:
    print(f"\n## Backpropagation through time at {label(MID)}, median wall time, timed in turn\n")
    print("| cell | forward trace | BPTT from the trace | BPTT / forward | max rel err vs Keras |")
    print("|---|--:|--:|--:|--:|")
    for cell, r in bptt.items():
        times = (r["forward"], r["bptt"])
        row = [cell, *map(fmt_time, times), fmt_ratio(r["bptt"] / r["forward"])]
        print("| " + " | ".join([*row, f"{r['rel err']:.1e}"]) + " |")
    print(
        "\nBPTT is all of rnnviz.views.gradients given the trace: one backward pass through every "
        "layer for ∂y/∂x_t and ∂y/∂h_t, and one more through the last layer for ∂h_T/∂h_t. "
        "The relative error is max |Δ| / max |g| against tf.GradientTape, float32.\n"
    )
    for cell, r in bptt.items():
        ratio = r["bptt"] / r["forward"]
        print(
            f"- {'PASS' if ratio <= BPTT_TARGET else 'FAIL'}: BPTT ≤ {BPTT_TARGET:g}× the "
            f"forward trace for {cell}: {fmt_ratio(ratio)}"
        )


def print_agreement(results: dict[tuple, dict[str, float]], corners: list[tuple]) -> None:
    print(
        "\n## Agreement with Keras: max |Δy| over all outputs "
        f"(tolerance {TOLERANCE:.0e} · max(1, max |y|))\n"
    )
    print("| (N, T, D, M, K) | N·T·M | max abs y | NumPy trace | seed loop (float64) |")
    print("|---|--:|--:|--:|--:|")
    rows = [
        (size, r["max |y|"], r["Δ numpy"], f"{r['Δ seed loop']:.1e}") for size, r in results.items()
    ]
    rows += [(size, y_max, a.max_abs_diff, "—") for size, (y_max, a) in corners]
    for (N, T, D, M, K), y_max, delta_numpy, delta_seed in rows:
        print(
            f"| {label((N, T, D, M, K))} | {N * T * M:,} | {y_max:.2f} | {delta_numpy:.1e} "
            f"| {delta_seed} |"
        )
    if corners:
        print(
            "\nThe last rows are corners of the allowed sizes, run through rnnviz.pipeline.execute."
        )


def print_memory(memory: list[tuple[str, float]]) -> None:
    print(f"\n## Memory: resident set size while building {2 * N_MODELS} models at {label(SEED)}\n")
    print("| after | RSS | Δ |")
    print("|---|--:|--:|")
    previous = memory[0][1]
    for step, mb in memory:
        print(f"| {step} | {mb:.0f} MB | {mb - previous:+.0f} MB |")
        previous = mb


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"time {label(SEED)} only")
    quick = parser.parse_args(argv).quick
    started, load = time.perf_counter(), os.getloadavg()[0]

    memory = [] if quick else memory_section()  # first, while the process is clean
    results = {}
    for size in [SEED] if quick else [SEED, MID, LARGE]:
        print(f"timing {label(size)} …", file=sys.stderr, flush=True)
        results[size] = bench_size(*size)
    cells = {}
    if not quick:
        for cell in [key for key, c in CELLS.items() if c.gates]:  # the gated cells
            print(f"timing {cell} at {label(MID)} …", file=sys.stderr, flush=True)
            cells[cell] = bench_cell(cell, *MID)
    bptt = {}
    for cell in [] if quick else VARIANTS:
        print(f"timing BPTT of {cell.title} at {label(MID)} …", file=sys.stderr, flush=True)
        bptt[cell.title] = bench_bptt(cell, *MID)
    corners = []
    for c in [] if quick else CORNERS:
        run = execute(RNNConfig(*c))
        corners.append((c, (float(np.abs(run.y_keras).max()), run.agreement)))

    print(machine_line(load) + "\n")
    print_times(results)
    print_targets(results)
    if cells:
        print_cells(cells)
    print_agreement(results, corners)
    if bptt:
        print_bptt(bptt)
    if memory:
        print_memory(memory)
    print(f"\nTotal bench time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
