"""axe-core over the page in Debian's chromium: the WCAG 2.0 and 2.1 rules of levels A and AA.

Each page state of ``STATES`` (the notebook's default page, every cell, every lecture-mode
section in both themes, the quiz, a planted bug, a task, a text task) and of ``ZOOMED`` (at 640
CSS px, 1280 at 200% zoom) is loaded, every chart it holds is drawn (a chart is drawn once its
place scrolls into view), and axe-core runs over the whole document. No violation of impact
serious or critical may be left; the moderate and minor ones are counted, and the counts of
every state are written to ``test-artifacts/a11y.json``, which docs/accessibility.md quotes.
``make test`` audits one state of each kind (``EVERY_RUN``); ``make sweep``, which CI runs too,
the others (marker ``sweep``).

``STREAMLIT_RULES`` would name the rules whose violations come from Streamlit's own markup and
cannot be mended from the app; it is empty: every violation axe found was rnnviz's own. A
canary proves the harness can fail: an image without a text alternative, planted on the page,
must be reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from rnnviz.ui.contents import SECTIONS
from tests.browser import ROOT, Server, in_theme, serve_app, wait_for_app, wait_for_charts

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 900}
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")

# Rule id -> the Streamlit element it flags, and the Streamlit issue: kept out of the count.
STREAMLIT_RULES: dict[str, str] = {}

STATES: dict[str, str] = {
    "default page": "",
    "LSTM": "cell=lstm",
    "GRU, two bidirectional layers": "cell=gru&layers=2&bidirectional=true",
    "quiz": "quiz=true",
    "planted bug": "bug=whh_transposed",
    "adding task, trained": "task=adding&weights=trained&epochs=3",
    "text task": "task=brackets&cell=lstm",
    **{
        f"lecture: {key}{' (dark)' if theme == 'dark' else ''}": (
            f"present=true&section={key}&theme={theme}"
            + ("&task=brackets" if key == "text" else "")
            + ("&weights=trained&epochs=3" if key == "training" else "")
        )
        for key in SECTIONS
        for theme in ("light", "dark")
    },
    "dark theme, whole page": "theme=dark&cell=lstm",
}
ZOOM = {"width": 640, "height": 900}
ZOOMED: dict[str, str] = {
    "LSTM page": "cell=lstm",
    "lecture: time, LSTM": "present=true&section=time&cell=lstm",
}


@pytest.fixture(scope="module")
def app_server(chromium) -> Iterator[Server]:
    with serve_app(log=ARTIFACTS / "a11y_streamlit.log") as server:
        yield server


@pytest.fixture(scope="module")
def counts() -> Iterator[dict]:
    """Each state's moderate and minor violations, by rule, written out when the module ends."""
    found: dict[str, dict] = {}
    yield found
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "a11y.json").write_text(json.dumps(found, indent=1, sort_keys=True))


def load(page: Page, server: Server, query: str) -> None:
    """Open the page at ``query`` and wait until it and every chart on it are drawn."""
    page.goto(f"{server.url}/?{query}")
    in_theme(page, "dark" if "theme=dark" in query else "light")  # a dark one loads twice
    wait_for_charts(page, some=False)
    wait_for_app(page)
    page.evaluate("() => document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")


def audit(page: Page) -> list[dict]:
    """axe-core's violations of the WCAG A and AA rules on the whole document."""
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    assert result.response["passes"], "axe-core ran no rule"
    return [v for v in result.response["violations"] if v["id"] not in STREAMLIT_RULES]


def described(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['impact']} {v['id']} ({v['help']}): "
        + "; ".join(f"{n['target']} {n['html'][:140]}" for n in v["nodes"][:3])
        for v in violations
    )


# make test audits one state of each kind; make sweep (and CI) the others
EVERY_RUN = {"default page", "planted bug", "text task", "lecture: time", "lecture: time (dark)",
             "dark theme, whole page", "LSTM page"}  # fmt: skip


def swept(states: dict[str, str]) -> list:
    return [
        pytest.param(query, id=name, marks=() if name in EVERY_RUN else pytest.mark.sweep)
        for name, query in states.items()
    ]


@pytest.mark.parametrize("query", swept(STATES))
def test_no_serious_or_critical_violation(new_page, app_server, counts, query: str) -> None:
    check(new_page(app_server.url, VIEWPORT), app_server, counts, query)


@pytest.mark.parametrize("query", swept(ZOOMED))
def test_no_serious_or_critical_violation_at_200_percent_zoom(
    new_page, app_server, counts, query: str
) -> None:
    """At 640 CSS px (1280 at 200%) tables and code scroll inside their boxes, which must then
    take focus (``scrollable-region-focusable``)."""
    check(new_page(app_server.url, ZOOM), app_server, counts, query, " at 640 px")


def check(page: Page, server: Server, counts: dict, query: str, where: str = "") -> None:
    load(page, server, query)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    violations = audit(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"?{query}{where}:\n{described(blocking)}"
    counts[query + where] = {
        impact: {v["id"]: len(v["nodes"]) for v in violations if v["impact"] == impact}
        for impact in ("moderate", "minor")
    }


def test_a_planted_violation_is_reported(new_page, app_server) -> None:
    """The canary: the same harness reports an image with no text alternative."""
    page = new_page(app_server.url, VIEWPORT)
    load(page, app_server, "")
    page.evaluate(
        """() => {
            const img = document.createElement('img');
            img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
            img.id = 'rnnviz-canary';
            document.querySelector('[data-testid=stMain]').prepend(img);
        }"""
    )
    found = {v["id"]: v for v in audit(page)}
    assert "image-alt" in found, described(list(found.values()))
    assert found["image-alt"]["impact"] == "critical"
    assert any("rnnviz-canary" in n["html"] for n in found["image-alt"]["nodes"])
