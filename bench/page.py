"""Time the real page in headless chromium against a floor app measured in the same run.

What is measured. Each action is done to the real app (``app.py``) served by ``streamlit run``
and, where it makes sense, to ``bench/floor_app.py`` (one slider, one line of text: Streamlit's
own round trip with nothing of rnnviz in it), both driven by Playwright in Debian's chromium:

* ``tstep``: one ArrowLeft/ArrowRight on the "t — time step" slider at the notebook's sizes;
* ``gradients``: the same t step with the step panel's backward mode on and the gradient
  section (8) open;
* ``cached``: M back to a value already run (5 <-> 6), typed into "M — hidden units" + Enter;
* ``newconfig``: M to a value this server has never run (7, 8, 9, ...);
* ``reload``: reload the page, server warm, until the whole page is drawn;
* ``cold``: a fresh server, from navigation to (a) the shapes ledger and controls visible and
  (b) the whole page drawn, next to ``python -c "import tensorflow"`` timed in a subprocess;
* ``lstm``: the t step at the largest LSTM the app allows;
* ``busy``: the notebook-size t step while another visitor's session (a headless client of
  Streamlit's protocol, ``tests/protocol.py``) opens new cap-size LSTMs one after another,
  against the same page's idle t step (heavy work must not starve light work);
* ``training``: the notebook-size t step while another visitor's session (a protocol client
  again, its progress fragment polling as an open tab's does) trains an LSTM(32) on the
  adding problem at T = 50, N = 2000 for 200 epochs on the server's training thread, against
  the same page's idle t step; a step counts when the other page showed an epoch under way
  both before its key and after it settled, and the training is stopped with Stop at the end;
* ``player``: the in-browser hidden-state player at full speed: frames per second and
  WebSocket frames the page sends while it plays (there should be none).

How an action is timed. A script injected at document start keeps a MutationObserver on
``document.body`` (subtree, children, attributes, text) and notes ``performance.now()`` of the
last mutation; a capturing ``keydown`` listener on ``window`` notes the action's start t0, so t0
is the moment the key reaches the page, before any of Streamlit's handlers run. The action is
over when the server has sent the ``script_finished`` message of a run started after t0 (read
from the WebSocket frames with Streamlit's own protobuf classes), the script state on
``[data-testid=stApp]`` is ``notRunning``, no mutation has happened for a quiet period (500 ms)
and the whole page is drawn; its time is last mutation - t0. (The script-state attribute alone
cannot tell that the rerun has happened: a fast run's running -> notRunning can land in one
React commit and leave it untouched, and a busy server can take longer than the quiet period to
start the run, with the page unchanged meanwhile.) Page loads are
timed in the page too: a requestAnimationFrame loop notes ``performance.now()`` (milliseconds
since navigation start) of the first frame at which each condition holds. Each action is
repeated (``--repeats``) after an untimed first load (and first step) and reported as median
(min-max). The player is set to speed "max" and played: a MutationObserver counts changes of
its ``data-t`` for 3 s (frames per second), and Playwright's ``framesent`` events count what
the page sends on its WebSockets from ``data-playing="true"`` to the end of that window.

"Whole page drawn" for the app: the script has finished, no spinner, skeleton or
``st-key-waiting*`` placeholder, at least one Plotly chart and every one of them drawn
(``.main-svg``), and a ``.rnnviz-player``, if present, reports ``data-ready="true"``. An
exception box on the page ends the action at once with its text.

Run from the repository root: ``.venv/bin/python bench/page.py`` (``make bench-page``); about
three and a half minutes with the defaults on 2 cores. ``--only tstep,cached`` runs a subset.
Exit status 0 when every target passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from google.protobuf.message import DecodeError
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    WebSocket,
    expect,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/ is a package of the repo, not installed

from report import machine_line  # noqa: E402  (bench/report.py, beside this file)

from tests import protocol  # noqa: E402
from tests.browser import launch_chromium, serve_app  # noqa: E402

FLOOR_SCRIPT = "bench/floor_app.py"
VIEWPORT = {"width": 1600, "height": 1000}
TF_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}  # as tests/browser.py
QUIET_MS = 500  # no mutation for this long = the page has settled
POLL_MS = 50  # how often the page is asked whether it has settled
FIRST_LOAD_MS = 60_000  # the server's first run imports TensorFlow
CAP_LOAD_MS = 120_000  # the largest LSTM's first run
ACTION_MS = 30_000  # any single action
WIDGET_MS = 5_000  # a widget the page should already show
STARTUP_S = 90.0  # a server answering /_stcore/health
PLAY_WINDOW_MS = 3_000  # how long the player is watched
MIN_FPS = 20
CELL_CHARS = 100  # a failure's message in the table; the FAIL line has all of it
ACTIONS = (
    "tstep",
    "gradients",
    "cached",
    "newconfig",
    "reload",
    "cold",
    "lstm",
    "busy",
    "training",
    "player",
)

T_LABEL = "t — time step"
M_LABEL = "M — hidden units"
NOTEBOOK_QUERY = "/?"  # the defaults are the notebook's sizes: N=10, T=10, D=3, M=5, K=2
CAP_LSTM_QUERY = "/?cell=lstm&N=39&T=500&D=64&M=256&K=32"
# Another visitor's training: the adding problem at T = 50, the app's largest N, an LSTM(32),
# as many epochs as the app allows, so that it runs on (up to the server's 60 s budget) while
# the steps are timed.
TRAIN_QUERY = "/?task=adding&D=2&K=1&T=50&N=2000&M=32&cell=lstm"
TRAIN_EPOCHS = 200
EPOCHS_LABEL = "Epochs"
EPOCH_TEXT = re.compile(r"Epoch (\d+) of (\d+)")  # the progress bar's text while it trains
TRAINED_TEXT = re.compile(r"Trained (\d+) epochs? in ([\d.]+) s")  # the line once done
PLAYER_QUERIES = {"notebook sizes": NOTEBOOK_QUERY, "T=500": "/?T=500&N=10&M=5"}

# Injected at document start into every page (every navigation and reload). ``__KIND__`` is
# "app" or "floor" and picks what "whole page drawn" means.
BENCH_JS = """
(() => {
  const kind = __KIND__;
  const b = (window.__bench = {
    t0: null, last: 0, firstReady: null, firstControls: null,
  });
  const app = () => document.querySelector('[data-testid=stApp]');
  const visible = (el) => {
    if (!el || !el.checkVisibility()) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  b.exception = () => {
    const e = document.querySelector('[data-testid=stException]');
    return e ? (e.innerText || 'stException').split('Traceback')[0].trim().slice(0, 300) : null;
  };
  b.notRunning = () => {
    const a = app();
    return !!a && a.getAttribute('data-test-connection-state') === 'CONNECTED'
      && a.getAttribute('data-test-script-state') === 'notRunning';
  };
  b.wholePage = () => {
    if (!b.notRunning()) return false;
    if (kind === 'floor') {  // its slider (the sidebar can come a frame later) and its text
      return !!document.querySelector('[data-testid=stSlider] input[type=range]')
        && [...document.querySelectorAll('[data-testid=stMain] p')]
        .some((p) => p.textContent.startsWith('t = '));
    }
    if (document.querySelector(
      '[data-testid=stSpinner], [data-testid=stSkeleton], [class*="st-key-waiting"]')) return false;
    const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
    if (charts.length === 0 || !charts.every((c) => c.querySelector('.main-svg'))) return false;
    // the canvas elements (player, weights) say when they have drawn
    return [...document.querySelectorAll('.rnnviz-player, .rnnviz-weights')]
      .every((e) => e.getAttribute('data-ready') === 'true');
  };
  // The shapes ledger (its parameter total) and the sizes' controls: what a visitor reads first.
  b.controls = () => {
    if (!visible(document.querySelector('.st-key-ledger [data-testid=stMetricValue]'))) {
      return false;
    }
    return [...document.querySelectorAll('[data-testid=stNumberInput]')].some((w) =>
      w.querySelector('[data-testid=stWidgetLabel]')?.textContent.trim() === __M_LABEL__
      && visible(w.querySelector('input')));
  };
  // Has the action finished? {ms} when it has, {error} for an exception box, else false.
  b.settled = (quietMs) => {
    const error = b.exception();
    if (error) return { error };
    const now = performance.now();
    if (b.t0 === null || now - b.last < quietMs || !b.wholePage()) return false;
    return { ms: b.last - b.t0 };
  };
  // The first frame at which the page is drawn, in ms since navigation start.
  b.loaded = () => {
    const error = b.exception();
    if (error) return { error };
    return b.firstReady === null ? false : { ms: b.firstReady, controls: b.firstControls };
  };
  window.addEventListener('keydown', () => {
    b.t0 = performance.now();
    b.last = b.t0;  // mutations before the key (typing into a field) are not the action's
  }, true);  // capturing on window: before any of Streamlit's own handlers
  const watch = () => {
    new MutationObserver(() => { b.last = performance.now(); }).observe(document.body,
      { subtree: true, childList: true, attributes: true, characterData: true });
    const frame = () => {
      const now = performance.now();
      if (b.firstControls === null && kind === 'app' && b.controls()) b.firstControls = now;
      if (b.firstReady === null && b.wholePage()) b.firstReady = now;
      if (b.firstReady === null) requestAnimationFrame(frame);  // stop once drawn: no overhead
    };
    requestAnimationFrame(frame);
  };
  if (document.body) watch(); else document.addEventListener('DOMContentLoaded', watch);
})();
"""


class BenchError(RuntimeError):
    """An action could not be timed: a timeout, an exception box, a missing element."""


class NotPresent(BenchError):
    """The element the action needs is not on the page (yet)."""


# --------------------------------------------------------------------------- results


@dataclass
class Stats:
    samples: list[float]  # ms, or fps for the player

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def text(self, unit: str = "ms") -> str:
        if len(self.samples) == 1:
            return f"{self.median:.0f} {unit}"
        low, high = min(self.samples), max(self.samples)
        return f"{self.median:.0f} {unit} ({low:.0f}–{high:.0f})"


@dataclass
class Row:
    action: str = ""
    floor: Stats | None = None
    app: Stats | None = None
    target: str = "report only"
    passed: bool | None = None  # None: no target
    detail: str = ""  # the PASS/FAIL line's numbers, or why the row failed
    unit: str = "ms"
    ratio: float | None = None

    def cells(self) -> list[str]:
        floor = self.floor.text(self.unit) if self.floor else "—"
        app = self.app.text(self.unit) if self.app else self.detail[:CELL_CHARS] or "—"
        ratio = f"{self.ratio:.2f}×" if self.ratio is not None else "—"
        result = {True: "PASS", False: "FAIL", None: "—"}[self.passed]
        return [self.action, floor, app, ratio, self.target, result]


STARTED = time.monotonic()


def log(message: str) -> None:
    """Progress on stderr: a run takes minutes, and the table only comes at the end."""
    print(f"[{time.monotonic() - STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def ratio(a: Stats | None, b: Stats | None) -> float | None:
    return a.median / b.median if a and b and b.median > 0 else None


# --------------------------------------------------------------------------- servers


@contextlib.contextmanager
def serve_script(script: str) -> Iterator[str]:
    """``streamlit run script`` exactly as the browser tests run app.py (same flags, same
    environment), so that the app and the floor app are compared fairly."""
    try:
        with serve_app(script=script, timeout=STARTUP_S) as server:
            yield server.url
    except RuntimeError as err:  # it exited, or never answered its health check
        raise BenchError(str(err)) from err


# --------------------------------------------------------------------------- the page


RUN_ENDS = {
    ForwardMsg.FINISHED_SUCCESSFULLY,  # an exception in the script ends this way too
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}  # not FINISHED_EARLY_FOR_RERUN: a run cut short by the one the action asked for


def ends_a_run(payload: str | bytes) -> bool:
    """Is this WebSocket frame Streamlit's ``script_finished`` for a run that ran to the end?"""
    if isinstance(payload, str):
        return False
    message = ForwardMsg()
    try:
        message.ParseFromString(payload)
    except DecodeError:
        return False
    return message.WhichOneof("type") == "script_finished" and message.script_finished in RUN_ENDS


class Session:
    """A browser context (one Streamlit session per page) on one server."""

    def __init__(self, browser: Browser, url: str, kind: str) -> None:
        self.context: BrowserContext = browser.new_context(viewport=VIEWPORT, base_url=url)
        script = BENCH_JS.replace("__KIND__", json.dumps(kind))
        self.context.add_init_script(script=script.replace("__M_LABEL__", json.dumps(M_LABEL)))
        self.sent = 0  # WebSocket frames the page has sent
        self.ws: WebSocket | None = None  # the page's current Streamlit connection
        self.page: Page = self.context.new_page()
        self.page.on("websocket", self._watch)  # before any navigation

    def _watch(self, ws: WebSocket) -> None:
        self.ws = ws
        ws.on("framesent", lambda _payload: self._sent())

    def _sent(self) -> None:
        self.sent += 1

    def act(self, action: Callable[[], None], timeout: float = ACTION_MS) -> float:
        """Do ``action`` (ending in a key press) and time it: keydown to the page settled.

        The wait for the run's end is registered before the action, so a fast answer is not
        missed; then the page is asked whether it has settled.
        """
        if self.ws is None:
            raise BenchError("the page has no WebSocket to Streamlit")
        try:
            with self.ws.expect_event("framereceived", predicate=ends_a_run, timeout=timeout):
                action()
        except PlaywrightError as err:
            raise BenchError(f"no finished run within {timeout / 1000:.0f} s: {err}") from err
        return self.settled(timeout)

    def close(self) -> None:
        self.context.close()

    def open(self, query: str, timeout: float = FIRST_LOAD_MS) -> float:
        """Navigate and wait for the whole page; ms from navigation start to it drawn."""
        self.page.goto(query, wait_until="commit")
        return self.loaded(timeout)["ms"]

    def reload(self, timeout: float = FIRST_LOAD_MS) -> float:
        self.page.reload(wait_until="commit")
        return self.loaded(timeout)["ms"]

    def loaded(self, timeout: float) -> dict:
        return self._wait("() => window.__bench && window.__bench.loaded()", None, timeout)

    def settled(self, timeout: float = ACTION_MS) -> float:
        """Wait for the page to settle after the last keydown; keydown to last mutation, ms."""
        return self._wait("(q) => window.__bench.settled(q)", QUIET_MS, timeout)["ms"]

    def _wait(self, predicate: str, arg: object, timeout: float) -> dict:
        try:
            handle = self.page.wait_for_function(
                predicate, arg=arg, polling=POLL_MS, timeout=timeout
            )
        except PlaywrightError as err:
            raise BenchError(f"page not settled after {timeout / 1000:.0f} s: {err}") from err
        result = handle.json_value()
        if "error" in result:
            raise BenchError(f"exception on the page: {result['error']}")
        return result

    def t_slider(self, label: str) -> Locator:
        """The range input of the slider with this label, wherever it is on the page."""
        sliders = self.page.get_by_test_id("stSlider").filter(
            has=self.page.get_by_test_id("stWidgetLabel").get_by_text(label, exact=True)
        )
        try:
            expect(sliders).to_have_count(1, timeout=WIDGET_MS)
        except AssertionError as err:
            raise NotPresent(f"{sliders.count()} sliders labelled {label!r}") from err
        return sliders.locator("input[type=range]")


def time_steps(session: Session, label: str, repeats: int, timeout: float) -> Stats:
    """Press ArrowLeft/ArrowRight alternately on the slider; one untimed warm-up step."""
    slider = session.t_slider(label)
    value = int(slider.get_attribute("value") or 0)
    at_max = value == int(slider.get_attribute("max") or 0)
    keys = ["ArrowLeft", "ArrowRight"] if at_max else ["ArrowRight", "ArrowLeft"]
    samples = []
    for i in range(repeats + 1):
        slider.focus()  # focus first, so t0 (keydown) is the key alone
        before = slider.get_attribute("value")
        ms = session.act(functools.partial(slider.press, keys[i % 2]), timeout)
        if slider.get_attribute("value") == before:
            raise BenchError(f"{keys[i % 2]} did not move the slider from {before}")
        if i > 0:
            samples.append(ms)
    return Stats(samples)


def set_m(session: Session, m: int, timeout: float = ACTION_MS) -> float:
    """Type M and press Enter; the time from Enter to the page settled."""
    field_ = session.page.get_by_label(M_LABEL, exact=True)
    if field_.count() == 0:
        raise NotPresent(f"no field labelled {M_LABEL!r}")
    field_.fill(str(m))  # no keydown, no rerun: Streamlit applies a number on Enter
    ms = session.act(functools.partial(field_.press, "Enter"), timeout)
    value = field_.input_value()
    if value != str(m):
        raise BenchError(f"{M_LABEL} reads {value}, not {m}")
    return ms


# --------------------------------------------------------------------------- actions


def floor_tstep(browser: Browser, url: str, repeats: int) -> Stats:
    session = Session(browser, url, "floor")
    try:
        session.open("/")
        return time_steps(session, "t", repeats, ACTION_MS)
    finally:
        session.close()


def reloads(browser: Browser, url: str, kind: str, repeats: int) -> Stats:
    session = Session(browser, url, kind)
    try:
        session.open(NOTEBOOK_QUERY)  # the first load warms the server's caches: not counted
        return Stats([session.reload() for _ in range(repeats)])
    finally:
        session.close()


def app_tstep(browser: Browser, url: str, query: str, repeats: int, first_load: float) -> Stats:
    session = Session(browser, url, "app")
    try:
        session.open(query, timeout=first_load)
        return time_steps(session, T_LABEL, repeats, timeout=first_load)
    finally:
        session.close()


def gradient_tstep(browser: Browser, url: str, repeats: int) -> Stats:
    """The notebook-size t step with the gradient views on: the step panel's backward mode
    (its δ terms rerun with t) and section 8 opened (its charts stay cached)."""
    session = Session(browser, url, "app")
    try:
        session.open(NOTEBOOK_QUERY)
        page = session.page
        for label, shown in (("Backward: δ_t", "δ"), ("Backpropagate through time", "∂h_T")):
            control = page.get_by_text(label, exact=True)
            if control.count() == 0:
                raise NotPresent(f"no control labelled {label!r}")
            control.first.click()  # set up, not timed: the steps below are
            try:
                page.get_by_text(shown).first.wait_for(timeout=ACTION_MS)
            except PlaywrightError as err:
                raise BenchError(f"{label!r} showed no {shown!r}: {err}") from err
        return time_steps(session, T_LABEL, repeats, ACTION_MS)
    finally:
        session.close()


def cached_config(browser: Browser, url: str, repeats: int) -> Stats:
    session = Session(browser, url, "app")
    try:
        session.open(NOTEBOOK_QUERY)
        set_m(session, 6, timeout=FIRST_LOAD_MS)  # M=6 is new: run it once, not timed
        return Stats([set_m(session, 5 if i % 2 == 0 else 6) for i in range(repeats)])
    finally:
        session.close()


def new_configs(browser: Browser, url: str, repeats: int, first_m: int = 7) -> Stats:
    """M = 7, 8, ...: values nothing else in this run asks this server for."""
    session = Session(browser, url, "app")
    try:
        session.open(NOTEBOOK_QUERY)
        return Stats([set_m(session, first_m + i) for i in range(repeats)])
    finally:
        session.close()


def step_once(session: Session, slider: Locator) -> float:
    """One ArrowLeft (or ArrowRight at t = 1) on ``slider``, timed as ``time_steps`` does."""
    slider.focus()
    before = slider.get_attribute("value")
    key = "ArrowRight" if before == slider.get_attribute("min") else "ArrowLeft"
    ms = session.act(functools.partial(slider.press, key))
    if slider.get_attribute("value") == before:
        raise BenchError(f"{key} did not move the slider from {before}")
    return ms


class HeavyLoad:
    """Another visitor opening new cap-size LSTMs one after another (seeds this server has
    not run: a new model, a new run and its views each time), over Streamlit's own protocol
    (``tests/protocol.py``) from a thread of its own: the server always has one to compute,
    and no second browser page competes with the measured one for the 2 cores."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.running = threading.Event()  # set while a heavy run is in flight
        self.runs = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def __enter__(self) -> HeavyLoad:
        self._thread.start()
        if not self.running.wait(timeout=CAP_LOAD_MS / 1000):
            raise BenchError(f"the heavy session never started a run: {self.error}")
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=CAP_LOAD_MS / 1000)

    async def _main(self) -> None:
        seed = 1000
        try:
            while not self._stop.is_set():
                query = CAP_LSTM_QUERY.removeprefix("/?") + f"&seed={seed}"
                async with protocol.Session(self.url, query) as heavy:
                    self.running.set()
                    answer = await heavy.run(timeout=CAP_LOAD_MS / 1000)
                    self.running.clear()
                if answer.status != protocol.FINISHED or answer.of("exception"):
                    raise BenchError(f"the heavy run of seed {seed} ended badly")
                self.runs += 1
                seed += 1
        except (BenchError, protocol.ProtocolError) as err:
            self.error = str(err)
            self.running.clear()


def busy_tstep(browser: Browser, url: str, repeats: int) -> tuple[Stats, Stats]:
    """A t step at the notebook's sizes, idle and while another visitor's cap-size LSTMs
    are being computed (``HeavyLoad``). A busy step counts when a heavy run is in flight as
    the key is pressed; the runs follow one another, so nearly every step does. Returns
    (idle, busy)."""
    light = Session(browser, url, "app")
    try:
        light.open(NOTEBOOK_QUERY)
        idle = time_steps(light, T_LABEL, repeats, ACTION_MS)
        slider = light.t_slider(T_LABEL)
        busy: list[float] = []
        with HeavyLoad(url) as heavy:
            for _ in range(6 * repeats):
                if len(busy) == repeats or heavy.error:
                    break
                if heavy.running.is_set():
                    busy.append(step_once(light, slider))
                else:
                    heavy.running.wait(timeout=CAP_LOAD_MS / 1000)
            if heavy.error:
                raise BenchError(heavy.error)
            log(f"  ({heavy.runs} cap-size LSTM runs meanwhile)")
        if len(busy) < repeats:
            raise BenchError(f"only {len(busy)} of {repeats} steps began inside the heavy runs")
        return idle, Stats(busy)
    finally:
        light.close()


@dataclass(frozen=True)
class Seen:
    """The training page's latest run, as ``TrainingLoad`` saw it."""

    polls: int  # the training page's runs answered so far
    running: bool  # its progress bar showed an epoch under way
    epoch: int | None  # that epoch (1-based), the last one shown
    at: float  # time.monotonic() when it came


class TrainingLoad:
    """Another visitor training an LSTM(32) on the adding problem (``TRAIN_QUERY``, 200
    epochs) over Streamlit's own protocol (``tests/protocol.py``), from a thread of its own:
    its page is opened, Epochs set, Train pressed, and the page then kept open as a tab
    keeps it, its progress fragment rerun every 0.4 s (``protocol.Session.follow``), each
    run noted (``Seen``). On leaving, Stop is pressed and the page followed until it reads
    "Trained k epochs ... (stopped)": the server's training thread is idle again. (Its polls
    cost the server a little more than a tab's: with no message cache, each brings the loss
    curve in full where a tab would get a reference to the unchanged figure.)"""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen = Seen(0, False, None, time.monotonic())
        self.outcome = ""  # the page's "Trained ..." line once the training is over
        self.finished = False  # the page no longer trains
        self.error: str | None = None
        self._done = False  # the thread has ended
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def __enter__(self) -> TrainingLoad:
        self._thread.start()
        with self._changed:
            self._changed.wait_for(
                lambda: self.seen.running or self.finished or self._done, CAP_LOAD_MS / 1000
            )
        if not self.seen.running:
            self.__exit__()
            raise BenchError(f"the other session's training never ran an epoch: {self.error}")
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=2 * CAP_LOAD_MS / 1000)
        if self._thread.is_alive():
            raise BenchError("the training session did not stop")

    def next_seen(self, after: int) -> Seen:
        """The first of the training page's runs after its ``after``-th (waits for it)."""
        with self._changed:
            if not self._changed.wait_for(
                lambda: self.seen.polls > after or self._done, ACTION_MS / 1000
            ):
                raise BenchError(f"the training page did not poll within {ACTION_MS} ms")
            if self.seen.polls <= after:
                raise BenchError(f"the training session ended: {self.error}")
            return self.seen

    async def _main(self) -> None:
        try:
            query = TRAIN_QUERY.removeprefix("/?")
            async with protocol.Session(self.url, query) as page:
                self._check(await page.run(timeout=CAP_LOAD_MS / 1000), "its first run")
                self._check(await page.set_slider(EPOCHS_LABEL, TRAIN_EPOCHS), EPOCHS_LABEL)
                self._note(self._check(await page.press("Train"), "Train"))
                try:
                    await page.follow(self._until_stopped, timeout=2 * CAP_LOAD_MS / 1000)
                finally:
                    if not self.finished:  # Stop, and follow the page until it says so
                        self._note(self._check(await page.press("Stop"), "Stop"))
                        if not self.finished:
                            await page.follow(self._until_finished, CAP_LOAD_MS / 1000)
            if not TRAINED_TEXT.search(self.outcome):
                raise BenchError(
                    f"the training page ended without a 'Trained' line: {self.outcome}"
                )
        except (BenchError, protocol.ProtocolError) as err:
            self.error = self.error or str(err)
        finally:
            with self._changed:
                self._done = True
                self._changed.notify_all()

    @staticmethod
    def _check(answer: protocol.Answer, what: str) -> protocol.Answer:
        if answer.exceptions:
            raise BenchError(f"the training page, {what}: {answer.exceptions[0]}")
        return answer

    def _until_stopped(self, answer: protocol.Answer) -> bool:
        self._note(answer)
        return self._stop.is_set() or self.finished

    def _until_finished(self, answer: protocol.Answer) -> bool:
        self._note(answer)
        return self.finished

    def _note(self, answer: protocol.Answer) -> None:
        """What one of the training page's runs showed: an epoch under way, or the end."""
        epochs = [EPOCH_TEXT.match(bar.text) for bar in answer.of("progress")]
        epoch = next((int(m[1]) for m in epochs if m), None)
        ended = answer.status == protocol.FINISHED and not answer.of("progress")
        with self._changed:
            if answer.exceptions:
                self.error = self.error or f"the training page: {answer.exceptions[0]}"
            if ended:
                self.finished = True
                self.outcome = next(
                    (a.body for a in answer.of("alert") if TRAINED_TEXT.search(a.body)),
                    "; ".join(a.body for a in answer.of("alert")),
                )
            last = self.seen
            self.seen = Seen(
                last.polls + 1, epoch is not None, epoch or last.epoch, time.monotonic()
            )
            self._changed.notify_all()


