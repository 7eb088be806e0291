"""Run N Streamlit replicas of rnnviz behind nginx on this machine, and write nginx's config.

Each replica is ``streamlit run app.py`` with the hosted profile (``.streamlit/config.toml``)
on 127.0.0.1, reachable only through nginx. nginx (Debian's) runs unprivileged-friendly: a
config generated in a work directory with its own pid file, logs and temp paths, started with
``-p <dir>`` and ``daemon off`` as a child of this script. Every process is the leader of its
own process group, and everything is stopped when the script ends, however it ends.

``render_site`` writes the part of the config that does the work (the upstreams, the sticky
routing and the proxy settings); ``deploy/rnnviz.conf`` is its output for the defaults, which
is also what a single server's own nginx would include. The failover test
(tests/test_deploy_browser.py) and its benchmark run ``cluster`` too, so what is tested is
what is deployed.

Run from the repository root: ``python -m deploy.replicas`` (``make deploy``); Ctrl-C stops
it. ``--print-config`` prints the site config for the given ports instead.

Standard library only: a server needs nothing beyond requirements.txt and nginx.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE_CONF = ROOT / "deploy" / "rnnviz.conf"  # render_site() at the defaults below
NGINX_MISSING = "nginx is required in CI: apt-get install -y nginx"
ROUTE_COOKIE = "rnnviz_route"  # names the replica a browser session is pinned to
DEFAULT_REPLICAS = 2
DEFAULT_PORT = 8080  # nginx
DEFAULT_REPLICA_PORT = 8601  # the first replica; the others count up from it
STARTUP_TIMEOUT = 90.0  # s; a replica starts in ~2 s, longer when the cores are busy
POLL_INTERVAL = 0.2  # s between health checks
HEALTH = "/_stcore/health"  # Streamlit answers "ok" once it serves


def nginx_binary() -> str | None:
    """Debian installs nginx in /usr/sbin, which is not on every user's PATH."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    """Does ``url`` answer Streamlit's health check (directly or through nginx)?"""
    try:
        with urllib.request.urlopen(f"{url}{HEALTH}", timeout=1) as response:
            return response.read().strip() == b"ok"
    except (OSError, http.client.HTTPException):  # refused, reset, timed out, half-started
        return False


def streamlit_command(port: int, script: str = "app.py", *options: str) -> list[str]:
    """``streamlit run script`` on 127.0.0.1:port; ``options`` are more ``--section.key value``."""
    return [
        *(sys.executable, "-m", "streamlit", "run", script),
        *("--server.port", str(port), "--server.address", "127.0.0.1"),
        *("--server.headless", "true", "--browser.gatherUsageStats", "false"),
        *options,
    ]


def start(command: Sequence[str], log: Path, env: dict[str, str] | None = None):
    """Start ``command`` from the repo root as the leader of a new process group.

    Its stdout and stderr go to ``log``; TensorFlow's start-up chatter is turned down, and
    glibc keeps two malloc arenas instead of one per thread (Streamlit runs every script
    run on a new thread): ~40 MB less resident memory over the memory soak.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    quiet = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0", "MALLOC_ARENA_MAX": "2"}
    env = {**quiet, **os.environ, **(env or {})}
    env.pop("RNNVIZ_OWN_MODELS", None)  # a hosted server never reads visitors' .keras files
    with log.open("wb") as out:
        return subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_healthy(
    url: str, process: subprocess.Popen, log: Path, what: str, timeout: float = STARTUP_TIMEOUT
) -> None:
    """Wait for ``url`` to pass the health check; RuntimeError with the log's end if
    ``process`` exits first or ``timeout`` seconds go by."""
    deadline = time.monotonic() + timeout
    while not healthy(url):
        if process.poll() is not None:
            raise RuntimeError(failed(what, f"exited with {process.returncode}", log))
        if time.monotonic() > deadline:
            raise RuntimeError(failed(what, f"not healthy after {timeout:.0f} s", log))
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=POLL_INTERVAL)  # between polls; returns early if it dies


def failed(what: str, how: str, log: Path) -> str:
    tail = log.read_text(errors="replace")[-4000:] if log.exists() else "(no log)"
    return f"{what} {how}; its log ({log}):\n{tail}"


