"""The page bench's harness: a server, a browser session on it, and when a key's answer is in.

``Session`` is one browser context (one Streamlit session) on one server, which times an action
from its key press to the page settled: the run's end read from the WebSocket frames, then no
DOM mutation for QUIET_MS. ``serve_script`` starts a Streamlit script on a free port (the floor
app beside rnnviz); ``Stats`` and ``Row`` are what bench/page.py's table is made of.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from google.protobuf.message import DecodeError
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    WebSocket,
    expect,
)
from playwright.sync_api import Error as PlaywrightError
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/ is a package of the repo, not installed


from tests.browser import serve_app  # noqa: E402

FLOOR_SCRIPT = "bench/floor_app.py"
VIEWPORT = {"width": 1600, "height": 1000}
TF_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}  # as tests/browser.py
QUIET_MS = 500  # no mutation for this long = the page has settled
POLL_MS = 50  # how often the page is asked whether it has settled
FIRST_LOAD_MS = 60_000  # the server's first run imports TensorFlow
CAP_LOAD_MS = 120_000  # the largest LSTM's first run
ACTION_MS = 30_000  # any single action
WIDGET_MS = 5_000  # a widget the page should already show
VIEWS_GRACE_MS = 2_000  # the canvas views, past the whole page (they mount a frame later)
STARTUP_S = 90.0  # a server answering /_stcore/health
PLAY_WINDOW_MS = 3_000  # how long the player is watched
MIN_FPS = 20
CELL_CHARS = 100  # a failure's message in the table; the FAIL line has all of it
ACTIONS = (
    "tstep",
    "gradients",
    "cached",
    "newconfig",
    "derivation",
    "reload",
    "cold",
    "lstm",
    "weights",
    "busy",
    "training",
    "player",
)

T_LABEL = "t — time step"
M_LABEL = "M — hidden units"
NOTEBOOK_QUERY = "/?"  # the defaults are the notebook's sizes: N=10, T=10, D=3, M=5, K=2
CAP_LSTM_QUERY = "/?cell=lstm&N=39&T=500&D=64&M=256&K=32"
# The largest weights view: D, M and K at their caps (14 matrices, four of them 256 × 256); N
# and T small, since the weights do not depend on them.
CAP_WEIGHTS_QUERY = "/?cell=lstm&N=2&T=10&D=64&M=256&K=32"
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
    firstViews: null, viewsWaiting: null,  // both canvas views drawn; a Keras placeholder then?
    viewsName: null, views: null,  // the model a new config's views are awaited for; its times
  });
  const VIEWS = ['.rnnviz-player', '.rnnviz-weights'];  // the NumPy views, drawn in the browser
  const flips = new WeakMap();  // view element -> performance.now() of its data-ready -> "true"
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
    // every Plotly chart drawn; a chart's place below the fold (.rnnviz-in-view) is drawn
    // when scrolled to, and the page must show one or the other
    const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
    const held = document.querySelectorAll('.rnnviz-in-view').length;
    if (charts.length + held === 0) return false;
    if (!charts.every((c) => c.querySelector('.main-svg'))) return false;
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
  // The hidden-state player and the weights view both drawn; a Keras section still a placeholder.
  b.viewsDrawn = () => VIEWS.every((v) => document.querySelector(`${v}[data-ready="true"]`));
  b.waiting = () => !!document.querySelector('[class*="st-key-waiting_"]');
  // The first frame at which the page is drawn, in ms since navigation start; on the app, also
  // the first at which both views are (waited for up to __VIEWS_GRACE__ ms past the whole page).
  const viewsPending = (now) => kind === 'app' && b.firstViews === null
    && (b.firstReady === null || now - b.firstReady < __VIEWS_GRACE__);
  b.loaded = () => {
    const error = b.exception();
    if (error) return { error };
    if (b.firstReady === null || viewsPending(performance.now())) return false;
    return { ms: b.firstReady, controls: b.firstControls, views: b.firstViews,
      waiting: b.viewsWaiting };
  };
  // A view of this kind drawn after t0: its data-ready turned "true" since (the latest such
  // flip), or, never seen flipping, it came after the key already drawn (the first frame seen).
  const redrawn = (selector, t0, before, now) => {
    let latest = null;
    for (const e of document.querySelectorAll(`${selector}[data-ready="true"]`)) {
      let at = flips.get(e);
      if ((at === undefined || at < t0) && !before.has(e)) {
        at = now;
        flips.set(e, at);
      }
      if (at !== undefined && at >= t0 && (latest === null || at > latest)) latest = at;
    }
    return latest;
  };
  // Arm the next key's wait for the NumPy views of model `name` (in the page's h1 title).
  b.watchViews = (name) => { b.viewsName = name; b.views = null; };
  b.viewsState = () => b.views || { title: false, player: null, weights: null };
  const watchViews = (name, t0) => {
    const before = new WeakSet(document.querySelectorAll(VIEWS.join(', ')));
    let titled = null;  // the first frame the title named the model
    const frame = () => {
      const now = performance.now();
      if (b.t0 !== t0 || now - t0 > __ACTION_MS__) return;  // a later key, or given up
      if (titled === null && [...document.querySelectorAll('h1')]
        .some((h) => h.textContent.includes(name))) titled = now;
      const [player, weights] = VIEWS.map((v) => redrawn(v, t0, before, now));
      b.views = { title: titled !== null, player, weights };
      if (titled !== null && player !== null && weights !== null) {
        b.views.ms = now - t0;  // the first frame showing all three
        b.views.events = Math.max(titled, player, weights) - t0;  // the last of them
        return;
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  };
  window.addEventListener('keydown', () => {
    b.t0 = performance.now();
    b.last = b.t0;  // mutations before the key (typing into a field) are not the action's
    if (b.viewsName !== null) {
      watchViews(b.viewsName, b.t0);
      b.viewsName = null;
    }
  }, true);  // capturing on window: before any of Streamlit's own handlers
  const watch = () => {
    new MutationObserver(() => { b.last = performance.now(); }).observe(document.body,
      { subtree: true, childList: true, attributes: true, characterData: true });
    new MutationObserver((records) => {  // the views' data-ready flips, filtered by the browser
      const now = performance.now();
      for (const r of records) {
        if (r.target.getAttribute('data-ready') === 'true') flips.set(r.target, now);
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
    const frame = () => {
      const now = performance.now();
      if (b.firstControls === null && kind === 'app' && b.controls()) b.firstControls = now;
      if (b.firstViews === null && kind === 'app' && b.viewsDrawn()) {
        b.firstViews = now;
        b.viewsWaiting = b.waiting();
      }
      if (b.firstReady === null && b.wholePage()) b.firstReady = now;
      // stop once drawn (and, on the app, the views seen or given up on): no overhead after
      if (b.firstReady === null || viewsPending(now)) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  };
  if (document.body) watch(); else document.addEventListener('DOMContentLoaded', watch);
})();
"""


