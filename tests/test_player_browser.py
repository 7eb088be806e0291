"""The in-browser player in a real browser: Debian's chromium against tests/apps/player_app.py.

The player plays t = 1..T without the server, so these tests watch the page's own state (the
root's ``data-t`` and ``data-playing``) and the websocket: nothing may be sent while playing.
The numbers it shows are checked against a NumPy trace computed here from the same config,
and its t against the server's slider, both ways. Every test also checks that no exception
box appeared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect

from rnnviz.config import from_query
from rnnviz.pipeline import execute, recur
from rnnviz.recurrence import initial
from tests.browser import ROOT, Server, serve_app, wait_for_app

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
APP = "tests/apps/player_app.py"
VIEWPORT = {"width": 1600, "height": 1000}
FIRST_LOAD = 90_000  # ms; the server's first run imports TensorFlow
LSTM_QUERY = "?cell=lstm&T=500&M=256&N=2&D=8&K=2"
MIN_FPS = 20  # frames (changes of t) per second at speed "max", T = 500, M = 256, LSTM


@dataclass
class Tab:
    page: Page
    sent: list = field(default_factory=list)  # every websocket frame the page sent

    @property
    def root(self) -> Locator:
        return self.page.locator(".rnnviz-player")


OpenTab = Callable[[str], Tab]


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ARTIFACTS / "player_streamlit.log", script=APP) as server:
        yield server


@pytest.fixture
def open_tab(new_page, app_server: Server) -> OpenTab:
    """Open the test app at a query string in its own context (its own Streamlit session),
    recording the websocket frames the page sends from the very first one."""

    def open_(query: str = "") -> Tab:
        tab = Tab(new_page(app_server.url, VIEWPORT))
        # A plain function: Playwright tags its handlers, which a bound builtin refuses.
        tab.page.on("websocket", lambda ws: ws.on("framesent", lambda f: tab.sent.append(f)))
        tab.page.goto("/" + query, wait_until="commit")
        wait_for_app(tab.page, timeout=FIRST_LOAD)
        expect(tab.root).to_have_attribute("data-ready", "true", timeout=FIRST_LOAD)
        return tab

    return open_


def server_t(page: Page) -> Locator:
    return page.get_by_text("server t = ", exact=False)


def page_runs(page: Page) -> Locator:
    return page.get_by_text("page runs = ", exact=False)


def to_fixed(x: float, digits: int = 4) -> str:
    """JavaScript's x.toFixed(digits): the exact binary value, ties away from zero."""
    return str(Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def assert_no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def in_page_window(page: Page, ms: int, script: str) -> dict:
    """Run ``script`` (a function of the player's root, returning a stop function that gives
    the result) over a window of ``ms`` milliseconds measured inside the page."""
    return page.evaluate(
        """async ([ms, script]) => {
            const root = document.querySelector('.rnnviz-player');
            const stop = eval(script)(root);
            const start = performance.now();
            await new Promise((resolve) => setTimeout(resolve, ms));
            return { ...stop(), ms: performance.now() - start };
        }""",
        [ms, script],
    )


# Counts changes of data-t: one per drawn frame while playing.
COUNT_T_CHANGES = """(root) => {
    let changes = 0;
    let last = root.dataset.t;
    const seen = [last];
    const observer = new MutationObserver(() => {
        if (root.dataset.t !== last) { changes++; last = root.dataset.t; seen.push(last); }
    });
    observer.observe(root, { attributes: true, attributeFilter: ['data-t'] });
    return () => { observer.disconnect(); return { changes, first: seen[0], last }; };
}"""


def test_play_then_pause_sends_nothing_while_playing(open_tab: OpenTab):
    tab = open_tab("?T=40&step=1")
    page, root = tab.page, tab.root
    expect(root).to_have_attribute("data-t", "1")
    expect(page.locator(".rnnviz-speed")).to_have_value("10")  # T > 20
    sent_before = len(tab.sent)

    page.locator(".rnnviz-play").click()
    expect(root).to_have_attribute("data-playing", "true")
    expect(page.locator(".rnnviz-play")).to_have_text("❚❚ Pause")
    page.wait_for_function("() => +document.querySelector('.rnnviz-player').dataset.t >= 6")
    assert len(tab.sent) == sent_before, (
        f"the page sent {len(tab.sent) - sent_before} websocket frames while playing: "
        f"{tab.sent[sent_before:]!r}"
    )

    page.locator(".rnnviz-play").click()
    expect(root).to_have_attribute("data-playing", "false")
    expect(page.locator(".rnnviz-play")).to_have_text("▶ Play")
    paused_at = root.get_attribute("data-t")
    window = in_page_window(page, 600, COUNT_T_CHANGES)
    assert window["changes"] == 0, f"t moved after pausing: {window}"
    expect(root).to_have_attribute("data-t", paused_at)
    # Pausing is the user's choice of t: the server follows, once.
    expect(server_t(page)).to_have_text(f"server t = {paused_at}")
    assert_no_exception(page)


@pytest.fixture(scope="module")
def default_run():
    config, _, _ = from_query({})
    return execute(config)


def test_arrow_keys_step_and_show_the_numpy_trace(open_tab: OpenTab, default_run):
    tab = open_tab("?step=3")
    page, root = tab.page, tab.root
    root.focus()
    root.press("ArrowRight")
    expect(root).to_have_attribute("data-t", "4")
    root.press("ArrowLeft")
    root.press("ArrowLeft")
    expect(root).to_have_attribute("data-t", "2")
    root.press("ArrowRight")
    expect(root).to_have_attribute("data-t", "3")
    expect(page.locator(".rnnviz-now")).to_have_text(f"t = 3 / {default_run.config.T}")

    t = 3
    expected = default_run.h[0, t - 1]  # (M,) float32, NumPy's trace
    frame = root.evaluate("(root, t) => root.rnnvizFrame(t)", t)
    shown = np.array(frame["panels"]["h"], dtype=np.float64)
    np.testing.assert_array_equal(
        shown, expected.astype(np.float64), err_msg=f"player's h_t at t = {t} vs NumPy's"
    )
    table = page.locator("table.rnnviz-terms")
    expect(table.locator("caption")).to_have_text(f"Step t = 3 of 10 — all {expected.size} units")
    headers = table.locator("thead th").all_inner_texts()
    column = headers.index("h_t") + 1  # nth-child is 1-based
    cells = table.locator(f"tbody tr td:nth-child({column})")
    expect(cells).to_have_text([to_fixed(float(v)) for v in expected])
    assert_no_exception(page)


def test_hovering_shows_a_value_and_clicking_jumps_there(open_tab: OpenTab, default_run):
    tab = open_tab("?step=2")
    page, root = tab.page, tab.root
    heat = page.locator("canvas.rnnviz-heat").first
    box = heat.bounding_box()
    assert box is not None
    T, M = default_run.config.T, default_run.config.M
    t, m = 7, 2
    at = {"x": (t - 0.5) / T * box["width"], "y": (m + 0.5) / M * box["height"]}
    heat.hover(position=at)
    value = to_fixed(float(default_run.h[0, t - 1, m]), 5)
    expect(page.locator(".rnnviz-hover").first).to_have_text(f"t = {t}, unit {m}: h = {value}")
    heat.click(position=at)
    expect(root).to_have_attribute("data-t", str(t))
    expect(server_t(page)).to_have_text(f"server t = {t}")
    assert_no_exception(page)


def test_the_urls_step_opens_the_player_there(open_tab: OpenTab):
    tab = open_tab("?step=4")
    expect(tab.root).to_have_attribute("data-t", "4")
    expect(tab.page.locator(".rnnviz-now")).to_have_text("t = 4 / 10")
    expect(tab.page.locator("input.rnnviz-t")).to_have_value("4")
    expect(server_t(tab.page)).to_have_text("server t = 4")
    assert_no_exception(tab.page)


def test_server_slider_and_player_follow_each_other(open_tab: OpenTab):
    tab = open_tab("?step=5")
    page, root = tab.page, tab.root
    runs = page_runs(page).inner_text()
    # Streamlit's slider is react-aria's: a visually hidden <input type=range> takes the keys.
    slider = page.get_by_test_id("stSlider").get_by_role("slider", name="t — time step")

    slider.focus()
    slider.press("ArrowLeft")
    expect(server_t(page)).to_have_text("server t = 4")
    expect(root).to_have_attribute("data-t", "4")

    root.focus()
    root.press("ArrowRight")
    expect(root).to_have_attribute("data-t", "5")
    expect(server_t(page)).to_have_text("server t = 5")

    # Back to a t the player reported before: still reaches the server (a state value
    # would not, as it equals the last value the browser sent).
    slider.focus()
    slider.press("ArrowLeft")
    expect(root).to_have_attribute("data-t", "4")
    root.focus()
    root.press("ArrowRight")
    expect(root).to_have_attribute("data-t", "5")
    expect(server_t(page)).to_have_text("server t = 5")
    expect(slider).to_have_value("5")

    expect(page_runs(page)).to_have_text(runs)  # only the fragment reran
    assert_no_exception(page)


def test_a_new_payload_rebuilds_the_player(open_tab: OpenTab, default_run):
    tab = open_tab("?step=6")
    page, root = tab.page, tab.root
    page.locator(".rnnviz-play").click()
    expect(root).to_have_attribute("data-playing", "true")

    page.get_by_role("combobox", name="sample n").click()
    page.get_by_role("option", name="1", exact=True).click()
    expect(page.locator(".rnnviz-title").first).to_have_text("h_t — hidden state h, sample n = 1")
    expect(page.locator(".rnnviz-player")).to_have_count(1)
    expect(root).to_have_attribute("data-ready", "true")
    expect(root).to_have_attribute("data-playing", "false")  # a new player, not yet playing
    expect(root).to_have_attribute("data-t", "6")  # the server's t: playing sent none
    window = in_page_window(page, 500, COUNT_T_CHANGES)
    assert window["changes"] == 0, f"the new player moves by itself: {window}"
    frame = root.evaluate("(root) => root.rnnvizFrame(6)")
    np.testing.assert_array_equal(
        np.array(frame["panels"]["h"]), default_run.h[1, 5], err_msg="player vs NumPy, n = 1"
    )
    assert_no_exception(page)


def screenshot_main(page: Page, path: Path) -> None:
    """The whole app, not just the viewport: Streamlit scrolls inside stMain."""
    viewport = page.viewport_size
    assert viewport is not None
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True, animations="disabled")
    page.set_viewport_size(viewport)


