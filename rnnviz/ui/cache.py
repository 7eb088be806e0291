"""The pipeline's stages and the page's figures, cached across reruns and browser sessions.

Each stage is cached on exactly what it depends on, so a change recomputes only what it
touches: the ledger on the config without its seed (a new seed rebuilds no ledger), the
Keras model on the config without N (a new N builds no model), the run's NumPy side and its
Keras side each on the whole config, and each figure or player payload on the config plus
the view it shows. The NumPy side (``run_of``) is what the page draws first; Keras' side
(``start_check``, ``checked``) is computed on a thread of its own meanwhile.

Every cache shares its objects between sessions without copying them, which is safe here
because a ``KerasRNN`` is only called under its own lock (``rnnviz.keras_side.model``), a ``Run``'s
arrays are read-only, and figures and payloads are never changed once built. Every cache is bounded,
so memory stays flat however many configs visitors try: the runs, Keras' sides of them and the
views built from them by bytes (``rnnviz.budget``; settings ``RNNVIZ_RUN_CACHE_MB``, default 128,
of which Keras' sides get an eighth more, and ``RNNVIZ_VIEW_CACHE_MB``, default 32 for each kind
of view), the ledgers and Keras models, which are small, by entries. A view goes with its run:
every rerun needs the run anyway, so a view of a run no longer cached would only hold memory.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Mapping

import cachetools
import numpy as np
import plotly.graph_objects as go
import streamlit as st
from threadpoolctl import threadpool_limits

from rnnviz import pipeline
from rnnviz.budget import MB, give_back, limit_arenas, megabytes, within
from rnnviz.config import NO_EDIT, SEEDED, RNNConfig
from rnnviz.inputs import userdata, x_edits
from rnnviz.inputs.store import Held, Store
from rnnviz.keras_side import model, training
from rnnviz.keras_side.shape_mistakes import Mistake, mistakes
from rnnviz.pipeline import KerasCheck, Run, planned_nbytes, scratch_nbytes
from rnnviz.recurrence import initial
from rnnviz.recurrence.agreement import GradientAgreement
from rnnviz.recurrence.cells import CELLS
from rnnviz.shapes import layouts, ledger
from rnnviz.tasks import VAL_FRACTION, X_of, Xy_of, text_of
from rnnviz.text import corpus as corpora
from rnnviz.text import reading
from rnnviz.views import export, figures, forgetting, player_data, standalone, weight_maps
from rnnviz.views import gradients as grad

limit_arenas()  # on import: before TensorFlow's threads allocate
# NumPy's BLAS on one thread too (its threads spin while they wait): the recurrence's
# per-step matmuls gain nothing from a second one, and the other visitors get the core.
threadpool_limits(1, user_api="blas")

# what visitors brought or made, kept for links beyond what sessions hold themselves: the
# largest model's weights take 14.6 MB, an upload of data at most 16 MB as float32
STORE_BUDGET = megabytes("RNNVIZ_STORE_MB", 128) * MB
MAX_MISTAKES = 32  # a few kB each: the texts of five mistakes and a few numbers
MAX_MODELS = 2  # weights of ≤ 15 MB each (3 bidirectional LSTM(256) layers on D = 64) and a graph
RUN_BUDGET = megabytes("RNNVIZ_RUN_CACHE_MB", 128) * MB  # a run at the cap: ~120 MB
# Keras' side of the runs: y and the agreement, a few kB, or with a bug planted Keras' h_t
# (as much as the run's h): an eighth of the runs' budget
CHECK_BUDGET = RUN_BUDGET // 8
VIEW_BUDGET = megabytes("RNNVIZ_VIEW_CACHE_MB", 32) * MB  # each kind of view
KEPT_FOR_OTHERS = RUN_BUDGET // 16  # 8 MB: ~1,000 notebook-sized runs
HEAVY = 8 * MB  # a run this large takes seconds: it gives way to the other visitors' pages
RUNNING = "Running the NumPy recurrence…"
# A view's Python objects beyond its payload's bytes, as tracemalloc measures them
# (tests/test_budget.py): ~30 kB for a Plotly figure, 7–10 kB for a player's Frames.
FIGURE_OVERHEAD = 48 * 1024
VIEW_OVERHEAD = 16 * 1024


_MODELS = threading.Lock()
_MODEL_BUILT = threading.Condition(_MODELS)


def give_way(nice: int = 10) -> None:
    """Lower this thread's CPU priority for the rest of its life (a script run, and any
    rerun queued behind it), so that under contention the other visitors' light reruns
    go first. Linux only (a thread's id is a process id to setpriority); elsewhere, or if
    refused, nothing changes. It cannot be raised back without privileges, and need not:
    Streamlit starts a new thread for the session's next run."""
    with contextlib.suppress(OSError, AttributeError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), nice))


