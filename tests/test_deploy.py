"""The nginx config and its sticky routing, over plain HTTP (the browser test covers the
WebSocket and failover with real pages: test_deploy_browser.py).

Needs Debian's nginx (skipped locally without it, failed under CI); the replicas start in a
few seconds, because nothing here runs the script, so TensorFlow is never imported.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest

from deploy.replicas import (
    DEFAULT_PORT,
    DEFAULT_REPLICA_PORT,
    ROUTE_COOKIE,
    SITE_CONF,
    cluster,
    healthy,
    listen_on,
    render_site,
    write_config,
)


def get(url: str, route: str | None = None) -> tuple[str, bytes]:
    """(the replica that answered, body) for one GET through nginx; ``route`` is the cookie
    sent. The replica is read from the route cookie set, which must agree with X-Replica."""
    headers = {"Cookie": f"{ROUTE_COOKIE}={route}"} if route else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
        cookies = r.headers.get_all("Set-Cookie") or []
        pattern = rf"{ROUTE_COOKIE}=(\w+); Path=/; HttpOnly; SameSite=Lax"
        routes = [m[1] for c in cookies if (m := re.fullmatch(pattern, c))]
        assert routes == [r.headers["X-Replica"]], (cookies, r.headers["X-Replica"])
        return routes[0], r.read()


def test_the_committed_site_config_is_what_the_script_writes():
    ports = [DEFAULT_REPLICA_PORT, DEFAULT_REPLICA_PORT + 1]
    mine = render_site(ports, listen_on("0.0.0.0", DEFAULT_PORT))
    assert mine == SITE_CONF.read_text(), (
        f"{SITE_CONF} is stale: python -m deploy.replicas --print-config > {SITE_CONF}"
    )


@pytest.mark.parametrize("replicas", [1, 3])
def test_nginx_accepts_the_config(nginx: str, tmp_path: Path, replicas: int):
    main = write_config(tmp_path, [9001 + i for i in range(replicas)], "127.0.0.1:9000")
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_first_requests_alternate_and_the_cookie_pins_every_path(nginx: str, tmp_path: Path):
    with cluster(2, workdir=tmp_path) as c:
        firsts = [get(f"{c.url}/")[0] for _ in range(4)]
        assert sorted(firsts) == ["r1", "r1", "r2", "r2"], firsts
        assert firsts[0] != firsts[1], f"round-robin should alternate: {firsts}"

        html = get(f"{c.url}/", route="r2")[1].decode()
        asset = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', html)
        assert asset, "no script in the page"
        for path in ("/", f"/{asset[1]}", "/_stcore/health", "/_stcore/host-config"):
            for route in ("r1", "r2"):
                assert get(c.url + path, route)[0] == route, f"{path} with {route}"

        os.killpg(c.replica("r2").process.pid, signal.SIGKILL)
        c.replica("r2").process.wait(timeout=10)
        for path in ("/", "/_stcore/health"):
            assert get(c.url + path, route="r2")[0] == "r1", f"{path} after r2 died"
            assert get(c.url + path)[0] == "r1", f"{path} without a cookie after r2 died"


def test_a_failed_start_stops_what_it_started(nginx: str, tmp_path: Path):
    with socket.socket() as taken:  # nginx's port, already in use
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match=r"(?s)nginx exited .*Address already in use"):
            with cluster(2, port=port, workdir=tmp_path):
                pytest.fail("the cluster started on a port in use")
    site = (tmp_path / "rnnviz.conf").read_text()
    replicas = sorted(set(re.findall(r"server 127\.0\.0\.1:(\d+) max_fails", site)))
    assert len(replicas) == 2, site
    for p in replicas:
        assert not healthy(f"http://127.0.0.1:{p}"), f"the replica on {p} was left running"
