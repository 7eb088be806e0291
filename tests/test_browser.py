"""The page in a real browser: Debian's chromium driven by Playwright against `streamlit run`.

AppTest (test_app.py) runs the script without a front end; these tests cover what only a
browser shows: the charts actually drawn, the widgets typed into, the address bar rewritten,
two tabs served at once. Every test also checks that no exception box appeared.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, WebSocket, expect
from streamlit.proto.BackMsg_pb2 import BackMsg

from tests.browser import (
    ROOT,
    Server,
    click_in_view,
    params,
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
CHARTS = 2  # Plotly draws the 2 agreement plots once scrolled to (the spectrum's waits for its
# expander); weights and states are canvas elements
LSTM_CHARTS = CHARTS + 1  # and an LSTM's memory horizon
PANELS = 5  # weight panels: W_xh, W_hh, b_h, W_o, b_o
LSTM_PANELS = 4 * 3 + 2  # 4 gates × (W_xh, W_hh, b_h) + W_o, b_o
GRU_PANELS = 3 * 3 + 2  # 3 blocks × 3 weights + the head

OpenPage = Callable[..., Page]


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ARTIFACTS / "streamlit.log") as server:
        yield server


@pytest.fixture
def open_page(new_page, app_server: Server) -> OpenPage:
    """Open the app at a query string in a fresh context, i.e. its own Streamlit session.

    Navigation returns as soon as the page commits, without waiting for the script, so
    several pages can load at once; callers wait on what they expect to see.
    """

    def open_(query: str = "", viewport: dict | None = None, init_script: str = "") -> Page:
        page = new_page(app_server.url, viewport or VIEWPORT)
        if init_script:
            page.add_init_script(init_script)
        page.goto("/" + query, wait_until="commit")
        return page

    return open_


def metric(page: Page) -> Locator:
    return page.get_by_test_id("stMetricValue")  # "Parameters in total", the only metric


def player_root(page: Page) -> Locator:
    return page.locator(".rnnviz-player")


def weights_root(page: Page) -> Locator:
    return page.locator(".rnnviz-weights")


def verdict(page: Page) -> Locator:
    """The agreement section's verdict (the sidebar's notes are successes too)."""
    return (
        page.get_by_test_id("stMain")
        .locator("[data-testid=stAlertContentSuccess] [data-testid=stMarkdownContainer]")
        .filter(has_text=re.compile(r"^(Same|Different) output"))
    )


def loaded(
    page: Page,
    total: int,
    timeout: float = FIRST_LOAD,
    panels: int = PANELS,
    charts: int = CHARTS,
) -> None:
    """Wait for a finished run with this parameter count, every chart and panel drawn."""
    expect(metric(page)).to_have_text(str(total), timeout=timeout)
    wait_for_app(page, timeout=timeout)
    wait_for_charts(page, timeout=timeout)  # scrolled to, as a reader would
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(charts, timeout=timeout)
    wait_for_app(page, timeout=timeout)
    expect(player_root(page)).to_have_attribute("data-ready", "true", timeout=timeout)
    expect(weights_root(page)).to_have_attribute("data-ready", "true", timeout=timeout)
    expect(weights_root(page).locator(".rnnviz-wpanel")).to_have_count(panels)


def assert_same_output_and_no_exception(page: Page) -> None:
    expect(verdict(page)).to_have_text(re.compile(r"^Same output \(max \|Δ\| = "))
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.locator(".katex-error")).to_have_count(0)  # every equation typeset


@pytest.mark.parametrize(
    ("query", "total"),
    [
        ("?cell=lstm&layers=2&bidirectional=true", 1022),  # 2 × 4·5·(3+5+1) + 2 × 4·5·(10+5+1)
        ("?cell=gru&reset_after=false&return_sequences=true&layout=textbook", 147),
    ],
)
def test_every_equation_of_the_full_page_is_typeset(open_page: OpenPage, query: str, total: int):
    """The full page, not lecture mode alone: the cell's equations (two to a line) and the
    step panel's backward pass; KaTeX typesets each or marks it. (The step's numbers are the
    derivation's and the table's, in HTML.)"""
    page = open_page(query)
    expect(metric(page)).to_have_text(f"{total:,}", timeout=FIRST_LOAD)
    wait_for_app(page, timeout=FIRST_LOAD)
    click_in_view(page, page.get_by_text("Backward: δ_t"))  # the step panel's backward equations
    wait_for_app(page, timeout=RERUN)
    expect(page.locator(".katex").first).to_be_visible()
    assert page.locator(".katex").count() >= 3, "the cell's equations and the step's"
    expect(page.locator(".katex-error")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_default_page(open_page: OpenPage):
    page = open_page()
    loaded(page, total=57)
    expect(page.get_by_text("Parameters in total")).to_be_visible()
    expect(page.get_by_test_id("stAlertContentWarning")).to_have_count(0)
    assert_same_output_and_no_exception(page)


def test_pytorch_layout_names_the_state_dict(open_page: OpenPage):
    page = open_page("?cell=lstm&layout=pytorch")
    # 4 gates × (weight_ih, weight_hh, 2 biases)
    loaded(page, total=192, panels=4 * 4 + 2, charts=LSTM_CHARTS)
    ledger = page.locator(".st-key-ledger")
    expect(ledger.locator("code", has_text="weight_ih_l0")).to_be_visible()
    expect(weights_root(page).locator('[data-name="weight_ih_l0[5:10]"]')).to_be_visible()
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
    # 4·5·(3+5+1) + 2·(5+1)
    loaded(page, total=192, timeout=RERUN, panels=LSTM_PANELS, charts=LSTM_CHARTS)
    expect(page).to_have_url(re.compile(r"[?&]cell=lstm(&|$)"))
    for name in ("input gate i", "forget gate f", "output gate o", "candidate g (Keras: c)"):
        expect(page.get_by_text(f"— {name}, sample n = 0").first).to_be_visible()
    expect(page.get_by_text("c_t — cell state c, sample n = 0").first).to_be_visible()
    assert_same_output_and_no_exception(page)
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot_full_page(page, ARTIFACTS / "lstm.png")

    choose_cell(page, "GRU")
    loaded(page, total=162, timeout=RERUN, panels=GRU_PANELS)  # 3·5·(3+5+2) + 12
    for name in ("update gate z", "reset gate r", "candidate h̃"):
        expect(page.get_by_text(f"— {name}, sample n = 0").first).to_be_visible()
    page.get_by_text("reset_after (GRU)").click()
    loaded(page, total=147, timeout=RERUN, panels=GRU_PANELS)  # 3·5·(3+5+1) + 12
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


def test_charts_are_held_below_the_fold_and_drawn_when_scrolled_to(open_page: OpenPage):
    """An LSTM's page holds two places below the fold (its memory horizon, the agreement):
    neither is drawn on opening; scrolled to, each is drawn; and on a screen tall enough to
    see both at once, both are drawn."""
    page = open_page("?cell=lstm")
    expect(metric(page)).to_have_text("192", timeout=FIRST_LOAD)
    wait_for_app(page, timeout=FIRST_LOAD)
    held = page.locator(".rnnviz-in-view")
    expect(held).to_have_count(2)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(0)
    wait_for_charts(page)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(LSTM_CHARTS)

    tall = open_page("?cell=lstm", viewport={"width": 1600, "height": 12_000})
    expect(metric(tall)).to_have_text("192", timeout=FIRST_LOAD)
    # the whole page in view: both places come into view together, and each is drawn
    expect(tall.locator(".rnnviz-in-view")).to_have_count(0, timeout=RERUN)
    expect(tall.get_by_test_id("stPlotlyChart")).to_have_count(LSTM_CHARTS, timeout=RERUN)
    assert_same_output_and_no_exception(tall)


def test_a_chart_scrolled_to_is_drawn_by_its_fragment_not_the_whole_page(new_page, app_server):
    """Scrolled to, the agreement's and the memory's charts are drawn by a rerun of their own
    fragment: a rerun of the whole page takes every fragment off the server until it is drawn
    again, and a click in one meanwhile (the step panel, the X editor) would be dropped. Read
    off the websocket: the fragment each rerun the browser asks for names ('' is the page)."""
    reruns: list[str] = []

    def listen(ws: WebSocket) -> None:
        def sent(payload: bytes | str) -> None:
            if isinstance(payload, bytes):
                message = BackMsg.FromString(payload)
                if message.WhichOneof("type") == "rerun_script":
                    reruns.append(message.rerun_script.fragment_id)

        ws.on("framesent", sent)

    page = new_page(app_server.url, VIEWPORT)
    page.on("websocket", listen)
    page.goto("/?cell=lstm", wait_until="commit")
    expect(metric(page)).to_have_text("192", timeout=FIRST_LOAD)
    wait_for_app(page, timeout=FIRST_LOAD)
    expect(page.locator(".rnnviz-in-view")).to_have_count(2)
    assert reruns == [""], "the page's first run, and nothing yet scrolled to"
    wait_for_charts(page)
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(LSTM_CHARTS)
    assert len(reruns) >= 3 and all(reruns[1:]), reruns


# Records, in the page, when each kind of element first appears (performance.now(), ms), and
# when each Keras section's held place ("waiting_<section>") first appears.
FIRST_SEEN = """
window.__firstSeen = {};
window.__waitingSeen = {};
const probes = {
  ledger: ".st-key-ledger [data-testid=stMetricValue]",
  waiting: "[class*=st-key-waiting]",
  player: ".rnnviz-player[data-ready=true]",
  weights: ".rnnviz-weights[data-ready=true]",
  keras: ".rnnviz-summary",  // the summary, the first Keras section
};
new MutationObserver(() => {
  const now = performance.now();
  for (const [name, selector] of Object.entries(probes)) {
    if (!(name in window.__firstSeen) && document.querySelector(selector)) {
      window.__firstSeen[name] = now;
    }
  }
  for (const node of document.querySelectorAll("[class*=st-key-waiting_]")) {
    const key = [...node.classList].find((c) => c.startsWith("st-key-waiting_"));
    if (!(key in window.__waitingSeen)) window.__waitingSeen[key] = now;
  }
}).observe(document, { subtree: true, childList: true, attributes: true });
"""


def test_numpy_views_are_drawn_while_keras_loads_on_a_fresh_server(chromium, new_page):
    """On a cold server the ledger, the weights and the player need no TensorFlow: they are
    drawn while the Keras sections (the summary, the agreement) still hold their places, and
    those fill in once Keras is ready."""
    with serve_app(log=ARTIFACTS / "streamlit-cold.log") as server:
        page = new_page(server.url, VIEWPORT)
        page.add_init_script(FIRST_SEEN)
        page.goto("/", wait_until="commit")
        loaded(page, total=57)
        seen = page.evaluate("() => window.__firstSeen")
        assert {"ledger", "waiting", "player", "weights", "keras"} <= seen.keys(), seen
        for numpy_view in ("ledger", "player", "weights"):
            assert seen[numpy_view] < seen["keras"], f"{numpy_view} after Keras: {seen}"
        # each Keras section held its place before Keras' first section was drawn (the page
        # order between the player's drawing in the browser and the server reaching the
        # agreement is a race, and not what is claimed)
        waiting = page.evaluate("() => window.__waitingSeen")
        for section in ("summary", "agreement"):
            key = f"st-key-waiting_{section}"
            assert key in waiting, f"the {section} did not wait: {waiting}"
            assert waiting[key] < seen["keras"], f"the {section} waited after Keras: {seen}"
        expect(page.locator("[class*=st-key-waiting]")).to_have_count(0)
        assert_same_output_and_no_exception(page)


# Counts the WebSocket messages the page sends, from before Streamlit opens its socket.
COUNT_SENT = """
window.__sent = 0;
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (...args) {
  window.__sent += 1;
  return send.apply(this, args);
};
"""


def slider_value(page: Page) -> Locator:
    return page.get_by_test_id("stSlider").get_by_role("slider", name="t — time step")


def test_player_plays_pauses_and_steps_with_the_keyboard(open_page: OpenPage):
    from rnnviz.config import RNNConfig
    from rnnviz.pipeline import execute

    page = open_page("?step=5&seed=3&sample=2", init_script=COUNT_SENT)
    loaded(page, total=57)
    root = player_root(page)
    expect(root).to_have_attribute("data-t", "5")  # the URL's step opens the player there

    root.locator(".rnnviz-speed").select_option("max")
    sent = page.evaluate("() => window.__sent")
    root.locator(".rnnviz-play").click()
    expect(root).to_have_attribute("data-playing", "true")
    page.wait_for_function(  # at least two laps of T = 10 steps, counted in the page
        """() => new Promise((done) => {
            const root = document.querySelector('.rnnviz-player');
            let frames = 0;
            new MutationObserver(() => { if (++frames >= 20) done(true); })
                .observe(root, { attributes: true, attributeFilter: ['data-t'] });
        })""",
        timeout=10_000,
    )
    assert page.evaluate("() => window.__sent") == sent, "playing sent messages to the server"
    root.locator(".rnnviz-play").click()
    expect(root).to_have_attribute("data-playing", "false")
    t = int(root.get_attribute("data-t"))
    expect(slider_value(page)).to_have_value(str(t), timeout=RERUN)

    run = execute(RNNConfig(seed=3))
    root.focus()
    for key, step in (("ArrowRight", 1), ("ArrowLeft", -1), ("ArrowLeft", -1)):
        expected = min(max(t + step, 1), 10)
        root.press(key)
        expect(root).to_have_attribute("data-t", str(expected))
        t = expected
        h = page.evaluate("(t) => document.querySelector('.rnnviz-player').rnnvizFrame(t)", t)
        np.testing.assert_array_equal(
            np.array(h["panels"]["h"], dtype=np.float32),
            run.h[2, t - 1],
            err_msg=f"player's h_t at t = {t} vs the NumPy trace",
        )
    # the step panel and the URL follow the player once it is left alone
    expect(slider_value(page)).to_have_value(str(t), timeout=RERUN)
    expect(page).to_have_url(re.compile(rf"[?&]step={t}(&|$)"), timeout=RERUN)
    expect(page.get_by_text(f"Sample n = 2, step t = {t} of T = 10.")).to_be_visible()
    assert_same_output_and_no_exception(page)


# Marks every weight chart's DOM node and counts every mutation inside the weights section.
WATCH_WEIGHTS = """() => {
    const weights = document.querySelector('.st-key-weight_panels');
    const charts = [...weights.querySelectorAll('canvas')];
    charts.forEach((chart, i) => { chart.__probe = i; });
    window.__weightCharts = charts;
    window.__weightMutations = 0;
    new MutationObserver((records) => { window.__weightMutations += records.length; })
        .observe(weights, { subtree: true, childList: true, attributes: true,
                            characterData: true });
    document.querySelector('.rnnviz-player').__probe = 'player';
    return charts.length;
}"""


def test_a_t_step_leaves_the_weight_heatmaps_untouched(open_page: OpenPage):
    page = open_page()
    loaded(page, total=57)
    assert page.evaluate(WATCH_WEIGHTS) >= PANELS
    slider = slider_value(page)
    slider.focus()
    slider.press("ArrowLeft")
    expect(page.get_by_text("Sample n = 0, step t = 9 of T = 10.")).to_be_visible(timeout=RERUN)
    expect(player_root(page)).to_have_attribute("data-t", "9")  # the player follows
    wait_for_app(page)
    assert page.evaluate("() => window.__weightMutations") == 0, "the weights were redrawn"
    assert page.evaluate(
        """() => window.__weightCharts.every((c, i) => c.isConnected && c.__probe === i)
            && document.querySelector('.rnnviz-player').__probe === 'player'"""
    ), "a weight chart or the player was replaced by a new DOM node"
    assert_same_output_and_no_exception(page)


PROJECTOR = {"width": 1280, "height": 720}
KEY_FIGURE = {
    "shapes": ".rnnviz-ledger",
    "summary": ".rnnviz-summary",
    "weights": ".rnnviz-weights",
    "time": ".rnnviz-player",
    "agreement": "[data-testid=stPlotlyChart]",
    "spectrum": "[data-testid=stPlotlyChart]",
    "gradients": "[data-testid=stPlotlyChart]",
}


@pytest.mark.parametrize("section", list(KEY_FIGURE))
def test_lecture_mode_fits_a_projector(open_page: OpenPage, section: str):
    page = open_page(f"?present=1&section={section}", viewport=PROJECTOR)
    expect(page.locator(KEY_FIGURE[section]).first).to_be_visible(timeout=FIRST_LOAD)
    wait_for_app(page, timeout=FIRST_LOAD)
    if section in ("agreement", "spectrum"):
        wait_for_charts(page)
    if section == "weights":
        expect(weights_root(page)).to_have_attribute("data-ready", "true")
    if section == "time":
        expect(player_root(page)).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
    expect(page).to_have_title("rnnviz — SimpleRNN(5) → Dense(2)")
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth,
                  document.querySelector('[data-testid=stMain]').scrollWidth]"""
    )
    assert max(widths) <= PROJECTOR["width"], f"horizontal scrolling: {widths}"
    box = page.locator(KEY_FIGURE[section]).first.bounding_box()
    assert box is not None and box["height"] <= PROJECTOR["height"], (section, box)
    assert box["width"] <= PROJECTOR["width"], (section, box)
    expect(page.locator(".katex-error")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"present-{section}.png")
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_uploading_pytorch_weights_shows_them_and_names_them_in_the_url(
    open_page: OpenPage, tmp_path: Path
):
    """The uploader's file input takes a PyTorch .npz as a visitor's file chooser would."""
    from rnnviz.config import RNNConfig
    from tests.test_imported import perturbed

    path = tmp_path / "mine.npz"
    np.savez(path, **perturbed(RNNConfig(N=4, T=6, seed=21)))
    page = open_page("?N=4&T=6&seed=21")
    loaded(page, total=57)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Load PyTorch weights")
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(path)
    expect(page).to_have_url(re.compile(r"[?&]weights=[0-9a-f]{16}(&|$)"), timeout=RERUN)
    expect(page.get_by_text(re.compile(r"^Loaded mine\.npz: weights="))).to_be_visible()
    expect(page.get_by_text("The weights are imported (weights=")).to_be_visible()
    wait_for_app(page, timeout=RERUN)
    main = page.get_by_test_id("stMain")
    expect(
        main.get_by_test_id("stAlertContentSuccess").get_by_test_id("stMarkdownContainer")
    ).to_have_text(re.compile(r"^Same output \(max \|Δ\| = "))
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def test_uploaded_data_round_trips_in_csv_and_npz(open_page: OpenPage, tmp_path: Path):
    """The data uploader takes a long-form CSV, then an .npz, as a visitor's file chooser
    would: the sizes come from each file, the link names it, and Keras and NumPy agree."""
    from rnnviz.inputs import userdata

    rng = np.random.default_rng(5)
    X = rng.standard_normal((12, 6, 2)).astype(np.float32)  # (N, T, D)
    y = rng.standard_normal((12, 1)).astype(np.float32)  # (N, 1)
    csv, npz = tmp_path / "mine.csv", tmp_path / "mine.npz"
    csv.write_text(userdata.csv_text(X, y))
    npz.write_bytes(userdata.npz_bytes(X[:5, :4], None))
    page = open_page("?M=4")
    loaded(page, total=4 * (3 + 4 + 1) + 2 * 5)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload your data")
    for path, digest, sizes in (
        (csv, userdata.digest(X, y), "X (12, 6, 2), y (12, 1)"),
        (npz, userdata.digest(X[:5, :4], None), "X (5, 4, 2), no y"),
    ):
        uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(path)
        expect(page).to_have_url(re.compile(rf"[?&]data={digest}(&|$)"), timeout=RERUN)
        expect(page.get_by_text(f"Loaded {path.name}: {sizes}")).to_be_visible()
        wait_for_app(page, timeout=RERUN)
        assert_same_output_and_no_exception(page)
    expect(page).to_have_url(re.compile(r"[?&]N=5&T=4&D=2&"))
    expect(page.get_by_text("your data's X")).to_be_visible()