# What visitors brought or made, held on this server by key for every session (uploaded weights
# and data, edited samples of X, trained weights): a link to any of them works here while the
# store keeps it, and always while a session shows it (``rnnviz.ui.held``).
STORE = Store(STORE_BUDGET)
# One training at a time on this server (a hosted box has few cores), first come first
# served; each result goes to the store under what it was trained for (training_key).
TRAINER = training.Trainer(STORE)


def named(config: RNNConfig, field: str) -> Held | None:
    """What ``config``'s ``field`` names in the store, None for its plain value. The sidebar
    names only what its session holds, so it is there."""
    key = config.held().get(field)
    if key is None:
        return None
    item = STORE.get(key)
    if item is None:
        raise LookupError(f"{field}={getattr(config, field)} is not held on this server")
    return item


def edited_sample(config: RNNConfig) -> x_edits.Edit | None:
    """The edited sample ``config.x_edit`` names, None for X as drawn."""
    return named(config, "x_edit")


def imported_weights(config: RNNConfig) -> Mapping[str, np.ndarray] | None:
    """The weights ``config`` names: imported or trained ones, None for the initial ones."""
    item = named(config, "weights")
    return None if item is None else item.weights


def uploaded_data(config: RNNConfig) -> userdata.Data | None:
    """The uploaded data ``config.data`` names, None for X drawn by the task."""
    return named(config, "data")


@st.cache_resource(max_entries=32, show_spinner=False)
def _ledger(config: RNNConfig, layout: str) -> tuple[list[ledger.ShapeRow], list[ledger.ParamRow]]:
    return layouts.ledger(config, layout), ledger.params(config)


def shapes_and_params(
    config: RNNConfig, layout: str = "keras"
) -> tuple[list[ledger.ShapeRow], list[ledger.ParamRow]]:
    """The ledger's rows, its weights named and shaped as ``layout`` does (one that
    ``layouts.shown`` allows); neither the seed nor imported weights change a shape or a
    count."""
    # nor does the what-if: the scale of W_hh or the input pattern
    same = config.replace(seed=0, weights=SEEDED, whh_scale=1.0, input="random", x_edit=NO_EDIT)
    return _ledger(same, layout)


@cachetools.cached(cachetools.LRUCache(MAX_MODELS), lock=_MODELS, condition=_MODEL_BUILT)
def keras_model(config: RNNConfig) -> model.KerasRNN:
    """The Keras model of ``config.model_config`` (N = 1: one model serves every N of the same
    shape), holding the weights the config names. Cached across sessions; two callers of one
    config build it once (the second waits for the first)."""
    return model.build(config, imported_weights(config))


@st.cache_resource(max_entries=32, show_spinner=False)
def baseline(config: RNNConfig, kind: str) -> float:
    """The held-out loss of the best answer that ignores X (``training.baseline``) for the
    target of ``config``'s task or data: drawn once per task, N and seed, not every rerun."""
    _, y = Xy_of(config, uploaded_data(config))  # (N, K) values or (N,) classes
    return training.baseline(y, kind, config.N)


