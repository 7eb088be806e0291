"""Run the real app and a real browser: shared by the browser tests and the README screenshot.

``serve_app`` starts ``streamlit run app.py`` on a free port and stops it (its whole process
group) afterwards, with the process helpers of deploy/replicas.py; ``launch_chromium`` opens
Debian's chromium through Playwright, because ``playwright install`` cannot download browsers
everywhere we run; ``wait_for_app`` waits the way Streamlit's own e2e suite does, on the state
the page publishes on its root element.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, Playwright, expect

from deploy.replicas import STARTUP_TIMEOUT, free_port, start, stop, streamlit_command, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "chromium is required in CI: apt-get install -y chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in containers
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
APP_TIMEOUT = 60_000  # ms; the first page load imports TensorFlow and builds a Keras model
EXPECT_TIMEOUT = 20_000  # ms, an expect's deadline unless it says (Playwright's own: 5 s)


def params(M: int, D: int = 3, K: int = 2) -> int:
    """Keras' count_params() for SimpleRNN(M) -> Dense(K), worked out independently."""
    return M * (D + M + 1) + K * (M + 1)


@dataclass(frozen=True)
class Server:
    url: str  # http://127.0.0.1:PORT, no trailing slash
    log: Path  # the server's stdout and stderr
    pid: int  # the server's process (memory and CPU are read from /proc/<pid>)


@contextlib.contextmanager
def serve_app(
    log: Path | None = None,
    timeout: float = STARTUP_TIMEOUT,
    script: str = "app.py",
    hosted: bool = False,
) -> Iterator[Server]:
    """Serve ``script`` (app.py unless told) from the repo root on a free port until the block ends.

    Tests are development, so the page shows full error details, as with ``make run``, unless
    ``hosted``: then .streamlit/config.toml (the hosted profile) has its way. The server's
    output goes to ``log`` (if None, a temporary file, deleted afterwards unless the start
    failed); a server that exits or does not answer ``/_stcore/health`` within ``timeout``
    seconds raises RuntimeError with the end of that log.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    keep_log = log is not None
    if log is None:
        fd, name = tempfile.mkstemp(prefix="rnnviz-streamlit-", suffix=".log")
        os.close(fd)
        log = Path(name)
    options = () if hosted else ("--client.showErrorDetails", "full")  # make run's
    process = start(streamlit_command(port, script, *options), log)
    try:
        try:
            wait_healthy(url, process, log, "streamlit run", timeout)
        except RuntimeError:
            keep_log = True  # named in the error
            raise
        yield Server(url=url, log=log, pid=process.pid)
    finally:
        stop(process)
        if not keep_log:
            log.unlink(missing_ok=True)


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's chromium, headless, with nothing phoning home."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def wait_for_app(page: Page, timeout: float = APP_TIMEOUT) -> None:
    """Wait until the script has finished its run and nothing is still loading.

    ``data-test-script-state`` goes initial -> running -> notRunning on each run. After an
    interaction it may still read notRunning from the previous run, so tests follow this
    with an auto-waiting ``expect`` on the text the interaction should produce.
    """
    app = page.locator("[data-testid=stApp]")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=timeout)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)
    expect(page.get_by_test_id("stSpinner")).to_have_count(0, timeout=timeout)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout)
    # A chart's place already on screen asks for its fragment's rerun, which draws it
    # (``in_view``). A click made in the same instant would be sent with that rerun, as its
    # fragment's (``click_in_view``), so wait for it too.
    page.wait_for_function(ON_SCREEN_HELD, timeout=timeout)
    # Every figure drawn has its download buttons under it (rnnviz.ui.components.figures): they
    # come a frame after the figure and move what is below, where a click may have been aimed.
    page.wait_for_function(DECORATED, timeout=timeout)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)


def click_in_view(page: Page, target: Locator, timeout: float = APP_TIMEOUT) -> None:
    """Click ``target`` as a reader does: scroll to it, and click once what the scroll brought
    into view is drawn. A click that scrolls the page itself can bring a chart's held place
    into view in the same instant (``in_view``), and Streamlit's browser side sends every
    widget change of one instant as one rerun, of the first one's fragment only: the place's
    fragment would run, and the click's own (the step panel, the X editor) would not."""
    target.scroll_into_view_if_needed(timeout=timeout)
    wait_for_app(page, timeout)
    target.click()


