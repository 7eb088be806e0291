"""What a run and its views take in memory, against what the page's caches count for them.

Two claims the caches rest on, checked here rather than in the tests because they measure the
process (its resident memory, the allocator's trace), which the machine can move:

- the run cache makes room for ``planned_nbytes + scratch_nbytes`` before it computes a run,
  so a run's peak resident memory while it is computed must be at most that, and at least the
  bytes it keeps (``planned_nbytes``), at the work cap where the scratch is largest. Each run
  is computed in a fresh process, with the peak (VmHWM) reset just before it (Linux only);
- each view cache weighs a view by a number (``cache._figures_nbytes``, ``Frames.nbytes`` and
  ``VIEW_OVERHEAD``, the payload's length), which must cover what ``tracemalloc`` sees the view
  hold, and not by far more (at most 4× and 64 kB a view over).

Run from the repository root with ``.venv/bin/python bench/memory.py`` (about a minute); it
prints a Markdown table and a PASS/FAIL line per claim.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # rnnviz is not pip-installed

from report import machine_line  # noqa: E402  (bench/report.py, beside this file)

from rnnviz.config import RNNConfig  # noqa: E402

# at or near the work cap, where the scratch is largest
AT_THE_CAP = [
    # Keras slices the GRU's kernel anew every step
    dict(N=20, T=200, D=8, M=256, K=3, cell="gru", reset_after=False, layers=2, bidirectional=True),
    dict(N=2000, T=10, D=8, M=250, K=3, cell="lstm"),  # many samples, few steps
    dict(N=90, T=200, D=8, M=256, K=3, cell="lstm"),
]
VIEWED = [
    RNNConfig(N=5, T=6),
    RNNConfig(cell="lstm", N=40, T=30, K=3, return_sequences=True, bidirectional=True),
]

_PEAK_OF_RUNS = """
import ctypes, json, sys
from pathlib import Path
from rnnviz.config import RNNConfig
from rnnviz.keras_side import model
from rnnviz import pipeline

def rss_mb(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024

for kw in json.loads(sys.argv[1]):
    c = RNNConfig(**kw)
    m = model.build(c.model_config)
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM starts again from VmRSS
    before = rss_mb("VmRSS")
    r = pipeline.execute(c, m)
    print(json.dumps([rss_mb("VmHWM") - before, pipeline.planned_nbytes(c) / 2**20,
                      pipeline.scratch_nbytes(c) / 2**20]), flush=True)
    del r, m
"""


def peaks() -> list[tuple[dict, float, float, float]]:
    """(config, peak MB, planned MB, scratch MB) of each run at the cap, in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _PEAK_OF_RUNS, json.dumps(AT_THE_CAP)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    ).stdout
    return [(kw, *json.loads(line)) for kw, line in zip(AT_THE_CAP, out.splitlines(), strict=True)]


def view_weights() -> list[tuple[str, str, int, int, int]]:
    """(view, config, bytes held, bytes counted, views) for each view cache: five views of
    the config at other seeds, computed past the cache and traced by tracemalloc."""
    from rnnviz.ui import cache

    # the page's caches called outside a page: Streamlit says so once per call, harmlessly
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").disabled = True
    views = {
        "agreement figures": (cache.agreement_figures, (), cache._figures_nbytes),
        "player frames": (
            cache.player_frames,
            (0, 1, "fwd"),
            lambda f: f.nbytes + cache.VIEW_OVERHEAD,
        ),
        "weight payload": (
            cache.weight_payload,
            (1, "fwd"),
            lambda payload: len(payload) + cache.VIEW_OVERHEAD,
        ),
    }
    rows = []
    for config in VIEWED:
        configs = [config.replace(seed=seed) for seed in range(6)]
        for c in configs:
            cache.run_of(c)  # the runs are there before counting, as on the page
        for name, (view, args, weight) in views.items():
            view.__wrapped__(configs[0], *args)  # Plotly's validators etc. load once
            gc.collect()
            tracemalloc.start()
            try:
                kept = [view.__wrapped__(c, *args) for c in configs[1:]]
                gc.collect()
                held, _ = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            counted = sum(weight(v) for v in kept)
            rows.append(
                (name, f"{config.cell} N={config.N} T={config.T}", held, counted, len(kept))
            )
    return rows


def main() -> int:
    print(machine_line())
    print()
    checks = []
    if Path("/proc/self/clear_refs").exists():
        print("| run at the cap | peak MB | planned MB | + scratch MB |")
        print("|---|--:|--:|--:|")
        within = []
        for kw, peak, planned, scratch in peaks():
            name = ", ".join(f"{k}={v}" for k, v in kw.items())
            print(f"| {name} | {peak:.0f} | {planned:.0f} | {planned + scratch:.0f} |")
            within.append(planned <= peak <= planned + scratch)
        checks.append(
            (all(within), "every run's peak is at least what it keeps and at most what the run "
             "cache makes room for (planned + scratch)")
        )  # fmt: skip
        print()
    else:
        print("(the peak of a run needs Linux's /proc/self/clear_refs: skipped)\n")
    print("| view | config | bytes held | bytes counted | views |")
    print("|---|---|--:|--:|--:|")
    covered = []
    for name, config, held, counted, n in view_weights():
        print(f"| {name} | {config} | {held:,} | {counted:,} | {n} |")
        covered.append(held <= counted <= 4 * held + 64 * 1024 * n)
    checks.append(
        (all(covered), "every view cache counts at least what its views hold, and at most 4× "
         "and 64 kB a view over")
    )  # fmt: skip
    print()
    for ok, text in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {text}")
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
