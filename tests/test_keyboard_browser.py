"""The page by keyboard alone, in a real browser: Debian's chromium against `streamlit run app.py`.

Tab reaches the player, Space plays and pauses it, the arrows, Home and End step t and the
server's slider follows; the arrow keys move a cursor over the player's heatmap and the
weights' cells, and the value read out (the component's polite live region) is NumPy's, from a
run computed here from the same config; "Show as table" opens and closes by key, with NumPy's
numbers in it; Tab walks the main area down the page and Shift+Tab walks it back, and nothing
traps focus; with reduced motion nothing moves by itself. No mouse is used. Every test also
checks that no exception box appeared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from rnnviz.config import RNNConfig
from rnnviz.pipeline import Run, recur
from rnnviz.recurrence import initial
from tests.browser import ROOT, Server, serve_app, wait_for_app, wait_for_charts

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1600, "height": 1000}
FIRST_LOAD = 90_000  # ms; the server's first run imports TensorFlow
MOST_TABS = 400  # Tab presses before a walk gives up: the main area has about a hundred stops
STEP = 3  # the link's opening step
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # axe-core's tags of WCAG 2.1 A and AA


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ARTIFACTS / "keyboard_streamlit.log") as server:
        yield server


def open_app(chromium_browser, server: Server, query: str, **context) -> Page:
    page = chromium_browser.new_context(
        viewport=VIEWPORT, base_url=server.url, **context
    ).new_page()
    page.goto("/" + query, wait_until="commit")
    wait_for_app(page, timeout=FIRST_LOAD)
    for part in (".rnnviz-player", ".rnnviz-weights", ".rnnviz-derivation"):
        expect(page.locator(part)).to_have_attribute("data-ready", "true", timeout=FIRST_LOAD)
    return page


@pytest.fixture(scope="module")
def page(chromium_browser, app_server: Server) -> Iterator[Page]:
    """One session of the default page, opened at t = STEP, shared by the tests in turn."""
    page = open_app(chromium_browser, app_server, f"?step={STEP}")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def run() -> Run:
    """NumPy's side of the default config, computed here from the seed."""
    c = RNNConfig()
    return recur(c, initial.weights_of(c, None))


def to_fixed(x: float, digits: int) -> str:
    """JavaScript's x.toFixed(digits): the exact binary value, ties away from zero."""
    return str(Decimal(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def weight_text(x: float, digits: int) -> str:
    """The weights' numbers: toFixed with a minus sign, and no minus on a rounded zero."""
    text = to_fixed(x, digits)
    if text.startswith("-") and not text.strip("-0."):
        return text[1:]
    return text.replace("-", "\u2212")


def assert_no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)


def focused(page: Page, selector: str) -> bool:
    return page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector)


def tab_to(page: Page, selector: str, most: int = 40, key: str = "Tab") -> None:
    """Press Tab until the focused element matches ``selector``, at most ``most`` times."""
    for _ in range(most):
        page.keyboard.press(key)
        if focused(page, selector):
            return
    raise AssertionError(f"{most} presses of {key} never reached {selector}")


def scroll_top(page: Page) -> float:
    return page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollTop")


def live(page: Page, component: str) -> Locator:
    region = page.locator(f"{component} [aria-live=polite]")
    expect(region).to_have_count(1)  # one per component, not one per cell
    return region


def slider(page: Page) -> Locator:
    return page.get_by_test_id("stSlider").get_by_role("slider", name="t — time step")


