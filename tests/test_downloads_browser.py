"""Figures for slides in a real browser (Debian's chromium against `streamlit run app.py`): every
figure's "PNG (2×)" and "SVG" downloads, and the sidebar's "Copy link to this view".

Each download is saved and opened three ways: its bytes read here (the PNG's chunks, CRCs and
size from its header; the SVG as XML), its pixels against the figure's own (a canvas's cells,
read from the page, must come out as sharp blocks), and the file loaded back into the browser
as an image. The caption each carries is written out here by hand from the link's config and
the step shown. Every test also checks that no exception box appeared.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.browser import ROOT, Server, serve_app, wait_for_app, wait_for_charts

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
SAVED = ARTIFACTS / "downloads"  # the files, kept to look at
VIEWPORT = {"width": 1600, "height": 1000}
FIRST_LOAD = 90_000  # ms; the server's first run imports TensorFlow
TRAINING = 180_000  # ms; a training, or three, on a busy machine
SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEFAULT = "rnnviz · SimpleRNN(5) → Dense(2) · N=10 T=10 D=3 · seed 0"
DEFAULT_STEM = "simple5-n10-t10-d3-k2-seed0"
BAND_LINE, BAND_PAD = 16, 8  # the caption band: 8 px and 16 px a line, in CSS pixels
MOST_LINES = 8  # a caption on the narrowest figure (a bias) wraps to no more lines than this
MOST_TABS = 400  # Tab presses before a walk gives up


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ARTIFACTS / "downloads_streamlit.log") as server:
        yield server


def open_app(new_page, server: Server, query: str) -> Page:
    page = new_page(server.url, VIEWPORT)
    page.goto("/" + query, wait_until="commit")
    wait_for_app(page, timeout=FIRST_LOAD)
    return page


def assert_no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)


# ---- what a download holds, read here ----


@dataclass
class Png:
    width: int
    height: int
    texts: dict[str, str]  # tEXt and iTXt, keyword -> text
    data: bytes


def read_png(data: bytes) -> Png:
    """The PNG's header size and text chunks, each chunk's CRC checked."""
    assert data[:8] == PNG_SIGNATURE, data[:8]
    at, chunks = 8, []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        at += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND", [k for k, _ in chunks]
    width, height = struct.unpack(">II", chunks[0][1][:8])
    texts = {}
    for kind, body in chunks:
        if kind == b"tEXt":
            key, text = body.split(b"\0", 1)
            texts[key.decode("latin-1")] = text.decode("latin-1")
        elif kind == b"iTXt":
            key, rest = body.split(b"\0", 1)
            assert rest[:2] == b"\0\0", "an uncompressed iTXt"
            _language, _translated, text = rest[2:].split(b"\0", 2)
            texts[key.decode("latin-1")] = text.decode("utf-8")
    return Png(width, height, texts, data)


def band_lines(svg: ET.Element) -> list[str]:
    band = svg.find(f"{SVG}text[@class='rnnviz-caption']")
    assert band is not None, "no caption band"
    return [span.text or "" for span in band.iter(f"{SVG}tspan")]


def same_words(a: str, b: str) -> bool:
    """The same caption however it was wrapped: lines break at " · " or at a space."""
    words = lambda s: re.sub(r"\s*·\s*|\s+", " ", s).strip()  # noqa: E731
    return words(a) == words(b)


def decoded_size(page: Page, data: bytes, mime: str) -> list[int]:
    """The file opened as an image in the browser: its natural size once decoded."""
    url = f"data:{mime};base64," + base64.b64encode(data).decode()
    return page.evaluate(
        """async (url) => {
            const image = new Image();
            image.src = url;
            await image.decode();
            return [image.naturalWidth, image.naturalHeight];
        }""",
        url,
    )


def download(page: Page, button: Locator, press: str | None = None) -> tuple[str, bytes]:
    with page.expect_download() as info:
        if press:
            button.press(press)
        else:
            button.click()
    name = info.value.suggested_filename
    SAVED.mkdir(parents=True, exist_ok=True)
    info.value.save_as(SAVED / name)
    return name, (SAVED / name).read_bytes()


# ---- every figure on a page ----

# Each toolbar with its figure's CSS size: a chart's SVG size (Plotly's own layers), or the
# canvas's box on the page; and, for a canvas, its own pixels, to compare cell by cell.
FIGURES = """() => [...document.querySelectorAll('.rnnviz-dl')].map((bar, index) => {
    const chart = bar.previousElementSibling?.querySelector('[data-testid=stPlotlyChart]');
    if (chart) {
        const svg = chart.querySelector('svg.main-svg');
        const key = bar.previousElementSibling.className.match(/st-key-\\S+/)?.[0];
        return { index, kind: 'chart', title: bar.dataset.title, key,
                 width: Number(svg.getAttribute('width')),
                 height: Number(svg.getAttribute('height')) };
    }
    const canvas = [...document.querySelectorAll('canvas[data-rnnviz-figure]')]
        .find((c) => c.dataset.rnnvizFigure === bar.dataset.title);
    const box = canvas.getBoundingClientRect();
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    return { index, kind: 'canvas', title: bar.dataset.title, width: box.width,
             height: box.height, cols: canvas.width, rows: canvas.height,
             pixels: Array.from(pixels) };
})"""


def figures_of(page: Page) -> list[dict]:
    """Every figure's toolbar, once every chart and marked canvas has one."""
    page.wait_for_function(
        """() => {
            const charts = document.querySelectorAll('[data-testid=stPlotlyChart]');
            const canvases = document.querySelectorAll('canvas[data-rnnviz-figure]');
            const bars = document.querySelectorAll('.rnnviz-dl');
            return bars.length === charts.length + canvases.length
                && [...charts].every((c) => c.querySelector('svg.main-svg'));
        }""",
        timeout=FIRST_LOAD,
    )
    return page.evaluate(FIGURES)


