"""Load one server with many sessions: errors, cross-talk, server CPU per rerun, reruns/s.

What is loaded. ``streamlit run app.py``, one process, as the browser tests serve it. The
load is headless clients that speak Streamlit's own protocol over ``/_stcore/stream``
(``tests.protocol``): a parsed protobuf costs the client well under a millisecond, where a
chromium per session would spend the same 2 cores drawing pages and measure itself. A few
real chromium pages join the load to check that the page, not just its messages, is right.

Each session opens its own model near the notebook's sizes (``tests.sessions``: session i is
(N, T, D, M, K) = (10, 10 + i, 3 + i, 5, 2), seed i; session 0 is the notebook's), and every
answer is checked against that model: the ledger's parameter total and the title's (N, T, D)
on a whole-page run, the step panel's t and T on a t step. A wrong value is cross-talk; an
exception box, a missing element, a bad status, a timeout or a closed connection is an error.

The phases, on one warm server:

1. ``/_stcore/health`` answers "ok"; the sessions open (each builds its model once).
2. One session at the notebook's sizes steps t alone (``--steps`` times): the server's CPU
   time per t-step rerun, read from ``/proc/<pid>/stat`` (user + system, every thread)
   before and after, divided by the reruns answered. Beside it, on a server of its own
   started first, the floor app (``bench/floor_app.py``: one slider, one line of text)
   stepped the same way: Streamlit's own cost of a rerun.
3. All sessions step t as fast as they are answered for ``--seconds``: reruns per second
   sustained, CPU per rerun under load, settle times (request sent to ``script_finished``
   received, median and p95), and ``/_stcore/health`` asked once a second throughout.
4. The same load again while ``--browsers`` chromium pages each open a model of their own,
   check its parameter total, step t with the keyboard and check the step panel each time,
   with no exception box on the page. Their steps are timed from the key press to the text.
5. Every session reruns its whole page and checks its parameter total again.

Run from the repository root: ``.venv/bin/python bench/load.py`` (``make bench-load``), about
two minutes on 2 cores. Exit status 0 when every target passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import math
import os
import signal
import statistics
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/ is a package of the repo, not installed

from report import machine_line  # noqa: E402  (bench/report.py, beside this file)

from tests.browser import launch_chromium, serve_app, wait_for_app  # noqa: E402
from tests.protocol import FINISHED, ProtocolError, Session  # noqa: E402
from tests.sessions import T_LABEL, LoadSession, Setup, Tally, setup  # noqa: E402

FLOOR_SCRIPT = "bench/floor_app.py"  # one slider, one line of text: Streamlit's own rerun
VIEWPORT = {"width": 1600, "height": 1000}
PAGE_MS = 60_000  # a page's first load builds its model, under load
STEP_MS = 30_000  # a t step under load
HEALTH_EVERY = 1.0  # s between health checks during the load
CLK_TCK = os.sysconf("SC_CLK_TCK")

MAX_CPU_MS = 100  # server CPU per t-step rerun, notebook sizes
MIN_RATE = 15  # t-step reruns per second, sustained, across the sessions


STARTED = time.monotonic()


def log(message: str) -> None:
    """Progress on stderr: the table only comes at the end."""
    print(f"[{time.monotonic() - STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far, every thread, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (fields 14, 15)


def own_cpu_seconds() -> float:
    """This process's CPU time: the protocol clients (not chromium, a child of its own)."""
    t = os.times()
    return t.user + t.system


def health(url: str) -> tuple[bool, float]:
    """GET /_stcore/health: (answered "ok", seconds)."""
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
            ok = response.status == 200 and response.read().strip() == b"ok"
    except OSError:
        ok = False
    return ok, time.perf_counter() - start


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def settle_text(seconds: list[float]) -> str:
    if not seconds:
        return "—"
    ms = [s * 1000 for s in seconds]
    return f"median {statistics.median(ms):.0f} ms, p95 {percentile(ms, 95):.0f} ms"