@st.cache_resource(max_entries=MAX_MISTAKES, show_spinner="Making each mistake against Keras…")
def shape_mistakes(config: RNNConfig) -> tuple[Mistake, ...]:
    """The shape mistakes made live for ``config``, on models of their own (~0.7 s at the
    notebook's sizes, several forward passes at the largest). Every field matters: N and the
    sizes are in Keras' messages, the seed in the wrong numbers. Frozen items, so shared."""
    if planned_nbytes(config) > HEAVY:
        give_way()
    X = None if config.drawn else X_of(config, uploaded_data(config))  # (N, T, D)
    return tuple(mistakes(config, imported_weights(config), X))


@within(RUN_BUDGET, sizeof=lambda run: run.nbytes)
def _runs(config: RNNConfig) -> Run:
    """The NumPy side of ``config``'s run, computed: older runs make room for it first, and
    for what computing it takes beyond it, so that the cached runs and the one being computed
    stay within the budget together. A run that needs more than the whole budget leaves the
    most recently used runs within KEPT_FOR_OTHERS cached: the other visitors' small runs,
    whose pages would otherwise recompute them on their next step, cost next to nothing."""
    edit, data = edited_sample(config), uploaded_data(config)
    scratch, planned = scratch_nbytes(config), planned_nbytes(config)
    if planned > HEAVY:
        give_way()
    if _runs.make_room(min(planned + scratch, RUN_BUDGET - KEPT_FOR_OTHERS)) > HEAVY:
        give_back()  # what the runs that made room held, before the computation needs it
    with st.spinner(RUNNING) if planned > HEAVY else contextlib.nullcontext():
        weights = initial.weights_of(config, imported_weights(config))
        run = pipeline.recur(config, weights, edit=edit, data=data)
    give_back()  # the computation's scratch arrays
    return run


def run_of(config: RNNConfig) -> Run:
    """The NumPy side of ``config``'s run (no Keras), from the cache when it is there."""
    return _runs(config)


@within(CHECK_BUDGET, sizeof=lambda check: check.nbytes + VIEW_OVERHEAD, follows=_runs)
def _checks(config: RNNConfig) -> KerasCheck:
    """Keras' side of the run of ``config``: its model's y on the run's X, the agreement
    and the summary. Computed on a thread of its own (``start_check``) while the page draws
    the NumPy views; it goes when its run goes."""
    if planned_nbytes(config) > HEAVY:
        give_way()
    run = _runs(config)
    keras = keras_model(config.model_config)
    # Keras' scratch is freed into the heaps of TensorFlow's threads: hand it back at once
    check = pipeline.check(run, keras)
    give_back()
    return check


# Keras' side of the runs being computed now, on threads of their own: one per config, however
# many sessions ask (a failure is kept for the session that waits, then forgotten).
_CHECKING: dict[RNNConfig, threading.Thread] = {}
_CHECKING_LOCK = threading.Lock()


def start_check(config: RNNConfig) -> None:
    """Start computing Keras' side of ``config``'s run on a thread of its own, unless it is
    cached or on its way: the page draws the NumPy views meanwhile. The thread imports
    TensorFlow on the server's first run."""
    with _CHECKING_LOCK:
        if config in _CHECKING or _checks.holds(config):
            return
        thread = threading.Thread(
            target=_check_quietly, args=(config,), name="rnnviz-keras", daemon=True
        )
        _CHECKING[config] = thread
    thread.start()


# Importing TensorFlow holds the GIL for up to half a second at a time (its shared libraries
# load), and the server cannot send anything meanwhile: on a fresh server the NumPy views just
# drawn get this long to reach the browser first (bench/page.py: the weights and the player
# drawn ~0.8 s sooner, the whole page no later).
SEND_FIRST = 0.3  # seconds


