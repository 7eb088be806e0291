"""Run the real app and a real browser: shared by the browser tests and the README screenshot.

``serve_app`` starts ``streamlit run app.py`` on a free port and stops it (its whole process
group) afterwards; ``launch_chromium`` opens Debian's chromium through Playwright, because
``playwright install`` cannot download browsers everywhere we run; ``wait_for_app`` waits
the way Streamlit's own e2e suite does, on the state the page publishes on its root element.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright, expect

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
STARTUP_TIMEOUT = 90.0  # s; the server itself starts in ~2 s, TensorFlow loads on the first run
POLL_INTERVAL = 0.2  # s between health checks
APP_TIMEOUT = 60_000  # ms; the first page load imports TensorFlow and builds a Keras model


@dataclass(frozen=True)
class Server:
    url: str  # http://127.0.0.1:PORT, no trailing slash
    log: Path  # the server's stdout and stderr
    pid: int  # the streamlit process, for reading its CPU time


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
            return response.read().strip() == b"ok"
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, half-started
        return False


def _stop(process: subprocess.Popen) -> None:
    # Streamlit is the group leader (start_new_session), so this also ends anything it spawned.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.contextmanager
def serve_app(
    log: Path | None = None, timeout: float = STARTUP_TIMEOUT, script: str = "app.py"
) -> Iterator[Server]:
    """Serve ``script`` (app.py unless told) from the repo root on a free port until the block ends.

    The server's output goes to ``log`` (if None, a temporary file, deleted afterwards
    unless the start failed); a server that exits or does not answer ``/_stcore/health``
    within ``timeout`` seconds raises RuntimeError with the end of that log.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    keep_log = log is not None
    if log is None:
        fd, name = tempfile.mkstemp(prefix="rnnviz-streamlit-", suffix=".log")
        os.close(fd)
        log = Path(name)
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",  # tests need no other machine to reach it
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if process.poll() is not None:
                keep_log = True  # named in the error
                raise RuntimeError(_failed(f"exited with {process.returncode}", log))
            if time.monotonic() > deadline:
                keep_log = True
                raise RuntimeError(_failed(f"not healthy after {timeout:.0f} s", log))
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=POLL_INTERVAL)  # between polls; returns early if it dies
        yield Server(url=url, log=log, pid=process.pid)
    finally:
        _stop(process)
        if not keep_log:
            log.unlink(missing_ok=True)


def _failed(what: str, log: Path) -> str:
    tail = log.read_text(errors="replace")[-4000:]
    return f"streamlit run {what}; its log ({log}):\n{tail}"


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


def wait_for_charts(page: Page, timeout: float = APP_TIMEOUT) -> None:
    """Wait until Plotly has drawn every chart on the page (its bundle loads lazily)."""
    page.wait_for_function(
        """() => {
            const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
            return charts.length > 0 && charts.every((c) => c.querySelector('.main-svg'));
        }""",
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