# --------------------------------------------------------------------------- the clients


class Clients:
    """The protocol sessions, on an event loop of their own thread, so that the chromium
    pages (Playwright's sync API, on the main thread) run while they do."""

    def __init__(self, url: str, count: int) -> None:
        self.tally = Tally()
        self.sessions = [LoadSession(url, setup(i), self.tally) for i in range(count)]
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def start(self, coro: Coroutine):
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def each(self, action: Callable[[LoadSession], Coroutine], sessions=None):
        async def together():
            await asyncio.gather(*(action(s) for s in sessions or self.sessions))

        return self.start(together())

    def close(self) -> None:
        self.each(lambda s: s.close()).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


@dataclass
class Burst:
    """One timed stretch of t steps: what the server and the clients spent on it."""

    reruns: int
    seconds: float  # wall
    server_cpu: float  # s
    client_cpu: float  # s
    settle: list[float]
    health: list[tuple[bool, float]]

    @property
    def rate(self) -> float:
        return self.reruns / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.server_cpu / max(self.reruns, 1)

    @property
    def client_ms(self) -> float:
        return 1000 * self.client_cpu / max(self.reruns, 1)


def burst(clients: Clients, pid: int, url: str, go: Callable[[], object]) -> Burst:
    """Time ``go()`` (which starts the steps and waits for them) with the server's CPU and
    a health check every ``HEALTH_EVERY`` s from this thread meanwhile."""
    clients.tally.reset_timing()
    checks: list[tuple[bool, float]] = []
    cpu0, own0, wall0 = cpu_seconds(pid), own_cpu_seconds(), time.perf_counter()
    future = go()
    while not future.done():
        checks.append(health(url))
        with contextlib.suppress(concurrent.futures.TimeoutError):
            future.result(timeout=HEALTH_EVERY)
    future.result()
    wall = time.perf_counter() - wall0
    cpu, own = cpu_seconds(pid) - cpu0, own_cpu_seconds() - own0
    settle = list(clients.tally.settle)
    return Burst(len(settle), wall, cpu, own, settle, checks)


# --------------------------------------------------------------------------- the floor


@dataclass
class Floor:
    """The floor app's slider stepped by one protocol session: Streamlit's own cost."""

    cpu_ms: float  # server CPU per rerun
    settle: list[float]  # s
    error: str = ""


async def _floor_steps(url: str, pid: int, count: int) -> Floor:
    async with Session(url, "") as session:
        await session.run()
        settle, cpu0 = [], 0.0
        for i in range(count + 3):  # the first three untimed, as the app's
            if i == 3:
                cpu0 = cpu_seconds(pid)
            t = 10 - i % 10
            answer = await session.set_slider("t", t)
            texts = [m.body for m in answer.of("markdown")]
            if answer.status != FINISHED or texts != [f"t = {t}"]:
                raise ProtocolError(f"the floor app answered {answer.status}, {texts}")
            if i >= 3:
                settle.append(answer.seconds)
        return Floor(1000 * (cpu_seconds(pid) - cpu0) / count, settle)


def floor(count: int) -> Floor:
    """Step the floor app's slider ``count`` times on a server of its own."""
    try:
        with serve_app(script=FLOOR_SCRIPT) as server:
            return asyncio.run(_floor_steps(server.url, server.pid, count))
    except (RuntimeError, OSError) as err:  # ProtocolError is a RuntimeError
        return Floor(0.0, [], " ".join(str(err).split())[:200])


# --------------------------------------------------------------------------- chromium