def check_png(page: Page, figure: dict, name: str, data: bytes, caption: str, stem: str) -> Png:
    assert re.fullmatch(rf"rnnviz-[a-z0-9_-]+-{stem}\.png", name), name
    png = read_png(data)
    title = figure["title"]
    assert png.texts.get("Description") == caption, (png.texts, caption)
    assert png.texts.get("Title") == title, (png.texts, title)
    assert abs(png.width - 2 * figure["width"]) <= 2, (title, png.width, figure["width"])
    band = png.height - 2 * figure["height"]  # the caption band, at scale 2
    lines = (band / 2 - BAND_PAD) / BAND_LINE
    assert (
        1 <= round(lines) <= MOST_LINES
        and abs(band - 2 * (BAND_PAD + BAND_LINE * round(lines))) <= 2
    ), (
        title,
        png.height,
        figure["height"],
    )
    assert decoded_size(page, data, "image/png") == [png.width, png.height]
    image = Image.open(io.BytesIO(data))
    assert image.info.get("Description") == caption, "Pillow reads the caption too"
    image = image.convert("RGB")
    # the band: white, with dark text in it
    band_pixels = image.crop((0, png.height - band + 2, png.width, png.height)).getcolors(1 << 20)
    assert max(band_pixels)[1] == (255, 255, 255), title
    assert any(sum(rgb) < 200 for _, rgb in band_pixels), f"no caption text in {title}'s band"
    if figure["kind"] == "canvas" and cells(figure):
        check_cells(image, figure)
    else:
        shown = image.crop((0, 0, png.width, png.height - band)).getcolors(1 << 22)
        drawn = sum(count for count, rgb in shown if rgb != (255, 255, 255))
        assert drawn > 0.01 * png.width * (png.height - band), f"{title}: the chart is blank"
    return png


def cells(figure: dict) -> bool:
    """Whether a canvas is a heatmap of cells, one pixel each, scaled up by the page (at least
    2 CSS pixels a cell), rather than a drawing at the screen's resolution (the bars)."""
    return 2 * figure["cols"] <= figure["width"] and 2 * figure["rows"] <= figure["height"]


