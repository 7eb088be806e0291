"""Take a full-page screenshot of the app for the README (`make screenshot`).

    python -m tests.screenshot OUT.png [QUERY]

QUERY is the page's URL query, e.g. ``M=8&T=30``; without it the page shows the notebook's
sizes. The app is started on a free port and stopped again, as in the browser tests.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests import browser

VIEWPORT = {"width": 1600, "height": 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.screenshot", description="Full-page screenshot of the app."
    )
    parser.add_argument("out", type=Path, help="where to write the PNG")
    parser.add_argument("query", nargs="?", default="", help="URL query, e.g. 'M=8&T=30'")
    args = parser.parse_args(argv)
    if not browser.CHROMIUM.exists():
        print(f"screenshot: no {browser.CHROMIUM}; apt-get install -y chromium", file=sys.stderr)
        return 2

    with browser.serve_app() as server, sync_playwright() as playwright:
        chromium = browser.launch_chromium(playwright)
        try:
            page = chromium.new_page(viewport=VIEWPORT)
            # The first run of a fresh server is the only one, so waiting for its end is enough.
            page.goto(f"{server.url}/?{args.query.lstrip('?')}", wait_until="commit")
            browser.wait_for_app(page)
            browser.screenshot_full_page(page, args.out)  # every chart in view, so drawn
        finally:
            chromium.close()
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
