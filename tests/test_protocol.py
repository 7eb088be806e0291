"""The headless client's buttons and open-tab polling (``tests/protocol.py``), on the real app:
Train and Stop pressed over the protocol, the training's progress fragment rerun by
``Session.follow`` until Stop has ended it, as a browser tab's timers would.

What could go wrong, and is checked: a press that does not reach the button's ``on_click``
(no training, no progress bar), widget values the client forgets between runs (Epochs back
at its default: "of 20", not "of 200"), a fragment that is not rerun (the epoch never moves),
a whole-page answer cut short by a fragment's ``script_finished``, and a follow that does not
see the end (no "Trained ... (stopped)" line)."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.browser import serve_app
from tests.protocol import FINISHED, Answer, ProtocolError, Session

# an LSTM on the adding problem at T = 50: about half a second an epoch, so 200 epochs
# outlast the test by far (and the server's 60 s budget)
QUERY = "task=adding&D=2&K=1&T=50&N=1000&M=16&cell=lstm"
EPOCHS = 200
EPOCH_TEXT = re.compile(r"Epoch (\d+) of (\d+)")
TRAINED_TEXT = re.compile(r"Trained (\d+) epochs? in [\d.]+ s \(stopped\)")
WAIT_S = 120.0


def epochs_shown(answer: Answer) -> list[tuple[int, int]]:
    """(epoch under way, epochs asked for) from the progress bars of one run."""
    return [
        (int(m[1]), int(m[2])) for bar in answer.of("progress") if (m := EPOCH_TEXT.match(bar.text))
    ]


@pytest.fixture(scope="module")
def server():
    with serve_app() as server:
        yield server


def test_train_then_stop_over_the_protocol(server):
    seen: list[tuple[int, int]] = []  # every progress bar the polls brought

    def two_epochs_on(answer: Answer) -> bool:
        seen.extend(epochs_shown(answer))
        return len({epoch for epoch, _ in seen}) >= 2

    def trained(answer: Answer) -> bool:
        return any(TRAINED_TEXT.search(alert.body) for alert in answer.of("alert"))

    async def train_and_stop() -> tuple[Answer, Answer, Answer]:
        async with Session(server.url, QUERY) as page:
            first = await page.run(timeout=WAIT_S)
            assert first.status == FINISHED and not first.exceptions, first.exceptions
            with pytest.raises(ProtocolError, match="disabled"):
                await page.press("Stop")  # nothing to stop yet
            with pytest.raises(ProtocolError, match="no button"):
                await page.press("Go")
            await page.set_slider("Epochs", EPOCHS)
            pressed = await page.press("Train")
            assert pressed.status == FINISHED and not pressed.exceptions, pressed.exceptions
            assert pressed.of("progress"), "Train drew no progress bar"
            assert any(dt < 1 for dt in page.auto_reruns.values()), page.auto_reruns
            polled = await page.follow(two_epochs_on, timeout=WAIT_S)
            stopped = await page.press("Stop")
            assert stopped.status == FINISHED  # the page's run, not a poll still in flight
            # the training may end before Stop's own run collects it: then that run shows it
            end = stopped if trained(stopped) else await page.follow(trained, timeout=WAIT_S)
            return polled, stopped, end

    polled, stopped, end = asyncio.run(train_and_stop())
    assert not polled.exceptions and not stopped.exceptions and not end.exceptions
    assert seen and all(of == EPOCHS for _, of in seen), seen  # the slider's 200 was kept
    epochs = [epoch for epoch, _ in seen]
    assert epochs == sorted(epochs) and epochs[-1] > epochs[0], epochs  # the fragment reran
    assert end.status == FINISHED and not end.of("progress")  # the page no longer polls
    (line,) = [a.body for a in end.of("alert") if TRAINED_TEXT.search(a.body)]
    k = int(TRAINED_TEXT.search(line)[1])
    assert epochs[-1] - 1 <= k < EPOCHS, (k, epochs)  # stopped, after what the polls saw
