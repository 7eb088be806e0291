"""Section 0, training: press Train and watch the loss fall, then look at every view again on
the trained weights (the sidebar's Weights: initial | trained, ``?weights=trained``).

A training runs on the server's one training thread (``rnnviz.keras_side.training.Trainer``): one at
a time, because a hosted box has few cores, first come first served; a second visitor sees their
place in the queue. The page polls the ticket from a fragment that reruns every POLL_S seconds while
a training of this session is queued or running, so the progress bar and the loss curve move at
least twice a second and the rest of the page stays as it is. The trained weights go to the server's
store (``cache.STORE``) under ``RNNConfig.training_key``, whichever session is still there to see
them, and to the session that asked, which keeps them (``rnnviz.ui.held``).
"""

from __future__ import annotations

import os

import streamlit as st

from rnnviz.config import FIELDS, SEEDED, TRAINED, RNNConfig
from rnnviz.keras_side import training
from rnnviz.tasks import TASKS, Xy_of
from rnnviz.ui import cache, held
from rnnviz.ui.notes import as_plain_markdown
from rnnviz.ui.sections import page
from rnnviz.ui.view import View
from rnnviz.views import figures

POLL_S = 0.4  # the progress fragment's period: 2.5 redraws a second
ACTIVE = "_training"  # the session's ticket while its training is queued or running
EPOCHS_KEY = "_train_epochs"  # the epochs the next training asks for
REDRAW = "_train_redraw"  # a training's outcome was collected; no whole run has drawn it yet
FEW = 100  # fewer samples than this: a note that there is little to learn from


def budget_s() -> float:
    """The wall-clock budget of one training, seconds: RNNVIZ_TRAIN_BUDGET_S, else 60."""
    raw = os.environ.get("RNNVIZ_TRAIN_BUDGET_S", "")
    try:
        value = float(raw) if raw.strip() else training.BUDGET_S
    except ValueError:
        value = training.BUDGET_S
    return value if value > 0 else training.BUDGET_S


def target_of(config: RNNConfig) -> tuple[str, str | None]:
    """The kind of target the config's task or data has ("regression", "classification",
    "sequence" or "none") and, where it cannot be trained, why not."""
    data = cache.uploaded_data(config)
    kind = TASKS[config.task].kind if data is None else data.kind
    if kind == "none":
        return kind, training.NO_TARGET
    if config.return_sequences != (kind == "sequence"):
        return kind, training.ONE_PER_SEQUENCE if config.return_sequences else training.EVERY_STEP
    if config.imported:
        return kind, (
            "training starts from the seeded initial weights; use the seeded weights to train"
        )
    if config.N < 2:
        return kind, "training needs N ≥ 2 samples: one to learn from, one to validate on"
    return kind, None


def _initial(config: RNNConfig) -> RNNConfig:
    """The config whose initial weights a training starts from."""
    return config.replace(weights=SEEDED, whh_scale=1.0, dtype="float32", x_edit="none")


def _start(config: RNNConfig, epochs: int) -> None:
    """The Train button: the weights from the server's store if this very training ran
    already, else a place in the training queue."""
    key = config.replace(weights=TRAINED, epochs=epochs).training_key
    done = cache.STORE.get(key)
    if done is not None:
        _finished(done)
        return
    start = _initial(config)
    data = cache.uploaded_data(config)
    X, y = Xy_of(start, data)  # (N, T, D) float32, the target
    kind = TASKS[config.task].kind if data is None else data.kind
    limit = budget_s()

    def job(ticket: training.Ticket) -> training.Trained:
        return training.run_training(ticket, start, X, y, kind, epochs, budget_s=limit)

    st.session_state[ACTIVE] = cache.TRAINER.submit(key, job)


def _finished(done: training.Trained) -> None:
    """A training of this session is done: its weights become the page's."""
    held.hold("trained", done)
    st.session_state["weights_view"] = "trained"


def _stop() -> None:
    ticket = st.session_state.get(ACTIVE)
    if ticket is not None:
        ticket.stop()


def draw(config: RNNConfig, view: View) -> None:
    """Section 0: the task in a sentence, the epochs, Train and Stop, the live progress
    and, once trained, the losses before and after. Drawn only where there is a target."""
    kind, refusal = target_of(config)
    if kind == "none":
        return
    page.header("training")
    data = cache.uploaded_data(config)
    what = (
        f"the {TASKS[config.task].title} task: {TASKS[config.task].description}"
        if data is None
        else f"your data, {data.name}"
    )
    n_train, n_val = training.split(config.N) if config.N >= 2 else (config.N, 0)
    loss = training.METRICS[kind]
    st.markdown(
        as_plain_markdown(f"Train the model on {what}.")
        + f" Adam (learning rate {training.LEARNING_RATE:g}, batches of {training.BATCH}) "
        f"minimises the {loss} on the first {n_train} of the N = {config.N} samples; the last "
        f"{n_val} are held out for the validation loss. At most {budget_s():g} s a training, "
        "one training at a time on this server."
    )
    if refusal:
        st.info(refusal[0].upper() + refusal[1:] + ".", icon=":material/block:")
        return
    if config.N < FEW:
        st.caption(
            f"With N = {config.N} samples there is little to learn from: raise N (500 or "
            "more) in the sidebar for a model that generalises."
        )
    epochs_field = FIELDS["epochs"]
    if st.session_state.get(EPOCHS_KEY) is None:
        st.session_state[EPOCHS_KEY] = epochs_field.default
    ticket = st.session_state.get(ACTIVE)
    busy = ticket is not None
    left, middle, right = st.columns([3, 1, 1], vertical_alignment="bottom")
    epochs = left.slider(
        "Epochs",
        epochs_field.low,
        epochs_field.high,
        key=EPOCHS_KEY,
        disabled=busy,
        help=f"Passes over the training samples, {epochs_field.low} to {epochs_field.high}.",
    )
    middle.button(
        "Train",
        type="primary",
        on_click=_start,
        args=(config, int(epochs)),
        disabled=busy,
        key="_train",
        icon=":material/play_arrow:",
    )
    right.button(
        "Stop", on_click=_stop, disabled=not busy, key="_stop_training", icon=":material/stop:"
    )
    floor = cache.baseline(_initial(config).replace(bug="none"), kind)
    if busy:
        _progress(loss, floor)
    _outcome(config, floor)