def check_cells(image: Image.Image, figure: dict) -> None:
    """Each cell of the canvas is a sharp block of its own colour in the PNG: the pixel at
    each cell's centre (and a quarter of the way in) is the canvas's pixel for that cell."""
    cols, rows, pixels = figure["cols"], figure["rows"], figure["pixels"]
    w, h = 2 * round(figure["width"]), 2 * round(figure["height"])
    for r in range(rows):
        for c in range(cols):
            *rgb, alpha = pixels[4 * (r * cols + c) : 4 * (r * cols + c) + 4]
            expected = tuple(round(v * alpha / 255 + 255 * (1 - alpha / 255)) for v in rgb)
            for fx, fy in ((0.5, 0.5), (0.25, 0.75)):
                x, y = int(w * (c + fx) / cols), int(h * (r + fy) / rows)
                got = image.getpixel((x, y))
                assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) <= 2, (
                    f"{figure['title']}: cell ({r}, {c}) at ({x}, {y}) is {got} in the PNG, "
                    f"{expected} on the page"
                )


def check_svg(page: Page, figure: dict, name: str, data: bytes, caption: str, stem: str) -> None:
    assert re.fullmatch(rf"rnnviz-[a-z0-9_-]+-{stem}\.svg", name), name
    svg = ET.fromstring(data.decode("utf-8"))
    assert svg.tag == f"{SVG}svg", svg.tag
    width, height = int(svg.get("width")), int(svg.get("height"))
    assert width == round(figure["width"]) and height > figure["height"], (width, height)
    assert svg.get("viewBox") == f"0 0 {width} {height}"
    assert svg.findtext(f"{SVG}title") == figure["title"]
    assert svg.findtext(f"{SVG}desc") == caption
    assert same_words(" · ".join(band_lines(svg)), caption), band_lines(svg)
    for node in svg.iter():  # a font every system has, after the page's own
        family = re.search(r"font-family:([^;]+)", node.get("style") or "")
        assert not family or re.search(r"\bsans-serif\b|\bserif\b", family[1]), family[1]
    assert len(svg.findall(f"{SVG}svg")) >= 2, "Plotly's layers, stacked"  # noqa: PLR2004
    assert decoded_size(page, data, "image/svg+xml") == [width, height]


def check_every_figure(page: Page, caption: str, stem: str, kinds: set[str]) -> list[dict]:
    """Download every figure on the page, as PNG and (for a chart) SVG, and check each."""
    figures = figures_of(page)
    assert {f["kind"] for f in figures} >= kinds, [f["title"] for f in figures]
    bars = page.locator(".rnnviz-dl")
    for figure in figures:
        bar = bars.nth(figure["index"])
        bar.scroll_into_view_if_needed()
        title = figure["title"]
        png_button = bar.get_by_role("button", name=f"Download {title} as PNG (2×)", exact=True)
        check_png(page, figure, *download(page, png_button), caption, stem)
        svg_button = bar.get_by_role("button", name=f"Download {title} as SVG", exact=True)
        if figure["kind"] == "chart":
            check_svg(page, figure, *download(page, svg_button), caption, stem)
        else:
            expect(svg_button).to_have_count(0)  # a canvas is no vector
    assert_no_exception(page)
    return figures


# ---- the tests ----


def test_every_figure_of_the_default_page_downloads_with_its_caption(new_page, app_server):
    page = open_app(new_page, app_server, "?step=4")
    wait_for_charts(page)
    wait_for_app(page)
    player = page.locator(".rnnviz-player")
    expect(player).to_have_attribute("data-t", "4")
    figures = check_every_figure(
        page, f"{DEFAULT} · t=4", rf"{DEFAULT_STEM}-step4", {"chart", "canvas"}
    )
    assert len([f for f in figures if f["kind"] == "canvas"]) >= 7, "5 weights, h_t, its bars"  # noqa: PLR2004
    # t is read when the button is pressed: a step in the player shows in the next download
    player.focus()
    page.keyboard.press("ArrowRight")
    expect(player).to_have_attribute("data-t", "5")
    heat = next(f for f in figures if f["title"].startswith("h_t · "))
    bar = page.locator(".rnnviz-dl").nth(heat["index"])
    name, data = download(page, bar.get_by_role("button", name=re.compile("as PNG")))
    assert name.endswith(f"{DEFAULT_STEM}-step5.png"), name
    assert read_png(data).texts["Description"] == f"{DEFAULT} · t=5"
    assert_no_exception(page)


