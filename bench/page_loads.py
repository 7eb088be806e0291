"""The page bench's other visitors: a session that opens cap-size LSTMs one after another, and one
that trains an LSTM(32) on the adding problem, each a headless client of Streamlit's protocol
(``tests/protocol.py``), while bench/page.py times the measured page's t steps beside them; and
its cold loads: ``import tensorflow`` in a subprocess, and the first page load of a fresh server.
"""

from __future__ import annotations

import asyncio
import functools
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import (
    Browser,
    Locator,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/ is a package of the repo, not installed

from page_session import (  # noqa: E402  (bench/page_session.py, beside this file)
    ACTION_MS,
    CAP_LOAD_MS,
    CAP_LSTM_QUERY,
    EPOCH_TEXT,
    EPOCHS_LABEL,
    FIRST_LOAD_MS,
    NOTEBOOK_QUERY,
    T_LABEL,
    TF_ENV,
    TRAIN_EPOCHS,
    TRAIN_QUERY,
    TRAINED_TEXT,
    BenchError,
    Session,
    Stats,
    log,
    time_steps,
)

from tests import protocol  # noqa: E402
from tests.browser import serve_app  # noqa: E402


def step_once(session: Session, slider: Locator) -> float:
    """One ArrowLeft (or ArrowRight at t = 1) on ``slider``, timed as ``time_steps`` does."""
    slider.focus()
    before = slider.get_attribute("value")
    key = "ArrowRight" if before == slider.get_attribute("min") else "ArrowLeft"
    ms = session.act(functools.partial(slider.press, key))
    if slider.get_attribute("value") == before:
        raise BenchError(f"{key} did not move the slider from {before}")
    return ms


class HeavyLoad:
    """Another visitor opening new cap-size LSTMs one after another (seeds this server has
    not run: a new model, a new run and its views each time), over Streamlit's own protocol
    (``tests/protocol.py``) from a thread of its own: the server always has one to compute,
    and no second browser page competes with the measured one for the 2 cores."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.running = threading.Event()  # set while a heavy run is in flight
        self.runs = 0
        self.error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def __enter__(self) -> HeavyLoad:
        self._thread.start()
        if not self.running.wait(timeout=CAP_LOAD_MS / 1000):
            raise BenchError(f"the heavy session never started a run: {self.error}")
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=CAP_LOAD_MS / 1000)

    async def _main(self) -> None:
        seed = 1000
        try:
            while not self._stop.is_set():
                query = CAP_LSTM_QUERY.removeprefix("/?") + f"&seed={seed}"
                async with protocol.Session(self.url, query) as heavy:
                    self.running.set()
                    answer = await heavy.run(timeout=CAP_LOAD_MS / 1000)
                    self.running.clear()
                if answer.status != protocol.FINISHED or answer.of("exception"):
                    raise BenchError(f"the heavy run of seed {seed} ended badly")
                self.runs += 1
                seed += 1
        except (BenchError, protocol.ProtocolError) as err:
            self.error = str(err)
            self.running.clear()


def busy_tstep(browser: Browser, url: str, repeats: int) -> tuple[Stats, Stats]:
    """A t step at the notebook's sizes, idle and while another visitor's cap-size LSTMs
    are being computed (``HeavyLoad``). A busy step counts when a heavy run is in flight as
    the key is pressed; the runs follow one another, so nearly every step does. Returns
    (idle, busy)."""
    light = Session(browser, url, "app")
    try:
        light.open(NOTEBOOK_QUERY)
        idle = time_steps(light, T_LABEL, repeats, ACTION_MS)
        slider = light.t_slider(T_LABEL)
        busy: list[float] = []
        with HeavyLoad(url) as heavy:
            for _ in range(6 * repeats):
                if len(busy) == repeats or heavy.error:
                    break
                if heavy.running.is_set():
                    busy.append(step_once(light, slider))
                else:
                    heavy.running.wait(timeout=CAP_LOAD_MS / 1000)
            if heavy.error:
                raise BenchError(heavy.error)
            log(f"  ({heavy.runs} cap-size LSTM runs meanwhile)")
        if len(busy) < repeats:
            raise BenchError(f"only {len(busy)} of {repeats} steps began inside the heavy runs")
        return idle, Stats(busy)
    finally:
        light.close()


@dataclass(frozen=True)
class Seen:
    """The training page's latest run, as ``TrainingLoad`` saw it."""

    polls: int  # the training page's runs answered so far
    running: bool  # its progress bar showed an epoch under way
    epoch: int | None  # that epoch (1-based), the last one shown
    at: float  # time.monotonic() when it came


class TrainingLoad:
    """Another visitor training an LSTM(32) on the adding problem (``TRAIN_QUERY``, 200
    epochs) over Streamlit's own protocol (``tests/protocol.py``), from a thread of its own:
    its page is opened, Epochs set, Train pressed, and the page then kept open as a tab
    keeps it, its progress fragment rerun every 0.4 s (``protocol.Session.follow``), each
    run noted (``Seen``). On leaving, Stop is pressed and the page followed until it reads
    "Trained k epochs ... (stopped)": the server's training thread is idle again. (Its polls
    cost the server a little more than a tab's: with no message cache, each brings the loss
    curve in full where a tab would get a reference to the unchanged figure.)"""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen = Seen(0, False, None, time.monotonic())
        self.outcome = ""  # the page's "Trained ..." line once the training is over
        self.finished = False  # the page no longer trains
        self.error: str | None = None
        self._done = False  # the thread has ended
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def __enter__(self) -> TrainingLoad:
        self._thread.start()
        with self._changed:
            self._changed.wait_for(
                lambda: self.seen.running or self.finished or self._done, CAP_LOAD_MS / 1000
            )
        if not self.seen.running:
            self.__exit__()
            raise BenchError(f"the other session's training never ran an epoch: {self.error}")
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=2 * CAP_LOAD_MS / 1000)
        if self._thread.is_alive():
            raise BenchError("the training session did not stop")

    def next_seen(self, after: int) -> Seen:
        """The first of the training page's runs after its ``after``-th (waits for it)."""
        with self._changed:
            if not self._changed.wait_for(
                lambda: self.seen.polls > after or self._done, ACTION_MS / 1000
            ):
                raise BenchError(f"the training page did not poll within {ACTION_MS} ms")
            if self.seen.polls <= after:
                raise BenchError(f"the training session ended: {self.error}")
            return self.seen

    async def _main(self) -> None:
        try:
            query = TRAIN_QUERY.removeprefix("/?")
            async with protocol.Session(self.url, query) as page:
                self._check(await page.run(timeout=CAP_LOAD_MS / 1000), "its first run")
                self._check(await page.set_slider(EPOCHS_LABEL, TRAIN_EPOCHS), EPOCHS_LABEL)
                self._note(self._check(await page.press("Train"), "Train"))
                try:
                    await page.follow(self._until_stopped, timeout=2 * CAP_LOAD_MS / 1000)
                finally:
                    if not self.finished:  # Stop, and follow the page until it says so
                        self._note(self._check(await page.press("Stop"), "Stop"))
                        if not self.finished:
                            await page.follow(self._until_finished, CAP_LOAD_MS / 1000)
            if not TRAINED_TEXT.search(self.outcome):
                raise BenchError(
                    f"the training page ended without a 'Trained' line: {self.outcome}"
                )
        except (BenchError, protocol.ProtocolError) as err:
            self.error = self.error or str(err)
        finally:
            with self._changed:
                self._done = True
                self._changed.notify_all()

    @staticmethod
    def _check(answer: protocol.Answer, what: str) -> protocol.Answer:
        if answer.exceptions:
            raise BenchError(f"the training page, {what}: {answer.exceptions[0]}")
        return answer

    def _until_stopped(self, answer: protocol.Answer) -> bool:
        self._note(answer)
        return self._stop.is_set() or self.finished

    def _until_finished(self, answer: protocol.Answer) -> bool:
        self._note(answer)
        return self.finished

    def _note(self, answer: protocol.Answer) -> None:
        """What one of the training page's runs showed: an epoch under way, or the end."""
        epochs = [EPOCH_TEXT.match(bar.text) for bar in answer.of("progress")]
        epoch = next((int(m[1]) for m in epochs if m), None)
        ended = answer.status == protocol.FINISHED and not answer.of("progress")
        with self._changed:
            if answer.exceptions:
                self.error = self.error or f"the training page: {answer.exceptions[0]}"
            if ended:
                self.finished = True
                self.outcome = next(
                    (a.body for a in answer.of("alert") if TRAINED_TEXT.search(a.body)),
                    "; ".join(a.body for a in answer.of("alert")),
                )
            last = self.seen
            self.seen = Seen(
                last.polls + 1, epoch is not None, epoch or last.epoch, time.monotonic()
            )
            self._changed.notify_all()