def training_tstep(browser: Browser, url: str, repeats: int) -> tuple[Stats, Stats, str]:
    """A t step at the notebook's sizes, idle and while another visitor trains
    (``TrainingLoad``). A step counts when the training page showed an epoch under way at
    its last poll before the key and at its first poll after the page settled (a training
    that has ended does not start again). Returns (idle, during, what the training did)."""
    light = Session(browser, url, "app")
    try:
        light.open(NOTEBOOK_QUERY)
        idle = time_steps(light, T_LABEL, repeats, ACTION_MS)
        slider = light.t_slider(T_LABEL)
        during: list[float] = []
        with TrainingLoad(url) as training:
            first: Seen | None = None
            last: Seen | None = None
            for _ in range(2 * repeats):
                before = training.seen
                if len(during) == repeats or not before.running:
                    break
                ms = step_once(light, slider)
                after = training.next_seen(training.seen.polls)
                if not after.running:
                    break
                during.append(ms)
                first, last = first or before, after
        if training.error:
            raise BenchError(training.error)
        if len(during) < repeats or first is None or last is None:
            raise BenchError(f"only {len(during)} of {repeats} steps fell inside the training")
        epochs = (last.epoch or 0) - (first.epoch or 0)
        if epochs < 1:
            raise BenchError(f"the training stayed in epoch {first.epoch} during the steps")
        polls, seconds = last.polls - first.polls, last.at - first.at
        note = (
            f"the other session's training was in epoch {first.epoch} of {TRAIN_EPOCHS} at the "
            f"first step and in epoch {last.epoch} after the last, its page polled {polls} times "
            f"in {seconds:.1f} s ({polls / seconds:.1f}/s); then Stop: "
            f"{training.outcome.split(':')[0]}"
        )
        log(f"  ({note})")
        return idle, Stats(during), note
    finally:
        light.close()


