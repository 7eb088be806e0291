"""The weights element in a real browser: Debian's chromium against tests/apps/weights_app.py.

The element draws every weight block of one layer and the head on canvases from one binary
payload. These tests read its panels' titles, ticks and printed numbers from the DOM, and its
values through ``root.rnnvizValue``, checked against a run computed here from the same
config; they hover a cell for its readout, time the drawing inside the page and look for
horizontal overflow. Every test also checks that no exception box appeared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect

from rnnviz.config import from_query
from rnnviz.pipeline import Run, execute
from rnnviz.recurrence import initial
from rnnviz.views.player_data import pack, unpack
from rnnviz.views.weight_maps import weight_grid
from tests.browser import ROOT, Server, serve_app, wait_for_app

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
APP = "tests/apps/weights_app.py"
VIEWPORT = {"width": 1280, "height": 1000}  # a laptop, beside the sidebar: the tightest fit
WIDE = {"width": 1600, "height": 1000}
FIRST_LOAD = 90_000  # ms; the server's first run imports TensorFlow
CAP_QUERY = "?cell=lstm&N=2&T=10&D=64&M=256&K=32"

OpenTab = Callable[..., Page]


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ARTIFACTS / "weights_streamlit.log", script=APP) as server:
        yield server


@pytest.fixture
def open_tab(new_page, app_server: Server) -> OpenTab:
    """Open the test app at a query string in its own context, once the element is drawn."""

    def open_(query: str = "", viewport: dict = VIEWPORT) -> Page:
        page = new_page(app_server.url, viewport)
        page.goto("/" + query, wait_until="commit")
        wait_for_app(page, timeout=FIRST_LOAD)
        expect(root_of(page)).to_have_attribute("data-ready", "true", timeout=FIRST_LOAD)
        return page

    return open_


def root_of(page: Page) -> Locator:
    return page.locator(".rnnviz-weights")


def panel(page: Page, name: str) -> Locator:
    return page.locator(f'figure.rnnviz-wpanel[data-name="{name}"]')


def run_of(query: dict[str, str]) -> Run:
    config, _, _ = from_query(query)
    return execute(config)


def to_fixed(x: float, digits: int) -> str:
    """The element's numbers: JavaScript's x.toFixed(digits) (the exact binary value, ties
    away from zero) with a minus sign, and no minus on a number that rounds to zero."""
    text = str(Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
    if text.startswith("-") and not text.strip("-0."):
        return text[1:]
    return text.replace("-", "\u2212")


def values_of(page: Page, name: str, rows: int, cols: int) -> np.ndarray:
    """Every value of panel ``name`` as the element holds it (float32 read as JS numbers)."""
    shown = root_of(page).evaluate(
        """(root, [name, rows, cols]) => Array.from({ length: rows }, (_, i) =>
            Array.from({ length: cols }, (_, j) => root.rnnvizValue(name, i, j)))""",
        [name, rows, cols],
    )
    return np.array(shown, dtype=np.float64)


def assert_no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def assert_no_horizontal_overflow(page: Page) -> None:
    widths = page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid=stMain]');
            const root = document.querySelector('.rnnviz-weights');
            return { main: main.scrollWidth, room: main.clientWidth,
                     root: root.scrollWidth, rootRoom: root.clientWidth };
        }"""
    )
    assert widths["main"] <= widths["room"], f"the page scrolls sideways: {widths}"
    assert widths["root"] <= widths["rootRoom"], f"the element overflows: {widths}"


def screenshot_element(page: Page, path: Path) -> None:
    """The whole element: Streamlit scrolls inside stMain, so the viewport grows to fit it."""
    viewport = page.viewport_size
    assert viewport is not None
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    path.parent.mkdir(parents=True, exist_ok=True)
    root_of(page).screenshot(path=path, animations="disabled")
    page.set_viewport_size(viewport)


def hover_cell(page: Page, name: str, i: int, j: int) -> None:
    """Move the mouse to the middle of cell (i, j) of panel ``name``."""
    canvas = panel(page, name).locator("canvas.rnnviz-wheat")
    box = canvas.bounding_box()
    assert box is not None
    rows, cols = canvas.evaluate("(c) => [c.height, c.width]")  # one pixel per value
    canvas.hover(
        position={"x": (j + 0.5) / cols * box["width"], "y": (i + 0.5) / rows * box["height"]}
    )


