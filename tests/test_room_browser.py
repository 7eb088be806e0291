"""The page in a lecture room, in a real browser: Debian's chromium against `streamlit run app.py`.

At a projector's 1280 × 720, lecture mode shows every section's tab whole and in sight, each
one reached by a click (and by the keyboard) and switching to its section, and no table cut:
each fits its column or scrolls inside itself. At 640 CSS px (1280 at 200% zoom) the page
reflows without scrolling sideways. ``?theme=dark`` shows Streamlit's dark theme (the app's
own background, measured here), kept in the link through interactions, switched back from
the sidebar (axe-core checks both themes' contrast: tests/test_a11y_browser.py); the page loads
again at most once to get there, never in a loop. ``?embed=true`` works with lecture mode.
Every test also checks that no exception box appeared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from rnnviz.ui.contents import SECTIONS
from tests.browser import (
    APP_TIMEOUT,
    LUMINANCE,
    ROOT,
    Server,
    in_theme,
    serve_app,
    wait_for_app,
    wait_for_charts,
)

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
PROJECTOR = {"width": 1280, "height": 720}
ZOOMED = {"width": 640, "height": 720}  # 1280 CSS px at 200% zoom
RERUN = 30_000  # ms

OpenPage = Callable[..., Page]


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ARTIFACTS / "room_streamlit.log") as server:
        yield server


@pytest.fixture
def open_page(new_page, app_server: Server) -> OpenPage:
    """The app at a query string in its own session; every load of the document (not a
    rewrite of the address bar) is counted on ``page.loads``."""

    def open_(query: str, viewport: dict = PROJECTOR, init_script: str | None = None) -> Page:
        page = new_page(app_server.url, viewport)
        page.loads = []
        page.on("load", lambda p: page.loads.append(p.url))
        if init_script:
            page.add_init_script(init_script)
        page.goto("/" + query, wait_until="commit")
        wait_for_app(page)
        return page

    return open_


def no_exception(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)


def tabs(page: Page):
    return page.locator(".st-key-lecture_top [data-testid=stButtonGroup] button")


def section_header(key: str) -> re.Pattern:
    """The first header a section draws, from the section table (also while it waits for
    Keras, its place shows the section's whole title)."""
    return re.compile("^" + re.escape(SECTIONS[key].header(0)))


# Every tab: its box inside the viewport, and the element at its centre is the tab itself
# (or inside it), so nothing clips or covers it.
TABS_IN_SIGHT = """() => {
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const buttons = [...document.querySelectorAll(
    '.st-key-lecture_top [data-testid=stButtonGroup] button')];
  return buttons.map((b) => {
    const r = b.getBoundingClientRect();
    const inside = r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= vw && r.bottom <= vh;
    const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    const where = `${b.innerText}: ${Math.round(r.left)}..${Math.round(r.right)}`;
    return inside && b.contains(hit) ? '' : where;
  }).filter(Boolean);
}"""

# What is cut, in the main pane: a table wider than its column (or the viewport) with no
# ancestor that scrolls sideways, and any element whose visible box sticks out past the
# viewport's right edge without one (an ancestor that clips it bounds what is visible).
CUT = """() => {
  const vw = document.documentElement.clientWidth;
  const main = document.querySelector('[data-testid=stMain]');
  const scroller = (e) => {
    for (let a = e.parentElement; a && a !== main; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === 'auto' || o === 'scroll') return a;
    }
    return null;
  };
  const name = (e) => e.tagName.toLowerCase() + (e.dataset.testid ? `[${e.dataset.testid}]` : '')
    + (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ')[0] : '');
  const cut = [];
  for (const t of main.querySelectorAll('table')) {
    const r = t.getBoundingClientRect();
    if (!r.width) continue;
    const column = (t.closest('[data-testid=stColumn]') || main).getBoundingClientRect();
    const out = r.right > Math.min(vw, column.right) + 1 || r.left < Math.max(0, column.left) - 1;
    const where = `${Math.round(r.left)}..${Math.round(r.right)}`;
    if (out && !scroller(t)) cut.push(`table ${name(t)} ${where}`);
  }
  for (const e of main.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    let right = r.right;
    for (let a = e.parentElement; a && a !== main; a = a.parentElement) {
      if (getComputedStyle(a).overflowX === 'visible') continue;
      right = Math.min(right, a.getBoundingClientRect().right);
    }
    if (right > vw + 1 && !scroller(e)) cut.push(`${name(e)} ends at ${Math.round(right)}`);
  }
  return cut.slice(0, 10);
}"""

# Every scrolling table wrapper of the page's own is a named region in the tab order.
REGIONS = """() => [...document.querySelectorAll('.rnnviz-wide')].filter((w) =>
  !(w.getAttribute('role') === 'region' && w.tabIndex === 0 && w.getAttribute('aria-label'))
).map((w) => w.outerHTML.slice(0, 80))"""

WIDTHS = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const doc = document.documentElement;
  return [doc.scrollWidth, doc.clientWidth, main.scrollWidth, main.clientWidth];
}"""


def wait_until_drawn(page: Page) -> None:
    """The run is over and every Plotly chart on the page has drawn (there may be none)."""
    wait_for_app(page, timeout=RERUN)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
                 .every((c) => c.querySelector('.main-svg'))""",
        timeout=RERUN,
    )


