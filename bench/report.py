"""What every benchmark prints above its table: the machine, its load, the browser, the time.

Times on a shared 2-core box depend on what else runs, so each table says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
from pathlib import Path


def machine_line(
    browser_version: str | None = None, load: tuple[float, float, float] | None = None
) -> str:
    """'Machine: 2 cores, <CPU>, Linux; load 0.52/0.61/0.70. Chromium 156…. <date>.'

    ``load`` is the 1/5/15-minute load average to report (now, if not given: pass the one
    read before a run to report the load it started in)."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    averages = "/".join(f"{x:.2f}" for x in (load or os.getloadavg()))
    at = " at the start" if load else ""
    browser = f" Chromium {browser_version}." if browser_version else ""
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    machine = f"Machine: {os.cpu_count()} cores, {model}, {platform.system()}"
    return f"{machine}; load {averages}{at}.{browser} {now}."