@dataclass
class PlayResult:
    fps: float
    frames: int
    sent_playing: int  # WebSocket frames sent between play and pause
    sent_click: int  # sent by the play click itself, before data-playing turned "true"


def play(browser: Browser, url: str, query: str) -> PlayResult:
    session = Session(browser, url, "app")
    try:
        session.open(query)
        page = session.page
        root = page.locator(".rnnviz-player").first  # the one PLAY_WATCH_JS watches
        try:  # a components-v2 element can mount a frame after the script has finished
            expect(root).to_be_attached(timeout=WIDGET_MS)
        except AssertionError as err:
            raise NotPresent("no .rnnviz-player on the page") from err
        root.locator("select.rnnviz-speed").select_option("max", timeout=WIDGET_MS)
        sent_before = session.sent
        root.locator("button.rnnviz-play").click(timeout=WIDGET_MS)
        page.wait_for_function(
            "() => document.querySelector('.rnnviz-player')?.getAttribute('data-playing')"
            " === 'true'",
            timeout=ACTION_MS,
        )
        sent_click = session.sent - sent_before
        watched = page.evaluate(PLAY_WATCH_JS, PLAY_WINDOW_MS)  # the measurement window itself
        sent_playing = session.sent - sent_before - sent_click
        if watched["playing"]:  # pause, and check that it did
            root.locator("button.rnnviz-play").click(timeout=WIDGET_MS)
            expect(root).to_have_attribute("data-playing", "false", timeout=WIDGET_MS)
        return PlayResult(play_fps(watched), watched["changes"], sent_playing, sent_click)
    finally:
        session.close()