def test_lstm_at_t500_m256_plays_fast(open_tab: OpenTab):
    tab = open_tab(LSTM_QUERY)
    page, root = tab.page, tab.root
    panels = page.locator(".rnnviz-panel")
    expect(panels).to_have_count(6)
    for key, name in [("h", "hidden state h"), ("c", "cell state c"), ("i", "input gate i")]:
        expect(panels.filter(has_text=f"{key}_t — {name}, sample n = 0")).to_have_count(1)
    painted = page.evaluate(
        """() => [...document.querySelectorAll('canvas.rnnviz-heat')].map((c) => {
            const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let opaque = 0;
            for (let i = 3; i < pixels.length; i += 4) opaque += pixels[i] === 255;
            return [c.width, c.height, opaque];
        })"""
    )
    assert painted == [[500, 256, 500 * 256]] * 6, f"heatmaps not fully painted: {painted}"

    page.locator(".rnnviz-speed").select_option("max")
    sent_before = len(tab.sent)
    page.locator(".rnnviz-play").click()
    expect(root).to_have_attribute("data-playing", "true")
    window = in_page_window(page, 2000, COUNT_T_CHANGES)
    fps = window["changes"] / (window["ms"] / 1000)
    print(f"\nplayer at T=500, M=256, LSTM, speed max: {fps:.1f} frames/s ({window})")
    assert fps >= MIN_FPS, f"only {fps:.1f} changes of t per second, want ≥ {MIN_FPS}: {window}"
    assert len(tab.sent) == sent_before, "the page talked to the server while playing"

    root.focus()
    root.press("Space")
    expect(root).to_have_attribute("data-playing", "false")
    page.locator("input.rnnviz-t").fill("120")
    expect(root).to_have_attribute("data-t", "120")
    expect(server_t(page)).to_have_text("server t = 120")
    screenshot_main(page, ARTIFACTS / "player_lstm.png")
    assert_no_exception(page)