def _check_quietly(config: RNNConfig) -> None:
    if not model.ready():
        time.sleep(SEND_FIRST)
    try:
        _checks(config)
    except Exception:  # noqa: BLE001  (the session that waits computes it again and says why)
        pass
    finally:
        with _CHECKING_LOCK:
            _CHECKING.pop(config, None)


def checking(config: RNNConfig) -> threading.Thread | None:
    """The thread computing Keras' side of ``config``'s run, None if none is."""
    with _CHECKING_LOCK:
        return _CHECKING.get(config)


def keras_ready(config: RNNConfig) -> bool:
    """Whether Keras' side of ``config``'s run is cached: a Keras section draws at once."""
    return _checks.holds(config)


def checked(config: RNNConfig) -> Run:
    """The whole run of ``config``, Keras' side joined to NumPy's (computed here if needed:
    a Keras section, a download's click). Cheap: the same arrays, not copies."""
    return _runs(config).joined(_checks(config))


@within(VIEW_BUDGET, sizeof=lambda payload: len(payload) + VIEW_OVERHEAD, follows=_runs)
def weight_payload(config: RNNConfig, layer: int, direction: str, layout: str = "keras") -> bytes:
    """The weights view of one path in ``layout`` (one that ``layouts.shown`` allows)."""
    r = run_of(config)
    width = (ledger.width_symbol(config, layer), config.width(layer))
    tag = layouts.path_label(config, layout, layer, direction)
    head_width = (ledger.head_symbol(config), config.head_width)
    grid = weight_maps.weight_grid(
        r.cell,
        r.path(layer, direction).weights,
        r.head,
        width,
        tag,
        head_width,
        layout,
        layouts.path_suffix(layout, layer, direction),
    )
    return player_data.pack(grid)


@within(VIEW_BUDGET, sizeof=lambda g: g.nbytes + VIEW_OVERHEAD, follows=_runs)
def gradients(config: RNNConfig) -> grad.Gradients:
    """BPTT by hand for the run of ``config`` (s = Σ y), from its trace: computed only when
    the gradient section or the step panel's backward mode asks."""
    return grad.gradients_of(run_of(config))


@st.cache_resource(max_entries=32, show_spinner=False)
def tape_check(config: RNNConfig) -> GradientAgreement:
    """The hand-written gradients of the run of ``config`` against tf.GradientTape's on its
    Keras model and X (``KerasRNN.gradients``): one number and a tolerance, so cheap to keep."""
    if planned_nbytes(config) > HEAVY:
        give_way()
    theirs = keras_model(config.model_config).gradients(run_of(config).X)
    return gradients(config).against(theirs)


def compared(config: RNNConfig) -> list[RNNConfig]:
    """The config and the same sizes, seed and options with each other cell, for the
    gradient section's "compare cells": SimpleRNN, LSTM and GRU on the same axes."""
    others = [key for key in CELLS if key != config.cell]
    # imported weights fit one cell only: the others start from the seed
    return [config] + [config.replace(cell=key, weights=SEEDED) for key in others]


@within(VIEW_BUDGET, sizeof=lambda figs: _figures_nbytes(figs), follows=_runs)
def gradient_figures(config: RNNConfig, n: int, compare: bool) -> list[tuple[str, go.Figure]]:
    """‖∂s/∂x_t‖ and ‖∂h_T/∂h_t‖ of sample n over t (one line per cell when ``compare``),
    and ‖∂s/∂x_t‖ over (sample, t) for the config's own cell."""
    configs = compared(config) if compare else [config]
    dx, dh = {}, {}
    for c in configs:
        g = gradients(c)
        label = ledger.model_name(c)
        dx[label] = np.linalg.norm(g.dy_dx[n], axis=-1)  # (T,)  ‖∂s/∂x_t‖ of sample n
        dh[label] = np.linalg.norm(g.dh_T_dh[n], axis=-1)  # (T,)  ‖∂h_T/∂h_t‖
    own = gradients(config)
    return [
        ("grad_x", figures.through_time(dx, f"‖∂s/∂x_t‖, sample n = {n}", "‖∂s/∂x_t‖")),
        ("grad_h", figures.through_time(dh, f"‖∂h_T/∂h_t‖, sample n = {n}", "‖∂h_T/∂h_t‖")),
        (
            "grad_map",
            figures.sample_by_step(
                np.linalg.norm(own.dy_dx, axis=-1),  # (N, T)
                "‖∂s/∂x_t‖ for every sample n and step t (log₁₀)",
            ),
        ),
    ]


