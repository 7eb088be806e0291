"""Eight sessions at once on one server: every answer is each session's own, none fails.

Eight headless protocol sessions (``tests.sessions``), each on its own model, open the page,
step t together and reload; every answer is checked against the session's own config. The
speed of the same load is measured by ``bench/load.py``; this test claims no time.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.browser import serve_app
from tests.sessions import LoadSession, Tally, setup

SESSIONS = 8
STEPS = 6  # per session, all sessions at once


async def _load(url: str, tally: Tally) -> None:
    sessions = [LoadSession(url, setup(i), tally) for i in range(SESSIONS)]
    try:
        await asyncio.gather(*(s.open() for s in sessions))
        await asyncio.gather(*(s.steps(STEPS) for s in sessions))
        await asyncio.gather(*(s.page() for s in sessions))
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


@pytest.fixture(scope="module")
def server():
    with serve_app() as server:
        yield server


def test_eight_sessions_see_only_their_own_model(server):
    tally = Tally()
    asyncio.run(_load(server.url, tally))
    assert tally.errors == [], "\n".join(tally.errors)
    assert tally.crosstalk == [], "\n".join(tally.crosstalk)
    # every run was answered and checked: none went missing without an error
    assert (tally.pages, tally.steps) == (2 * SESSIONS, STEPS * SESSIONS)


def test_a_wrong_answer_is_counted_as_crosstalk(server):
    """The check itself: a session told to expect another model's numbers reports them."""
    tally = Tally()

    async def mislabelled() -> None:
        s = LoadSession(server.url, setup(0), tally)
        s.setup = setup(1)  # asks for model 0, expects model 1's total and (N, T, D)
        try:
            await s.open()
        finally:
            await s.close()

    asyncio.run(mislabelled())
    assert tally.errors == [], "\n".join(tally.errors)
    assert len(tally.crosstalk) == 2, tally.crosstalk  # parameter total and (N, T, D)