# Count data-t changes for a window; note when (if) the player stops by itself (at t = T).
PLAY_WATCH_JS = """
async (windowMs) => {
  const root = document.querySelector('.rnnviz-player');
  const w = { changes: 0, first: null, last: null, stopped: null, start: performance.now() };
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      const now = performance.now();
      if (r.attributeName === 'data-t') {
        w.changes += 1;
        if (w.first === null) w.first = now;
        w.last = now;
      } else if (root.getAttribute('data-playing') !== 'true' && w.stopped === null) {
        w.stopped = now;
      }
    }
  });
  observer.observe(root, { attributes: true, attributeFilter: ['data-t', 'data-playing'] });
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  observer.disconnect();
  w.end = performance.now();
  w.playing = root.getAttribute('data-playing') === 'true';
  return w;
}
"""


def play_fps(w: dict) -> float:
    """Frames per second while playing: the whole window, or first to last frame if it stopped."""
    if w["stopped"] is None:
        return w["changes"] / ((w["end"] - w["start"]) / 1000)
    if w["changes"] < 2 or w["last"] <= w["first"]:
        return 0.0
    return (w["changes"] - 1) / ((w["last"] - w["first"]) / 1000)


def tf_import(repeats: int = 3) -> Stats:
    """``python -c 'import tensorflow'``, wall time, with the servers' environment."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import tensorflow"],
            env={**os.environ, **TF_ENV},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        samples.append((time.perf_counter() - start) * 1000)
    return Stats(samples)


def cold_load(browser: Browser) -> tuple[float, float | None]:
    """A fresh server, navigated as soon as it is healthy: (whole page, ledger + controls) ms."""
    with serve_app() as server:
        session = Session(browser, server.url, "app")
        try:
            session.page.goto(NOTEBOOK_QUERY, wait_until="commit")
            result = session.loaded(FIRST_LOAD_MS)
            return result["ms"], result["controls"]
        finally:
            session.close()


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Bench:
    """What every app row needs: the browser, the warm app server, the floor's numbers."""

    browser: Browser
    url: str
    repeats: int
    floor: dict[str, Stats]

    def floor_step(self) -> Stats:
        step = self.floor.get("tstep")
        if step is None:
            raise BenchError("the floor app's t step was not measured")
        return step