class BrowserPage:
    """A real chromium page on a model of its own; every check is an auto-waiting expect."""

    def __init__(self, browser: Browser, url: str, s: Setup) -> None:
        self.setup = s
        self.context = browser.new_context(viewport=VIEWPORT, base_url=url)
        self.page: Page = self.context.new_page()
        self.t = s.T
        self.times: list[float] = []  # s, key press to the step panel's new text

    def open(self) -> None:
        self.page.goto("/" + self.setup.query)
        wait_for_app(self.page, PAGE_MS)
        self.check_total()

    def check_total(self) -> None:
        total = self.page.locator(".st-key-ledger [data-testid=stMetricValue]")
        expect(total).to_have_text(f"{self.setup.total:,}", timeout=PAGE_MS)
        self.no_exception()

    def step(self) -> None:
        """ArrowLeft on the t slider (t = T, T - 1, ...): the panel must read the new t."""
        slider = self.page.get_by_test_id("stSlider").filter(
            has=self.page.get_by_test_id("stWidgetLabel").get_by_text(T_LABEL, exact=True)
        )
        handle = slider.locator("input[type=range]")
        handle.focus()
        start = time.perf_counter()
        handle.press("ArrowLeft")
        self.t -= 1
        text = f"step t = {self.t} of T = {self.setup.T}."
        panel = self.page.get_by_test_id("stHtml").filter(has_text=text)
        expect(panel).to_have_count(1, timeout=STEP_MS)
        self.times.append(time.perf_counter() - start)
        expect(handle).to_have_value(str(self.t), timeout=STEP_MS)
        self.no_exception()

    def no_exception(self) -> None:
        expect(self.page.get_by_test_id("stException")).to_have_count(0)

    def close(self) -> None:
        self.context.close()


def browse(browser: Browser, url: str, first: int, count: int, steps: int) -> tuple[int, list]:
    """``count`` chromium pages on models ``first``, ``first + 1``, ...: open each, step each
    ``steps`` times in turn, check the totals again. Returns (failures, step times) and logs
    each failure."""
    pages = [BrowserPage(browser, url, setup(first + j)) for j in range(count)]
    failures = 0

    def checked(what: str, action: Callable[[], None]) -> bool:
        nonlocal failures
        try:
            action()
            return True
        except (AssertionError, PlaywrightError) as err:
            failures += 1
            log(f"chromium, {what}: {' '.join(str(err).split())[:400]}")
            return False

    try:
        alive = [p for p in pages if checked(f"opening model {p.setup.i}", p.open)]
        for _ in range(steps):
            alive = [p for p in alive if checked(f"t step, model {p.setup.i}", p.step)]
        for p in alive:
            checked(f"parameter total, model {p.setup.i}", p.check_total)
        return failures, [t for p in pages for t in p.times]
    finally:
        for p in pages:
            p.close()


# --------------------------------------------------------------------------- report


@dataclass
class Row:
    measure: str
    value: str
    target: str = "report only"
    passed: bool | None = None
    detail: str = ""
    floor: str = "—"  # the floor app's figure, where it has one

    def cells(self) -> list[str]:
        return [
            self.measure,
            self.value,
            self.floor,
            self.target,
            {True: "PASS", False: "FAIL"}.get(self.passed, "—"),
        ]


def print_report(header: str, rows: list[Row], tally: Tally) -> None:
    print(header)
    print()
    print("| measure | rnnviz | floor app | target | result |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")
    print()
    for row in rows:
        if row.passed is not None:
            print(f"{'PASS' if row.passed else 'FAIL'}: {row.measure} ({row.target}): {row.detail}")
    for problem in tally.errors[:20] + tally.crosstalk[:20]:
        print(f"- {problem}")


# --------------------------------------------------------------------------- the run


async def keep_stepping(session: LoadSession, stop: threading.Event) -> None:
    while session.alive and not stop.is_set():
        await session.step()


@dataclass
class Result:
    """Everything one run of the benchmark measured."""

    one: Burst  # one session alone
    many: Burst  # every session
    health: list[tuple[bool, float]]  # every health check, before, during and after
    browser_failures: int = 0
    browser_steps: list[float] | None = None  # None: no chromium
    beside: list[float] | None = None  # the sessions' settle times while chromium stepped
    pages_cpu: float = 0.0  # server CPU, s, of the last whole-page reruns, all sessions at once
    pages_settle: list[float] | None = None
    tally: Tally | None = None
    floor: Floor | None = None