def test_tab_reaches_the_player_space_plays_and_keys_step_t(page: Page):
    root = page.locator(".rnnviz-player")
    T = RNNConfig().T
    expect(root).to_have_attribute("data-t", str(STEP))
    page.evaluate("() => document.activeElement?.blur()")
    tab_to(page, ".rnnviz-player, .rnnviz-player *", most=MOST_TABS)
    assert focused(page, ".rnnviz-player"), "Tab reached the player's inside before the player"

    page.keyboard.press("Space")
    expect(root).to_have_attribute("data-playing", "true")
    page.keyboard.press("Space")
    expect(root).to_have_attribute("data-playing", "false")
    page.keyboard.press("Home")
    expect(root).to_have_attribute("data-t", "1")
    expect(slider(page)).to_have_attribute("aria-valuetext", "1")  # the server follows
    page.keyboard.press("ArrowRight")
    expect(root).to_have_attribute("data-t", "2")
    expect(slider(page)).to_have_attribute("aria-valuetext", "2")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect(root).to_have_attribute("data-t", "2")
    page.keyboard.press("End")
    expect(root).to_have_attribute("data-t", str(T))
    expect(slider(page)).to_have_attribute("aria-valuetext", str(T))
    expect(live(page, ".rnnviz-player")).to_have_text(f"t = {T} of {T}")

    # The play button is named for what it does, and Space on it plays and pauses too.
    tab_to(page, ".rnnviz-play")
    play = page.locator(".rnnviz-play")
    expect(play).to_have_accessible_name("Play")
    page.keyboard.press("Space")
    expect(root).to_have_attribute("data-playing", "true")
    expect(play).to_have_accessible_name("Pause")
    page.keyboard.press("Space")
    expect(root).to_have_attribute("data-playing", "false")
    expect(play).to_have_accessible_name("Play")
    page.keyboard.press("Home")
    expect(root).to_have_attribute("data-t", "1")
    assert_no_exception(page)


def test_arrows_read_the_players_heatmap_and_enter_opens_the_cell(page: Page, run: Run):
    root = page.locator(".rnnviz-player")
    root.focus()
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    T = run.config.T
    expect(root).to_have_attribute("data-t", str(T - 1))
    heat = page.locator(".rnnviz-player canvas.rnnviz-heat").first
    expect(heat).to_have_accessible_name(
        f"h_t (hidden state h) of sample 0, {run.config.M} units × {T} steps: "
        "the arrow keys read a value, Enter opens that step and unit"
    )
    tab_to(page, "canvas.rnnviz-heat")
    before = scroll_top(page)

    # The cursor starts at the player's t and unit 0; down twice, left three times.
    for key in ["ArrowDown", "ArrowDown", "ArrowLeft", "ArrowLeft", "ArrowLeft"]:
        page.keyboard.press(key)
    t, m = T - 4, 2
    value = to_fixed(float(run.h[0, t - 1, m]), 5)  # NumPy's h_t, as the hover prints it
    expect(live(page, ".rnnviz-player")).to_have_text(f"h_t[{m}] at t = {t}: {value}")
    expect(page.locator(".rnnviz-hover").first).to_have_text(f"t = {t}, unit {m}: h = {value}")
    expect(page.locator(".rnnviz-player .rnnviz-cursor")).to_be_visible()
    expect(root).to_have_attribute("data-t", str(T - 1))  # the cursor is not t

    page.keyboard.press("Home")  # the cursor's row, first step
    value = to_fixed(float(run.h[0, 0, m]), 5)
    expect(live(page, ".rnnviz-player")).to_have_text(f"h_t[{m}] at t = 1: {value}")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    t, m = 4, 1
    value = to_fixed(float(run.h[0, t - 1, m]), 5)
    expect(live(page, ".rnnviz-player")).to_have_text(f"h_t[{m}] at t = {t}: {value}")
    assert scroll_top(page) == before, "an arrow key the heatmap took also scrolled the page"

    page.keyboard.press("Enter")  # as a click on the cell: that step and unit, opened
    derivation = page.locator(".rnnviz-derivation")
    expect(derivation).to_have_attribute("data-t", str(t), timeout=20_000)
    expect(derivation).to_have_attribute("data-unit", str(m))
    expect(root).to_have_attribute("data-t", str(t))
    assert focused(page, "canvas.rnnviz-heat"), "Enter took the focus away"
    assert_no_exception(page)


