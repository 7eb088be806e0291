"""Memory soak: many distinct configs through one server process, in a real browser.

One ``streamlit run app.py`` (the page's own caches at their default budgets, or as set by
``RNNVIZ_RUN_CACHE_MB`` / ``RNNVIZ_VIEW_CACHE_MB``) and one headless chromium. Each config
is opened by navigating to its link, as a visitor arriving from a shared URL would, and
waited for until the whole page is drawn (``bench/page.py``'s test: no spinner, every chart
and canvas drawn, no exception). After every config the server's resident memory is read
from ``/proc/<pid>/status`` (VmRSS, and VmHWM: the peak since the process started).

The configs are seeded and distinct: every cell and variant, stacked and bidirectional,
with and without return_sequences, at sizes from the notebook's to the work cap. Every
tenth is a large one (its hidden states near the cap, ~30–120 MB of arrays), so the run
cache fills up and must evict by bytes. The last config is the 20th again with another
seed, so the memory after the two compares like with like (with the same cache in use).

Targets: the peak at most 1 GB; growth from the 20th to the last config at most 10%.
Run from the repository root: ``.venv/bin/python bench/soak.py`` (``make bench-soak``);
about 8 minutes on 2 cores. Exit status 0 when both targets pass, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/ and bench/ are folders of the repo, not installed

from page import BenchError, Session  # noqa: E402  (bench/page.py, beside this file)
from report import machine_line  # noqa: E402

from rnnviz.config import FIELDS, ConfigError, RNNConfig  # noqa: E402
from rnnviz.config.rnn_config import WORK_CAP  # noqa: E402
from rnnviz.recurrence.cells import VARIANTS  # noqa: E402
from rnnviz.shapes.ledger import model_name  # noqa: E402
from tests.browser import launch_chromium, serve_app  # noqa: E402

PEAK_LIMIT_MB = 1024
GROWTH_LIMIT = 0.10
FIRST, EVERY = 20, 10  # growth is measured from the FIRST-th config; RSS printed EVERY configs
PAGE_MS = 180_000  # one config: a cap-size LSTM builds, runs and draws in well under this
CACHE_LINE = "The server's run cache: "


def configs(count: int, seed: int = 0) -> list[RNNConfig]:
    """``count`` distinct configs; the (10j)-th of them (1-based) is large, and the last
    has the FIRST-th's sizes and cell with another seed."""
    rng = random.Random(seed)
    variants = [(cell.key, cell.options.get("reset_after", True)) for cell in VARIANTS]
    out: list[RNNConfig] = []
    seen: set[RNNConfig] = set()
    while len(out) < count:
        cell, reset_after = variants[len(out) % len(variants)]
        large = (len(out) + 1) % EVERY == 0
        layers = rng.choice((1, 1, 2, 3))
        bidirectional = rng.random() < 0.3
        paths = layers * (2 if bidirectional else 1)
        if large:  # the hidden states of every path near the cap
            M = rng.choice((128, 192, 256))
            T = rng.choice((200, 300, 500))
            N = max(1, min(FIELDS["N"].high, int(WORK_CAP * 0.9) // (T * M * paths)))
        else:
            N, T, M = rng.randint(1, 40), rng.randint(2, 60), rng.randint(1, 24)
        try:
            c = RNNConfig(
                N=N,
                T=T,
                D=rng.randint(1, 16),
                M=M,
                K=rng.randint(1, 8),
                seed=rng.randint(0, 10_000),
                cell=cell,
                reset_after=reset_after,
                return_sequences=rng.random() < 0.3,
                layers=layers,
                bidirectional=bidirectional,
            )
        except ConfigError:
            continue  # over a cap: draw again
        if len(out) == count - 1 and count > FIRST:
            c = out[FIRST - 1].replace(seed=c.seed)
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out


def memory_mb(pid: int) -> tuple[float, float, float]:
    """(VmRSS, VmHWM, RssFile) of process ``pid`` in MB: now, the peak since it started, and
    the part of now that is mapped library files (TensorFlow's are ~350–490 MB: clean,
    shared pages, more of them the more recently the files were written)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssFile"):
            fields[key] = int(value.split()[0]) / 1024  # kB
    return fields["VmRSS"], fields["VmHWM"], fields["RssFile"]


def query(c: RNNConfig) -> str:
    return "/?" + "&".join(f"{k}={v}" for k, v in c.to_query().items())


def run_cache_text(session: Session) -> str:
    """The run cache's line as the page shows it, e.g. '3 cached, 12.0 MB of 256 MB'."""
    caption = session.page.get_by_text(CACHE_LINE, exact=False)
    if caption.count() == 0:
        return "—"
    text = caption.first.inner_text()
    return text.split(CACHE_LINE, 1)[1].rstrip(".")


def soak(count: int) -> tuple[list[tuple[int, float, float, float, float, str, str]], float]:
    """Open ``count`` configs; every EVERY-th (and the FIRST-th) a row: (config #, RSS MB,
    peak MB, library files MB, seconds to draw it, its sizes, the run cache's line)."""
    rows = []
    with sync_playwright() as playwright, serve_app() as server:
        browser = launch_chromium(playwright)
        try:
            for i, c in enumerate(configs(count), start=1):
                session = Session(browser, server.url, "app")
                try:
                    start = time.monotonic()
                    session.open(query(c), timeout=PAGE_MS)
                    seconds = time.monotonic() - start
                    cache_line = run_cache_text(session)
                except BenchError as err:
                    raise BenchError(f"config {i} ({query(c)}): {err}") from err
                finally:
                    session.close()
                rss, peak, files = memory_mb(server.pid)
                if i % EVERY == 0 or i == FIRST:
                    sizes = f"{model_name(c)}, N={c.N} T={c.T}"
                    rows.append((i, rss, peak, files, seconds, sizes, cache_line))
                    print(
                        f"[{i:4d}] RSS {rss:7.1f} MB  peak {peak:7.1f} MB  files {files:5.0f} MB"
                        f"  {sizes}  ({cache_line})",
                        file=sys.stderr,
                        flush=True,
                    )
            _, peak, _ = memory_mb(server.pid)
        finally:
            browser.close()
    return rows, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", type=int, default=150, help="distinct configs to open")
    args = parser.parse_args(argv)
    if args.configs < FIRST:
        parser.error(f"--configs must be at least {FIRST}")
    budgets = ", ".join(
        f"{name}={os.environ.get(name, 'default')}"
        for name in ("RNNVIZ_RUN_CACHE_MB", "RNNVIZ_VIEW_CACHE_MB")
    )
    rows, peak = soak(args.configs)
    print(f"{machine_line()} {budgets}.")
    print()
    print(
        "| config | server RSS | of it, library files | peak so far | drawn in | this config "
        "| run cache after it |"
    )
    print("|---|---|---|---|---|---|---|")
    for i, rss, peak_then, files, seconds, sizes, cache_line in rows:
        print(
            f"| {i} | {rss:,.0f} MB | {files:,.0f} MB | {peak_then:,.0f} MB | {seconds:.1f} s "
            f"| {sizes} | {cache_line} |"
        )
    first = next(rss for i, rss, *_ in rows if i == FIRST)
    last_i, last = rows[-1][0], rows[-1][1]
    growth = (last - first) / first
    results = [
        (peak <= PEAK_LIMIT_MB, f"peak RSS ≤ {PEAK_LIMIT_MB} MB: {peak:,.0f} MB"),
        (
            growth <= GROWTH_LIMIT,
            f"growth from config {FIRST} to {last_i} ≤ {GROWTH_LIMIT:.0%}: "
            f"{first:,.0f} MB → {last:,.0f} MB ({growth:+.1%})",
        ),
    ]
    print()
    for passed, text in results:
        print(f"{'PASS' if passed else 'FAIL'}: {text}")
    return 0 if all(passed for passed, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