def pages(args: argparse.Namespace) -> str:
    return f"{args.browsers} chromium page{'s' * (args.browsers > 1)}"


def measure(args: argparse.Namespace, browser: Browser) -> Result:
    with serve_app() as server:
        first = health(server.url)
        log(f"/_stcore/health: {'ok' if first[0] else 'not ok'} in {first[1] * 1000:.0f} ms")
        clients = Clients(server.url, args.sessions)
        try:
            log(f"{args.sessions} sessions open, each on a model of its own ...")
            clients.each(lambda s: s.open()).result()
            alone = clients.sessions[:1]  # session 0: the notebook's sizes
            clients.each(lambda s: s.steps(3), alone).result()  # its first steps, untimed

            log(f"1 session, {args.steps} t steps ...")
            one = burst(
                clients,
                server.pid,
                server.url,
                lambda: clients.each(lambda s: s.steps(args.steps), alone),
            )
            log(f"1 session: {one.cpu_ms:.1f} ms CPU per rerun, {one.rate:.1f} reruns/s")

            log(f"{args.sessions} sessions, {args.seconds:.0f} s of t steps ...")
            until = time.monotonic() + args.seconds
            many = burst(
                clients,
                server.pid,
                server.url,
                lambda: clients.each(lambda s: s.steps(until=until)),
            )
            log(f"{args.sessions} sessions: {many.rate:.1f} reruns/s, {many.cpu_ms:.1f} ms CPU")
            result = Result(one, many, [first, *one.health, *many.health])

            if args.browsers:
                log(f"{pages(args)} beside {args.sessions} stepping sessions ...")
                clients.tally.reset_timing()
                stop = threading.Event()
                background = clients.each(lambda s: keep_stepping(s, stop))
                try:
                    failures, times = browse(
                        browser, server.url, args.sessions, args.browsers, args.browser_steps
                    )
                finally:
                    stop.set()
                    background.result()
                result.browser_failures, result.browser_steps = failures, times
                result.beside = list(clients.tally.settle)
                log(f"chromium: {failures} failures, {len(times)} steps checked")

            log("every session reruns its whole page ...")
            clients.tally.reset_timing()
            cpu0 = cpu_seconds(server.pid)
            clients.each(lambda s: s.page()).result()
            result.pages_cpu = cpu_seconds(server.pid) - cpu0
            result.pages_settle = list(clients.tally.page_settle)
            result.health.append(health(server.url))
        finally:
            clients.close()
    result.tally = clients.tally
    return result