@pytest.mark.parametrize(
    "query, caption, stem",
    [
        ("?present=1&section=gradients", f"{DEFAULT} · t=10", f"{DEFAULT_STEM}-step10"),
        pytest.param(
            "?present=1&section=spectrum",
            f"{DEFAULT} · t=10",
            f"{DEFAULT_STEM}-step10",
            marks=pytest.mark.sweep,
        ),
        (
            "?present=1&section=time&cell=lstm&input=pulse&pulse_t=2&step=6",
            "rnnviz · LSTM(5) → Dense(2) · N=10 T=10 D=3 · seed 0 · pulse at t0=2 d0=0 · t=6",
            "lstm5-n10-t10-d3-k2-seed0-pulse-step6",
        ),
    ],
    ids=["gradients", "spectrum", "memory-and-lstm-player"],
)
def test_the_charts_of_every_section_download(new_page, app_server, query, caption, stem):
    page = open_app(new_page, app_server, query)
    wait_for_charts(page)
    wait_for_app(page)
    check_every_figure(page, caption, stem, {"chart"})


@pytest.mark.sweep
def test_the_loss_chart_downloads_after_a_training(new_page, app_server):
    page = open_app(new_page, app_server, "?task=adding&N=40")
    epochs = page.get_by_role("slider", name="Epochs")
    epochs.focus()
    page.keyboard.press("Home")
    expect(epochs).to_have_value("1")
    page.get_by_role("button", name="Train").click()
    loss = page.locator(".st-key-_loss_done [data-testid=stPlotlyChart] svg.main-svg")
    expect(loss.first).to_be_attached(timeout=TRAINING)
    wait_for_app(page)
    wait_for_charts(page)
    caption = (
        "rnnviz · SimpleRNN(5) → Dense(1) · N=40 T=10 D=2 · seed 0 · adding task"
        " · trained 1 epoch · t=10"
    )
    check_every_figure(
        page, caption, "simple5-n40-t10-d2-k1-seed0-adding-trained1-step10", {"chart"}
    )


TEXT = "?task=brackets&cell=lstm&N=64&T=64&D=37&K=37&M=8&return_sequences=1"


@pytest.mark.sweep
def test_the_compare_cells_chart_downloads(new_page, app_server):
    page = open_app(new_page, app_server, TEXT)
    expect(page.locator("[class*=st-key-waiting]")).to_have_count(0, timeout=FIRST_LOAD)
    epochs = page.get_by_label("Epochs for each cell")
    epochs.scroll_into_view_if_needed()
    wait_for_app(page)
    epochs.fill("1")
    epochs.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Train SimpleRNN, LSTM and GRU").click()
    chart = page.locator(".st-key-text_compare_chart")
    expect(chart.locator("svg.main-svg").first).to_be_attached(timeout=TRAINING)
    wait_for_app(page)
    wait_for_charts(page)
    caption = "rnnviz · LSTM(8) → Dense(37) · N=64 T=64 D=37 · seed 0 · brackets task · t=64"
    figures = figures_of(page)
    compare = next(f for f in figures if f.get("key") == "st-key-text_compare_chart")
    bar = page.locator(".rnnviz-dl").nth(compare["index"])
    stem = "lstm8-n64-t64-d37-k37-seed0-brackets-step64"
    bar.scroll_into_view_if_needed()
    check_png(
        page,
        compare,
        *download(page, bar.get_by_role("button", name=re.compile("PNG"))),
        caption,
        stem,
    )
    check_svg(
        page,
        compare,
        *download(page, bar.get_by_role("button", name=re.compile("SVG"))),
        caption,
        stem,
    )
    assert_no_exception(page)


