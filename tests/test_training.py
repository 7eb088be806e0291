"""Training: the loss falls on the sine and copy tasks, the given weights are only read, one
input gives bit-identical weights, Stop and the budget end a training with its weights, the
refusals say why, progress comes often enough, and the server's queue runs one job at a time
without one visitor's failure reaching another. The queue's tests run jobs that wait on
events, so their order is fixed without sleeping."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.inputs.store import Store
from rnnviz.keras_side import model as keras_side
from rnnviz.keras_side import training
from rnnviz.keras_side.training import (
    EPOCHS,
    History,
    Trained,
    Trainer,
    TrainingError,
    run_training,
    train,
)
from rnnviz.tasks import TASKS

WAIT_S = 60.0  # the longest a test waits for an event that should come at once

SINE = RNNConfig(N=256, T=20, D=1, M=8, K=1, seed=3, cell="lstm", task="sine")
SINE_EPOCHS = 6


def sine_data(c: RNNConfig = SINE):
    return TASKS["sine"].make(c.N, c.T, None, None, c.seed)  # (N, T, 1), (N, 1)


@pytest.fixture(scope="module")
def sine_run():
    """A model as the page caches it, its weights, and a training started from them."""
    cached = keras_side.build(SINE)
    initial = cached.weights()
    copies = {k: v.copy() for k, v in initial.items()}
    X, y = sine_data()
    weights, history = train(SINE, X, y, "regression", SINE_EPOCHS, weights=initial)
    return cached, copies, initial, weights, history


def test_training_halves_the_sine_loss(sine_run):
    *_, history = sine_run
    assert history.metric == "MSE" and history.stopped is None
    assert history.epochs == SINE_EPOCHS == len(history.loss) == len(history.val_loss)
    assert (history.n_train, history.n_val) == (205, 51)  # the last 20% of 256, rounded down
    # the baseline to beat: predicting 0 for the next value of a zero-mean series
    _, y = sine_data()
    assert history.loss_before > 0.1 * float(np.mean(y**2))
    assert history.loss[-1] < history.loss_before / 2, history
    assert history.val_loss[-1] < history.val_loss_before / 2, history
    assert history.accuracy == history.val_accuracy == ()


def test_the_loss_before_is_the_initial_models_mse_on_the_validation_samples(sine_run):
    cached, *_, history = sine_run
    X, y = sine_data()
    y_hat = cached(X[history.n_train :])  # (n_val, 1)
    expected = float(np.mean((y_hat.astype(np.float64) - y[history.n_train :]) ** 2))
    assert history.val_loss_before == pytest.approx(expected, rel=1e-5)


def test_trained_weights_differ_and_the_cached_model_is_not_touched(sine_run):
    cached, copies, initial, weights, _ = sine_run
    assert weights.keys() == copies.keys()
    for name, w in weights.items():
        assert w.dtype == np.float32 and w.shape == copies[name].shape, name
        assert not np.array_equal(w, copies[name]), f"{name} did not change in training"
        np.testing.assert_array_equal(initial[name], copies[name], err_msg=f"{name} passed in")
    for name, w in cached.weights().items():
        np.testing.assert_array_equal(w, copies[name], err_msg=f"the cached model's {name}")


def test_same_input_same_weights_bit_for_bit(sine_run):
    *_, weights, history = sine_run
    X, y = sine_data()
    np.random.seed(123)  # NumPy's global state moves; the shuffle has its own generator
    again, history_again = train(SINE, X, y, "regression", SINE_EPOCHS)  # the seed's weights
    for name, w in weights.items():
        np.testing.assert_array_equal(again[name], w, err_msg=f"{name}, trained twice")
    assert history_again.loss == history.loss


@pytest.mark.parametrize("kind", ["regression", "classification"])
def test_the_written_out_adam_steps_as_keras_adam(kind):
    """Three steps of training._step against keras.optimizers.Adam from the same weights."""
    keras, tf = keras_side._keras()
    c = RNNConfig(T=6, D=2, M=3, K=2 if kind == "classification" else 1, seed=4, cell="gru")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 8, c.T, c.D), dtype=np.float32)  # 3 batches of 8
    y = (
        rng.integers(0, 2, (3, 8)).astype(np.int32)
        if kind == "classification"
        else rng.standard_normal((3, 8, 1), dtype=np.float32)
    )
    ours, theirs = keras_side.build(c), keras_side.build(c)
    step = training._step(ours, kind, 0.05)
    adam, loss = keras.optimizers.Adam(0.05), training.loss_of(kind)
    for X_b, y_b in zip(X, y, strict=True):
        step(X_b, y_b)
        with tf.GradientTape() as tape:
            value = loss(y_b, theirs.model(X_b, training=True))
        W = theirs.model.trainable_variables
        adam.apply_gradients(zip(tape.gradient(value, W), W, strict=True))
    for name, w in theirs.weights().items():
        np.testing.assert_allclose(
            ours.weights()[name], w, rtol=1e-5, atol=1e-6, err_msg=f"{name}: mine vs Keras'"
        )
    assert not np.allclose(ours.weights()["W_o"], keras_side.build(c).weights()["W_o"])


def test_a_classification_trains_and_its_loss_falls_through_the_queue():
    c = RNNConfig(N=200, T=5, D=5, M=8, K=4, seed=1, cell="gru", task="copy")
    X, y = TASKS["copy"].make(c.N, c.T, None, None, c.seed)
    trainer = Trainer(store := Store())
    ticket = trainer.submit("copy", lambda t: run_training(t, c, X, y, "classification", 12))
    assert ticket.wait(WAIT_S) and ticket.state == "done", ticket.error
    done = ticket.result
    history = done.history
    assert done.key == c.replace(weights="trained", epochs=12).training_key
    assert store.get(done.key) is done, "the store holds it before its ticket is done"
    assert history.metric == "cross-entropy" and len(history.val_accuracy) == 12
    assert history.loss_before == pytest.approx(np.log(4), abs=0.3)  # about chance
    assert history.loss[-1] < history.loss_before / 2, history
    assert history.val_loss[-1] < history.val_loss_before, history
    assert history.val_accuracy[-1] >= 0.9 > history.val_accuracy_before, history
    assert ticket.snapshot.state == "finished" and ticket.snapshot.epoch == 12


def test_stop_ends_training_after_the_current_batch():
    X, y = sine_data()
    stop, seen = threading.Event(), []

    def on_progress(snapshot):
        seen.append(snapshot)
        if snapshot.state == "training":
            stop.set()

    weights, history = train(SINE, X, y, "regression", 5, stop=stop, on_progress=on_progress)
    assert history.stopped == "stop" and history.epochs == 0 < 5
    assert history.loss == () and np.isfinite(history.loss_before)
    assert weights.keys() == keras_side.build(SINE).weights().keys()
    assert [s.state for s in seen] == ["starting", "training", "finished"]
    assert seen[-1].stopped == "stop"


def test_a_stop_mid_epoch_keeps_the_last_whole_epoch_so_e_epochs_are_always_e_epochs():
    X, y = sine_data()
    stop = threading.Event()

    def on_progress(snapshot):  # inside epoch 3, after two whole ones
        if snapshot.epoch == 2 and snapshot.batch > 0:
            stop.set()

    stopped, history = train(
        SINE, X, y, "regression", 5, stop=stop, on_progress=on_progress, every_s=0.0
    )
    assert history.stopped == "stop" and history.epochs == 2 and len(history.loss) == 2
    whole, _ = train(SINE, X, y, "regression", 2)
    for name, value in whole.items():
        np.testing.assert_array_equal(stopped[name], value, err_msg=name)
    initial, history = train(SINE, X, y, "regression", 5, budget_s=0.0)
    assert history.epochs == 0
    for name, value in keras_side.build(SINE).weights().items():
        np.testing.assert_array_equal(initial[name], value, err_msg=name)


def test_a_spent_budget_ends_training_likewise():
    X, y = sine_data()
    weights, history = train(SINE, X, y, "regression", 5, budget_s=0.0)
    assert history.stopped == "budget" and history.epochs == 0 and weights


def test_progress_comes_during_an_epoch_no_closer_than_the_throttle():
    # one sample a batch: two epochs of 800 steps, 2-3 s, so that the start and the two
    # epoch ends are not all: the rest is the throttle's (how often: bench/training.py)
    c = RNNConfig(N=1000, T=20, D=1, M=4, K=1, seed=0)
    X, y = TASKS["sine"].make(c.N, c.T, None, None, c.seed)
    arrived: list[tuple[float, training.Snapshot]] = []
    epochs, every_s = 2, 0.25
    train(
        c,
        X,
        y,
        "regression",
        epochs,
        batch=1,
        every_s=every_s,
        on_progress=lambda s: arrived.append((time.perf_counter(), s)),
    )
    during = [(t, s) for t, s in arrived if s.state == "training"]
    within = [s for _, s in during if 0 < s.batch < 1]
    assert len(within) >= max(4, len(during) - (epochs + 1))  # all but the start and ends
    assert all(s.running_loss is not None and s.running_loss > 0 for s in within)
    for a, b in zip(within, within[1:], strict=False):  # the throttle: none closer
        if a.epoch == b.epoch:
            assert b.seconds - a.seconds >= 0.9 * every_s, (a, b)
            assert b.batch > a.batch
    assert [s.epoch for _, s in during] == sorted(s.epoch for _, s in during)
    assert len([s for _, s in during if s.batch == 0]) == epochs + 1  # the start, each end
    assert arrived[-1][1].loss == tuple(s.loss[-1] for _, s in during[1:] if s.batch == 0)


def test_a_diverging_training_says_at_which_epoch():
    X, y = sine_data()
    with pytest.raises(TrainingError, match=r"^the loss became infinite at epoch 1"):
        train(SINE, X, np.full_like(y, 1e30), "regression", 2)


@pytest.mark.parametrize(
    "config, N, kind, epochs, message",
    [
        (SINE, 10, "none", 1, "random X has no target: choose a task or upload data with y"),
        (SINE.replace(return_sequences=True), 10, "regression", 1, "return_sequences gives"),
        (SINE, 1, "regression", 1, r"training needs N ≥ 2 samples .*, got N = 1"),
        (SINE, 10, "regression", 0, f"epochs must be a whole number between 1 and {EPOCHS[1]}"),
        (SINE, 10, "regression", EPOCHS[1] + 1, "epochs must be"),
        (SINE.replace(T=21), 10, "regression", 1, r"X must be \(N, T, D\) = \(N, 21, 1\)"),
    ],
)
def test_refusals_say_why(config, N, kind, epochs, message):
    X, y = sine_data(SINE.replace(N=N))
    with pytest.raises(TrainingError, match=message):
        train(config, X, y, kind, epochs)


def test_random_x_without_y_is_refused():
    X, _ = sine_data()
    with pytest.raises(TrainingError, match="random X has no target"):
        train(SINE, X, None, "regression", 1)


def test_weights_of_another_model_are_refused():
    X, y = sine_data()
    other = {k: np.zeros_like(v) for k, v in keras_side.build(SINE.replace(M=9)).weights().items()}
    with pytest.raises(TrainingError, match=r"not those of LSTM\(8\) → Dense\(1\) reading D = 1"):
        train(SINE, X, y, "regression", 1, weights=other)


def test_classes_outside_k_are_refused():
    c = RNNConfig(N=10, T=5, D=5, M=3, K=4)
    X, y = TASKS["copy"].make(c.N, c.T, None, None, 0)
    with pytest.raises(TrainingError, match=r"y's classes must be between 0 and K - 1 = 1"):
        train(c.replace(K=2), X, y + 1, "classification", 1)


# The queue, with jobs that do what the test's events say.

STUB = ({"W_o": np.zeros((1, 1), np.float32)}, History((), (), 1.0, 1.0, 0, None, 0.0, "MSE"))


def waiting_job(started: threading.Event, release: threading.Event, ran: list | None = None):
    def job(ticket):
        if ran is not None:
            ran.append(ticket.key)
        started.set()
        assert release.wait(WAIT_S), "the test never released the job"
        return STUB

    return job


def submitted_from_a_thread(trainer: Trainer, key, job) -> training.Ticket:
    out = []
    thread = threading.Thread(target=lambda: out.append(trainer.submit(key, job)))
    thread.start()
    thread.join(WAIT_S)
    return out[0]


def test_two_concurrent_trainings_queue_and_neither_fails():
    trainer = Trainer()
    started = [threading.Event(), threading.Event()]
    release = [threading.Event(), threading.Event()]
    first = submitted_from_a_thread(trainer, "a", waiting_job(started[0], release[0]))
    assert started[0].wait(WAIT_S)
    second = submitted_from_a_thread(trainer, "b", waiting_job(started[1], release[1]))
    assert (first.state, first.position()) == ("running", 0)
    assert (second.state, second.position()) == ("queued", 1)
    assert trainer.tickets() == [first, second]
    assert trainer.submit("b", waiting_job(threading.Event(), threading.Event())) is second
    assert trainer.submit("a", waiting_job(threading.Event(), threading.Event())) is first
    assert not started[1].is_set()  # one at a time
    release[0].set()
    assert first.wait(WAIT_S) and started[1].wait(WAIT_S)
    assert (second.state, second.position()) == ("running", 0)
    release[1].set()
    assert second.wait(WAIT_S)
    for ticket in (first, second):
        assert (ticket.state, ticket.error, ticket.result) == ("done", None, STUB)
        assert ticket.position() == -1
    assert trainer.tickets() == []


def test_a_failing_job_fails_alone():
    trainer = Trainer()
    started, release = threading.Event(), threading.Event()
    blocker = trainer.submit("blocker", waiting_job(started, release))
    assert started.wait(WAIT_S)

    def boom(ticket):
        raise RuntimeError("out of\nmemory")

    def refused(ticket):
        raise TrainingError("random X has no target: choose a task or upload data with y")

    failing = trainer.submit("boom", boom)
    refusing = trainer.submit("refused", refused)
    after = trainer.submit("after", lambda ticket: STUB)
    assert [t.position() for t in (failing, refusing, after)] == [1, 2, 3]
    release.set()
    assert all(t.wait(WAIT_S) for t in (blocker, failing, refusing, after))
    assert (failing.state, failing.error) == (
        "failed",
        "training failed: RuntimeError: out of memory",
    )
    assert refusing.error == "random X has no target: choose a task or upload data with y"
    assert failing.result is None and refusing.state == "failed"
    assert (after.state, after.result, after.error) == ("done", STUB, None)


def test_stopping_a_queued_ticket_removes_it_unrun():
    trainer = Trainer()
    started, release, ran = threading.Event(), threading.Event(), []
    first = trainer.submit("first", waiting_job(started, release, ran))
    assert started.wait(WAIT_S)
    queued = trainer.submit("queued", waiting_job(threading.Event(), threading.Event(), ran))
    last = trainer.submit("last", lambda ticket: STUB)
    queued.stop()
    assert queued.wait(0) and queued.state == "stopped" and queued.result is None
    assert trainer.tickets() == [first, last] and last.position() == 1
    release.set()
    assert last.wait(WAIT_S) and last.state == "done"
    assert ran == ["first"]
    assert trainer.submit("queued", lambda ticket: STUB) is not queued  # a new one


def test_stop_on_a_running_ticket_ends_its_training_with_weights():
    X, y = sine_data()
    trainer, started = Trainer(), threading.Event()

    def job(ticket):
        started.set()
        return run_training(ticket, SINE, X, y, "regression", EPOCHS[1])

    ticket = trainer.submit("long", job)
    assert started.wait(WAIT_S) and ticket.state == "running"
    deadline = time.monotonic() + WAIT_S
    while ticket.snapshot is None or ticket.snapshot.epoch < 1:  # one whole epoch, then Stop
        assert time.monotonic() < deadline, "no epoch ended"
        assert not ticket.wait(0.01), "the training ended before its Stop"
    ticket.stop()
    assert ticket.wait(WAIT_S) and ticket.state == "done" and ticket.error is None
    weights, history = ticket.result.weights, ticket.result.history
    assert history.stopped == "stop" and history.epochs < EPOCHS[1] and "W_hh" in weights
    assert ticket.result.key.epochs == history.epochs, "named by the epochs it completed"
    assert ticket.snapshot.state == "finished" and ticket.snapshot.stopped == "stop"


def test_a_stop_before_the_first_epoch_ends_trains_nothing():
    X, y = sine_data()
    trainer = Trainer()

    def job(ticket):
        ticket.stop_event.set()  # as Stop pressed at once: the first batch is the last
        return run_training(ticket, SINE, X, y, "regression", EPOCHS[1])

    ticket = trainer.submit("stopped at once", job)
    assert ticket.wait(WAIT_S) and ticket.state == "failed" and ticket.result is None
    assert ticket.error == (
        "stopped before the first epoch ended: nothing was trained, the weights are the "
        "initial ones"
    )


def test_a_trained_result_holds_read_only_copies_of_its_own():
    history = STUB[1]
    kb = {"W": np.zeros(256, np.float32)}  # 1 KiB
    key = RNNConfig(task="sine", D=1, K=1, weights="trained", epochs=3).training_key
    done = Trained.of(key, kb, history)
    assert (done.key, done.history, done.nbytes) == (key, history, 1024)
    assert not done.weights["W"].flags.writeable and done.weights["W"] is not kb["W"]
    with pytest.raises(TypeError):
        done.weights["W"] = kb["W"]  # shared between sessions: read-only
    assert done.problem(key) is None and done.problem(key.replace(epochs=4)) is not None


def test_the_baseline_is_the_best_constant_answer_by_hand():
    y = np.array([[1.0], [3.0], [2.0], [6.0], [0.0]], np.float32)  # (5, 1): 4 train, 1 val
    # the training targets (1, 3, 2, 6) have mean 3; the held-out target is 0: (0 - 3)² = 9
    assert training.baseline(y, "regression", 5) == pytest.approx(9.0)
    classes = np.array([0, 0, 1, 1, 0, 1, 1, 0, 1, 0], np.int32)  # 8 train (4 and 4), 2 val
    # smoothed frequencies (4 + 1) / (8 + 2) = 0.5 each: the cross-entropy is log 2
    assert training.baseline(classes, "classification", 10) == pytest.approx(np.log(2))