def test_every_figure_is_named_and_a_large_one_reads_as_a_paged_table(open_tab: OpenTab):
    tab = open_tab(LSTM_QUERY)
    page = tab.page
    config, _, _ = from_query(dict(part.split("=") for part in LSTM_QUERY[1:].split("&")))
    c = recur(config, initial.weights_of(config, None)).path().trace["c"][0]  # (T, M), NumPy's
    T, M = c.shape
    # Every figure canvas is named, for a reader and for a download; the colour bars are not.
    figures = page.locator(".rnnviz-player canvas[data-rnnviz-figure]")
    names = {f"{key}_t · sample 0 · layer 1 fwd" for key in "hcifgo"} | {
        "h_t bars · sample 0 · layer 1 fwd"
    }
    assert set(figures.evaluate_all("(all) => all.map((c) => c.dataset.rnnvizFigure)")) == names
    expect(figures).to_have_count(len(names))
    expect(page.locator("[data-rnnviz-figure]:not(canvas)")).to_have_count(0)
    for canvas in figures.all():
        expect(canvas).to_have_attribute("role", "img")
    expect(page.locator(".rnnviz-player canvas:not([data-rnnviz-figure])")).to_have_count(6)
    for ramp in page.locator(".rnnviz-player canvas:not([data-rnnviz-figure])").all():
        expect(ramp).to_have_attribute("aria-hidden", "true")
    heat = page.locator("canvas.rnnviz-heat").nth(1)
    name = rf"^c_t \(cell state c\) of sample 0, {M} units × {T} steps"
    expect(heat).to_have_accessible_name(re.compile(name))
    bars = page.locator("canvas.rnnviz-bars")
    expect(bars).to_have_accessible_name(re.compile(rf"^h_t at t = {T}, {M} bars, from "))

    # 128,000 numbers, a page of 16 units × 10 steps at a time.
    toggle = page.locator(".rnnviz-player .rnnviz-tv-toggle")
    opened_ms = page.evaluate(
        """() => { const start = performance.now();
            document.querySelector('.rnnviz-player .rnnviz-tv-toggle').click();
            return performance.now() - start; }"""
    )
    print(f"\nShow as table at T = {T}, M = {M}: opened in {opened_ms:.1f} ms")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    box = page.locator(".rnnviz-player .rnnviz-tv")
    box.locator("select").select_option(label="c_t (cell state c) of sample 0")
    table = box.locator("table")
    where = box.locator(".rnnviz-tv-where")
    expect(where).to_have_text(f"units 0–15 of {M} · steps 1–10 of {T}")
    expect(table.locator("td")).to_have_count(16 * 10)
    expect(box.get_by_role("button", name="↑ previous units")).to_be_disabled()
    box.get_by_role("button", name="next steps →").click()
    box.get_by_role("button", name="next steps →").click()
    box.get_by_role("button", name="next units ↓").click()
    expect(where).to_have_text(f"units 16–31 of {M} · steps 21–30 of {T}")
    expect(table.locator("caption")).to_contain_text("units 16–31 of 256, steps 21–30 of 500")
    expect(table.locator("thead th").nth(1)).to_have_text("21")
    expect(table.locator("tbody th").first).to_have_text("16")
    for r, k in [(0, 0), (5, 3), (15, 9)]:
        cell = table.locator("tbody tr").nth(r).locator("td").nth(k)
        expect(cell).to_have_text(to_fixed(float(c[20 + k, 16 + r]), 5))
    toggle.click()
    expect(box).to_be_hidden()
    assert_no_exception(page)
