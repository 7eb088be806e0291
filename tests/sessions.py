"""Sessions of the app under load: what each one asks for, what it must see, what went wrong.

Session ``i`` opens its own model, ``(N, T, D, M, K) = (10, 10 + i, 3 + i, 5, 2)`` with seed
``i`` (session 0 is the notebook's), so that no two sessions share a parameter total or a T.
Every answer is checked against the session's own config:

* a whole-page run: the ledger's "Parameters in total" is this model's count, the title reads
  this (N, T, D), and the t slider stands at the session's t;
* a t step (the step panel's fragment alone): the panel reads "step t = <this t> of T = <this
  T>" and the slider echoes t.

A wrong value is **cross-talk** (another session's state, or a stale one); a missing element,
an exception box, an unexpected status, a timeout or a closed connection is an **error**. The
load test and the load bench both count them with a ``Tally``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from tests.protocol import FINISHED, FRAGMENT_FINISHED, Answer, ProtocolError, Session

T_LABEL = "t — time step"
TOTAL_LABEL = "Parameters in total"
STEP_TEXT = re.compile(r"step <strong>t = (\d+)</strong> of T = (\d+)\.")
SHAPE_TEXT = re.compile(r"of shape \(N, T, D\) = \((\d+), (\d+), (\d+)\)")


@dataclass(frozen=True)
class Setup:
    """One session's model: a SimpleRNN near the notebook's sizes, its own D, T and seed."""

    i: int
    N: int = 10
    T: int = 10
    D: int = 3
    M: int = 5
    K: int = 2

    @property
    def seed(self) -> int:
        return self.i

    @property
    def query(self) -> str:
        c = self
        return f"?cell=simple&N={c.N}&T={c.T}&D={c.D}&M={c.M}&K={c.K}&seed={c.seed}"

    @property
    def total(self) -> int:
        """Keras' count_params: SimpleRNN M(D + M + 1), then Dense K(M + 1)."""
        return self.M * (self.D + self.M + 1) + self.K * (self.M + 1)


def setup(i: int) -> Setup:
    return Setup(i, T=10 + i, D=3 + i)


@dataclass
class Tally:
    """What every session saw, summed: runs checked, errors, cross-talk, step settle times."""

    pages: int = 0  # whole-page runs checked
    steps: int = 0  # t steps checked
    errors: list[str] = field(default_factory=list)
    crosstalk: list[str] = field(default_factory=list)
    # s, request to script_finished, of each t step that finished, since the last reset
    settle: list[float] = field(default_factory=list)
    page_settle: list[float] = field(default_factory=list)  # the same, whole-page runs

    def reset_timing(self) -> None:
        self.settle, self.page_settle = [], []


class LoadSession:
    """A protocol session that checks every answer against its own ``Setup``."""

    def __init__(self, url: str, s: Setup, tally: Tally) -> None:
        self.setup = s
        self.tally = tally
        self.session = Session(url, s.query)
        self.t = s.T  # the app opens at t = T
        self.alive = False

    async def open(self) -> None:
        try:
            await self.session.connect()
        except ProtocolError as err:
            self._error(str(err))
            return
        self.alive = True
        await self.page()

    async def close(self) -> None:
        await self.session.close()

    async def page(self) -> None:
        """A whole-page rerun, checked."""
        answer = await self._ask(self.session.run())
        if answer is not None and self._finished(answer, FINISHED):
            self._check_page(answer)
            self.tally.pages += 1
            self.tally.page_settle.append(answer.seconds)

    async def step(self) -> None:
        """Move t one step (T, T - 1, ..., 1, T, ...) and check the step panel's answer."""
        t = self.t - 1 if self.t > 1 else self.setup.T
        answer = await self._ask(self.session.set_slider(T_LABEL, t))
        if answer is None:
            return
        self.t = t
        if self._finished(answer, FRAGMENT_FINISHED):
            self._check_step(answer)
            self.tally.steps += 1
            self.tally.settle.append(answer.seconds)

    async def steps(self, count: int | None = None, until: float | None = None) -> None:
        """``count`` t steps, or as many as answer before ``until`` (time.monotonic())."""
        done = 0
        while self.alive and (count is None or done < count):
            if until is not None and time.monotonic() >= until:
                break
            await self.step()
            done += 1

    async def _ask(self, request) -> Answer | None:
        if not self.alive:
            return None
        try:
            return await request
        except ProtocolError as err:
            self.alive = False  # its connection is gone: one error, not one per step after
            self._error(str(err))
            return None

    def _finished(self, answer: Answer, status: int) -> bool:
        for text in answer.exceptions:
            self._error(f"exception box: {text}")
        if answer.status != status:
            self._error(f"run ended with status {answer.status}, expected {status}")
        return not answer.exceptions and answer.status == status

    def _check_page(self, answer: Answer) -> None:
        s = self.setup
        totals = [m.body for m in answer.of("metric") if m.label == TOTAL_LABEL]
        self._expect("parameter total", totals, f"{s.total:,}")
        shapes = [m.groups() for m in map(SHAPE_TEXT.search, self._texts(answer)) if m]
        self._expect("(N, T, D)", shapes, (str(s.N), str(s.T), str(s.D)))
        self._expect_slider(answer)

    def _check_step(self, answer: Answer) -> None:
        steps = [m.groups() for m in map(STEP_TEXT.search, self._texts(answer)) if m]
        self._expect("step panel's (t, T)", steps, (str(self.t), str(self.setup.T)))
        self._expect_slider(answer)

    def _expect_slider(self, answer: Answer) -> None:
        values = [tuple(e.value) for e in answer.of("slider") if e.label == T_LABEL]
        self._expect("t slider", values, (float(self.t),))

    @staticmethod
    def _texts(answer: Answer) -> list[str]:
        return [m.body for m in answer.of("markdown") + answer.of("html")]

    def _expect(self, what: str, seen: list, wanted) -> None:
        """Exactly one ``what`` on the page, equal to ``wanted``: else an error (none or
        several) or cross-talk (one, showing some other value)."""
        if len(seen) != 1:
            self._error(f"{len(seen)} {what} on the page, expected one")
        elif seen[0] != wanted:
            self.tally.crosstalk.append(
                f"session {self.setup.i}: {what} is {seen[0]}, expected {wanted}"
            )

    def _error(self, message: str) -> None:
        self.tally.errors.append(f"session {self.setup.i}: {message}")
