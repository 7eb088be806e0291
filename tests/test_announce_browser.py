"""What the agreement section says, in a real browser against the real app: the verdict and the
planted bug's warning sit in live regions (a success or an info is a ``role="status"``, an
error or a warning a ``role="alert"``, which a screen reader reads out when they appear), with
their words; every chart has its description right under it, whose numbers are the ones the
page's own table shows; the series are drawn in the palette's colours (Streamlit's theme does
not repaint them); and a planted bug's first difference is marked by a symbol as well as a
colour. The expected numbers are NumPy's, computed here from the same config. Every test also
checks that no exception box appeared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest
from coloraide import Color
from playwright.sync_api import Locator, Page, expect

from rnnviz.config import RNNConfig
from rnnviz.pipeline import recur
from rnnviz.recurrence import initial
from rnnviz.views import palette
from tests.browser import ROOT, Server, serve_app, wait_for_app, wait_for_charts

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 1000}
FIRST_LOAD = 120_000  # ms; the server's first run imports TensorFlow and builds a model
TOLERANCE = 1e-5  # float32's, times max(1, max |y|): docs/design.md, "Agreement"


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ROOT / "test-artifacts" / "announce_streamlit.log") as server:
        yield server


def opened(new_page, server: Server, query: str) -> Page:
    page = new_page(server.url, VIEWPORT)
    page.goto("/" + query, wait_until="commit")
    wait_for_app(page, timeout=FIRST_LOAD)
    return page


def live(page: Page, role: str, words: str) -> Locator:
    """The live region of ``role`` in the main pane whose words (after its icon) start with
    ``words``."""
    regions = page.get_by_test_id("stMain").locator(f"[data-testid=stAlertContainer][role={role}]")
    said = page.get_by_test_id("stMarkdownContainer").filter(
        has_text=re.compile("^" + re.escape(words))
    )
    return regions.filter(has=said)


def caption_under(chart: Locator) -> Locator:
    """The caption drawn right after a chart: the element container after the chart's."""
    container = chart.locator("xpath=ancestor::div[@data-testid='stElementContainer'][1]")
    return container.locator(
        "xpath=following-sibling::div[@data-testid='stElementContainer'][1]"
    ).get_by_test_id("stCaptionContainer")


def numbers_column(page: Page, table: str, column: str) -> np.ndarray:
    """A column of one of the page's HTML number tables, as the browser shows it."""
    rows = page.locator(f"table[data-table='{table}'] tr")
    headers = rows.first.locator("th").all_inner_texts()
    k = headers.index(column)
    texts = rows.evaluate_all(
        f"rows => rows.slice(1).map(r => r.querySelectorAll('td')[{k}].innerText)"
    )
    return np.array([float(t) for t in texts])


def assert_no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_the_verdict_is_a_live_status_and_each_chart_says_its_number(new_page, app_server):
    page = opened(new_page, app_server, "?present=1&section=agreement")
    c = RNNConfig()  # the page's default config
    y = recur(c, initial.weights_of(c, None)).y_numpy  # (N, K)
    tolerance = TOLERANCE * max(1.0, float(np.abs(y).max()))
    verdict = live(page, "status", "Same output")
    expect(verdict).to_have_count(1, timeout=FIRST_LOAD)
    expect(verdict).to_contain_text(f"≤ {tolerance:.2g})")
    wait_for_charts(page)
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts).to_have_count(2)
    for i in range(2):  # each chart's description right under it, in words
        expect(caption_under(charts.nth(i))).to_have_count(1)
    deltas = numbers_column(page, "agreement", "max |Δ|")  # (N,), the page's own table
    assert deltas.shape == (c.N,)
    n = int(np.argmax(deltas))
    expect(caption_under(charts.nth(1))).to_have_text(
        f"Largest |Δ| per sample n: all {c.N} below the tolerance {tolerance:.2g} "
        f"(largest {deltas[n]:.1e}, at sample n = {n})."
    )
    expect(caption_under(charts.nth(0))).to_contain_text(
        f"{c.N * c.K} numbers in {c.K} outputs: on the line y = x where the two agree"
    )
    # the outputs' markers as drawn: the palette's first K colours, not the theme's
    fills = (
        charts.nth(0)
        .locator("g.trace.scatter")
        .evaluate_all(
            "traces => traces.map(t => t.querySelector('path.point')?.style.fill).filter(Boolean)"
        )
    )
    drawn = [Color(f).to_string(hex=True) for f in fills]
    assert drawn == [Color(s).to_string(hex=True) for s in palette.SERIES[: c.K]], drawn
    assert_no_exception(page)


def test_a_planted_bug_is_announced_and_its_first_difference_marked(new_page, app_server):
    query = {"cell": "lstm", "bug": "whh_transposed"}
    c = RNNConfig(**query)
    good = RNNConfig(cell="lstm")  # Keras computes what the correct recurrence does
    bad_h = recur(c, initial.weights_of(c, None)).path(1, "fwd").trace["h"]  # (N, T, M)
    good_h = recur(good, initial.weights_of(good, None)).path(1, "fwd").trace["h"]
    gap = np.abs(bad_h - good_h)  # (N, T, M)
    t = int(np.flatnonzero(gap.max(axis=(0, 2)) > TOLERANCE)[0])  # 0-based
    n, m = np.unravel_index(int(np.argmax(gap[:, t])), gap[:, t].shape)
    link = "&".join(f"{k}={v}" for k, v in query.items())
    page = opened(new_page, app_server, f"?present=1&section=agreement&{link}")
    expect(live(page, "alert", "Different output")).to_have_count(1, timeout=FIRST_LOAD)
    warning = page.get_by_test_id("stMain").locator("[role=alert]").filter(has_text="planted")
    expect(warning).to_have_count(1)
    expect(warning).to_contain_text(f"diverges from t = {t + 1}")
    wait_for_charts(page)
    chart = page.get_by_test_id("stPlotlyChart").filter(has_text="Largest |Δh_t|")
    expect(chart).to_have_count(1)
    expect(chart.locator(".annotation-text")).to_contain_text(
        [f"▲ first above the tolerance: time step t = {t + 1}"]
    )
    expect(caption_under(chart)).to_contain_text(f"the first at time step t = {t + 1} (marked ▲)")
    assert_no_exception(page)

    page = opened(new_page, app_server, f"?present=1&section=time&{link}&sample={n}&step={t + 1}")
    expect(page.get_by_text(f"▲ First difference: unit m = {m}")).to_have_count(
        1, timeout=FIRST_LOAD
    )
    marked = page.locator("table[data-table='step'] tr.rnnviz-first td").first
    expect(marked).to_have_text(f"▲ {m}")
    assert_no_exception(page)