def assert_nothing_cut(page: Page, where: str) -> None:
    assert page.evaluate(CUT) == [], where
    assert page.evaluate(REGIONS) == [], where


@pytest.mark.parametrize("theme", ["light", pytest.param("dark", marks=pytest.mark.sweep)])
def test_every_tab_in_sight_and_no_table_cut_at_1280(open_page: OpenPage, theme: str):
    """Lecture mode at a projector's 1280 × 720, an LSTM (the widest step table) on a text
    task (so that every section has something to show, the text's tables too): for every
    section, every tab is whole, in the viewport and not covered; clicking the next tab
    switches to its section; nothing in the main pane is cut."""
    page = open_page(f"?present=1&section=training&task=brackets&cell=lstm&theme={theme}")
    in_theme(page, theme)
    keys = list(SECTIONS)
    expect(tabs(page)).to_have_count(len(keys))
    for i, key in enumerate(keys):
        if i:
            tabs(page).nth(i).click()  # a real click: it lands on the tab only if in sight
        expect(page.get_by_role("heading", name=section_header(key)).first).to_be_visible(
            timeout=APP_TIMEOUT
        )
        wait_until_drawn(page)
        assert page.evaluate(TABS_IN_SIGHT) == [], f"tabs cut or covered in section {key}"
        assert_nothing_cut(page, f"section {key}, {theme}")
        assert re.search(f"[?&]section={key}(&|$)", page.url), page.url
        if theme == "dark":
            assert re.search("[?&]theme=dark(&|$)", page.url), (
                f"the link lost the theme: {page.url}"
            )
    no_exception(page)


def test_a_tab_is_reached_and_chosen_by_the_keyboard(open_page: OpenPage):
    """From the top of the page, Tab reaches the tabs within a few presses; the arrow keys
    move along them (one radio group) and Enter switches to the section focused."""
    page = open_page("?present=1&section=time")
    is_tab = "() => !!document.activeElement?.closest('.st-key-lecture_top [role=radio]')"
    for _ in range(8):  # the skip link, the sidebar's button, the page's menu: then the tabs
        page.keyboard.press("Tab")
        if page.evaluate(is_tab):
            break
    assert page.evaluate(is_tab), "Tab never reached the sections' tabs"
    keys = list(SECTIONS)
    labels = [SECTIONS[k].label for k in keys]
    at = labels.index(page.evaluate("() => document.activeElement.innerText.trim()"))
    step = 1 if at + 1 < len(keys) else -1
    page.keyboard.press("ArrowRight" if step == 1 else "ArrowLeft")  # one radio group
    expect(tabs(page).nth(at + step)).to_be_focused()
    page.keyboard.press("Enter")
    key = keys[at + step]
    expect(page.get_by_role("heading", name=section_header(key))).to_be_visible(timeout=APP_TIMEOUT)
    wait_for_app(page)
    assert f"section={key}" in page.url
    no_exception(page)


@pytest.mark.parametrize(
    "query",
    [
        "?cell=lstm",  # the whole page, its charts drawn
        "?present=1&section=time&cell=lstm",
        *(  # make sweep's, and CI's
            pytest.param(query, marks=pytest.mark.sweep)
            for query in (
                "?present=1&section=weights&cell=gru&layers=2&bidirectional=true&M=16",
                "?present=1&section=shapes&cell=lstm&layers=3&bidirectional=true",
                "?present=1&section=agreement&K=20&N=40",
            )
        ),
    ],
)
def test_the_page_reflows_at_200_percent_zoom(open_page: OpenPage, query: str):
    """At 640 CSS px neither the document nor Streamlit's main pane scrolls sideways; wide
    tables and figures scroll inside themselves, and every tab of lecture mode is in sight."""
    page = open_page(query, viewport=ZOOMED)
    if "present" in query:
        wait_until_drawn(page)
        assert page.evaluate(TABS_IN_SIGHT) == []
    else:
        wait_for_charts(page)
        wait_for_app(page)
    doc_scroll, doc_width, main_scroll, main_width = page.evaluate(WIDTHS)
    assert doc_scroll <= doc_width, f"the document scrolls sideways: {doc_scroll} > {doc_width}"
    assert main_scroll <= main_width, (
        f"the main pane scrolls sideways: {main_scroll} > {main_width}"
    )
    assert_nothing_cut(page, query)
    no_exception(page)