def limit_row(
    app: Stats, limit: float, floor: Stats | None = None, base: Stats | None = None
) -> Row:
    """A row whose target is an upper limit on the median; ratio is against ``base``."""
    row = Row(floor=floor, app=app, passed=app.median <= limit, ratio=ratio(app, base))
    row.detail = f"median {app.median:.0f} ms (min {min(app.samples):.0f}, max "
    row.detail += f"{max(app.samples):.0f}) vs limit {limit:.0f} ms"
    return row


def row_tstep(b: Bench) -> Row:
    app = app_tstep(b.browser, b.url, NOTEBOOK_QUERY, b.repeats, FIRST_LOAD_MS)
    step = b.floor_step()
    return limit_row(app, 2 * step.median, floor=step, base=step)


def row_gradients(b: Bench) -> Row:
    step = b.floor_step()
    return limit_row(gradient_tstep(b.browser, b.url, b.repeats), 2 * step.median, base=step)


def row_cached(b: Bench) -> Row:
    app = cached_config(b.browser, b.url, b.repeats)
    step = b.floor_step()
    return limit_row(app, 3 * step.median, base=step)


def row_newconfig(b: Bench) -> Row:
    return limit_row(new_configs(b.browser, b.url, b.repeats), 600, base=b.floor.get("tstep"))