def rows(args: argparse.Namespace, r: Result) -> list[Row]:
    one, many, tally = r.one, r.many, r.tally
    fl = r.floor
    floor_cpu = floor_settle = f"error: {fl.error}" if fl and fl.error else "—"
    if fl and not fl.error:
        floor_cpu, floor_settle = f"{fl.cpu_ms:.1f} ms", settle_text(fl.settle)
    ok = sum(good for good, _ in r.health)
    latency = [s * 1000 for _, s in many.health] or [float("nan")]
    table = [
        Row(
            "`/_stcore/health` before, during and after the load",
            f"{ok}/{len(r.health)} ok; under load median {statistics.median(latency):.0f} ms,"
            f" max {max(latency):.0f} ms",
            "every answer ok",
            ok == len(r.health),
            f"{ok} of {len(r.health)} answered ok",
        ),
        Row(
            "server CPU per t-step rerun, notebook sizes, 1 session",
            f"{one.cpu_ms:.1f} ms ({one.reruns} reruns)",
            f"≤ {MAX_CPU_MS} ms",
            one.reruns > 0 and one.cpu_ms <= MAX_CPU_MS,
            f"{one.server_cpu:.2f} s CPU over {one.reruns} reruns = {one.cpu_ms:.1f} ms",
            floor_cpu,
        ),
        Row("settle, 1 session", settle_text(one.settle), floor=floor_settle),
        Row(
            f"t-step reruns per second, {args.sessions} sessions, {args.seconds:.0f} s",
            f"{many.rate:.1f} /s ({many.reruns} reruns)",
            f"≥ {MIN_RATE} /s",
            many.rate >= MIN_RATE,
            f"{many.reruns} reruns in {many.seconds:.1f} s = {many.rate:.1f} /s",
        ),
        Row(
            f"server CPU per t-step rerun, {args.sessions} sessions",
            f"{many.cpu_ms:.1f} ms; the server busy {many.server_cpu / many.seconds:.2f} cores",
        ),
        Row(f"settle, {args.sessions} sessions", settle_text(many.settle)),
        Row(
            f"the load clients' CPU per rerun, {args.sessions} sessions",
            f"{many.client_ms:.1f} ms; busy {many.client_cpu / many.seconds:.2f} cores",
        ),
    ]
    beside = r.beside or []
    if r.browser_steps is not None:
        wanted = args.browsers * args.browser_steps
        table.append(
            Row(
                f"{pages(args)} beside {args.sessions} stepping sessions",
                f"{r.browser_failures} failures, {len(r.browser_steps)}/{wanted} steps right;"
                f" key press to step panel {settle_text(r.browser_steps)}; the sessions' settle"
                f" meanwhile {settle_text(beside)}",
                "every page, step and total right",
                r.browser_failures == 0 and len(r.browser_steps) == wanted,
                f"{r.browser_failures} failures, {len(r.browser_steps)} of {wanted} steps checked",
            )
        )
    done = r.pages_settle or []
    table.append(
        Row(
            f"whole-page rerun, {args.sessions} sessions at once, each its own model",
            f"{settle_text(done)}; server CPU {1000 * r.pages_cpu / max(len(done), 1):.0f} ms"
            " per rerun",
        )
    )
    checked = f"{tally.pages} page runs and {tally.steps} t steps"
    table.append(
        Row(
            f"{args.sessions} concurrent sessions: errors, cross-talk",
            f"{len(tally.errors)} errors, {len(tally.crosstalk)} cross-talk ({checked} checked)",
            "0 errors, 0 cross-talk",
            not tally.errors and not tally.crosstalk and tally.pages == 2 * args.sessions,
            f"{len(tally.errors)} errors, {len(tally.crosstalk)} cross-talk over {checked}",
        )
    )
    return table


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=8, help="protocol sessions")
    parser.add_argument("--seconds", type=float, default=20.0, help="the sustained load")
    parser.add_argument("--steps", type=int, default=60, help="t steps of the lone session")
    parser.add_argument("--browsers", type=int, default=3, help="chromium pages (0: none)")
    parser.add_argument("--browser-steps", type=int, default=5, help="t steps per page")
    args = parser.parse_args(argv)
    if min(args.sessions, args.steps, args.seconds) <= 0 or args.browsers < 0:
        parser.error("--sessions, --steps and --seconds must be positive")
    if args.browser_steps >= 10:
        parser.error("--browser-steps must be below 10: a page steps down from t = T >= 10")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A plain SIGTERM would skip the finally block that stops the server: make it an exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    load = os.getloadavg()
    log(f"floor app, 1 session, {args.steps} steps ...")
    floor_result = floor(args.steps)  # before Playwright: it runs an event loop of its own
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            header = machine_line(browser.version, load)
            result = measure(args, browser)
            result.floor = floor_result
        finally:
            browser.close()
    table = rows(args, result)
    print_report(header, table, result.tally)
    return 0 if all(row.passed is not False for row in table) else 1


if __name__ == "__main__":
    sys.exit(main())