def test_the_dark_theme_is_shown_kept_and_switched_back(open_page: OpenPage):
    """?theme=dark: the page loads once more in Streamlit's dark theme (its own background,
    measured), the link keeps theme=dark through a change of section, and the sidebar's switch
    brings the light theme back: three loads in all, and no more after another rerun."""
    page = open_page("?present=1&section=time&theme=dark")
    in_theme(page, "dark")
    assert re.search("[?&]theme=dark(&|$)", page.url), page.url
    tabs(page).filter(has_text="Weights").click()
    expect(page.get_by_role("heading", name=section_header("weights"))).to_be_visible()
    wait_for_app(page)
    assert page.evaluate(LUMINANCE) < 0.05 and re.search("[?&]theme=dark(&|$)", page.url)
    assert len(page.loads) == 2, page.loads
    page.get_by_test_id("stExpandSidebarButton").click()
    switch = page.get_by_test_id("stSidebar").get_by_text("Dark theme (dim halls)")
    switch.click()
    in_theme(page, "light")
    expect(page.get_by_role("heading", name=section_header("weights"))).to_be_visible()
    assert "theme=dark" not in page.url
    tabs(page).filter(has_text="Shapes").click()  # another rerun: no further load
    expect(page.get_by_role("heading", name=section_header("shapes"))).to_be_visible()
    wait_for_app(page)
    assert len(page.loads) == 3, page.loads
    assert page.evaluate(LUMINANCE) > 0.5
    no_exception(page)


def test_a_theme_the_browser_will_not_show_loads_the_page_once_more_only(open_page: OpenPage):
    """If the reload cannot bring the dark theme (here the address loses Streamlit's
    embed_options before the page reads it), the page stays light after one more load:
    no loop, and the link still says theme=dark."""
    strip = """(() => {
      const url = new URL(location.href);
      if (url.searchParams.has('embed_options')) {
        url.searchParams.delete('embed_options');
        history.replaceState(null, '', url.href);
        window.rnnvizStripped = true;
      }
    })()"""
    page = open_page("?present=1&section=shapes&theme=dark", init_script=strip)
    page.wait_for_function("() => window.rnnvizStripped === true", timeout=APP_TIMEOUT)
    wait_for_app(page)
    tabs(page).filter(has_text="Weights").click()
    expect(page.get_by_role("heading", name=section_header("weights"))).to_be_visible(
        timeout=APP_TIMEOUT
    )
    wait_for_app(page)
    assert len(page.loads) == 2, page.loads
    assert page.evaluate(LUMINANCE) > 0.5
    assert re.search("[?&]theme=dark(&|$)", page.url), page.url
    no_exception(page)


def test_embed_mode_with_lecture_mode(open_page: OpenPage):
    """?embed=true (Streamlit's embed mode, for a slide): the section, its picker and every
    tab show; a tab switches the section and the link keeps embed=true; with theme=dark too."""
    page = open_page("?embed=true&present=1&section=time")
    expect(page.get_by_role("heading", name=section_header("time"))).to_be_visible()
    expect(tabs(page)).to_have_count(len(SECTIONS))
    expect(page.locator(".rnnviz-derivation")).to_have_attribute("data-ready", "true")
    assert page.evaluate(TABS_IN_SIGHT) == []
    tabs(page).filter(has_text="Weights").click()
    expect(page.get_by_role("heading", name=section_header("weights"))).to_be_visible()
    wait_for_app(page)
    assert re.search("[?&]embed=true(&|$)", page.url) and "section=weights" in page.url
    no_exception(page)
    page = open_page("?embed=true&present=1&section=time&theme=dark")
    in_theme(page, "dark")
    expect(tabs(page)).to_have_count(len(SECTIONS))
    assert re.search("[?&]embed=true(&|$)", page.url), page.url
    no_exception(page)


def test_a_dark_system_still_gets_the_theme_of_the_link(chromium_browser, app_server: Server):
    """Streamlit follows the system's colour scheme unless told otherwise: a visitor whose
    system is dark, on a link without theme=, sees the light page (one more load), as
    everyone did before the dark theme existed."""
    context = chromium_browser.new_context(
        viewport=PROJECTOR, base_url=app_server.url, color_scheme="dark"
    )
    try:
        page = context.new_page()
        loads = []
        page.on("load", lambda p: loads.append(p.url))
        page.goto("/?present=1&section=shapes", wait_until="commit")
        page.wait_for_function(  # the document loaded again, asking for the light theme
            """() => performance.getEntriesByType('navigation')[0]?.name
                       .includes('embed_options=light_theme')""",
            timeout=APP_TIMEOUT,
        )
        in_theme(page, "light")
        expect(page.get_by_role("heading", name=section_header("shapes"))).to_be_visible()
        wait_for_app(page)
        assert len(loads) == 2, loads
        assert "theme=" not in page.url.replace("embed_options=light_theme", "")
        no_exception(page)
    finally:
        context.close()
