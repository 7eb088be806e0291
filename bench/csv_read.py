"""Time reading an uploaded .csv two ways and check that they agree; print Markdown.

The two ways, both through ``rnnviz.inputs.userdata.read``: pandas' fast path (what the page
does) and the row-by-row reader alone (``by_rows=True``, which otherwise only explains a bad
file). The files are made in memory by ``userdata.csv_text`` from seeded random float32 X
(and y): regression targets on every row, one feature over many steps, and classes given only
on each sample's last row (``repeat=False``), 1.5 to 12 MB. Each time is the median of
``--runs`` calls (at least 5) after one warm-up call, which also imports pandas. Both ways
must give bit-identical X and y and the same digest (else the script exits with 1); the
target is the fast path at least ``SPEEDUP``× the row reader's speed on every file.
``--before PATH`` also times another userdata.py (such as git HEAD's, copied outside the
repository) on the same files, with its digests compared too. Run from the repository root
with ``.venv/bin/python bench/csv_read.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # rnnviz is not pip-installed

from rnnviz.inputs import userdata  # noqa: E402

MB = 2**20
SPEEDUP = 5.0  # the fast path at least this many times the row reader's MB/s
# (name, N, T, D, targets, every row or the last one only)
CASES = [
    ("N=2000 T=50 D=8, y K=2", 2000, 50, 8, "regression", True),
    ("N=500 T=500 D=1", 500, 500, 1, None, True),
    ("N=100 T=20 D=64, class", 100, 20, 64, "classification", False),
]


def make(N: int, T: int, D: int, targets: str | None, repeat: bool, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, T, D), dtype=np.float32)  # (N, T, D)
    y = None
    if targets == "regression":
        y = rng.standard_normal((N, 2), dtype=np.float32)  # (N, K)
    elif targets == "classification":
        y = rng.integers(0, 5, N)  # (N,)
    return userdata.csv_text(X, y, repeat=repeat).encode()


def median_seconds(call, runs: int) -> float:
    call()  # warm-up: pandas' import, the first allocations
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def same(a, b) -> bool:
    """The same Data, bit for bit: X, y and the digest."""
    X_same = a.X.dtype == b.X.dtype and np.array_equal(a.X.view(np.uint8), b.X.view(np.uint8))
    if a.y is None or b.y is None:
        y_same = a.y is None and b.y is None
    else:
        y_same = a.y.dtype == b.y.dtype and np.array_equal(a.y.view(np.uint8), b.y.view(np.uint8))
    return X_same and y_same and a.digest == b.digest and a.kind == b.kind and a.K == b.K


def load(path: str):
    """Another userdata.py as a module of its own (it imports rnnviz.config, not itself)."""
    spec = importlib.util.spec_from_file_location("userdata_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed calls per reader (≥ 5)")
    parser.add_argument("--before", metavar="PATH", help="another userdata.py to time as well")
    args = parser.parse_args()
    runs = max(5, args.runs)
    before = load(args.before) if args.before else None
    load_average = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"median of {runs} runs; {os.cpu_count()} CPUs, load average {load_average}\n")
    print("| file | MB | rows | reader | median s | MB/s | × row reader | target |")
    print("|---|---:|---:|---|---:|---:|---:|---|")
    failed = False
    for seed, (name, N, T, D, targets, repeat) in enumerate(CASES):
        payload = make(N, T, D, targets, repeat, seed)
        size = len(payload) / MB
        readers = {
            "pandas (fast path)": lambda p=payload: userdata.read("bench.csv", p),
            "row by row": lambda p=payload: userdata.read("bench.csv", p, by_rows=True),
        }
        if before is not None:
            readers["before (--before)"] = lambda p=payload: before.read("bench.csv", p)
        reference = userdata.read("bench.csv", payload, by_rows=True)
        seconds = {}
        for reader, call in readers.items():
            if not same(call(), reference):
                print(f"\n{name}: {reader} reads other arrays than the row reader", file=sys.stderr)
                failed = True
            seconds[reader] = median_seconds(call, runs)
        slow = seconds["row by row"]
        for reader, s in seconds.items():
            target = ""
            if reader.startswith("pandas"):
                passed = slow / s >= SPEEDUP
                failed = failed or not passed
                target = f"≥ {SPEEDUP:g}×: {'PASS' if passed else 'FAIL'}"
            row = [name, f"{size:.2f}", f"{N * T:,}", reader, f"{s:.3f}", f"{size / s:.1f}"]
            print(f"| {' | '.join(row)} | {slow / s:.1f}× | {target} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