def test_the_buttons_are_reached_with_tab_and_work_with_enter(new_page, app_server):
    page = open_app(new_page, app_server, "?step=4")
    wait_for_charts(page)
    wait_for_app(page)
    figures_of(page)
    # from the first chart's own mode bar on, Tab walks to its buttons
    first = page.locator(".rnnviz-dl-chart").first
    first.scroll_into_view_if_needed()
    page.evaluate(
        """() => {
            const bar = document.querySelector('.rnnviz-dl-chart');
            const before = bar.previousElementSibling;
            before.setAttribute('tabindex', '-1');
            before.focus();
        }"""
    )
    focused = ""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.getAttribute('aria-label') || ''")
        if focused.startswith("Download ") and focused.endswith("as PNG (2×)"):
            break
    else:
        pytest.fail(f"Tab never reached a download button; last: {focused!r}")
    button = page.locator(":focus")
    ring = button.evaluate(
        "(b) => { const s = getComputedStyle(b); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert ring[0] != "none" and float(ring[1].rstrip("px")) >= 2, ring  # noqa: PLR2004
    name, data = download(page, button, press="Enter")
    assert name.endswith(".png") and read_png(data).texts["Description"] == f"{DEFAULT} · t=4"
    page.keyboard.press("Tab")
    svg = page.locator(":focus")
    expect(svg).to_have_attribute("aria-label", focused.replace("PNG (2×)", "SVG"))
    name, data = download(page, svg, press="Enter")
    assert name.endswith(".svg") and ET.fromstring(data).tag == f"{SVG}svg"
    assert_no_exception(page)


def test_copy_link_copies_the_view_and_the_link_opens_it(chromium_browser, app_server):
    context = chromium_browser.new_context(
        viewport=VIEWPORT,
        base_url=app_server.url,
        permissions=["clipboard-read", "clipboard-write"],
    )
    try:
        page = context.new_page()
        page.goto("/?cell=lstm&step=3", wait_until="commit")
        wait_for_app(page, timeout=FIRST_LOAD)
        player = page.locator(".rnnviz-player")
        expect(player).to_have_attribute("data-t", "3")
        player.focus()
        page.keyboard.press("ArrowRight")  # a new view: the link follows it
        expect(player).to_have_attribute("data-t", "4")
        expect(page).to_have_url(re.compile(r"[?&]step=4(&|$)"))
        button = page.get_by_role("button", name="Copy link to this view")
        button.click()
        expect(page.get_by_role("status").filter(has_text="Link copied")).to_be_visible()
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == page.url, (copied, page.url)
        assert page.locator(".rnnviz-copylink-url").is_hidden()
        again = context.new_page()
        again.goto(copied, wait_until="commit")
        wait_for_app(again, timeout=FIRST_LOAD)
        expect(again.locator(".rnnviz-player")).to_have_attribute("data-t", "4")
        expect(
            again.get_by_role("heading", name=re.compile(r"LSTM\(5\) → Dense\(2\)"))
        ).to_be_visible()
        assert_no_exception(page)
        assert_no_exception(again)
    finally:
        context.close()


def test_copy_link_shows_the_link_selected_where_there_is_no_clipboard(new_page, app_server):
    page = new_page(app_server.url, VIEWPORT)
    # as on plain http from another host: no clipboard API at all
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', { value: undefined })")
    page.goto("/?step=2", wait_until="commit")
    wait_for_app(page, timeout=FIRST_LOAD)
    page.get_by_role("button", name="Copy link to this view").click()
    field = page.get_by_role("textbox", name="Link to this view")
    expect(field).to_be_visible()
    expect(field).to_have_value(page.url)
    expect(field).to_be_focused()
    selected = field.evaluate("(f) => [f.selectionStart, f.selectionEnd, f.value.length]")
    assert selected == [0, len(page.url), len(page.url)], selected
    expect(page.get_by_role("status").filter(has_text="the link is selected below")).to_be_visible()
    assert_no_exception(page)
