"""The whole network in NumPy: every recurrent layer and direction over X, then the Dense head.

``numpy_forward`` is the NumPy side of a run (``rnnviz.pipeline.execute`` sets Keras beside
it): the layers in turn, each reading the one below (both directions side by side), a
backward path walking the sequence from x_T and handing its trace back in time order, and
the head on h_T (or on every h_t with return_sequences). Every weight it reads is checked
first. It reads the config's sizes and options (an ``rnnviz.config.RNNConfig``) and imports
nothing of rnnviz beyond this package, Keras or Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from rnnviz.recurrence import bugs, forward
from rnnviz.recurrence.cells import check_head, suffix


def numpy_forward(
    config, X: np.ndarray, weights: Mapping[str, np.ndarray]
) -> tuple[dict[tuple[int, str], dict[str, np.ndarray]], np.ndarray]:
    """The recurrences of every layer and direction over X (N, T, D), then the Dense head.

    ``weights`` are named as in the export (W_xh, W_hh_2, b_h_bwd, ..., W_o, b_o), and each is
    checked first, the head's too (``Cell.check``, ``check_head``). Returns the trace of each
    (layer, direction) and y: (N, K), or (N, T, K) with return_sequences. A planted bug
    (``config.bug``, see ``rnnviz.recurrence.bugs``) changes what this side computes."""
    c = config
    cell = c.variant
    for layer, d in c.paths:  # every weight read below is checked before any is used
        cell.check(weights, c.width(layer), c.M, suffix(layer, d))
    check_head(weights, c.M, c.directions, c.K)
    bug = bugs.bug_of(c.bug)
    traces: dict[tuple[int, str], dict[str, np.ndarray]] = {}
    H = X  # (N, T, D): what the next layer reads, then each layer's output
    for layer in range(1, c.layers + 1):
        outputs = []
        for d in ("fwd", "bwd")[: c.directions]:
            W = cell.path_weights(weights, suffix(layer, d))
            if (d == "fwd") != bug.reverse:
                trace = bugs.forward(bug, cell, H, W, c.M)  # each (N, T, M)
            else:  # read x_T first, then hand out in time order again (reversed views)
                trace = bugs.forward(bug, cell, H[:, ::-1], W, c.M)  # each (N, T, M), reversed
                trace = {k: v[:, ::-1] for k, v in trace.items()}  # views, no copy
            traces[(layer, d)] = trace
            outputs.append(trace["h"])
        # (N, T, M·directions); one direction is used as it is, a copy would cost ~N·T·M
        H = outputs[0] if len(outputs) == 1 else np.concatenate(outputs, axis=-1)
    if c.return_sequences:
        return traces, forward.dense(H, weights["W_o"], weights["b_o"])  # (N, T, K)
    # h_T of each direction: the forward path ends at t = T, the backward one at t = 1.
    last = [traces[(c.layers, "fwd")]["h"][:, -1]]  # (N, M)
    if c.bidirectional:
        last.append(traces[(c.layers, "bwd")]["h"][:, -1 if bug.head_reads_last else 0])
    h_T = np.concatenate(last, axis=-1)  # (N, M·directions)
    return traces, forward.dense(h_T, weights["W_o"], weights["b_o"])  # (N, K)
