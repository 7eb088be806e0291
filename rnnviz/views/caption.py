"""The caption a downloaded figure carries, and the file name it is saved under.

A figure taken to a slide leaves the page that said what it shows, so each download names its
config in one line: "rnnviz · LSTM(5) → Dense(2) · N=10 T=10 D=3 · seed 0", the model as the
page titles it, the sizes, the seed, and what makes the run other than the seed's (a task, data,
trained or imported weights, a what-if, a planted bug). The browser adds the step t shown at
the moment of the download (``rnnviz.ui.components.figures``), so these are a function of the
config alone.
"""

from __future__ import annotations

import re

from rnnviz.config import NO_DATA, NO_EDIT, RNNConfig
from rnnviz.recurrence.bugs import NONE, bug_of
from rnnviz.shapes.ledger import model_name
from rnnviz.tasks import TASKS

SEP = " · "  # between the caption's parts, as on the page's own headings


def caption(c: RNNConfig) -> str:
    """The config in one line, for a figure's caption: the model, the sizes, the seed, and,
    briefly, whatever else changes its numbers."""
    parts = ["rnnviz", model_name(c), f"N={c.N} T={c.T} D={c.D}", f"seed {c.seed}"]
    if c.data != NO_DATA:
        parts.append(f"data {c.data}")
    elif c.task != "random":
        parts.append(f"{TASKS[c.task].title} task")
    elif c.input != "random":
        parts.append(f"{c.input} at t0={c.pulse_t} d0={c.pulse_d}")
    if c.x_edit != NO_EDIT:
        parts.append(f"X edited {c.x_edit}")
    if c.trained:
        parts.append(f"trained {c.epochs} epoch{'s' if c.epochs != 1 else ''}")
    elif c.imported:
        parts.append(f"imported weights {c.weights}")
    if c.whh_scale != 1.0:
        parts.append(f"W_hh × {c.whh_scale:g}")
    if c.dtype != "float32":
        parts.append(c.dtype)
    if c.bug != NONE:
        parts.append(f"bug: {bug_of(c.bug).title}")
    return SEP.join(parts)


def file_stem(c: RNNConfig) -> str:
    """The config in a file name's safe characters: "lstm5-n10-t10-d3-k2-seed0", with
    "-x2" for stacked layers, "-bi" for a bidirectional model and a short word for what else
    changes the numbers."""
    stem = f"{c.cell}{c.M}-n{c.N}-t{c.T}-d{c.D}-k{c.K}-seed{c.seed}"
    if c.layers > 1:
        stem += f"-x{c.layers}"
    if c.bidirectional:
        stem += "-bi"
    if c.data != NO_DATA:
        stem += f"-data{c.data[:8]}"
    elif c.task != "random":
        stem += f"-{c.task}"
    elif c.input != "random":
        stem += f"-{c.input}"
    if c.trained:
        stem += f"-trained{c.epochs}"
    elif c.imported:
        stem += f"-w{c.weights[:8]}"
    if c.bug != NONE:
        stem += f"-{c.bug}"
    return safe(stem)


def safe(text: str) -> str:
    """``text`` in the characters every file system and slide tool accepts: lower-case
    letters, digits, "_" and "-", runs of anything else one "-"."""
    return re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-")
