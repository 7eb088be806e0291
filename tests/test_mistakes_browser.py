"""The "What if the shape is wrong?" section in a real browser (Playwright + Debian chromium).

The message looked for is the one the installed Keras raises when this file makes the
mistake itself, so the page is checked against Keras, not against a copy of its text.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from rnnviz.keras_side import model as keras_side
from tests.browser import ROOT, Server, click_in_view, serve_app, wait_for_app

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1600, "height": 1000}
FIRST_LOAD = 60_000  # ms; the server's first run imports TensorFlow
MAKING = 30_000  # ms; the five mistakes, made for a new config


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ROOT / "test-artifacts" / "streamlit-mistakes.log") as server:
        yield server


@pytest.fixture(scope="module")
def wrong_d_message() -> str:
    """What Keras says to a kernel for D = 4 given to the notebook's SimpleRNN(5) (D = 3)."""
    keras, _ = keras_side._keras()
    i = keras.Input((10, 3), name="X")
    rnn = keras.layers.SimpleRNN(5, name="simple_1")
    keras.Model(i, keras.layers.Dense(2)(rnn(i)))
    wx, wh, bh = rnn.get_weights()
    with pytest.raises(ValueError) as info:
        rnn.set_weights([np.zeros((4, 5), np.float32), wh, bh])
    return str(info.value)


def open_at(new_page, server: Server, query: str) -> Page:
    page = new_page(server.url, VIEWPORT)
    page.goto("/" + query, wait_until="commit")
    wait_for_app(page, timeout=FIRST_LOAD)
    return page


def assert_keras_message_shown(page: Page, message: str) -> None:
    wrong_d = page.locator(".st-key-mistake_wrong_d")
    expect(wrong_d.get_by_text("Keras raised ValueError")).to_be_visible(timeout=MAKING)
    expect(wrong_d.locator("code").filter(has_text=message)).to_have_count(1)
    expect(page.locator(".st-key-mistake_w_hh_transposed")).to_contain_text("max |Δ|")
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_lecture_mode_shows_keras_own_message(new_page, app_server, wrong_d_message):
    page = open_at(new_page, app_server, "?section=mistakes&present=true")
    expect(page.get_by_role("heading", name="7 · What if the shape is wrong?")).to_be_visible()
    assert_keras_message_shown(page, wrong_d_message)
    wait_for_app(page, timeout=MAKING)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_the_full_page_makes_the_mistakes_when_the_expander_opens(
    new_page, app_server, wrong_d_message
):
    page = open_at(new_page, app_server, "")
    expect(page.locator(".st-key-mistake_wrong_d")).to_have_count(0)  # not made while closed
    click_in_view(page, page.get_by_text("Make the five mistakes"))
    assert_keras_message_shown(page, wrong_d_message)
