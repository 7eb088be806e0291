"""The step's arithmetic in a real browser: Debian's chromium against `streamlit run app.py`.

Pointing at a result unit lights the row and the column that made it and writes the sum out,
with no message to the server; the sum it writes is the step table's number. A cell of the
player opens the step panel at its t and unit, and the link keeps them; a weight says what it
multiplies and what it added; the keyboard alone reaches the same derivation. The numbers are
checked against a NumPy reference computed here from the same config. Every test also checks
that no exception box appeared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect

from rnnviz.config import RNNConfig
from rnnviz.pipeline import recur
from rnnviz.recurrence import initial
from rnnviz.recurrence.forward import sigmoid
from tests.browser import ROOT, Server, serve_app, wait_for_app

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1600, "height": 1000}
FIRST_LOAD = 60_000  # ms; the server's first run imports TensorFlow

OpenPage = Callable[..., Page]


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ARTIFACTS / "derivation_streamlit.log") as server:
        yield server


@pytest.fixture
def open_page(new_page, app_server: Server) -> OpenPage:
    """The app at a query string in its own session, every websocket frame it sends kept
    on ``page.sent``; returns once the derivation is drawn."""

    def open_(query: str = "", viewport: dict | None = None) -> Page:
        page = new_page(app_server.url, viewport or VIEWPORT)
        page.sent = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda f: page.sent.append(f)))
        page.goto("/" + query, wait_until="commit")
        wait_for_app(page, timeout=FIRST_LOAD)
        expect(derivation(page)).to_have_attribute("data-ready", "true", timeout=FIRST_LOAD)
        return page

    return open_


def derivation(page: Page) -> Locator:
    return page.locator(".rnnviz-derivation")


def unit_cell(page: Page, m: int, product: int = 0) -> Locator:
    return page.locator(f".rnnviz-dproduct[data-product='{product}'] [data-rnnviz-unit='{m}']")


def no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)


def reference(query: dict) -> tuple[RNNConfig, object]:
    c = RNNConfig(**query)
    return c, recur(c, initial.weights_of(c, None))


def step_table_value(page: Page, column: str, m: int) -> float:
    table = page.locator("table[data-table='step']")
    headers = table.locator("tr").first.locator("th").all_inner_texts()
    k = headers.index(column)
    return float(table.locator("tr").nth(m + 1).locator("td").nth(k).inner_text())


def test_pointing_at_a_unit_lights_its_column_and_writes_its_sum(open_page):
    page = open_page("?step=4")
    sent = len(page.sent)
    unit_cell(page, 3).hover()
    root = derivation(page)
    expect(root).to_have_attribute("data-unit", "3")
    x_product = page.locator(".rnnviz-dproduct[data-product='0']")
    lit = x_product.locator(".rnnviz-dlit[data-rnnviz-entry^='W_xh']")
    expect(lit).to_have_count(3)  # W_xh's column 3: D = 3 entries
    assert set(lit.evaluate_all("cells => cells.map(c => c.dataset.rnnvizEntry)")) == {
        "W_xh[0,3]",
        "W_xh[1,3]",
        "W_xh[2,3]",
    }
    expect(x_product.locator(".rnnviz-dlit[data-rnnviz-entry^='x_t']")).to_have_count(3)
    # the terms written out are the products of x_t and W_xh's column 3, computed here
    c, run = reference({})
    x_t = run.X[0, 3].astype(np.float64)  # (D,) step t = 4
    W_xh = run.path().weights["W_xh"].astype(np.float64)  # (D, M)
    terms = x_product.locator("[data-rnnviz-term]")
    expect(terms).to_have_count(3)
    names = terms.evaluate_all("ts => ts.map(t => t.dataset.rnnvizTerm)")
    values = terms.evaluate_all("ts => ts.map(t => Number(t.dataset.rnnvizValue))")
    assert names == [f"x_t[{d}]*W_xh[{d},3]" for d in range(3)]
    np.testing.assert_allclose(values, x_t * W_xh[:, 3], rtol=1e-12, err_msg="Mine vs NumPy")
    # the pre-activation written is the table's a_t, and the activation its h_t
    pre = float(page.locator("[data-rnnviz-pre='h']").get_attribute("data-rnnviz-sum"))
    assert pre == pytest.approx(step_table_value(page, "a_t", 3), abs=5e-7)
    h = float(page.locator("[data-rnnviz-name='h_t']").first.get_attribute("data-rnnviz-value"))
    assert h == pytest.approx(step_table_value(page, "h_t", 3), abs=5e-7)
    assert h == pytest.approx(float(run.h[0, 3, 3]), abs=1e-7)
    # pointing elsewhere moves the light; nothing of it reached the server
    unit_cell(page, 1, product=1).hover()
    expect(root).to_have_attribute("data-unit", "1")
    page.mouse.move(5, 5)
    expect(root).to_have_attribute("data-unit", "0")  # back to the unit that is open
    assert len(page.sent) == sent, "pointing sent a message to the server"
    no_exception(page)


def test_a_gate_block_of_an_lstm_adds_up_to_the_gate_the_table_shows(open_page):
    page = open_page("?cell=lstm&step=3&unit=2")
    root = derivation(page)
    expect(root).to_have_attribute("data-unit", "2")
    page.locator(".rnnviz-dtab[data-key='f']").click()
    expect(root).to_have_attribute("data-block", "f")
    c, run = reference(dict(cell="lstm"))
    f = float(page.locator("[data-rnnviz-name='f_t']").first.get_attribute("data-rnnviz-value"))
    assert f == pytest.approx(step_table_value(page, "f_t", 2), abs=5e-7)
    pre = float(page.locator("[data-rnnviz-pre='f']").get_attribute("data-rnnviz-sum"))
    assert float(sigmoid(np.array([pre]))[0]) == pytest.approx(
        float(run.trace["f"][0, 2, 2]), abs=1e-6
    )
    sums = page.locator(".rnnviz-dterms [data-rnnviz-sum]")
    expect(sums).to_have_count(2)  # x_t W_xh^(f) and h_(t-1) W_hh^(f), each summed
    no_exception(page)


def test_a_cell_of_the_player_opens_the_step_panel_at_its_t_and_unit(open_page):
    page = open_page("?step=10")
    heat = page.locator(".rnnviz-player canvas.rnnviz-heat").first
    box = heat.bounding_box()
    T, M = 10, 5
    t, m = 6, 4  # the cell in column t - 1 and row m
    heat.click(position={"x": (t - 0.5) * box["width"] / T, "y": (m + 0.5) * box["height"] / M})
    root = derivation(page)
    expect(root).to_have_attribute("data-t", str(t), timeout=20_000)
    expect(root).to_have_attribute("data-unit", str(m))
    expect(page).to_have_url(re.compile(rf"[?&]step={t}(&|$)"))
    expect(page).to_have_url(re.compile(rf"[?&]unit={m}(&|$)"))
    slider = page.get_by_test_id("stSlider").get_by_role("slider", name="t — time step")
    expect(slider).to_have_attribute("aria-valuetext", str(t))
    expect(unit_cell(page, m)).to_have_class(re.compile("rnnviz-dopen"))
    no_exception(page)


def test_a_weight_says_what_it_multiplies_and_what_it_added(open_page):
    page = open_page("?step=5")
    panel = page.locator(".rnnviz-wpanel[data-name='W_hh']").locator(".rnnviz-wframe")
    panel.scroll_into_view_if_needed()
    box = panel.bounding_box()
    M = 5
    k, m = 1, 3  # W_hh[1, 3]: h_{t-1}[1] into unit 3
    panel.click(position={"x": (m + 0.5) * box["width"] / M, "y": (k + 0.5) * box["height"] / M})
    picked = page.locator(".rnnviz-wpicked")
    expect(picked).to_contain_text("W_hh[1,3]")
    expect(picked).to_contain_text("multiplies h_prev[1] into unit 3 of the hidden state")
    c, run = reference({})
    h_prev = float(run.h[0, 3, 1])  # h_4[1], read by step t = 5
    W = float(run.path().weights["W_hh"][1, 3])
    assert float(picked.get_attribute("data-rnnviz-value")) == pytest.approx(h_prev * W, rel=1e-9)
    share = float(picked.get_attribute("data-share"))
    x, h = run.X[0, 4].astype(np.float64), run.h[0, 3].astype(np.float64)
    weights = {k: v.astype(np.float64) for k, v in run.path().weights.items()}
    a = x @ weights["W_xh"][:, 3] + h @ weights["W_hh"][:, 3] + weights["b_h"][3]
    assert share == pytest.approx(h_prev * W / a, rel=1e-6)
    # and the step panel opened that unit: its column is outlined in the weights too
    expect(derivation(page)).to_have_attribute("data-unit", "3")
    expect(page.locator(".rnnviz-weights")).to_have_attribute("data-lit", str(3 + 5 + 1))
    no_exception(page)


def test_the_keyboard_alone_reaches_the_same_derivation(open_page):
    page = open_page("?step=4&unit=0")
    root = derivation(page)
    # Tab from the t slider reaches the result units (the x product's, the first tab stop)
    page.get_by_test_id("stSlider").get_by_role("slider", name="t — time step").focus()
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement?.dataset?.rnnvizUnit !== undefined"):
            break
    assert page.evaluate("() => document.activeElement.dataset.rnnvizUnit") == "0"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(root).to_have_attribute("data-unit", "3")
    page.keyboard.press("Enter")
    expect(root).to_have_attribute("data-pinned", "3")
    expect(page).to_have_url(re.compile(r"[?&]unit=3(&|$)"), timeout=20_000)
    pre = float(page.locator("[data-rnnviz-pre='h']").get_attribute("data-rnnviz-sum"))
    assert pre == pytest.approx(step_table_value(page, "a_t", 3), abs=5e-7)
    # a number of the step table opens its unit too, by Enter
    cell = page.locator("table[data-table='step'] [data-rnnviz-open='h:1']").first
    cell.focus()
    page.keyboard.press("Enter")
    expect(root).to_have_attribute("data-pinned", "1")
    # (how fast it opens is bench/page.py's; the link's unit=1 sends a rerun, which draws the
    # panel anew, so wait for it before reading the sum)
    expect(page).to_have_url(re.compile(r"[?&]unit=1(&|$)"), timeout=20_000)
    expect(root).to_have_attribute("data-pinned", "1")
    pre = float(page.locator("[data-rnnviz-pre='h']").get_attribute("data-rnnviz-sum"))
    assert pre == pytest.approx(step_table_value(page, "a_t", 1), abs=5e-7)
    no_exception(page)


@pytest.mark.parametrize("query", ["", "?cell=lstm&step=4"], ids=["notebook", "lstm"])
def test_lecture_mode_shows_the_multiplication_and_its_equation_without_scrolling(open_page, query):
    """On a projector's 1280 × 720: the block's equation, both products with their shapes
    and terms, and the pre-activation with its activation, all above the fold."""
    sep = "&" if query else "?"
    page = open_page(f"{query}{sep}present=1&section=time", viewport={"width": 1280, "height": 720})
    root = derivation(page)
    for part in (".rnnviz-dequation", ".rnnviz-dproduct[data-product='1']", ".rnnviz-dline"):
        box = root.locator(part).first.bounding_box()
        assert box is not None and box["y"] >= 0, part
        assert box["y"] + box["height"] <= 720, f"{part} ends at {box['y'] + box['height']:.0f} px"
    no_exception(page)


def test_a_switch_while_keras_loads_leaves_one_derivation(new_page, app_server):
    """The step panel is drawn again when Keras' side comes in; a switch flipped before that
    reruns the panel on its own: still one derivation, its numbers and equations all there."""
    page = new_page(app_server.url, VIEWPORT)
    page.goto("/?cell=gru&reset_after=false&M=6&T=7", wait_until="commit")
    switch = page.get_by_text("Backward: δ_t")
    switch.wait_for(timeout=FIRST_LOAD)
    switch.click()
    wait_for_app(page, timeout=FIRST_LOAD)
    expect(page.locator("[class*=st-key-waiting]")).to_have_count(0, timeout=FIRST_LOAD)
    expect(page.get_by_text("Backward through step t")).to_be_visible()
    expect(derivation(page)).to_have_count(1)
    expect(page.locator("table[data-table='step']")).to_have_count(1)
    no_exception(page)
