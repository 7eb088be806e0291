"""rnnviz: look inside a recurrent neural network.

Bottom to top, as a run goes: ``recurrence`` (the NumPy side: the cell table, the recurrences,
BPTT, planted bugs, agreement), ``tasks`` (X and y drawn from the seed), ``config`` (what one
run is, and how a link or a flag becomes one), ``shapes`` (the ledger and the layouts),
``inputs`` (what visitors bring, and the one store that holds it), ``keras_side`` (where Keras
enters), ``pipeline`` (one run: Keras beside NumPy), ``views`` (what the views need), then the
front ends ``cli`` and ``ui``. Only ``ui`` imports Streamlit; TensorFlow is imported on first
use. docs/design.md draws the house.
"""

__version__ = "0.1.0"
