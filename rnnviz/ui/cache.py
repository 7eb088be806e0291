"""The pipeline's stages and the page's figures, cached across reruns and browser sessions.

Each stage is cached on exactly what it depends on, so a change recomputes only what it
touches: the ledger on the config without its seed (a new seed rebuilds no ledger), the
Keras model on the config without N (a new N builds no model), the run on the whole
config, and each figure or player payload on the config plus the view it shows.

``st.cache_resource`` shares one object between every session without copying it, which
is safe here because a ``KerasRNN`` is only called under its own lock (``rnnviz.model``), a
``Run``'s arrays are read-only, and figures and payloads are never changed once built.
Every cache is bounded, so memory stays flat however many configs visitors try.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from rnnviz import figures, frames, ledger, model, weightmaps
from rnnviz.config import RNNConfig
from rnnviz.run import Run, execute

MAX_MODELS = 8
MAX_RUNS = 4  # an LSTM run at the cap keeps h, c and four gates: ~120 MB
MAX_VIEWS = 16  # figures and player payloads: a few (n, layer, direction) per run


@st.cache_resource(max_entries=32, show_spinner=False)
def _ledger(config: RNNConfig) -> tuple[list[ledger.ShapeRow], list[ledger.ParamRow]]:
    return ledger.shapes(config), ledger.params(config)


def shapes_and_params(config: RNNConfig) -> tuple[list[ledger.ShapeRow], list[ledger.ParamRow]]:
    """The ledger's rows; the seed changes no shape and no count."""
    return _ledger(config.replace(seed=0))


@st.cache_resource(max_entries=MAX_MODELS, show_spinner="Building the Keras model…")
def keras_model(config: RNNConfig) -> model.KerasRNN:
    # Called with config.model_config (N = 1): one model serves every N of the same shape.
    return model.build(config)


@st.cache_resource(max_entries=MAX_RUNS, show_spinner="Running Keras and the NumPy recurrence…")
def run(config: RNNConfig) -> Run:
    return execute(config, keras_model(config.model_config))


@st.cache_resource(max_entries=MAX_VIEWS, show_spinner=False)
def weight_payload(config: RNNConfig, layer: int, direction: str) -> bytes:
    r = run(config)
    width = (ledger.width_symbol(config, layer), config.width(layer))
    tag = ledger.path_tag(config, layer, direction)
    grid = weightmaps.weight_grid(r.cell, r.path(layer, direction).weights, r.head, width, tag)
    return frames.pack(grid)


@st.cache_resource(max_entries=MAX_RUNS, show_spinner=False)
def agreement_figures(config: RNNConfig) -> list[tuple[str, go.Figure]]:
    r = run(config)
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


@st.cache_resource(max_entries=MAX_VIEWS, show_spinner="Preparing the player…")
def player_frames(config: RNNConfig, n: int, layer: int, direction: str) -> frames.Frames:
    return frames.frames(run(config), n, layer, direction)