def test_arrows_read_the_weights_and_enter_explains_one(page: Page, run: Run):
    W_hh = run.path().weights["W_hh"]  # (M, M), the seed's, in Keras' layout
    toggle = page.locator(".rnnviz-weights .rnnviz-tv-toggle")
    toggle.focus()  # the weights' first tab stop, then their canvases in turn
    tab_to(page, "canvas.rnnviz-wheat[data-rnnviz-figure='W_xh']")
    expect(live(page, ".rnnviz-weights")).to_have_text(
        f"W_xh[0, 0] = {weight_text(float(run.path().weights['W_xh'][0, 0]), 5)}"
    )
    tab_to(page, "canvas.rnnviz-wheat[data-rnnviz-figure='W_hh']")
    before = scroll_top(page)
    for key in ["ArrowDown", "ArrowRight", "ArrowRight", "ArrowRight", "ArrowLeft"]:
        page.keyboard.press(key)
    i, j = 1, 2
    text = f"W_hh[{i}, {j}] = {weight_text(float(W_hh[i, j]), 5)}"
    expect(live(page, ".rnnviz-weights")).to_have_text(text)
    expect(page.locator(".rnnviz-whover")).to_have_text(text)  # shown as well as read out
    expect(page.locator(".rnnviz-weights .rnnviz-wcursor")).to_have_count(1)
    page.keyboard.press("End")
    j = W_hh.shape[1] - 1
    expect(live(page, ".rnnviz-weights")).to_have_text(
        f"W_hh[{i}, {j}] = {weight_text(float(W_hh[i, j]), 5)}"
    )
    page.keyboard.press("ArrowDown")
    assert scroll_top(page) == before, "an arrow key the weights took also scrolled the page"

    page.keyboard.press("Enter")  # as a click on W_hh[2, 4]: what it does, and its unit opened
    picked = page.locator(".rnnviz-wpicked")
    expect(picked).to_contain_text(f"W_hh[2,{j}] = {weight_text(float(W_hh[2, j]), 5)}")
    expect(picked).to_contain_text(f"into unit {j} of the hidden state")
    expect(page.locator(".rnnviz-derivation")).to_have_attribute("data-unit", str(j))
    expect(live(page, ".rnnviz-weights")).to_contain_text(f"W_hh[2,{j}]")

    for _ in range(8):  # on through b_h and the head's matrices, each with its own cursor
        page.keyboard.press("Tab")
        if not focused(page, ".rnnviz-weights canvas"):
            break
    assert not focused(page, ".rnnviz-weights canvas"), "Tab did not leave the weights"
    expect(page.locator(".rnnviz-weights .rnnviz-wcursor")).to_have_count(0)  # gone with it
    assert_no_exception(page)