def stop(process: subprocess.Popen, sig: signal.Signals = signal.SIGTERM) -> None:
    """End ``process`` and its whole group (it leads one): ``sig``, then SIGKILL after 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --------------------------------------------------------------------------- nginx's config


def render_site(replica_ports: Sequence[int], listen: str) -> str:
    """The http-level nginx config for replicas on 127.0.0.1 at ``replica_ports``.

    ``listen`` is nginx's listen value: a port (every interface) or ``address:port``.
    """
    names = [f"r{i}" for i in range(1, len(replica_ports) + 1)]
    server = "    server 127.0.0.1:{} max_fails=1 fail_timeout=10s;\n"
    pool = "".join(server.format(p) for p in replica_ports)
    pinned = ""
    for name, port in zip(names, replica_ports, strict=True):
        backups = "".join(f"    server 127.0.0.1:{p} backup;\n" for p in replica_ports if p != port)
        pinned += f"upstream rnnviz_{name} {{\n{server.format(port)}{backups}}}\n\n"
    by_cookie = "".join(f"    {name} rnnviz_{name};\n" for name in names)
    by_address = "".join(
        f"    ~127\\.0\\.0\\.1:{port}$ {name};\n"
        for name, port in zip(names, replica_ports, strict=True)
    )
    return f"""\
# rnnviz behind nginx: {len(replica_ports)} Streamlit replicas on this machine.
# Written by deploy/replicas.py (python -m deploy.replicas --print-config); http-level
# directives, so a server's own nginx can include it from /etc/nginx/conf.d/.
#
# Sticky sessions by cookie. A Streamlit session lives in one replica's memory, so the
# page, its static files, the /_stcore/* calls and the WebSocket /_stcore/stream of one
# browser must all reach the same replica. A browser's first request carries no cookie and
# goes round-robin to any replica; every response names the replica that answered in the
# {ROUTE_COOKIE} cookie, and later requests go where it says. When that replica is down, the
# others are its backups, and the cookie follows the one that answered. (ip_hash would pin
# every visitor behind one address, a classroom's NAT, to one replica.)

map $http_upgrade $rnnviz_connection {{
    default upgrade;
    ""      close;
}}

# First requests: round-robin over every replica.
upstream rnnviz_any {{
{pool}}}

# One group per replica: it, then the others if it is down.
{pinned}map $cookie_{ROUTE_COOKIE} $rnnviz_upstream {{
    default rnnviz_any;
{by_cookie}}}

# The replica that answered: the last address tried ($upstream_addr lists every attempt).
map $upstream_addr $rnnviz_replica {{
    default "";
{by_address}}}

log_format rnnviz '$remote_addr [$time_local] "$request" $status '
                  'cookie=$cookie_{ROUTE_COOKIE} upstream=$upstream_addr';

server {{
    listen {listen};

    client_max_body_size 16m;  # Streamlit's server.maxUploadSize
    proxy_http_version 1.1;  # for the WebSocket upgrade
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $rnnviz_connection;
    # With its port: Streamlit checks the WebSocket's Origin against the Host header.
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_read_timeout 1h;  # a WebSocket stays open while the page is
    proxy_max_temp_file_size 0;  # stream large responses, never spool them to disk

    add_header Set-Cookie "{ROUTE_COOKIE}=$rnnviz_replica; Path=/; HttpOnly; SameSite=Lax" always;
    add_header X-Replica $rnnviz_replica always;

    location / {{
        proxy_pass http://$rnnviz_upstream;
    }}
}}
"""


def listen_on(host: str, port: int) -> str:
    """nginx's listen value: the port alone means every interface."""
    return str(port) if host == "0.0.0.0" else f"{host}:{port}"


def render_main(site: Path) -> str:
    """A whole nginx config for one run under ``-p <dir>``: its paths are that dir's."""
    return f"""\
# One local run of deploy/replicas.py; relative paths are under nginx's -p prefix.
worker_processes 1;  # one round-robin counter: first requests alternate exactly
pid nginx.pid;
error_log error.log notice;

events {{
    worker_connections 1024;
}}

http {{
    client_body_temp_path temp/body;
    proxy_temp_path temp/proxy;
    fastcgi_temp_path temp/fastcgi;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
    include {site};
    access_log access.log rnnviz;  # its format is the site's
}}
"""


def write_config(workdir: Path, replica_ports: Sequence[int], listen: str) -> Path:
    """Write the site and the main config into ``workdir``; the main config's path."""
    (workdir / "temp").mkdir(parents=True, exist_ok=True)
    site = workdir / "rnnviz.conf"
    site.write_text(render_site(replica_ports, listen))
    main = workdir / "nginx.conf"
    main.write_text(render_main(site.resolve()))
    return main