def bench_script(kind: str) -> str:
    """``BENCH_JS`` for a page of this kind ("app" or "floor"), its constants filled in."""
    script = BENCH_JS
    for name, value in {
        "__KIND__": kind,
        "__M_LABEL__": M_LABEL,
        "__VIEWS_GRACE__": VIEWS_GRACE_MS,
        "__ACTION_MS__": ACTION_MS,
    }.items():
        script = script.replace(name, json.dumps(value))
    return script


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
        self.context.add_init_script(script=bench_script(kind))
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


# "rnnviz — SimpleRNN(5) → Dense(2)": the layer up to its M, and what follows M
TITLE_MODEL = re.compile(r"rnnviz — ([^→]*?)\(\d+([,)])")


def set_m_views(session: Session, m: int, timeout: float = ACTION_MS) -> tuple[float, float, float]:
    """``set_m``, also timing the new config's NumPy views: from the keydown to the first frame
    at which the h1 title names the new model and a player and a weights view have both been
    drawn again (their ``data-ready`` turned "true" after the key). Returns (that frame, the
    last of the three events, the page settled), ms since the keydown."""
    page = session.page
    title = page.get_by_role("heading", level=1).filter(has_text="rnnviz — ")
    try:
        expect(title.first).to_be_visible(timeout=WIDGET_MS)
    except AssertionError as err:
        raise NotPresent("no h1 title 'rnnviz — <model>' on the page") from err
    text = title.first.text_content() or ""
    found = TITLE_MODEL.search(text)
    if not found:
        raise NotPresent(f"no model and M in the title {text!r}")
    name = f"{found[1]}({m}{found[2]}"  # SimpleRNN(7)
    page.evaluate("(name) => window.__bench.watchViews(name)", name)
    whole = set_m(session, m, timeout)
    try:  # the page has settled, so they are in; the frame loop may want one more frame
        page.wait_for_function(
            "() => window.__bench.views && window.__bench.views.ms !== undefined",
            polling=POLL_MS,
            timeout=WIDGET_MS,
        )
    except PlaywrightError as err:
        state = page.evaluate("() => window.__bench.viewsState()")
        raise BenchError(
            f"M = {m}: the page settled without the NumPy views redrawn for {name}: title"
            f" {'named it' if state['title'] else 'did not name it'}, player redrawn"
            f" {state['player'] is not None}, weights redrawn {state['weights'] is not None}"
        ) from err
    views = page.evaluate("() => window.__bench.views")
    return views["ms"], views["events"], whole
