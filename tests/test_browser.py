"""The page in a real browser: Debian's chromium driven by Playwright against `streamlit run`.

AppTest (test_app.py) runs the script without a front end; these tests cover what only a
browser shows: the charts actually drawn, the widgets typed into, the address bar rewritten,
two tabs served at once. Every test also checks that no exception box appeared.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from tests import browser
from tests.browser import (
    CHROMIUM_MISSING,
    ROOT,
    Server,
    launch_chromium,
    screenshot_full_page,
    serve_app,
    wait_for_app,
    wait_for_charts,
)

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1600, "height": 1000}
FIRST_LOAD = 60_000  # ms; the server's first run imports TensorFlow
RERUN = 20_000  # ms; a new config builds a new Keras model
CHARTS = 9  # 5 weight heatmaps, 2 hidden-state views, 2 agreement plots
# LSTM: 4 gates × (W_xh, W_hh, b_h) + W_o, b_o; h_t and c_t; 4 gates over time; 2 agreement
LSTM_CHARTS = 4 * 3 + 2 + 2 + 4 + 2
GRU_CHARTS = 3 * 3 + 2 + 2 + 3 + 2  # 3 blocks; h_t and its lines; 3 gates; 2 agreement

OpenPage = Callable[[str], Page]


def params(M: int, D: int = 3, K: int = 2) -> int:
    """Keras' count_params() for SimpleRNN(M) -> Dense(K), worked out independently."""
    return M * (D + M + 1) + K * (M + 1)


@pytest.fixture(scope="module")
def chromium() -> None:
    if browser.CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(CHROMIUM_MISSING, pytrace=False)
    pytest.skip(CHROMIUM_MISSING)


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ARTIFACTS / "streamlit.log") as server:
        yield server


@pytest.fixture(scope="module")
def chromium_browser(chromium) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        b = launch_chromium(playwright)
        yield b
        b.close()


@pytest.fixture
def open_page(chromium_browser: Browser, app_server: Server) -> Iterator[OpenPage]:
    """Open the app at a query string in a fresh context, i.e. its own Streamlit session.

    Navigation returns as soon as the page commits, without waiting for the script, so
    several pages can load at once; callers wait on what they expect to see.
    """
    contexts: list[BrowserContext] = []

    def open_(query: str = "") -> Page:
        context = chromium_browser.new_context(viewport=VIEWPORT, base_url=app_server.url)
        contexts.append(context)
        page = context.new_page()
        page.goto("/" + query, wait_until="commit")
        return page

    yield open_
    for context in contexts:
        context.close()


def metric(page: Page) -> Locator:
    return page.get_by_test_id("stMetricValue")  # "Parameters in total", the only metric


def verdict(page: Page) -> Locator:
    return page.locator("[data-testid=stAlertContentSuccess] [data-testid=stMarkdownContainer]")


def loaded(page: Page, total: int, timeout: float = FIRST_LOAD, charts: int = CHARTS) -> None:
    """Wait for a finished run with this parameter count, every chart drawn."""
    expect(metric(page)).to_have_text(str(total), timeout=timeout)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(charts, timeout=timeout)
    wait_for_app(page, timeout=timeout)
    wait_for_charts(page, timeout=timeout)


def assert_same_output_and_no_exception(page: Page) -> None:
    expect(verdict(page)).to_have_text(re.compile(r"^Same output \(max \|Δ\| = "))
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def test_default_page(open_page: OpenPage):
    page = open_page()
    loaded(page, total=57)
    expect(page.get_by_text("Parameters in total")).to_be_visible()
    expect(page.get_by_test_id("stAlertContentWarning")).to_have_count(0)
    assert_same_output_and_no_exception(page)


def test_changing_m_in_the_sidebar_updates_the_page_and_the_url(open_page: OpenPage):
    page = open_page()
    loaded(page, total=57)
    field = page.get_by_label("M — hidden units", exact=True)
    field.fill("8")
    field.press("Enter")
    expect(metric(page)).to_have_text(str(params(M=8)), timeout=RERUN)
    expect(page).to_have_url(re.compile(r"[?&]M=8(&|$)"), timeout=RERUN)
    expect(field).to_have_value("8")
    wait_for_app(page, timeout=RERUN)
    assert_same_output_and_no_exception(page)