# --------------------------------------------------------------------------- the cluster


@dataclass(frozen=True)
class Replica:
    name: str  # r1, r2, ...: the value of the route cookie for sessions it serves
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass(frozen=True)
class Cluster:
    url: str  # nginx, http://HOST:PORT with no trailing slash
    replicas: tuple[Replica, ...]
    nginx: subprocess.Popen
    workdir: Path  # the config and every log

    def replica(self, name: str) -> Replica:
        return next(r for r in self.replicas if r.name == name)


@contextlib.contextmanager
def cluster(
    replicas: int = DEFAULT_REPLICAS,
    port: int | None = None,
    host: str = "127.0.0.1",
    replica_port: int | None = None,
    workdir: Path | None = None,
    timeout: float = STARTUP_TIMEOUT,
) -> Iterator[Cluster]:
    """Serve ``replicas`` copies of the app behind nginx until the block ends.

    nginx listens on ``host:port`` (a free port if None); the replicas on 127.0.0.1 from
    ``replica_port`` up (free ports if None). They share one ``server.cookieSecret``, made
    for this run and passed in their environment only, so an XSRF token one replica signed
    holds on the others. Config and logs go to ``workdir`` (if None, a temporary directory,
    deleted afterwards unless a start failed). Raises RuntimeError, naming the log, if
    anything fails to start.
    """
    if replicas < 1:
        raise ValueError(f"replicas must be at least 1, got {replicas}")
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError(NGINX_MISSING)
    keep = workdir is not None
    workdir = Path(workdir or tempfile.mkdtemp(prefix="rnnviz-deploy-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    ports = (
        [replica_port + i for i in range(replicas)]
        if replica_port
        else [free_port() for _ in range(replicas)]
    )
    env = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    main = write_config(workdir, ports, listen_on(host, port))
    started: list[subprocess.Popen] = []
    try:
        try:
            group = []
            for i, p in enumerate(ports, start=1):
                log = workdir / f"r{i}.log"
                process = start(streamlit_command(p), log, env)
                started.append(process)
                group.append(Replica(f"r{i}", p, process, log))
            for r in group:
                wait_healthy(r.url, r.process, r.log, f"replica {r.name}", timeout)
            log = workdir / "nginx.out"
            front = start([nginx, "-p", str(workdir), "-c", str(main), "-g", "daemon off;"], log)
            started.append(front)
            url = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"
            wait_healthy(url, front, log, "nginx", timeout)
        except RuntimeError:
            keep = True  # its log is named in the error
            raise
        yield Cluster(url=url, replicas=tuple(group), nginx=front, workdir=workdir)
    finally:
        for process in reversed(started):  # nginx first: no new requests to a stopping replica
            stop(process)  # SIGTERM: nginx's fast shutdown; a graceful one waits for WebSockets
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.replicas", description=__doc__)
    parser.add_argument("--replicas", type=int, default=DEFAULT_REPLICAS, help="N (default 2)")
    parser.add_argument("--host", default="0.0.0.0", help="nginx's address (default 0.0.0.0)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="nginx's port (8080)")
    parser.add_argument(
        "--replica-port", type=int, default=DEFAULT_REPLICA_PORT, help="first replica's (8601)"
    )
    parser.add_argument(
        "--print-config", action="store_true", help="print the site config and exit"
    )
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error(f"--replicas must be at least 1, got {args.replicas}")
    ports = [args.replica_port + i for i in range(args.replicas)]
    if args.print_config:
        print(render_site(ports, listen_on(args.host, args.port)), end="")
        return 0
    # Ctrl-C, and kill or systemd's SIGTERM, stop everything; SIGINT explicitly, because a
    # shell starts background jobs with it ignored.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        workdir = Path(tempfile.mkdtemp(prefix="rnnviz-deploy-"))  # kept: the logs
        with cluster(args.replicas, args.port, args.host, args.replica_port, workdir) as c:
            print(
                f"rnnviz: {args.replicas} replicas behind nginx on http://{args.host}:{args.port}"
                f" ({c.url} here); logs in {c.workdir}. Ctrl-C stops them.",
                flush=True,
            )
            processes = [c.nginx, *(r.process for r in c.replicas)]
            while all(p.poll() is None for p in processes):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    c.nginx.wait(timeout=1)
            print("rnnviz: a process exited; stopping the others.", file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        return 0
    except RuntimeError as err:
        print(f"rnnviz: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
