"""What every reader of a visitor's data file shares: ``DataError``, the one sentence that
refuses a file (what is wrong, where, and what is allowed), and float32's range, which every
value read must fit. ``userdata`` (the public face, .npy and .npz) and ``csv_long`` (the .csv)
both import it from here, so that neither has to import the other back."""

import numpy as np

# A finite float64 becomes inf in float32 from here on (2^128 - 2^103 rounds to 2^128).
FLOAT32_EDGE = 2.0**128 - 2.0**103
FLOAT32_MAX = float(np.finfo(np.float32).max)


class DataError(ValueError):
    """A file that is not data rnnviz reads: one sentence, what is wrong and what is allowed."""
