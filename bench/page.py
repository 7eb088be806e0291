"""Time the real page in headless chromium against a floor app measured in the same run.

What is measured. Each action is done to the real app (``app.py``) served by ``streamlit run``
and, where it makes sense, to ``bench/floor_app.py`` (one slider, one line of text: Streamlit's
own round trip with nothing of rnnviz in it), both driven by Playwright in Debian's chromium:

* ``tstep``: one ArrowLeft/ArrowRight on the "t — time step" slider at the notebook's sizes;
* ``gradients``: the same t step with the step panel's backward mode on and the gradient
  section (8) open;
* ``cached``: M back to a value already run (5 <-> 6), typed into "M — hidden units" + Enter;
* ``newconfig``: M to a value this server has never run (7, 8, 9, ...), timed twice: until
  the new config's NumPy views are drawn (the h1 title names the new model, and a hidden-state
  player and a weights view have redrawn: their ``data-ready`` turned "true" after the key),
  and until the whole page is;
* ``derivation``: open a unit's arithmetic in the step panel (a click on a result unit, or on
  a number of the step table), timed in the page from the click's event to the animation
  frame that paints the written sum: answered in the browser, with no server round trip;
* ``reload``: reload the page, server warm, until the whole page is drawn;
* ``cold``: a fresh server, from navigation to (a) the shapes ledger and controls visible,
  (b) the player and the weights view both drawn, noting whether a Keras section still showed
  its placeholder (``st-key-waiting_<section>``: TensorFlow still loading) at that frame, and
  (c) the whole page drawn, next to ``python -c "import tensorflow"`` timed in a subprocess
  (the whole page's ratio is to it);
* ``lstm``: the t step at the largest LSTM the app allows;
* ``weights``: the weights view of the largest model the app allows (an LSTM with D, M and K
  at their caps), drawn in the browser, as the element itself times it (``data-draw-ms``)
  after each reload of a warm server;
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
since navigation start) of the first frame at which each condition holds; a new config's
NumPy views likewise, from t0, with a second MutationObserver noting when each view's
``data-ready`` turned "true". Each action is
repeated (``--repeats``) after an untimed first load (and first step) and reported as median
(min-max). The player is set to speed "max" and played: a MutationObserver counts changes of
its ``data-t`` for 3 s (frames per second), and Playwright's ``framesent`` events count what
the page sends on its WebSockets from ``data-playing="true"`` to the end of that window.

"Whole page drawn" for the app: the script has finished, no spinner, skeleton or
``st-key-waiting*`` placeholder, every Plotly chart on the page drawn (``.main-svg``), and at
least one chart or a chart's place held below the fold (``.rnnviz-in-view``: drawn when
scrolled to, which the bench never does), and a ``.rnnviz-player``, if present, reports
``data-ready="true"``. An exception box on the page ends the action at once with its text.

Run from the repository root: ``.venv/bin/python bench/page.py`` (``make bench-page``); about
three and a half minutes with the defaults on 2 cores. ``--only tstep,cached`` runs a subset.
Exit status 0 when every target passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import functools
import json
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

from playwright.sync_api import (
    Browser,
    expect,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/ is a package of the repo, not installed

from page_loads import (  # noqa: E402  (bench/page_loads.py, beside this file)
    ColdLoad,
    busy_tstep,
    cold_load,
    tf_import,
    training_tstep,
)
from page_session import (  # noqa: E402  (bench/page_session.py, beside this file)
    ACTION_MS,
    ACTIONS,
    CAP_LOAD_MS,
    CAP_LSTM_QUERY,
    CAP_WEIGHTS_QUERY,
    FIRST_LOAD_MS,
    FLOOR_SCRIPT,
    MIN_FPS,
    NOTEBOOK_QUERY,
    PLAY_WINDOW_MS,
    PLAYER_QUERIES,
    T_LABEL,
    VIEWS_GRACE_MS,
    WIDGET_MS,
    BenchError,
    NotPresent,
    Row,
    Session,
    Stats,
    log,
    ratio,
    serve_script,
    set_m,
    set_m_views,
    time_steps,
)
from report import machine_line  # noqa: E402  (bench/report.py, beside this file)

from tests.browser import launch_chromium, serve_app  # noqa: E402

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


def derivation_opens(browser: Browser, url: str, repeats: int) -> Stats:
    """Opening a unit's arithmetic in the step panel, answered in the browser: a click on a
    result unit of the derivation, every other time on a number of the step table, timed in
    the page from the click's event to the animation frame that paints the written sum
    (``window.rnnvizOpenTimes``). Each opened unit then goes to the server for the link; the
    next click waits for that rerun to end."""
    session = Session(browser, url, "app")
    try:
        session.open(NOTEBOOK_QUERY)
        page = session.page
        root = page.locator(".rnnviz-derivation")
        if root.count() == 0:
            raise NotPresent("no .rnnviz-derivation on the page")
        samples = []
        for k in range(repeats):
            m = k % 4 + 1  # never the unit open before it: each click opens a new one
            target = (
                f".rnnviz-dproduct[data-product='0'] [data-rnnviz-unit='{m}']"
                if k % 2 == 0
                else f"table[data-table='step'] [data-rnnviz-open$=':{m}']"
            )
            before = page.evaluate("() => (window.rnnvizOpenTimes ?? []).length")
            page.locator(target).first.click()
            page.wait_for_function(
                f"() => (window.rnnvizOpenTimes ?? []).length > {before}", timeout=ACTION_MS
            )
            samples.append(page.evaluate("() => window.rnnvizOpenTimes.at(-1)"))
            expect(root).to_have_attribute("data-unit", str(m), timeout=ACTION_MS)
            expect(page.locator("[data-testid=stApp]")).to_have_attribute(
                "data-test-script-state", "notRunning", timeout=ACTION_MS
            )
        return Stats(samples)
    finally:
        session.close()


def weights_draws(browser: Browser, url: str, repeats: int) -> Stats:
    """The weights view of the largest model the app allows, drawn in the browser: the element's
    own ``data-draw-ms`` (from its script's start to every canvas painted and laid out), read
    after each of ``repeats`` reloads, the server warm (the first load, untimed, runs it)."""
    session = Session(browser, url, "app")
    try:
        session.open(CAP_WEIGHTS_QUERY, timeout=CAP_LOAD_MS)
        root = session.page.locator(".rnnviz-weights[data-ready=true]")
        samples = []
        for _ in range(repeats):
            session.reload(timeout=CAP_LOAD_MS)
            try:
                root.wait_for(state="attached", timeout=ACTION_MS)
            except PlaywrightError as err:
                raise NotPresent('no .rnnviz-weights with data-ready="true"') from err
            drawn = root.get_attribute("data-draw-ms")
            if drawn is None:
                raise NotPresent("the weights view has no data-draw-ms")
            samples.append(float(drawn))
        return Stats(samples)
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


@dataclass(frozen=True)
class NewConfigs:
    views: Stats  # keydown to the first frame showing the new config's NumPy views
    events: Stats  # keydown to the last of the title's change and the two views' redraws
    whole: Stats  # keydown to the whole page settled


def new_configs(browser: Browser, url: str, repeats: int, first_m: int = 7) -> NewConfigs:
    """M = 7, 8, ...: values nothing else in this run asks this server for."""
    session = Session(browser, url, "app")
    try:
        session.open(NOTEBOOK_QUERY)
        times = [set_m_views(session, first_m + i) for i in range(repeats)]
        return NewConfigs(*(Stats(list(column)) for column in zip(*times, strict=True)))
    finally:
        session.close()


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


# --------------------------------------------------------------------------- rows

T = TypeVar("T")


@dataclass(frozen=True)
class Bench:
    """What every app row needs: the browser, the warm app server, the floor's numbers."""

    browser: Browser
    url: str
    repeats: int
    floor: dict[str, Stats]
    measured: dict[str, tuple[object, Exception | None]] = field(default_factory=dict)

    def floor_step(self) -> Stats:
        step = self.floor.get("tstep")
        if step is None:
            raise BenchError("the floor app's t step was not measured")
        return step

    def once(self, name: str, measure: Callable[[], T]) -> T:
        """``measure()`` the first time, its result (or its error) every time: two rows from
        one measurement."""
        if name not in self.measured:
            try:
                self.measured[name] = (measure(), None)
            except Exception as err:  # each row that asks for it raises it again
                self.measured[name] = (None, err)
        result, error = self.measured[name]
        if error is not None:
            raise error
        return result  # type: ignore[return-value]


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
    return limit_row(app, 4 * step.median, base=step)


def measure_new_configs(b: Bench) -> NewConfigs:
    return b.once("newconfig", lambda: new_configs(b.browser, b.url, b.repeats))


def row_newconfig(b: Bench) -> Row:
    return limit_row(measure_new_configs(b).whole, 600, base=b.floor.get("tstep"))


def row_newviews(b: Bench) -> Row:
    result = measure_new_configs(b)
    row = limit_row(result.views, 300, base=b.floor.get("tstep"))
    row.detail += f"; the last of the title and the two views' redraws: {result.events.text()}"
    return row


def row_derivation(b: Bench) -> Row:
    return limit_row(derivation_opens(b.browser, b.url, max(b.repeats, 6)), 50)


def row_reload(b: Bench) -> Row:
    app = reloads(b.browser, b.url, "app", b.repeats)
    floor = b.floor.get("reload")
    return Row(floor=floor, app=app, ratio=ratio(app, floor))


def row_lstm(b: Bench) -> Row:
    app = app_tstep(b.browser, b.url, CAP_LSTM_QUERY, b.repeats, CAP_LOAD_MS)
    return limit_row(app, 400, base=b.floor.get("tstep"))


def row_weights(b: Bench) -> Row:
    return limit_row(weights_draws(b.browser, b.url, b.repeats), 100)


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
    ("cached", "back to a cached config", "≤ 4 × floor t step", None, row_cached),
    ("newconfig", "new config: NumPy views drawn", "≤ 300 ms", None, row_newviews),
    ("newconfig", "new config, notebook sizes", "≤ 600 ms", None, row_newconfig),
    ("derivation", "open a unit's arithmetic (in the browser)", "≤ 50 ms", None, row_derivation),
    ("reload", "reload, server warm", "report only", "reload", row_reload),
    ("lstm", "t step, cap-size LSTM", "≤ 400 ms", None, row_lstm),
    ("weights", "weights drawn, cap-size LSTM (in the browser)", "≤ 100 ms", None, row_weights),
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
    loads: list[ColdLoad] = []

    def whole() -> Row:
        loads.extend(cold_load(browser) for _ in range(cold_repeats))
        tf = tf_row.app
        if tf is None:
            raise BenchError("import tensorflow was not timed")
        row = limit_row(Stats([load.page for load in loads]), tf.median + 2000, base=tf)
        row.detail += f" (import tensorflow {tf.text()} + 2000 ms)"
        return row

    def controls() -> Row:
        seen = [load.controls for load in loads if load.controls is not None]
        if not loads:
            raise BenchError("no cold load finished")
        if len(seen) < len(loads):
            raise NotPresent("no .st-key-ledger metric and M field visible by the whole page")
        return limit_row(Stats(seen), 3000)

    def views() -> Row:
        """Both canvas views drawn while TensorFlow still loads: every load must show a Keras
        section's placeholder at that frame, and the median be within the limit."""
        seen = [load for load in loads if load.views is not None]
        if not loads:
            raise BenchError("no cold load finished")
        if len(seen) < len(loads):
            raise NotPresent(
                'no .rnnviz-player and .rnnviz-weights both data-ready="true" within'
                f" {VIEWS_GRACE_MS} ms of the whole page"
            )
        row = limit_row(Stats([load.views for load in seen if load.views is not None]), 3000)
        waiting = sum(bool(load.waiting) for load in seen)
        row.passed = bool(row.passed) and waiting == len(seen)
        row.detail += f"; TensorFlow still loading in {waiting} of {len(seen)} loads"
        row.detail += ' (a [class*="st-key-waiting_"] placeholder on the page at that frame)'
        return row

    whole_row = guarded("cold load: whole page", "≤ import tf + 2000 ms", whole)
    controls_row = guarded("cold load: ledger + controls", "≤ 3000 ms", controls)
    views_row = guarded("cold: weights and player drawn", "≤ 3000 ms, TF still loading", views)
    return [tf_row, controls_row, views_row, whole_row]


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
        " session's idle step; for the cold whole page, over python -c 'import tensorflow'."
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
