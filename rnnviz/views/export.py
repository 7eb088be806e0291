"""One finished run as a ``.npz`` file, for anyone who wants the numbers outside rnnviz.

The archive holds the input X, every weight under its symbol on the page (W_xh, W_hh, b_h,
W_o, b_o for a SimpleRNN; whatever ``rnnviz.recurrence.cells`` lists for other cells), both outputs
(``y_keras``, ``y_numpy``), the target ``y_task`` where a task or uploaded data brings
one, the whole NumPy trace as ``<key>_numpy`` (``h_numpy`` is h after
each step, ``a_numpy`` its pre-activation) and ``config``, the run's config as a JSON string.
Every entry is a plain array, so ``np.load(path, allow_pickle=False)`` reads it. Used by the
app's download button and by ``python -m rnnviz --export``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
from collections.abc import Mapping
from typing import BinaryIO

import numpy as np

from rnnviz.config import RNNConfig
from rnnviz.pipeline import Run


def file_name(config: RNNConfig, extension: str = ".npz") -> str:
    """What a download of ``config``'s run is called: the config in the name, so that files
    of different runs never collide: rnnviz_lstm_L2_bidi_N10_T10_D3_M5_K2_seed0.npz, and
    with imported weights their digest after the seed (_seed0_weights3f2a…), trained ones
    their epochs (_seed0_trained20), and a task or uploaded data before the sizes
    (rnnviz_lstm_L1_adding_N…, rnnviz_gru_L1_data3f2a…_N…)."""
    c = config
    options = "".join(
        f"_{flag}" for flag, on in (("bidi", c.bidirectional), ("seq", c.return_sequences)) if on
    )
    sizes = f"N{c.N}_T{c.T}_D{c.D}_M{c.M}_K{c.K}_seed{c.seed}"
    sizes += f"_weights{c.weights}" if c.imported else ""
    sizes += f"_trained{c.epochs}" if c.trained else ""
    source = f"_data{c.data}" if not c.drawn else "" if c.task == "random" else f"_{c.task}"
    return f"rnnviz_{c.cell}_L{c.layers}{options}{source}_{sizes}{extension}"


def arrays(run: Run, extra: Mapping[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Everything the archive holds, by name, in the order it is written.

    Layer l >= 2 adds the suffix ``_l`` and the backward direction ``_bwd`` (W_xh_2,
    h_numpy_bwd); gate activations are ``gate_<key>`` (gate_f, gate_z_2). ``extra`` arrays
    (the gradients ``dy_dx`` and ``dh_T_dh`` with ``--grad``) come before ``config``.
    """
    named: dict[str, np.ndarray] = {"X": run.X}  # (N, T, D)
    named.update(run.weights)  # Keras' layouts: W_xh (D, M·blocks), ..., W_o, b_o
    named["y_keras"] = run.y_keras  # (N, K) or (N, T, K)
    named["y_numpy"] = run.y_numpy  # same
    if run.y_task is not None:
        named["y_task"] = run.y_task  # the task's or the data's target: (N, K) or (N,)
    gates = {g.key for g in run.cell.gates}
    for path in run.paths:
        for key, value in path.trace.items():
            name = (f"gate_{key}" if key in gates else f"{key}_numpy") + path.suffix
            # A future cell's symbol must not silently overwrite another entry.
            if name in named:
                raise ValueError(f"trace key {key!r} clashes with the export entry {name!r}")
            named[name] = value  # h_numpy, c_numpy, a_numpy, gate_f, ...: (N, T, M)
    for name, value in (extra or {}).items():
        if name in named:
            raise ValueError(f"{name!r} is already an entry of the export")
        named[name] = value
    config = json.dumps(dataclasses.asdict(run.config))
    named["config"] = np.array(config, dtype=np.str_)  # () unicode, no pickle needed
    return named


def write_npz(
    run: Run, file: str | os.PathLike | BinaryIO, extra: Mapping[str, np.ndarray] | None = None
) -> None:
    """Write ``run`` (and ``extra`` arrays) as a compressed ``.npz`` to a path or a binary
    file object.

    A path is used exactly as given: unlike ``np.savez``, no ``.npz`` is appended when the
    name lacks it. OSError (a missing directory, a path that is a directory) propagates.
    """
    if isinstance(file, str | os.PathLike):
        with open(file, "wb") as f:
            np.savez_compressed(f, **arrays(run, extra))
    else:
        np.savez_compressed(file, **arrays(run, extra))


def npz_bytes(run: Run) -> bytes:
    """The ``.npz`` archive of ``run`` in memory (the app's download button)."""
    buffer = io.BytesIO()
    write_npz(run, buffer)
    return buffer.getvalue()
