"""Time rnnviz behind nginx: six sessions over two replicas, and one replica killed.

Runs the scenario of the failover test (tests/scaleout.py) against ``deploy.replicas.cluster``
(two replicas with the hosted profile, Debian's nginx in front, sticky by cookie), in Debian's
chromium, and prints a Markdown table:

* ``6 sessions loaded``: from the first navigation (six browser contexts, each its own
  Streamlit session at its own config) to all six drawn through nginx, replicas cold: each
  imports TensorFlow on its first run and builds three Keras models;
* ``failover``: from SIGKILL of the replica serving the first session to every page that
  replica served being back on the other one: a new WebSocket, a finished run of the whole
  page, the same parameter total, t and URL, no exception;
* the sessions per replica, read from nginx's route cookie, how many pages moved, and each
  replica's resident memory with its three sessions loaded.

Each repeat starts a fresh cluster; its config and logs are kept in
``test-artifacts/failover-<repeat>``. Run from the repository root:
``.venv/bin/python bench/failover.py [--repeats 3]``. Exit status 0 when every repeat had
0 errors and restored every view, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # deploy/ and tests/ are packages of the repo, not installed

from report import machine_line  # noqa: E402  (bench/report.py, next to this script)

from deploy.replicas import cluster  # noqa: E402
from tests.browser import launch_chromium  # noqa: E402
from tests.scaleout import SESSIONS, Figures, failover  # noqa: E402

REPLICAS = 2
ARTIFACTS = ROOT / "test-artifacts"  # each repeat's nginx config and logs


def spread(f: Figures) -> str:
    return " / ".join(f"{name}: {n}" for name, n in sorted(f.spread.items()))


def span(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} s ({min(values):.1f}–{max(values):.1f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="fresh clusters (default 3)")
    args = parser.parse_args(argv)
    # A plain SIGTERM would skip the finally blocks that stop nginx and the replicas.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    runs: list[Figures] = []
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        header = machine_line(browser.version)
        for i in range(args.repeats):
            try:
                with cluster(REPLICAS, workdir=ARTIFACTS / f"failover-{i + 1}") as c:
                    runs.append(failover(browser, c))
            except (AssertionError, PlaywrightError, RuntimeError) as err:
                errors.append(f"repeat {i + 1}: {type(err).__name__}: {err}")
        browser.close()

    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{header} Load at the end {load}.")
    print()
    print(
        f"| repeat | {SESSIONS} sessions loaded | failover | sessions per replica | moved "
        "| memory per replica |"
    )
    print("|---|--:|--:|---|--:|--:|")
    for i, f in enumerate(runs, start=1):
        memory = " / ".join(f"{mb:.0f} MB" for _, mb in sorted(f.rss_mb.items()))
        print(
            f"| {i} | {f.load_s:.1f} s | {f.failover_s:.1f} s | {spread(f)} | {f.moved} "
            f"| {memory} |"
        )
    if runs:
        loads, failovers = [f.load_s for f in runs], [f.failover_s for f in runs]
        print(f"| median (min–max) | {span(loads)} | {span(failovers)} | | | |")
    print()
    ok = not errors and len(runs) == args.repeats
    verdict = "PASS" if ok else "FAIL"
    print(
        f"- {verdict}: failover through nginx, 0 errors and the view restored: "
        f"{len(runs)} of {args.repeats} repeats"
    )
    for line in errors:
        print(f"  - {line}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