def _figures_nbytes(figs: list[tuple[str, go.Figure]]) -> int:
    return sum(len(fig.to_json()) + FIGURE_OVERHEAD for _, fig in figs)


@within(VIEW_BUDGET, sizeof=_figures_nbytes, follows=_runs)
def agreement_figures(config: RNNConfig) -> list[tuple[str, go.Figure]]:
    r = checked(config)
    a, c = r.agreement, config
    figs = [
        ("agreement", figures.agreement_scatter(r.y_keras, r.y_numpy)),
        (
            "delta_bars",
            figures.delta_bars(
                a.per_sample, a.tolerance, f"sample n (N = {c.N})", "Largest difference per sample"
            ),
        ),
    ]
    d = r.divergence
    if d is not None:
        figs.append(
            (
                "divergence",
                figures.delta_bars(
                    d.per_step,
                    d.tolerance,
                    f"time step t (T = {c.T})",
                    "Largest |Δh_t| per time step, every layer, direction, sample and unit: "
                    "where the bug shows and how the gap grows",
                    start=1,
                ),
            )
        )
    if a.per_step is not None:
        figs.append(
            (
                "delta_steps",
                figures.delta_bars(
                    a.per_step,
                    a.tolerance,
                    f"time step t (T = {c.T})",
                    "Largest difference per time step (y is (N, T, K))",
                    start=1,
                ),
            )
        )
    return figs


def _texts_and_figures_nbytes(views: list[tuple[str, str, go.Figure]]) -> int:
    return sum(len(text) + len(fig.to_json()) + FIGURE_OVERHEAD for _, text, fig in views)


@within(VIEW_BUDGET, sizeof=_texts_and_figures_nbytes, follows=_runs)
def spectrum_view(
    config: RNNConfig, layer: int, direction: str
) -> list[tuple[str, str, go.Figure]]:
    """The spectrum of one path's W_hh: [("spectrum", what ρ says, the eigenvalue figure)].
    Computed when the section is shown, then from this cache until its run goes."""
    r = run_of(config)
    blocks = forgetting.spectrum(r.cell, r.path(layer, direction).weights["W_hh"])
    sentence = forgetting.rho_sentence(r.cell, blocks, config.T)
    return [("spectrum", sentence, figures.spectrum_figure(blocks, config.M))]


@within(VIEW_BUDGET, sizeof=_texts_and_figures_nbytes, follows=_runs)
def memory_views(
    config: RNNConfig, n: int, layer: int, direction: str
) -> list[tuple[str, str, go.Figure]]:
    """The states section's memory views of sample n on one path, each (key, sentence,
    figure): a pulse's trace in h_t (a pulse input), the LSTM's ∏ f_τ (an LSTM)."""
    r = run_of(config)
    views = []
    if config.input == "pulse":
        p = forgetting.pulse_memory(r, layer, direction, n)
        fig = figures.pulse_figure(p.gap, p.t0, p.peak, p.threshold)
        views.append(("pulse_memory", forgetting.pulse_sentence(p, config.T), fig))
    if forgetting.has_forget_path(r.cell):
        f = r.path(layer, direction).trace[forgetting.FORGET]  # (N, T, M)
        P = forgetting.forget_products(f[n : n + 1], direction)[0]  # (T, M)
        end = "T" if direction == "fwd" else "1"
        sentence = forgetting.horizon_sentence(P, direction)
        views.append(("memory_horizon", sentence, figures.horizon_figure(P, end)))
    return views


