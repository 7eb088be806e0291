"""The hosted profile in a browser: what a visitor sees of an error, and two replicas behind
nginx with six browser sessions, one replica killed mid-session.

The scenario and its checks are tests/scaleout.py (bench/failover.py times the same run):
every session loads through nginx, the sessions are spread three and three by nginx's
route cookie, and when the replica of the first session is killed, its pages reconnect to
the other one and show the same view, rebuilt from the URL, with no error.
"""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from deploy.replicas import cluster
from tests.browser import ROOT, serve_app, wait_for_app
from tests.scaleout import SESSIONS, failover

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts" / "deploy"  # the nginx config and every log
MESSAGE = "the detail only a developer should see"  # tests/apps/failing_app.py's exception
DETAIL = "W_hh is (4, 5), expected (5, 5)"  # its end


@pytest.mark.parametrize("hosted", [True, False], ids=["hosted", "local"])
def test_error_details_reach_developers_not_visitors(new_page, hosted: bool):
    with serve_app(script="tests/apps/failing_app.py", hosted=hosted) as server:
        page = new_page(server.url, {"width": 1200, "height": 800})
        page.goto("/", wait_until="commit")
        wait_for_app(page)
        expect(page.get_by_text("Before the error.")).to_be_visible()
        box = page.get_by_test_id("stException")
        expect(box).to_have_count(1)
        if hosted:
            expect(box).not_to_contain_text(MESSAGE)
            expect(box).not_to_contain_text("ValueError")
            expect(box).not_to_contain_text("failing_app.py")  # no traceback
        else:
            expect(box).to_contain_text(f"ValueError: {MESSAGE}: {DETAIL}")
        # the traceback is in the log either way (colour codes between the numbers)
        assert MESSAGE in server.log.read_text(), "the server's log lost the exception"


def test_sessions_spread_over_two_replicas_and_survive_losing_one(nginx, chromium_browser):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    with cluster(2, workdir=ARTIFACTS) as c:
        figures = failover(chromium_browser, c)
    assert figures.spread == {"r1": SESSIONS // 2, "r2": SESSIONS // 2}, figures.spread
    assert figures.moved == SESSIONS // 2, figures
