"""rnnviz: look inside a recurrent neural network.

The core (config, data, cells, recurrence, model, agreement, summary, figures,
export, cli) is plain Python and never imports Streamlit, so it works from a
shell, a notebook or the command line. Only ``rnnviz.ui`` talks to Streamlit.
TensorFlow is imported lazily, by ``rnnviz.keras_side.model``, the first time a Keras
model is needed.
"""

__version__ = "0.1.0"