def test_show_as_table_by_keyboard_holds_numpys_numbers(page: Page, run: Run):
    T, M = run.config.T, run.config.M
    root = page.locator(".rnnviz-player")
    root.focus()
    tab_to(page, ".rnnviz-player .rnnviz-tv-toggle")
    toggle = page.locator(".rnnviz-player .rnnviz-tv-toggle")
    box = page.locator(".rnnviz-player .rnnviz-tv")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(box.locator("table")).to_have_count(0)  # built when first opened
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    table = box.locator("table")
    expect(table).to_be_visible()
    expect(table.locator("caption")).to_have_text("h_t (hidden state h) of sample 0")
    heads = table.locator("thead th")
    expect(heads).to_have_count(T + 1)
    expect(heads.nth(1)).to_have_attribute("scope", "col")
    expect(heads.nth(T)).to_have_text(str(T))
    expect(table.locator("tbody th[scope=row]")).to_have_text([str(m) for m in range(M)])
    for m, t in [(0, 1), (2, 5), (M - 1, T)]:
        cell = table.locator("tbody tr").nth(m).locator("td").nth(t - 1)
        expect(cell).to_have_text(to_fixed(float(run.h[0, t - 1, m]), 5))
    expect(box.locator(".rnnviz-tv-pages")).to_be_hidden()  # one page holds it all

    # The weights' table, a matrix at a time.
    wtoggle = page.locator(".rnnviz-weights .rnnviz-tv-toggle")
    wtoggle.focus()
    page.keyboard.press("Space")
    expect(wtoggle).to_have_attribute("aria-expanded", "true")
    wbox = page.locator(".rnnviz-weights .rnnviz-tv")
    page.keyboard.press("Tab")
    assert focused(page, ".rnnviz-weights .rnnviz-tv-choose"), "Tab goes on into the table box"
    page.keyboard.press("ArrowDown")  # the next figure: W_hh
    wtable = wbox.locator("table")
    expect(wtable.locator("caption")).to_have_text("W_hh (5, 5) — hidden to hidden")
    expect(wtable.locator("thead th").first).to_have_text(
        "from hidden unit (M = 5) \\ to hidden unit (M = 5)"
    )
    W_hh = run.path().weights["W_hh"]
    for i, j in [(0, 0), (1, 3), (4, 2)]:
        cell = wtable.locator("tbody tr").nth(i).locator("td").nth(j)
        expect(cell).to_have_text(weight_text(float(W_hh[i, j]), 5))

    # Open, the tables and the canvas views add no WCAG A or AA violation (axe-core).
    axe = Axe().run(
        page,
        context={"include": [[".rnnviz-player"], [".rnnviz-weights"], [".rnnviz-derivation"]]},
        options={"runOnly": {"type": "tag", "values": WCAG}},
    )
    found = [(v["id"], [n["target"] for n in v["nodes"]]) for v in axe.response["violations"]]
    assert found == [], f"axe-core in the player, the weights and the derivation: {found}"

    toggle.focus()
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(table).to_be_hidden()
    wtoggle.focus()
    page.keyboard.press("Enter")
    expect(wtoggle).to_have_attribute("aria-expanded", "false")
    expect(wbox).to_be_hidden()
    assert_no_exception(page)


TAB_STOP = """() => {
    const a = document.activeElement;
    const main = document.querySelector('[data-testid=stMain]');
    if (!a || a === document.body || !main.contains(a) || a === main) return null;
    a.dataset.tabWalk ??= String(Object.keys(window.tabWalk ??= {}).length);
    window.tabWalk[a.dataset.tabWalk] = true;
    const r = a.getBoundingClientRect();
    const y = main.scrollTop;
    const style = getComputedStyle(a);
    let under = a.parentElement; // the colour the ring is seen on
    while (under && getComputedStyle(under).backgroundColor.endsWith(', 0)')) {
        under = under.parentElement;
    }
    return { id: a.dataset.tabWalk, top: r.top + y, left: r.left, right: r.right,
             what: `${a.tagName} ${a.className} ${a.getAttribute('aria-label') ?? ''}`.trim(),
             ours: Boolean(a.closest('.rnnviz-player, .rnnviz-weights')),
             ring: [style.outlineStyle, parseFloat(style.outlineWidth), style.outlineColor,
                    under ? getComputedStyle(under).backgroundColor : 'rgb(255, 255, 255)'] };
}"""