def row_reload(b: Bench) -> Row:
    app = reloads(b.browser, b.url, "app", b.repeats)
    floor = b.floor.get("reload")
    return Row(floor=floor, app=app, ratio=ratio(app, floor))


def row_lstm(b: Bench) -> Row:
    app = app_tstep(b.browser, b.url, CAP_LSTM_QUERY, b.repeats, CAP_LOAD_MS)
    return limit_row(app, 500, base=b.floor.get("tstep"))


def row_busy(b: Bench) -> Row:
    idle, busy = busy_tstep(b.browser, b.url, b.repeats)
    row = limit_row(busy, 2 * idle.median, base=idle)
    row.detail += f" (2 × this session's idle t step, {idle.text()})"
    return row


def row_training(b: Bench) -> Row:
    idle, during, note = training_tstep(b.browser, b.url, b.repeats)
    row = limit_row(during, 2 * idle.median, base=idle)
    row.detail += f" (2 × this session's idle t step, {idle.text()}); {note}"
    return row


def row_player(b: Bench, query: str) -> Row:
    result = play(b.browser, b.url, query)
    ok = result.fps >= MIN_FPS and result.sent_playing == 0
    row = Row(app=Stats([result.fps]), passed=ok, unit="fps")
    row.detail = (
        f"{result.fps:.1f} fps ({result.frames} frames), {result.sent_playing} WebSocket frames"
        f" sent while playing ({result.sent_click} by the play click)"
    )
    return row


