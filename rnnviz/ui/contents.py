"""The page's table of contents: its sections, each one's key, number, title, label and needs.

The key is what ``?section=`` takes in lecture mode and the name of the module that draws the
section (``rnnviz.ui.sections.<key>``, whose ``draw(config, view)`` is all app.py calls); the
number and title make its header and its placeholder while TensorFlow loads; the label is the
lecture picker's. ``keras``: the section shows Keras' side of the run (the others show
NumPy's and are drawn first, while Keras' side is computed on a thread of its own, or
TensorFlow loads). ``on_demand``: on the full page it is computed only once its expander is
opened (lecture mode, showing it alone, computes it at once).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str  # ?section=, and the module that draws it
    headers: tuple[tuple[str, str], ...]  # (number, title) of each header it draws
    label: str  # the lecture picker's name for it
    keras: bool = True  # shows Keras' side of the run, so waits for it
    on_demand: bool = False  # on the full page, computed once its expander is opened

    @property
    def title(self) -> str:
        """Its headers in one line: "4 · Hidden states · 5 · Step by step"."""
        return " · ".join(f"{number} · {title}" for number, title in self.headers)

    def header(self, part: int = 0) -> str:
        number, title = self.headers[part]
        return f"{number} · {title}"

    @property
    def draw(self) -> Callable:
        """``draw(config, view)`` of the section's own module."""
        return importlib.import_module(f"rnnviz.ui.sections.{self.key}").draw


SECTIONS: dict[str, Section] = {
    s.key: s
    for s in (
        Section("training", (("0", "Training"),), "Training", keras=False),
        Section("shapes", (("1", "Shapes ledger"),), "Shapes", keras=False),
        Section("summary", (("2", "Model summary"),), "Summary"),
        Section("weights", (("3", "Weights"),), "Weights", keras=False),
        Section("time", (("4", "Hidden states"), ("5", "Step by step")), "States and steps",
                keras=False),
        Section("agreement", (("6", "Output agreement"),), "Agreement"),
        Section("mistakes", (("7", "What if the shape is wrong?"),), "Shape mistakes",
                on_demand=True),
        Section("gradients", (("8", "Gradients through time"),), "Gradients", keras=False,
                on_demand=True),
        Section("spectrum", (("9", "Spectrum of W_hh"),), "Spectrum of W_hh", keras=False,
                on_demand=True),
        Section("text", (("10", "Reading the units"),), "Reading the units", keras=False),
    )
}  # fmt: skip