def test_training_shows_its_progress_then_every_view_on_the_trained_weights(
    open_page: OpenPage,
):
    """200 epochs outlast the test: the progress is seen while it runs, then Stop ends it
    with what the whole epochs learnt, and every view is on those weights."""
    page = open_page("?task=sine&N=1000&T=40&M=8&cell=lstm")
    expect(page.get_by_role("heading", name="0 · Training")).to_be_visible(timeout=FIRST_LOAD)
    wait_for_app(page, timeout=FIRST_LOAD)
    epochs = page.locator(".st-key-_train_epochs input[type=range]")
    epochs.focus()
    epochs.press("End")
    expect(epochs).to_have_value("200")
    wait_for_app(page, timeout=RERUN)
    page.locator(".st-key-_train button").click()
    expect(page.get_by_test_id("stProgress")).to_be_visible(timeout=RERUN)
    expect(page.get_by_text(re.compile(r"^Epoch [2-9]\d* of 200"))).to_be_visible(timeout=RERUN)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "training-in-progress.png")
    page.locator(".st-key-_stop_training button").click()
    done = page.get_by_text(re.compile(r"^Trained \d+ epochs? in [\d.]+ s \(stopped\)"))
    expect(done).to_be_visible(timeout=RERUN)
    expect(page).to_have_url(re.compile(r"[?&]weights=trained&"))
    expect(page.get_by_text("The weights are trained: ")).to_be_visible()
    wait_for_app(page, timeout=RERUN)
    assert_same_output_and_no_exception(page)