@within(VIEW_BUDGET, sizeof=lambda f: f.nbytes + VIEW_OVERHEAD, follows=_runs)
def player_frames(
    config: RNNConfig, n: int, layer: int, direction: str, layout: str = "keras"
) -> player_data.Frames:
    return player_data.frames(run_of(config), n, layer, direction, layout)


def npz_bytes(config: RNNConfig) -> bytes:
    """The run of ``config`` as an .npz file; called by a download button's click, outside
    any script run, so from the budgeted cache without a spinner."""
    return export.npz_bytes(checked(config))


def torch_npz_bytes(config: RNNConfig) -> bytes:
    """The run's weights in PyTorch's layout as an .npz (``rnnviz.shapes.layouts``); a click on a
    download button, like ``npz_bytes``."""
    return layouts.torch_npz_bytes(config, _runs(config).weights)


def script_bytes(config: RNNConfig) -> bytes:
    """The run as a standalone Python script (``rnnviz.views.standalone``); a click on a download
    button, like ``npz_bytes``: built from the cached run when clicked, never kept."""
    return standalone.script_text(checked(config), export.file_name(config)).encode("utf-8")


def notebook_bytes(config: RNNConfig) -> bytes:
    """The run as a Jupyter notebook (``rnnviz.views.standalone``), like ``script_bytes``."""
    return standalone.notebook_bytes(checked(config), export.file_name(config))


def clear() -> None:
    """Forget everything this server computed, as a server just started: every run (and
    with them every view, which follows its run), ledger, Keras model, baseline and set of
    shape mistakes. What visitors brought or trained stays in the store."""
    _runs.clear()  # and with them Keras' sides (_checks)
    keras_model.cache_clear()
    for cached in (_ledger, baseline, shape_mistakes, tape_check):
        cached.clear()


def usage() -> dict[str, str]:
    """What each byte-bounded cache holds now, e.g. {"runs": "3 cached, 1.2 MB of 512 MB"}."""
    caches = {
        "runs": _runs,
        "Keras' sides": _checks,
        "weights": weight_payload,
        "players": player_frames,
        "agreement figures": agreement_figures,
        "spectra": spectrum_view,
        "memory views": memory_views,
    }
    return {name: str(cache.usage()) for name, cache in caches.items()}


# ---- a text task: its text, and the units read over its held-out part ----


def text_corpus(config: RNNConfig) -> corpora.Corpus | None:
    """The text a run of ``config`` reads (a text task's, or an uploaded .txt), or None."""
    return text_of(config, uploaded_data(config))


def _study_nbytes(s: reading.Study) -> int:
    arrays = [s.ids, s.reading.logits]
    arrays += [a for trace in s.reading.traces.values() for a in trace.values()]
    return sum(a.nbytes for a in arrays) + 4 * len(s.text) + VIEW_OVERHEAD


@within(VIEW_BUDGET, sizeof=_study_nbytes, follows=_runs)
def text_study(config: RNNConfig) -> reading.Study:
    """The run's model read over its text's held-out part (``rnnviz.text.reading.study``),
    beside its initial weights, whose reading ``initial_study`` has already made; NumPy only."""
    first = initial_study(config)
    weights = run_of(config).weights
    corpus = text_corpus(config)
    return reading.study(config, corpus, weights, None, VAL_FRACTION, before=first.reading)


@within(VIEW_BUDGET, sizeof=_study_nbytes, follows=_runs)
def initial_study(config: RNNConfig) -> reading.Study:
    """The same reading with the initial weights: the units before any training."""
    initial_weights = initial.weights_of(config.replace(weights=SEEDED))
    corpus = text_corpus(config)
    return reading.study(config, corpus, initial_weights, None, VAL_FRACTION)


def text_traces(config: RNNConfig):
    """Every layer's trace over the held-out text, (1, L, M) each: what connectivity reads."""
    return text_study(config).reading.traces