def test_simple_rnn_panels_hold_the_runs_weights(open_tab: OpenTab):
    page = open_tab()
    root = root_of(page)
    r = run_of({})
    expect(page.locator("figure.rnnviz-wpanel")).to_have_count(5)
    expect(page.locator("figure.rnnviz-wpanel figcaption")).to_have_text(
        [
            "W_xh (3, 5) — input to hidden",
            "W_hh (5, 5) — hidden to hidden",
            "b_h (5,) — hidden bias",
            "W_o (5, 2) — hidden to output",
            "b_o (2,) — output bias",
        ]
    )
    expect(page.locator(".rnnviz-wrow")).to_have_count(2)  # the cell's row, then the head's

    W_hh = r.path(1, "fwd").weights["W_hh"]  # (M, M) float32
    np.testing.assert_array_equal(
        values_of(page, "W_hh", *W_hh.shape), W_hh.astype(np.float64), err_msg="W_hh vs the run"
    )
    W_o = r.head["W_o"]
    np.testing.assert_array_equal(values_of(page, "W_o", *W_o.shape), W_o.astype(np.float64))
    b_h = r.path(1, "fwd").weights["b_h"]
    np.testing.assert_array_equal(values_of(page, "b_h", 1, b_h.size)[0], b_h.astype(np.float64))

    # Small matrices print their numbers, row by row, to 2 decimals.
    numbers = panel(page, "W_hh").locator(".rnnviz-wnums span")
    expect(numbers).to_have_text([to_fixed(float(v), 2) for v in W_hh.ravel()])
    expect(numbers.first).to_have_text(to_fixed(float(W_hh[0, 0]), 2))
    # Ticks on every row and column of a small matrix, axis titles beside and under it.
    W_xh = panel(page, "W_xh")
    expect(W_xh.locator(".rnnviz-wyticks span")).to_have_text(["0", "1", "2"])
    expect(W_xh.locator(".rnnviz-wxticks span")).to_have_text(["0", "1", "2", "3", "4"])
    expect(W_xh.locator(".rnnviz-wylabel")).to_have_text("input (D = 3)")
    expect(W_xh.locator(".rnnviz-wxlabel")).to_have_text("hidden unit (M = 5)")
    expect(panel(page, "b_h").locator(".rnnviz-wyticks")).to_have_count(0)  # a strip

    zmax = float(root.get_attribute("data-zmax") or "nan")
    bound = f"{zmax:.3g}"  # JavaScript's Number(zmax.toPrecision(3)) for 0.001 <= zmax < 1000
    expect(page.locator(".rnnviz-wbar-ticks span")).to_have_text([f"\u2212{bound}", "0", bound])
    painted = page.evaluate(
        """() => [...document.querySelectorAll('canvas.rnnviz-wheat')].map((c) => {
            const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let opaque = 0;
            for (let i = 3; i < pixels.length; i += 4) opaque += pixels[i] === 255;
            return [c.height, c.width, opaque];
        })"""
    )
    assert painted == [[3, 5, 15], [5, 5, 25], [1, 5, 5], [5, 2, 10], [1, 2, 2]], painted

    # The range is a percentile: the largest |w| lies beyond it and takes the scale's end colour.
    header, arrays = unpack(pack(weight_grid(r.cell, r.path(1, "fwd").weights, r.head, ("D", 3))))
    name, W = max(arrays.items(), key=lambda item: np.abs(item[1]).max())
    i, j = np.unravel_index(np.abs(W).argmax(), W.shape)
    assert abs(W[i, j]) > header["zmax"]
    end = header["colorscale"][-1 if W[i, j] > 0 else 0][1]  # "rgb(103,0,31)"
    pixel = (
        panel(page, name)
        .locator("canvas.rnnviz-wheat")
        .evaluate(
            "(c, [i, j]) => [...c.getContext('2d').getImageData(j, i, 1, 1).data.slice(0, 3)]",
            [int(i), int(j)],
        )
    )
    assert f"rgb({','.join(map(str, pixel))})" == end.replace(" ", ""), (name, i, j, pixel, end)
    assert_no_horizontal_overflow(page)
    screenshot_element(page, ARTIFACTS / "weights_default.png")
    assert_no_exception(page)


