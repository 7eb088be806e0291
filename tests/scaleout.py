"""Six browser sessions through nginx to two replicas, and one replica killed mid-session.

``failover`` is the whole scenario, shared by the test (tests/test_deploy_browser.py) and the
benchmark that times it (bench/failover.py). It opens every session at its own config and
step t, so no replica has a model for another replica's session cached, lets each page
finish a full run (a visitor reading the page), kills the replica that serves the first
session (SIGKILL, its whole process group) and waits for its pages to come back on the
survivor.

Which replica serves a session is read from nginx's route cookie, and checked by the kill
itself: exactly the pages whose cookie names the killed replica open a new WebSocket, and
the others keep theirs. "Back" means, for each of those pages: a new WebSocket, a script run
that started on it and finished, the route cookie now naming the survivor, and the same view
as before the kill, built by a fresh session from the URL (the parameter total, the t slider,
the address), with no exception and no error box. Then t is stepped, a fragment rerun that
only works if the new session has run the whole page.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from deploy.replicas import ROUTE_COOKIE, Cluster
from tests.browser import params, wait_for_app

SESSIONS = 6
VIEWPORT = {"width": 1400, "height": 900}
LOAD = 180_000  # ms; two cold replicas import TensorFlow on 2 cores and build 6 models
RERUN = 30_000  # ms; a rerun, or a first run on the survivor (it builds the config's model)

# Counts the page's WebSockets and notes every script state with the count at that moment,
# so "a run started on the new connection" can be told from a page still showing old content.
WATCH = """
window.__rnnviz = { sockets: 0, states: [] };
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    window.__rnnviz.sockets += 1;
  }
};
new MutationObserver((records) => {
  for (const record of records) {
    const state = record.target.getAttribute('data-test-script-state');
    window.__rnnviz.states.push({ sockets: window.__rnnviz.sockets, state });
  }
}).observe(document, {
  subtree: true,
  attributes: true,
  attributeFilter: ['data-test-script-state'],
});
"""
RAN_ON_A_NEW_SOCKET = """() => {
  const w = window.__rnnviz;
  const app = document.querySelector('[data-testid=stApp]');
  return w.sockets >= 2
    && w.states.some((s) => s.sockets >= 2 && s.state === 'running')
    && app?.getAttribute('data-test-script-state') === 'notRunning'
    && app?.getAttribute('data-test-connection-state') === 'CONNECTED';
}"""


@dataclass
class Session:
    context: BrowserContext
    page: Page
    M: int
    step: int  # the t the page should show

    @property
    def route(self) -> str:
        values = [c["value"] for c in self.context.cookies() if c["name"] == ROUTE_COOKIE]
        assert len(values) == 1, f"one {ROUTE_COOKIE} cookie expected, got {values}"
        return values[0]

    def sockets(self) -> int:
        return self.page.evaluate("() => window.__rnnviz.sockets")

    def slider(self) -> Locator:
        return self.page.get_by_test_id("stSlider").get_by_role("slider", name="t — time step")

    def shows_its_view(self, timeout: float) -> None:
        """Its config's parameter total, its t on the slider and in the URL; no error."""
        page = self.page
        expect(page.get_by_test_id("stMetricValue")).to_have_text(
            str(params(self.M)), timeout=timeout
        )
        expect(self.slider()).to_have_value(str(self.step), timeout=timeout)
        expect(page).to_have_url(re.compile(rf"[?&]M={self.M}&"), timeout=timeout)
        expect(page).to_have_url(re.compile(rf"[?&]step={self.step}(&|$)"), timeout=timeout)
        wait_for_app(page, timeout=timeout)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)

    def step_t(self) -> None:
        """t one step on, from the keyboard; the app writes it to the URL."""
        self.slider().focus()
        self.slider().press("ArrowRight")
        self.step += 1
        self.shows_its_view(RERUN)


@dataclass(frozen=True)
class Figures:
    load_s: float  # navigation of the 6 sessions to all of them drawn
    failover_s: float  # the kill to every moved page back, same view
    spread: dict[str, int]  # sessions per replica, from the route cookie, before the kill
    killed: str
    moved: int  # pages that were on the killed replica
    rss_mb: dict[str, float]  # each replica's resident memory with its sessions loaded


def rss_mb(pid: int) -> float:
    """Resident memory of one process (Linux), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no VmRSS for process {pid}")


def failover(browser: Browser, cluster: Cluster) -> Figures:
    """Run the scenario against ``cluster`` (2 replicas or more); raises if anything is off."""
    sessions = []
    started = time.monotonic()
    for i in range(SESSIONS):
        context = browser.new_context(viewport=VIEWPORT, base_url=cluster.url)
        context.add_init_script(WATCH)
        page = context.new_page()
        M, step = 3 + i, 2 + i  # a model of its own for every session
        page.goto(f"/?M={M}&seed={i}&step={step}", wait_until="commit")
        sessions.append(Session(context, page, M, step))
    try:
        for s in sessions:
            s.shows_its_view(LOAD)
        load_s = time.monotonic() - started
        spread = dict(Counter(s.route for s in sessions))
        memory = {r.name: rss_mb(r.process.pid) for r in cluster.replicas}
        for s in sessions:
            assert s.sockets() == 1, f"M={s.M}: {s.sockets()} WebSockets before any failure"

        killed = sessions[0].route
        victims = [s for s in sessions if s.route == killed]
        others = [s for s in sessions if s.route != killed]
        os.killpg(cluster.replica(killed).process.pid, signal.SIGKILL)
        cluster.replica(killed).process.wait(timeout=10)
        stopped = time.monotonic()
        for s in victims:
            s.page.wait_for_function(RAN_ON_A_NEW_SOCKET, timeout=RERUN)
            s.shows_its_view(RERUN)
        failover_s = time.monotonic() - stopped

        for s in victims:
            assert s.route != killed, f"M={s.M}: still routed to the killed {killed}"
            s.step_t()  # a fragment rerun: only a session that has run the page knows it
        for s in others:
            s.shows_its_view(RERUN)
            assert s.sockets() == 1, f"M={s.M} was on {s.route}, yet it lost its WebSocket"
        return Figures(load_s, failover_s, spread, killed, len(victims), memory)
    finally:
        for s in sessions:
            s.context.close()