def _progress(metric: str, floor: float) -> None:
    """The live progress of this session's training, redrawn every POLL_S seconds; when it
    ends, the page runs again on the trained weights."""

    @st.fragment(run_every=POLL_S)
    def live() -> None:
        ticket: training.Ticket | None = st.session_state.get(ACTIVE)
        if ticket is None:  # collected by a whole run that has not drawn the page yet
            if st.session_state.get(REDRAW):
                st.rerun()
            return
        tickets = cache.TRAINER.tickets()  # the running one, then the queue in order
        ahead = tickets.index(ticket) if ticket in tickets else 0
        if ticket.state == "queued" and ahead > 0:
            st.info(
                f"Queued: {ahead} training{'s' if ahead > 1 else ''} ahead of yours on this "
                "server (one runs at a time). Yours starts when they finish; Stop leaves the "
                "queue.",
                icon=":material/hourglass_top:",
            )
            return
        if ticket.state in ("queued", "running"):  # first in line: it starts at once
            _running(ticket.snapshot, metric, floor)
            return
        st.rerun()  # the whole page, which collects the outcome first (``collect``)

    live()


def drawn() -> None:
    """At the end of every whole run: the page shows whatever ``collect`` took in."""
    st.session_state.pop(REDRAW, None)


def collect() -> None:
    """At the start of every whole run: the outcome of this session's training, once it has
    ended, becomes the page's (its weights, or why there are none). Until a whole run has
    drawn the page after it (``REDRAW``), each poll asks for one again: a timer's poll that
    cuts a whole run short must not leave the page without its outcome."""
    ticket: training.Ticket | None = st.session_state.get(ACTIVE)
    if ticket is None or ticket.state in ("queued", "running"):
        return
    st.session_state.pop(ACTIVE)
    st.session_state[REDRAW] = True
    if ticket.error is not None:  # Stop before an epoch ended is no failure
        st.session_state["_train_note"] = (ticket.stop_event.is_set(), ticket.error)
    elif ticket.result is not None:
        _finished(ticket.result)


def _running(snap: training.Snapshot | None, metric: str, floor: float) -> None:
    if snap is None or snap.state == "starting":
        st.progress(0.0, text="Building the model and measuring the initial loss…")
        return
    loss = (
        f", last loss {snap.loss[-1]:.4g}, validation {snap.val_loss[-1]:.4g}" if snap.loss else ""
    )
    running = "" if snap.running_loss is None else f" (this epoch so far {snap.running_loss:.4g})"
    st.progress(
        snap.fraction,
        text=f"Epoch {min(snap.epoch + 1, snap.epochs)} of {snap.epochs}{loss}{running} · "
        f"{snap.seconds:.0f} s",
    )
    if snap.loss_before is not None:
        fig = figures.loss_curve(
            snap.loss_before,
            snap.val_loss_before,
            snap.loss,
            snap.val_loss,
            metric,
            snap.epochs,
            floor,
        )
        page.chart(fig, "_loss_live", config={"displayModeBar": False})


def _outcome(config: RNNConfig, floor: float) -> None:
    """What the last training did: the losses before and after, and the curve."""
    note = st.session_state.pop("_train_note", None)
    if note is not None:
        stopped, message = note
        message = message[0].upper() + message[1:] + "."
        if stopped:
            st.info(as_plain_markdown(message), icon=":material/stop:")
        else:
            st.error(as_plain_markdown(message), icon=":material/error:")
    done: training.Trained | None = st.session_state.get(held.SLOTS["trained"])
    if (
        done is None
        or done.key != config.replace(weights=TRAINED, epochs=done.key.epochs).training_key
    ):
        return
    h = done.history
    how = {None: "", "stop": " (stopped)", "budget": f" (the {budget_s():g} s budget ran out)"}
    st.success(
        f"Trained {h.epochs} epoch{'s' if h.epochs != 1 else ''} in {h.seconds:.1f} s"
        f"{how.get(h.stopped, '')}: {h.metric} {h.loss_before:.4g} → {h.loss[-1]:.4g} on the "
        f"training samples, {h.val_loss_before:.4g} → {h.val_loss[-1]:.4g} on the held-out "
        f"ones (the best answer that ignores X: {floor:.3g})"
        + (
            f"; held-out accuracy {h.val_accuracy_before:.0%} → {h.val_accuracy[-1]:.0%}"
            if h.val_accuracy
            else ""
        )
        + ". Switch Weights in the sidebar "
        "between initial and trained: every view follows.",
        icon=":material/check:",
    )
    fig = figures.loss_curve(
        h.loss_before, h.val_loss_before, h.loss, h.val_loss, h.metric, max(h.epochs, 1), floor
    )
    page.chart(fig, "_loss_done", config={"displayModeBar": False})