def test_lstm_shows_every_gate_on_one_shared_scale(open_tab: OpenTab):
    query = {"cell": "lstm"}
    page = open_tab("?cell=lstm")
    r = run_of(query)
    D = r.config.D
    grid = weight_grid(r.cell, r.path(1, "fwd").weights, r.head, ("D", D))
    expect(page.locator("figure.rnnviz-wpanel")).to_have_count(14)
    expect(page.locator(".rnnviz-wrow")).to_have_count(5)  # four gates, then the head
    titles = page.locator("figure.rnnviz-wpanel figcaption")
    for gate in ("input gate i", "forget gate f", "candidate g (Keras: c)", "output gate o"):
        expect(titles.filter(has_text=gate)).to_have_count(3)  # W_xh, W_hh and b_h
    expect(titles.nth(3)).to_have_text("W_xh · f (3, 5) — forget gate f")
    assert float(root_of(page).get_attribute("data-zmax") or "nan") == grid.header["zmax"]

    # The forget gate's block is the second M columns of Keras' kernel.
    M = r.config.M
    W_xh_f = r.path(1, "fwd").weights["W_xh"][:, M : 2 * M]  # (D, M)
    np.testing.assert_array_equal(values_of(page, "W_xh · f", D, M), W_xh_f.astype(np.float64))
    assert_no_horizontal_overflow(page)
    screenshot_element(page, ARTIFACTS / "weights_lstm.png")
    assert_no_exception(page)


def test_gru_bias_rows_are_labelled_and_hover_reads_a_cell(open_tab: OpenTab):
    page = open_tab("?cell=gru")
    r = run_of({"cell": "gru"})
    M = r.config.M
    b_z = r.path(1, "fwd").weights["b_h"][:, :M]  # (2, M): input b, then recurrent b'
    bias = panel(page, "b_h · z")
    expect(bias.locator("figcaption")).to_have_text("b_h · z (2, 5) — update gate z")
    expect(bias.locator(".rnnviz-wyticks span")).to_have_text(["input b", "recurrent b'"])

    hover = page.locator(".rnnviz-whover")
    expect(hover).to_be_hidden()
    hover_cell(page, "b_h · z", 1, 3)
    expect(hover).to_be_visible()
    expect(hover).to_have_text(f"b_h · z[recurrent b', 3] = {to_fixed(float(b_z[1, 3]), 5)}")
    expect(page.locator(".rnnviz-wmark")).to_be_visible()  # the value's place on the colour bar

    W_hh_r = r.path(1, "fwd").weights["W_hh"][:, M : 2 * M]
    hover_cell(page, "W_hh · r", 2, 4)
    expect(hover).to_have_text(f"W_hh · r[2, 4] = {to_fixed(float(W_hh_r[2, 4]), 5)}")
    b_o = r.head["b_o"]
    hover_cell(page, "b_o", 0, 1)
    expect(hover).to_have_text(f"b_o[1] = {to_fixed(float(b_o[1]), 5)}")

    page.mouse.move(1, 1)  # off the element: the readout goes
    expect(hover).to_be_hidden()
    assert_no_exception(page)


def test_stacked_bidirectional_gru_backward_layer(open_tab: OpenTab):
    query = {"cell": "gru", "layers": "2", "bidirectional": "true"}
    page = open_tab("?cell=gru&layers=2&bidirectional=true&view_layer=2&view_direction=bwd")
    r = run_of(query)
    M = r.config.M
    titles = page.locator("figure.rnnviz-wpanel figcaption")
    expect(titles.first).to_have_text("W_xh [2] backward · z (10, 5) — update gate z")
    expect(panel(page, "W_xh [2] backward · z").locator(".rnnviz-wylabel")).to_have_text(
        "input (2M = 10)"
    )
    expect(panel(page, "W_o").locator(".rnnviz-wylabel")).to_have_text(
        "last layer's output (2M = 10)"
    )
    W_xh_z = r.path(2, "bwd").weights["W_xh"][:, :M]  # (2M, M)
    np.testing.assert_array_equal(
        values_of(page, "W_xh [2] backward · z", 2 * M, M), W_xh_z.astype(np.float64)
    )

    # A new payload on the same page: the element is rebuilt, not added to.
    page.get_by_role("combobox", name="direction").click()
    page.get_by_role("option", name="fwd", exact=True).click()
    expect(titles.first).to_have_text("W_xh [2] · z (10, 5) — update gate z")
    expect(root_of(page)).to_have_count(1)
    expect(page.locator("figure.rnnviz-wpanel")).to_have_count(11)
    expect(root_of(page)).to_have_attribute("data-ready", "true")
    W_xh_z = r.path(2, "fwd").weights["W_xh"][:, :M]
    np.testing.assert_array_equal(
        values_of(page, "W_xh [2] · z", 2 * M, M), W_xh_z.astype(np.float64)
    )
    assert_no_horizontal_overflow(page)
    assert_no_exception(page)


