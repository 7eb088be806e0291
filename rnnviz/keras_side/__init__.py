"""Where Keras enters: the model, its training, the shape mistakes made live, your own model.

TensorFlow is imported on first use (``model._keras``), never at import time, so everything
below this package (the ledger, the NumPy recurrence, the inputs) works without it.
"""
