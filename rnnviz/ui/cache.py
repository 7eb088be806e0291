"""Models and runs cached across reruns and browser sessions.

``st.cache_resource`` shares one object between every session without copying
it, which is safe here because a ``KerasRNN`` is only called under the lock
in ``rnnviz.model`` and a ``Run``'s arrays are read-only. Both caches are
bounded so memory stays flat however many configs visitors try.
"""

from __future__ import annotations

import streamlit as st

from rnnviz import model
from rnnviz.config import RNNConfig
from rnnviz.run import Run, execute

MAX_MODELS = 8
MAX_RUNS = 4  # an LSTM run at the cap keeps h, c and four gates: ~120 MB


@st.cache_resource(
    max_entries=MAX_MODELS,
    show_spinner="Loading TensorFlow and building the Keras model (the first one takes a few "
    "seconds)…",
)
def keras_model(config: RNNConfig) -> model.KerasRNN:
    # Called with config.model_config (N = 1): one model serves every N of the same shape.
    return model.build(config)


@st.cache_resource(max_entries=MAX_RUNS, show_spinner="Running Keras and the NumPy recurrence…")
def run(config: RNNConfig) -> Run:
    return execute(config, keras_model(config.model_config))