@pytest.mark.parametrize("viewport", [VIEWPORT, WIDE], ids=["1280px", "1600px"])
def test_cap_size_lstm_draws_every_matrix_at_its_size(open_tab: OpenTab, viewport: dict):
    """The largest weights view (how fast it draws is bench/page.py's ``weights`` row)."""
    page = open_tab(CAP_QUERY, viewport=viewport)
    expect(page.locator("figure.rnnviz-wpanel")).to_have_count(14)
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('canvas.rnnviz-wheat')].map((c) => {
            const box = c.getBoundingClientRect();
            return [c.height, c.width, Math.round(box.height)];
        })"""
    )
    pixels = [(rows, cols) for rows, cols, _ in sizes]
    gate = [(64, 256), (256, 256), (1, 256)]
    assert pixels == gate * 4 + [(256, 32), (1, 32)], sizes
    heights = {(rows, cols): height for rows, cols, height in sizes}
    assert heights[(256, 256)] <= 362, f"a 256 × 256 matrix is too tall: {sizes}"
    assert 26 <= heights[(1, 256)] <= 42, f"a bias strip is not a thin band: {sizes}"
    expect(page.locator(".rnnviz-wnums")).to_have_count(0)  # no numbers on large matrices

    assert_no_horizontal_overflow(page)
    if viewport is WIDE:
        screenshot_element(page, ARTIFACTS / "weights_lstm_cap.png")
    assert_no_exception(page)


def test_every_matrix_is_a_named_figure_and_reads_as_a_paged_table(open_tab: OpenTab):
    page = open_tab(CAP_QUERY)
    config, _, _ = from_query(dict(part.split("=") for part in CAP_QUERY[1:].split("&")))
    M = config.M
    W_hh_f = initial.weights_of(config, None)["W_hh"][:, M : 2 * M]  # (M, M), the seed's
    # Every matrix: an image with a name, a figure for the downloads; the colour bar is neither.
    panels = page.locator("figure.rnnviz-wpanel")
    expect(panels).to_have_count(14)
    names = panels.evaluate_all("(all) => all.map((p) => p.dataset.name)")
    figures = page.locator("canvas.rnnviz-wheat")
    shown = figures.evaluate_all("(all) => all.map((c) => c.dataset.rnnvizFigure)")
    assert shown == names, f"figure titles {shown} vs panels {names}"
    expect(page.locator("[data-rnnviz-figure]:not(canvas.rnnviz-wheat)")).to_have_count(0)
    expect(page.locator("canvas.rnnviz-wramp")).to_have_attribute("aria-hidden", "true")
    expect(panel(page, "W_hh · f").locator("canvas")).to_have_accessible_name(
        re.compile(rf"^W_hh · f \({M}, {M}\) — forget gate f: {M} × {M} values")
    )

    # 65,536 weights of one block, a page of 16 rows × 10 columns at a time.
    page.locator(".rnnviz-weights .rnnviz-tv-toggle").click()
    box = page.locator(".rnnviz-weights .rnnviz-tv")
    box.locator("select").select_option(label="W_hh · f (256, 256) — forget gate f")
    where = box.locator(".rnnviz-tv-where")
    expect(where).to_have_text(f"rows 0–15 of {M} · columns 0–9 of {M}")
    box.get_by_role("button", name="next rows ↓").click()
    box.get_by_role("button", name="next columns →").click()
    expect(where).to_have_text(f"rows 16–31 of {M} · columns 10–19 of {M}")
    table = box.locator("table")
    expect(table.locator("td")).to_have_count(16 * 10)
    for r, k in [(0, 0), (7, 4), (15, 9)]:
        cell = table.locator("tbody tr").nth(r).locator("td").nth(k)
        expect(cell).to_have_text(to_fixed(float(W_hh_f[16 + r, 10 + k]), 5))
    for _ in range(M // 16 - 2):
        box.get_by_role("button", name="next rows ↓").click()
    expect(where).to_have_text(f"rows 240–255 of {M} · columns 10–19 of {M}")
    expect(box.get_by_role("button", name="next rows ↓")).to_be_disabled()
    assert_no_horizontal_overflow(page)
    assert_no_exception(page)
