"""Two replicas behind nginx, six browser sessions, and one replica killed mid-session.

The scenario and its checks are tests/scaleout.py (bench/failover.py times the same run):
every session loads through nginx, the sessions are spread three and three by nginx's
route cookie, and when the replica of the first session is killed, its pages reconnect to
the other one and show the same view, rebuilt from the URL, with no error.
"""

from __future__ import annotations

import shutil

import pytest

from deploy.replicas import cluster
from tests.browser import ROOT
from tests.scaleout import SESSIONS, failover

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts" / "deploy"  # the nginx config and every log


def test_sessions_spread_over_two_replicas_and_survive_losing_one(nginx, chromium_browser):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    with cluster(2, workdir=ARTIFACTS) as c:
        figures = failover(chromium_browser, c)
    assert figures.spread == {"r1": SESSIONS // 2, "r2": SESSIONS // 2}, figures.spread
    assert figures.moved == SESSIONS // 2, figures
