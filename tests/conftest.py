"""Shared fixtures. TensorFlow is slow to import, so it is imported once per session.

The real-browser tests share ``chromium`` (Debian's; missing, they skip locally and fail
under CI) and ``chromium_browser`` (one headless browser per test module); ``nginx`` is
required the same way.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def _required(missing: str) -> None:
    """Fail under CI, where .ci/run installs it; skip locally."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(missing, pytrace=False)
    pytest.skip(missing)


@pytest.fixture(scope="module")
def chromium() -> None:
    from playwright.sync_api import expect

    from tests.browser import CHROMIUM, CHROMIUM_MISSING, EXPECT_TIMEOUT

    if not CHROMIUM.exists():
        _required(CHROMIUM_MISSING)
    # make test runs two test files at a time on 2 cores: a rerun may take a few seconds
    expect.set_options(timeout=EXPECT_TIMEOUT)


@pytest.fixture(scope="module")
def nginx() -> str:
    """Debian's nginx, for the replicas-behind-a-balancer tests; its path."""
    from deploy.replicas import NGINX_MISSING, nginx_binary

    path = nginx_binary()
    if path is None:
        _required(NGINX_MISSING)
    return path


@pytest.fixture
def fresh_caches() -> None:
    """Every cache of this server emptied (``rnnviz.ui.cache.clear``), as a server just
    started: a test then sees its own runs and views, not an earlier test's."""
    from rnnviz.ui import cache

    cache.clear()


@pytest.fixture(scope="session")
def torch():
    """PyTorch (CPU), the reference for the PyTorch layout: a test-only dependency
    (requirements-dev.txt); the app never imports it."""
    try:
        import torch
    except ImportError:
        _required("torch is required in CI: pip install -r requirements-dev.txt (torch==2.13.0)")
    torch.set_num_threads(1)
    return torch


@pytest.fixture(scope="module")
def chromium_browser(chromium) -> Iterator:
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium

    with sync_playwright() as playwright:
        b = launch_chromium(playwright)
        yield b
        b.close()


@pytest.fixture
def new_page(chromium_browser) -> Iterator:
    """``new_page(base_url, viewport)``: a page in a fresh browser context, i.e. its own
    Streamlit session; every context is closed when the test ends."""
    contexts = []

    def open_(base_url: str, viewport: dict):
        context = chromium_browser.new_context(viewport=viewport, base_url=base_url)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--fuzz", action="store_true", help="also run the full URL fuzz (make fuzz)")
    parser.addoption(
        "--sweep",
        action="store_true",
        help="also run the browser sweeps' other states (make sweep)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave out the full URL fuzz (marker ``fuzz``) unless ``--fuzz`` asks for it, and the
    rest of a browser sweep over page states (marker ``sweep``: every lecture section in both
    themes through axe-core, ...) unless ``--sweep`` does; a few states of each, one of every
    kind, run with every suite. CI runs them all (.ci/run)."""
    left = [m for m in ("fuzz", "sweep") if not config.getoption(f"--{m}")]
    out = [item for item in items if any(item.get_closest_marker(m) for m in left)]
    if out:
        config.hook.pytest_deselected(items=out)
        items[:] = [item for item in items if item not in out]
