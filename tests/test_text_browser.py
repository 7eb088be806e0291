"""The reading section in a real browser (Playwright + Debian chromium): the held-out text coloured
by a unit, a character's connectivity, a selection's ranking, and text written by the NumPy step
with Keras' probabilities beside it. Each test also checks that no exception box appears."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from rnnviz.config import RNNConfig
from rnnviz.recurrence import initial
from rnnviz.tasks import VAL_FRACTION
from rnnviz.text import corpus, reading
from rnnviz.text.hypotheses import HYPOTHESES, contrast, pearson
from tests.browser import ROOT, Server, serve_app, wait_for_app

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 1600}
FIRST_LOAD = 90_000  # ms: the server's first run imports TensorFlow
SIZES = dict(task="brackets", cell="lstm", N=64, T=64, D=37, K=37, M=8, return_sequences=True)
QUERY = "?" + "&".join(f"{k}={int(v) if isinstance(v, bool) else v}" for k, v in SIZES.items())


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ROOT / "test-artifacts" / "streamlit-text.log") as server:
        yield server


def open_reading(new_page, server: Server) -> Page:
    page = new_page(server.url, VIEWPORT)
    page.goto("/" + QUERY, wait_until="commit")
    wait_for_app(page, timeout=FIRST_LOAD)
    expect(page.locator("[class*=st-key-waiting]")).to_have_count(0, timeout=FIRST_LOAD)
    page.get_by_role("heading", name="10 · Reading the units").scroll_into_view_if_needed()
    expect(page.locator(".rnnviz-ttext span[data-i]").first).to_be_visible()
    # the scroll may bring a chart's held place on screen, whose rerun a click must not race
    wait_for_app(page)
    return page


def _study():
    """The held-out text's reading with the page's initial weights, computed here."""
    c = RNNConfig(**SIZES)
    text = corpus.of_task("brackets", 0)
    cut, held = text.held_out(VAL_FRACTION)
    return held, reading.over(c, initial.weights_of(c), text.ids[cut:])


def _backgrounds(page: Page, count: int = 200) -> list[str]:
    return page.evaluate(
        """(n) => [...document.querySelectorAll('.rnnviz-ttext span[data-i]')].slice(0, n)
            .map((s) => s.style.background)""",
        count,
    )


def test_colour_the_text_by_the_unit_that_follows_the_depth(new_page, app_server):
    page = open_reading(new_page, app_server)
    held, r = _study()
    depth = HYPOTHESES["depth"].of(held)
    scores = {s: pearson(r.states[s], depth) for s in ("h", "c")}
    state, unit = max(((s, int(np.argmax(np.abs(v)))) for s, v in scores.items()),
                      key=lambda su: abs(scores[su[0]][su[1]]))  # fmt: skip
    button = page.get_by_role("button", name=re.compile(r"^nesting depth: "))
    expect(button).to_contain_text(f"{state}_t[{unit}], r = {scores[state][unit]:+.2f}")
    before = _backgrounds(page)
    button.click()
    wait_for_app(page)
    expect(page.get_by_label("m — unit to colour the text by")).to_have_value(str(unit))
    expect(page.locator(".rnnviz-ttext")).to_have_attribute(
        "aria-label", f"The held-out text, each character coloured by {state}_t[{unit}]"
    )
    assert _backgrounds(page) != before
    # pointing at a character reads its value in the browser: the unit's state after it
    page.locator(".rnnviz-ttext span[data-i='5']").hover()
    value = r.states[state][5, unit]
    expect(page.locator(".rnnviz-treadout")).to_contain_text(
        f"(character 5): {state}_t[{unit}] = {value:.4f}".replace("-", "\u2212")
    )
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_click_a_character_and_see_what_its_prediction_looked_back_at(new_page, app_server):
    page = open_reading(new_page, app_server)
    page.locator(".rnnviz-ttext span[data-i='300']").click()
    expect(page.locator(".rnnviz-tpicked")).to_have_attribute("data-i", "300")
    expect(
        page.get_by_text(re.compile(r"^After character 300, the model predicted"))
    ).to_be_visible()
    coloured = page.evaluate(
        """() => [...document.querySelectorAll('.rnnviz-ttext span[data-i]')]
            .filter((s) => s.style.background).map((s) => Number(s.dataset.i))"""
    )
    # the 120 characters up to the clicked one carry its connectivity; none after it
    assert coloured and max(coloured) == 300 and min(coloured) >= 300 - 119, coloured[:5]
    page.locator(".rnnviz-ttext span[data-i='290']").hover()
    expect(page.locator(".rnnviz-treadout")).to_contain_text("(character 290): ‖∂logit/∂x_τ‖ =")
    page.get_by_role("button", name="Back to the unit's colours").click()
    expect(page.locator(".rnnviz-tpicked")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_select_a_stretch_and_see_the_units_ranked(new_page, app_server):
    page = open_reading(new_page, app_server)
    page.evaluate(
        """() => {
            const at = (i) => document.querySelector(`.rnnviz-ttext span[data-i='${i}']`);
            const range = document.createRange();
            range.setStart(at(40).firstChild, 0);
            range.setEnd(at(90).firstChild, 1);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            at(90).dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
        }"""
    )
    expect(page.get_by_text(re.compile(r"characters 40 to 90"))).to_be_visible()
    ranking = page.locator(".st-key-text_ranking")
    expect(ranking.get_by_test_id("stDataFrame")).to_be_visible()
    # the first unit is the one whose mean moves most, in pooled σ, computed here
    held, r = _study()
    inside = np.zeros(len(held), bool)
    inside[40:91] = True
    best = int(np.argmax(np.abs(contrast(r.states["h"], inside))))
    ranking.get_by_role("button", name=f"Colour the text by h_t[{best}]").click()
    expect(page.get_by_label("m — unit to colour the text by")).to_have_value(str(best))
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_it_writes_with_the_numpy_step_and_keras_agrees(new_page, app_server):
    page = open_reading(new_page, app_server)
    page.get_by_label("Prompt").fill("[(")
    page.get_by_label("Characters").fill("60")
    page.get_by_role("button", name="Write").click()
    verdict = page.get_by_text(re.compile(r"^Keras' next-character probabilities beside NumPy's"))
    expect(verdict).to_contain_text("at every one of the 60 steps", timeout=FIRST_LOAD)
    expect(verdict).to_contain_text("the same")
    written = page.locator("[data-testid=stCode]").last.inner_text()
    assert written.startswith("[(") and len(written) >= 60
    expect(page.get_by_test_id("stException")).to_have_count(0)
