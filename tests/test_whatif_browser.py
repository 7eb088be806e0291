"""The what-if in a real browser (Playwright + Debian chromium): one cell of sample n's X
typed into the data editor becomes the run's X, named in the URL by its digest."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from rnnviz.inputs import x_edits
from rnnviz.tasks import make_X
from tests.browser import ROOT, Server, click_in_view, serve_app, wait_for_app

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 2600}  # tall: the states section without scrolling
FIRST_LOAD = 60_000  # ms; the server's first run imports TensorFlow
ROW = 35  # px: the data editor's row height (its header is one row too)


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ROOT / "test-artifacts" / "streamlit-whatif.log") as server:
        yield server


def open_at(new_page, server: Server, query: str) -> Page:
    page = new_page(server.url, VIEWPORT)
    page.goto("/" + query, wait_until="commit")
    wait_for_app(page, timeout=FIRST_LOAD)
    return page


def test_a_number_typed_into_x_becomes_the_run_and_the_link(new_page, app_server):
    page = open_at(new_page, app_server, "?T=5&sample=1")
    click_in_view(page, page.get_by_text("Edit X of sample n = 1"), timeout=FIRST_LOAD)
    grid = page.locator(".st-key-x_edit_box [data-testid=stDataFrame]")
    # On this module's fresh server the section's rerun may wait for Keras' first import.
    expect(grid).to_be_visible(timeout=FIRST_LOAD)
    box = grid.bounding_box()
    assert box is not None
    # the cell of t = 2 (the second data row), feature d = 0 (the first column after t)
    x, y = box["x"] + 110, box["y"] + ROW + ROW // 2 + ROW
    page.mouse.dblclick(x, y)
    editor = page.locator("#portal textarea, #portal input").first
    expect(editor).to_be_visible()
    editor.fill("7")
    editor.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]x_edit=[0-9a-f]{16}(&|$)"), timeout=FIRST_LOAD)
    wait_for_app(page)
    digest = re.search(r"x_edit=([0-9a-f]{16})", page.url).group(1)
    # the digest names X_1 with x_2[0] = 7: the drawn sample with that one number changed
    X_1 = make_X(10, 5, 3, seed=0)[1]  # (T, D)
    X_1[1, 0] = 7.0
    assert digest == x_edits.digest(1, np.asarray(X_1, np.float32))
    expect(page.get_by_text(f"Sample n = 1 edited: x_edit={digest}.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Same output"))).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