def training_tstep(browser: Browser, url: str, repeats: int) -> tuple[Stats, Stats, str]:
    """A t step at the notebook's sizes, idle and while another visitor trains
    (``TrainingLoad``). A step counts when the training page showed an epoch under way at
    its last poll before the key and at its first poll after the page settled (a training
    that has ended does not start again). Returns (idle, during, what the training did)."""
    light = Session(browser, url, "app")
    try:
        light.open(NOTEBOOK_QUERY)
        idle = time_steps(light, T_LABEL, repeats, ACTION_MS)
        slider = light.t_slider(T_LABEL)
        during: list[float] = []
        with TrainingLoad(url) as training:
            first: Seen | None = None
            last: Seen | None = None
            for _ in range(2 * repeats):
                before = training.seen
                if len(during) == repeats or not before.running:
                    break
                ms = step_once(light, slider)
                after = training.next_seen(training.seen.polls)
                if not after.running:
                    break
                during.append(ms)
                first, last = first or before, after
        if training.error:
            raise BenchError(training.error)
        if len(during) < repeats or first is None or last is None:
            raise BenchError(f"only {len(during)} of {repeats} steps fell inside the training")
        epochs = (last.epoch or 0) - (first.epoch or 0)
        if epochs < 1:
            raise BenchError(f"the training stayed in epoch {first.epoch} during the steps")
        polls, seconds = last.polls - first.polls, last.at - first.at
        note = (
            f"the other session's training was in epoch {first.epoch} of {TRAIN_EPOCHS} at the "
            f"first step and in epoch {last.epoch} after the last, its page polled {polls} times "
            f"in {seconds:.1f} s ({polls / seconds:.1f}/s); then Stop: "
            f"{training.outcome.split(':')[0]}"
        )
        log(f"  ({note})")
        return idle, Stats(during), note
    finally:
        light.close()


# --------------------------------------------------------------------------- cold loads


def tf_import(repeats: int = 3) -> Stats:
    """``python -c 'import tensorflow'``, wall time, with the servers' environment."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "import tensorflow"],
            env={**os.environ, **TF_ENV},
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        samples.append((time.perf_counter() - start) * 1000)
    return Stats(samples)


@dataclass(frozen=True)
class ColdLoad:
    """One load on a fresh server: ms since navigation start to each frame."""

    page: float  # the whole page drawn
    controls: float | None  # the ledger and the M field visible
    views: float | None  # the player and the weights view both drawn
    waiting: bool | None  # a Keras section still a placeholder at that frame


def cold_load(browser: Browser) -> ColdLoad:
    """A fresh server, navigated as soon as it is healthy."""
    with serve_app() as server:
        session = Session(browser, server.url, "app")
        try:
            session.page.goto(NOTEBOOK_QUERY, wait_until="commit")
            r = session.loaded(FIRST_LOAD_MS)
            return ColdLoad(r["ms"], r["controls"], r["views"], r["waiting"])
        finally:
            session.close()
