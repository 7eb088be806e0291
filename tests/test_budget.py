"""Caches bounded by bytes (``rnnviz.budget``) and the sizes they weigh (``Run.nbytes``). What
a run and its views take in the process's memory is measured by bench/memory.py."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from rnnviz.budget import MB, megabytes, within
from rnnviz.config import RNNConfig
from rnnviz.pipeline import execute, planned_nbytes


def test_the_least_recently_used_values_go_when_the_bytes_would_pass_the_budget():
    calls = []

    @within(100, sizeof=len)
    def blob(key: str) -> bytes:
        calls.append(key)
        return b"x" * 40

    blob("a"), blob("b")
    assert blob.usage().nbytes == 80 and blob.usage().entries == 2
    blob("a")  # a hit: "a" is now the most recently used
    blob("c")  # 120 bytes would pass 100: "b", the least recently used, goes
    assert calls == ["a", "b", "c"]
    assert blob.holds("a") and blob.holds("c") and not blob.holds("b")
    assert blob.usage().nbytes == 80 <= blob.usage().budget == 100


def test_a_value_larger_than_the_whole_budget_is_returned_and_not_kept():
    @within(100, sizeof=len)
    def blob(n: int) -> bytes:
        return b"x" * n

    assert blob(30) == b"x" * 30
    assert blob(101) == b"x" * 101
    assert not blob.holds(101) and blob.holds(30)


def test_a_key_asked_for_by_many_threads_at_once_is_computed_once():
    started, release = threading.Event(), threading.Event()
    calls = []

    @within(10 * MB, sizeof=len)
    def slow(key: str) -> bytes:
        calls.append(key)
        if key == "run":
            started.set()
            assert release.wait(timeout=60)
        return key.encode()

    with ThreadPoolExecutor(max_workers=7) as pool:
        first = pool.submit(slow, "run")
        assert started.wait(timeout=60)
        waiting = [pool.submit(slow, "run") for _ in range(5)]
        other = pool.submit(slow, "other key")  # not held up by the key being computed
        assert other.result(timeout=60) == b"other key"
        release.set()
        assert {f.result(timeout=60) for f in [first, *waiting]} == {b"run"}
    assert sorted(calls) == ["other key", "run"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, 512), ("256", 256), (" 64 ", 64), ("1", 1), ("1000000", 10**6)],
)
def test_a_budget_setting_in_megabytes(text, expected):
    environ = {} if text is None else {"RNNVIZ_RUN_CACHE_MB": text}
    assert megabytes("RNNVIZ_RUN_CACHE_MB", 512, environ) == expected


@pytest.mark.parametrize("text", ["", " ", "0", "-5", "1.5", "1e3", "٣", "12MB", "9" * 5000])
def test_a_bad_budget_setting_is_named_in_the_log_and_the_default_used(text, caplog):
    with caplog.at_level(logging.WARNING, logger="rnnviz.budget"):
        assert megabytes("RNNVIZ_RUN_CACHE_MB", 512, {"RNNVIZ_RUN_CACHE_MB": text}) == 512
    (record,) = caplog.records
    assert "RNNVIZ_RUN_CACHE_MB=" in record.getMessage()
    assert "using 512 MB" in record.getMessage()
    assert len(record.getMessage()) < 200  # a long value is cut short


def test_a_runs_size_is_every_array_it_keeps_counted_by_hand():
    r = execute(RNNConfig())  # the notebook: N=10, T=10, D=3, M=5, K=2, SimpleRNN
    float32, float64 = 4, 8
    X = 10 * 10 * 3 * float32
    y_keras_and_numpy = 2 * 10 * 2 * float32
    W_xh, W_hh, b_h = 3 * 5 * float32, 5 * 5 * float32, 5 * float32
    W_o, b_o = 5 * 2 * float32, 2 * float32
    a_and_h = 2 * 10 * 10 * 5 * float32  # the pre-activation a_t and h_t, every n and t
    per_sample_and_output = (10 + 2) * float64
    assert r.nbytes == (
        X + y_keras_and_numpy + W_xh + W_hh + b_h + W_o + b_o + a_and_h + per_sample_and_output
    )


def test_make_room_drops_the_oldest_until_the_new_value_fits():
    @within(100, sizeof=len)
    def blob(key: str) -> bytes:
        return b"x" * 30

    blob("a"), blob("b"), blob("c")  # 90 of 100 bytes
    dropped = blob.make_room(50)  # 90 + 50 > 100: "a" goes (60 + 50 > 100), then "b" (30 + 50)
    assert [blob.holds(k) for k in "abc"] == [False, False, True] and dropped == 60
    blob.make_room(500)  # more than the budget: everything goes
    assert blob.usage().entries == 0


def test_a_follower_keeps_its_values_no_longer_than_the_value_they_come_from():
    @within(100, sizeof=len)
    def run(key: str) -> bytes:
        return b"x" * 40

    @within(1000, sizeof=len, follows=run)
    def view(key: str, part: int) -> bytes:
        return run(key)[:part]

    run("a"), view("a", 1), view("a", 2), run("b"), view("b", 1)
    run("c")  # 120 bytes would pass 100: the run of "a" goes, and with it both its views
    assert not run.holds("a") and not view.holds("a", 1) and not view.holds("a", 2)
    assert view.holds("b", 1) and view.usage().entries == 1
    run.make_room(100)  # "b" and "c" go: so does the view of "b"
    assert view.usage().entries == 0
    view("c", 3), run.clear()  # view() recomputed run("c"); clearing the runs drops it
    assert view.usage().entries == 0


def test_a_follower_computing_while_its_source_evicts_does_not_deadlock():
    # view() holds no lock of its own while it waits for run(), which evicts (and so takes
    # the follower's lock) while holding its own.
    @within(100, sizeof=len)
    def run(key: int) -> bytes:
        return b"x" * 60

    @within(10 * MB, sizeof=len, follows=run)
    def view(key: int) -> bytes:
        return run(key)[:1]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(view, [k % 7 for k in range(400)], timeout=60))
    assert results == [b"x"] * 400
    assert view.usage().entries <= run.usage().entries + 4  # at most the ones in flight


@pytest.mark.parametrize(
    "config",
    [
        RNNConfig(),
        RNNConfig(cell="lstm", N=3, T=4, D=2, M=6, K=5, layers=2, bidirectional=True),
        RNNConfig(cell="gru", N=2, T=7, D=5, M=3, K=4, return_sequences=True),
        RNNConfig(cell="gru", reset_after=False, N=4, T=3, D=1, M=2, K=1, layers=3),
        RNNConfig(
            cell="simple", N=1, T=9, D=4, M=7, K=3, bidirectional=True, return_sequences=True
        ),
    ],
    ids=lambda c: (
        f"{c.cell}-{c.reset_after}-L{c.layers}-bi{c.bidirectional}-seq{c.return_sequences}"
    ),
)
def test_a_runs_size_is_known_before_it_runs(config):
    assert planned_nbytes(config) == execute(config).nbytes