def luminance(css: str) -> float:
    """WCAG 2.1's relative luminance of an "rgb(r, g, b)" colour."""
    channels = [float(v) / 255 for v in re.findall(r"[\d.]+", css)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def walk(page: Page, key: str) -> list[dict]:
    """The main area's tab stops, from the focused element on, until the focus leaves it."""
    stops = []
    for _ in range(MOST_TABS):
        page.keyboard.press(key)
        stop = page.evaluate(TAB_STOP)
        if stop is None:
            return stops
        if stops:
            assert stop["id"] != stops[-1]["id"], f"{key} kept the focus on {stop['what']}"
        stops.append(stop)
    raise AssertionError(f"{MOST_TABS} presses of {key} never left the main area: {stops[-5:]}")


def test_tab_order_follows_the_page_and_nothing_traps_focus(page: Page):
    wait_for_charts(page)  # every chart drawn first: the walk sees the page as it stays
    wait_for_app(page)
    page.evaluate("() => document.querySelector('[data-testid=stMain]').focus()")
    forward = walk(page, "Tab")
    ids = [s["id"] for s in forward]
    assert len(ids) == len(set(ids)), "Tab came back to an element: focus is trapped in a loop"
    for part in ("rnnviz-player", "rnnviz-heat", "rnnviz-wheat", "rnnviz-dunit"):
        assert any(part in s["what"] for s in forward), f"Tab never reached .{part}"
    # A ring of at least 2 px on every stop of the views, 3:1 against what it is seen on.
    ours = [stop for stop in forward if stop["ours"]]
    assert len(ours) >= 10, ours  # the player's root, its controls, the canvases, the tables
    for stop in ours:
        style, width, colour, under = stop["ring"]
        assert style != "none" and width >= 2, f"no focus ring on {stop['what']}: {stop['ring']}"
        assert contrast(colour, under) >= 3, f"a faint focus ring on {stop['what']}: {stop}"
    # Down the page: an element level with or above one before it must be in another column.
    for k, b in enumerate(forward):
        for a in forward[:k]:
            same_column = a["left"] < b["right"] and b["left"] < a["right"]
            assert not same_column or b["top"] >= a["top"] - 2, (
                f"Tab went up the page, from {a['what']} at {a['top']:.0f} px "
                f"to {b['what']} at {b['top']:.0f} px"
            )
    # Shift+Tab from the last stop walks the same stops back.
    page.evaluate("(id) => document.querySelector(`[data-tab-walk='${id}']`).focus()", ids[-1])
    back = walk(page, "Shift+Tab")
    assert [s["id"] for s in back] == ids[-2::-1], "Shift+Tab does not retrace Tab's order"
    assert_no_exception(page)


NOTHING_MOVES = """async (ms) => {
    const root = document.querySelector('.rnnviz-player');
    const seen = new Set([root.dataset.t + root.dataset.playing]);
    const observer = new MutationObserver(() => seen.add(root.dataset.t + root.dataset.playing));
    observer.observe(root, { attributes: true });
    await new Promise((resolve) => setTimeout(resolve, ms));
    observer.disconnect();
    return [...seen];
}"""

DURATIONS = """() => [...document.querySelectorAll(
        '.rnnviz-player, .rnnviz-player *, .rnnviz-weights, .rnnviz-weights *')]
    .flatMap((node) => {
        const style = getComputedStyle(node);
        return [style.transitionDuration, style.animationDuration]
            .flatMap((d) => d.split(','))
            .filter((d) => parseFloat(d) > 0)
            .map((d) => `${node.className}: ${d}`);
    })"""


def test_reduced_motion_nothing_moves_by_itself(chromium_browser, app_server: Server):
    page = open_app(chromium_browser, app_server, "?step=4", reduced_motion="reduce")
    try:
        root = page.locator(".rnnviz-player")
        assert page.evaluate("() => matchMedia('(prefers-reduced-motion: reduce)').matches")
        assert page.evaluate(DURATIONS) == [], "something in the views moves"
        assert page.evaluate(NOTHING_MOVES, 500) == ["4false"], "the player started on load"

        slider(page).focus()  # a rerun of the step's fragment
        page.keyboard.press("ArrowRight")
        expect(root).to_have_attribute("data-t", "5")
        assert page.evaluate(NOTHING_MOVES, 500) == ["5false"], "the player started on a rerun"

        seed = page.get_by_role("spinbutton", name="seed — random seed")
        seed.focus()  # a new config: a new payload, a new player
        seed.fill("1")
        seed.press("Enter")
        expect(page).to_have_url(re.compile(r"[?&]seed=1(&|$)"), timeout=20_000)
        wait_for_app(page, timeout=FIRST_LOAD)
        expect(root).to_have_attribute("data-ready", "true")
        assert page.evaluate(NOTHING_MOVES, 500) == ["5false"], "the player started on a config"

        root.focus()  # and Play still plays, when asked
        page.keyboard.press("Space")
        expect(root).to_have_attribute("data-playing", "true")
        page.keyboard.press("Space")
        expect(root).to_have_attribute("data-playing", "false")
        assert page.evaluate(DURATIONS) == []
        assert_no_exception(page)
    finally:
        page.context.close()
