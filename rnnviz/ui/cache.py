"""Models and runs cached across reruns and browser sessions.

``st.cache_resource`` shares one object between every session without copying
it, which is safe here because a ``KerasRNN`` is only called under the lock
in ``rnnviz.model`` and a ``Run``'s arrays are read-only. Both caches are
bounded so memory stays flat however many configs visitors try: a run is at
most ~40 MB (the N·T·M cap), so 8 of them stay under ~350 MB.
"""

from __future__ import annotations

import streamlit as st

from rnnviz import model
from rnnviz.config import RNNConfig
from rnnviz.run import Run, execute

MAX_MODELS = 8
MAX_RUNS = 8


@st.cache_resource(
    max_entries=MAX_MODELS,
    show_spinner="Loading TensorFlow and building the Keras model (the first one takes a few "
    "seconds)…",
)
def keras_model(T: int, D: int, M: int, K: int, seed: int, cell: str) -> model.KerasRNN:
    # Keyed without N: one model serves every batch size of the same shape.
    return model.build(T, D, M, K, seed, cell)


@st.cache_resource(max_entries=MAX_RUNS, show_spinner="Running Keras and the NumPy recurrence…")
def run(config: RNNConfig) -> Run:
    c = config
    return execute(c, keras_model(c.T, c.D, c.M, c.K, c.seed, c.cell))