# (--only name, action, target, floor number shown beside it, measure)
APP_ROWS: list[tuple[str, str, str, str | None, Callable[[Bench], Row]]] = [
    ("tstep", "t step, notebook sizes", "≤ 2 × floor", "tstep", row_tstep),
    ("gradients", "t step, gradient views open", "≤ 2 × floor", None, row_gradients),
    ("cached", "back to a cached config", "≤ 3 × floor t step", None, row_cached),
    ("newconfig", "new config, notebook sizes", "≤ 600 ms", None, row_newconfig),
    ("reload", "reload, server warm", "report only", "reload", row_reload),
    ("lstm", "t step, cap-size LSTM", "≤ 500 ms", None, row_lstm),
    ("busy", "t step while a cap-size LSTM runs", "≤ 2 × idle t step", None, row_busy),
    ("training", "t step while another session trains", "≤ 2 × idle t step", None, row_training),
] + [
    (
        "player",
        f"player, {name}",
        f"≥ {MIN_FPS} fps, 0 frames sent",
        None,
        functools.partial(row_player, query=query),
    )
    for name, query in PLAYER_QUERIES.items()
]


def guarded(
    action: str, target: str, measure: Callable[[], Row], floor: Stats | None = None
) -> Row:
    """Run one measurement; a failure becomes a FAIL row instead of ending the benchmark."""
    log(f"{action} ...")
    try:
        row = measure()
    except (RuntimeError, AssertionError, PlaywrightError, subprocess.CalledProcessError) as err:
        what = "not present" if isinstance(err, NotPresent) else "error"
        message = " ".join(str(err).split())
        log(f"{action}: {what}: {message}")
        return Row(action, floor, target=target, passed=False, detail=f"{what}: {message}")
    row.action, row.target = action, target
    log(f"{action}: {row.app.text(row.unit) if row.app else row.detail}")
    return row