def test_m8_in_the_url_gives_114(open_page: OpenPage):
    page = open_page("?M=8")
    loaded(page, total=114)
    expect(page.get_by_label("M — hidden units", exact=True)).to_have_value("8")
    assert_same_output_and_no_exception(page)


def test_bad_url_value_warns_and_falls_back(open_page: OpenPage):
    page = open_page("?N=abc")
    loaded(page, total=57)
    expect(page.get_by_test_id("stAlertContentWarning")).to_contain_text("N='abc'")
    expect(page.get_by_label("N — samples", exact=True)).to_have_value("10")
    assert_same_output_and_no_exception(page)


def test_two_sessions_at_once_on_different_configs(open_page: OpenPage):
    """Both tabs load concurrently and each gets its own run from the shared caches."""
    queries = {"?M=7&seed=11": params(M=7), "?N=6&T=12&D=2&M=4&K=3&seed=12": params(4, 2, 3)}
    assert list(queries.values()) == [93, 43]
    pages = {query: open_page(query) for query in queries}  # navigate both, then wait
    for query, page in pages.items():
        loaded(page, total=queries[query])
        assert_same_output_and_no_exception(page)
    expect(pages["?M=7&seed=11"].get_by_text("M = 7 hidden units")).to_be_visible()
    expect(pages["?N=6&T=12&D=2&M=4&K=3&seed=12"].get_by_text("(6, 12, 2)").first).to_be_visible()


def choose_cell(page: Page, title: str) -> None:
    page.get_by_role("combobox", name="Cell").click()
    page.get_by_role("option", name=title, exact=True).click()


def test_switching_the_cell_shows_its_gates_and_total(open_page: OpenPage):
    page = open_page()
    loaded(page, total=57)

    choose_cell(page, "LSTM")
    loaded(page, total=192, timeout=RERUN, charts=LSTM_CHARTS)  # 4·5·(3+5+1) + 2·(5+1)
    expect(page).to_have_url(re.compile(r"[?&]cell=lstm(&|$)"))
    for name in ("input gate i", "forget gate f", "output gate o", "candidate g (Keras: c)"):
        expect(page.get_by_text(f"{name} for sample n = 0").first).to_be_visible()
    expect(page.get_by_text("c_t for sample n = 0").first).to_be_visible()
    assert_same_output_and_no_exception(page)
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot_full_page(page, ARTIFACTS / "lstm.png")

    choose_cell(page, "GRU")
    loaded(page, total=162, timeout=RERUN, charts=GRU_CHARTS)  # 3·5·(3+5+2) + 12
    for name in ("update gate z", "reset gate r", "candidate h̃"):
        expect(page.get_by_text(f"{name} for sample n = 0").first).to_be_visible()
    page.get_by_text("reset_after (GRU)").click()
    loaded(page, total=147, timeout=RERUN, charts=GRU_CHARTS)  # 3·5·(3+5+1) + 12
    expect(page).to_have_url(re.compile(r"[?&]reset_after=false(&|$)"))
    assert_same_output_and_no_exception(page)


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])  # IHDR width, height


@pytest.mark.parametrize(
    "query, name, total", [("", "default.png", 57), ("?M=8&T=30&N=50", "m8.png", 114)]
)
def test_full_page_screenshot(open_page: OpenPage, query: str, name: str, total: int):
    page = open_page(query)
    loaded(page, total=total)
    path = ARTIFACTS / name
    path.unlink(missing_ok=True)
    screenshot_full_page(page, path)
    assert path.exists(), f"no screenshot at {path}"
    assert path.stat().st_size > 50_000, f"{path} is only {path.stat().st_size} bytes"
    width, height = png_size(path)
    assert width == VIEWPORT["width"] and height > 2 * VIEWPORT["height"], (
        f"{path} is {width}x{height}: the whole page, not just the viewport, was expected"
    )
    assert_same_output_and_no_exception(page)