ON_SCREEN_HELD = """() => [...document.querySelectorAll('.rnnviz-in-view')].every((box) => {
  const r = box.getBoundingClientRect();
  return r.bottom <= 0 || r.top >= window.innerHeight || r.width === 0;
})"""


# The app root's background as WCAG relative luminance: > 0.5 is a light theme (Streamlit's
# own rule), and the dark theme of .streamlit/config.toml is near black.
LUMINANCE = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app) return -1;
  const [r, g, b] = getComputedStyle(app).backgroundColor.match(/[\\d.]+/g).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}"""


def in_theme(page: Page, theme: str) -> None:
    """Wait (with a deadline) until the page shows ``theme`` (its background, measured) and
    its theme element has drawn in it, and the run is over."""
    test = "> 0.5" if theme == "light" else ">= 0 && luminance < 0.05"
    page.wait_for_function(
        f"""() => {{
          const luminance = ({LUMINANCE})();
          return luminance {test} && document.documentElement.dataset.rnnvizTheme === '{theme}';
        }}""",
        timeout=APP_TIMEOUT,
    )
    wait_for_app(page)


DECORATED = """() => {
  if (!document.querySelector('.rnnviz-figures')) return true;  // a page without the element
  const under = (figure, kind) => {
    const box = figure.closest('[data-testid=stElementContainer]') ?? figure;
    return box.nextElementSibling?.classList.contains(kind);
  };
  const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
    .filter((chart) => chart.querySelector('svg.main-svg'));
  return charts.every((chart) => under(chart, 'rnnviz-dl-chart'))
    && [...document.querySelectorAll('canvas[data-rnnviz-figure]')]
      .every((canvas) => under(canvas, 'rnnviz-dl-strip'));
}"""


def wait_for_charts(page: Page, timeout: float = APP_TIMEOUT, some: bool = True) -> None:
    """Bring every chart's place into view, as a reader scrolling down the page does (a chart
    is drawn once its place comes into view: ``rnnviz.ui.components.in_view``), then wait
    until Plotly has drawn every chart on the page (its bundle loads lazily): at least one
    unless ``some`` is False (a page that may have none)."""
    held = page.locator(".rnnviz-in-view")
    for _ in range(held.count()):
        left = held.count()
        if not left:
            break
        # scrolled from the page (no auto-wait): a place already in view may go meanwhile
        page.evaluate("() => document.querySelector('.rnnviz-in-view')?.scrollIntoView()")
        expect(held).not_to_have_count(left, timeout=timeout)
    page.wait_for_function(
        """(some) => {
            const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
            const drawn = charts.every((c) => c.querySelector('.main-svg'));
            return (charts.length > 0 || !some) && drawn;
        }""",
        arg=some,
        timeout=timeout,
    )


def screenshot_full_page(page: Page, path: Path) -> None:
    """Save the whole page, not just the viewport.

    Streamlit scrolls inside its main and sidebar panes rather than the document, so
    ``full_page=True`` alone would stop at the viewport: grow the viewport to the taller
    pane first, then put it back.
    """
    viewport = page.viewport_size
    assert viewport is not None, "the page needs a fixed viewport"
    wait_for_charts(page)  # drawn first: a chart can be taller than the place it held
    height = page.evaluate(
        """() => Math.max(...['stMain', 'stSidebarContent'].map(
            (id) => document.querySelector(`[data-testid=${id}]`)?.scrollHeight ?? 0))"""
    )
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    wait_for_app(page)
    wait_for_charts(page)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True, animations="disabled")
    page.set_viewport_size(viewport)