def app_rows(b: Bench, only: set[str]) -> list[Row]:
    return [
        guarded(action, target, functools.partial(measure, b), b.floor.get(floor or ""))
        for name, action, target, floor, measure in APP_ROWS
        if name in only
    ]


def cold_rows(browser: Browser, cold_repeats: int) -> list[Row]:
    """import tensorflow in a subprocess, then page loads each on a fresh server."""
    tf_row = guarded("python -c 'import tensorflow'", "report only", lambda: Row(app=tf_import()))
    loads: list[tuple[float, float | None]] = []

    def whole() -> Row:
        loads.extend(cold_load(browser) for _ in range(cold_repeats))
        if tf_row.app is None:
            raise BenchError("import tensorflow was not timed")
        return limit_row(Stats([page for page, _ in loads]), tf_row.app.median + 3000)

    def controls() -> Row:
        seen = [c for _, c in loads if c is not None]
        if not loads:
            raise BenchError("no cold load finished")
        if len(seen) < len(loads):
            raise NotPresent("no .st-key-ledger metric and M field visible by the whole page")
        return limit_row(Stats(seen), 3000)

    whole_row = guarded("cold load: whole page", "≤ import tf + 3000 ms", whole)
    controls_row = guarded("cold load: ledger + controls", "≤ 3000 ms", controls)
    return [tf_row, controls_row, whole_row]


def floor_measurements(browser: Browser, only: set[str], repeats: int) -> dict[str, Stats]:
    """The floor app's t step and reload, on a server of its own, stopped before the app's."""
    wanted = {"tstep": floor_tstep} if only & {"tstep", "cached", "newconfig", "lstm"} else {}
    if "reload" in only:
        wanted["reload"] = functools.partial(reloads, kind="floor")
    floor: dict[str, Stats] = {}
    if not wanted:
        return floor
    try:
        with serve_script(FLOOR_SCRIPT) as url:
            for name, measure in wanted.items():
                log(f"floor app: {name} ...")
                floor[name] = measure(browser, url, repeats=repeats)
                log(f"floor app: {name}: {floor[name].text()}")
    except (RuntimeError, PlaywrightError) as err:  # the rows that need it will say so
        log(f"floor app: error: {' '.join(str(err).split())}")
    return floor


def app_rows_on_a_server(browser: Browser, only: set[str], floor: dict[str, Stats], n: int):
    """Every app row but the cold loads, on one warm server."""
    if not only - {"cold"}:
        return []
    try:
        with serve_app() as server:
            return app_rows(Bench(browser, server.url, n, floor), only)
    except RuntimeError as err:  # the server did not start: every row fails, none crashes
        return [
            guarded(action, target, functools.partial(_raise, err))
            for name, action, target, _, _ in APP_ROWS
            if name in only
        ]


def _raise(err: Exception) -> Row:
    raise BenchError(f"app server: {err}")


# --------------------------------------------------------------------------- report


def print_report(header: str, rows: list[Row]) -> None:
    print(header)
    print()
    print("| action | floor app | rnnviz | ratio | target | result |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")
    print()
    print(
        "Times are median (min–max) over the repeats. Ratio: rnnviz's median over the floor"
        " app's for the same action, or over the floor's t step where the floor has no such"
        " action; for the steps while an LSTM runs or another session trains, over the same"
        " session's idle step."
    )
    print()
    for row in rows:
        if row.passed is not None:
            print(f"{'PASS' if row.passed else 'FAIL'}: {row.action} ({row.target}): {row.detail}")


def write_json(path: Path, header: str, rows: list[Row]) -> None:
    data = {"header": header, "rows": [asdict(row) for row in rows]}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per action")
    parser.add_argument("--cold-repeats", type=int, default=2, help="fresh servers for 'cold'")
    parser.add_argument(
        "--only", default=",".join(ACTIONS), help="comma-separated: " + ", ".join(ACTIONS)
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    args.only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = args.only - set(ACTIONS)
    if unknown:
        parser.error(f"unknown action(s): {', '.join(sorted(unknown))}")
    if args.repeats < 1 or args.cold_repeats < 1:
        parser.error("--repeats and --cold-repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A plain SIGTERM would skip the finally blocks that stop the servers (each leads its own
    # process group, so nothing else ends them): turn it into an exit that runs them.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            header = machine_line(browser.version)
            floor = floor_measurements(browser, args.only, args.repeats)
            rows: list[Row] = []
            rows += app_rows_on_a_server(browser, args.only, floor, args.repeats)
            if "cold" in args.only:  # after the warm server is gone: nothing else running
                rows += cold_rows(browser, args.cold_repeats)
        finally:
            browser.close()
    print_report(header, rows)
    if args.json:
        write_json(args.json, header, rows)
    return 0 if all(row.passed is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
