"""How the page shows a run, as opposed to what the run is: the view keys of a link.

Which sample n and step t the lecturer points at, which layer and direction, lecture mode and
its section, the quiz, the layout the weights are written in, and the theme (a dark one for dim
lecture halls): none of them changes a number, so they are not fields of the config, but a
shared link must carry them. Each is a ``Field`` (``rnnviz.config.fields``) of the config it
views, so a link's bad value is refused in the same words as a config field's;
``rnnviz.config.links.from_query`` reads them with the rest of the link.
"""

from __future__ import annotations

from dataclasses import dataclass

from rnnviz.config import Field, RNNConfig
from rnnviz.recurrence.cells import LAYOUTS
from rnnviz.ui.contents import SECTIONS

THEMES = ("light", "dark")  # .streamlit/config.toml's [theme.light] and [theme.dark]


@dataclass(frozen=True)
class View:
    """How the page shows a run: which layer and direction, and the lecture mode."""

    layer: int = 1
    direction: str = "fwd"
    present: bool = False  # lecture mode: one section at a time, larger type
    section: str = "time"  # the section lecture mode shows
    quiz: bool = False  # hide the ledger's numbers until each is clicked
    layout: str = "keras"  # how weights are named, shaped and written: cells.LAYOUTS
    theme: str = "light"  # Streamlit's theme: THEMES


def view_fields(config: RNNConfig) -> dict[str, Field]:
    """Every view key of a link, in the order a link writes them, as a field of ``config``:
    n within 0..N - 1, t within 1..T, m within 0..M - 1, l within 1..layers (each defaulting
    to what the page shows first: sample 0, the last step, unit 0, the last layer)."""
    c = config
    directions = ("fwd", "bwd") if c.bidirectional else ("fwd",)
    return {
        field.name: field
        for field in (
            Field("sample", "integer", "n, the sample shown", 0, 0, c.N - 1),
            Field("step", "integer", "t, the step shown", c.T, 1, c.T),
            Field("unit", "integer", "m, the unit whose arithmetic is open", 0, 0, c.M - 1),
            Field("view_layer", "integer", "l, the layer shown", c.layers, 1, c.layers),
            Field("view_direction", "choice", default="fwd", choices=directions, lower=False,
                  why=" for this config"),
            Field("present", "switch", default=False),
            Field("section", "choice", default="time", choices=tuple(SECTIONS), lower=False),
            Field("quiz", "switch", default=False),
            Field("layout", "choice", default="keras", choices=tuple(LAYOUTS)),
            Field("theme", "choice", default="light", choices=THEMES),
        )
    }  # fmt: skip


def view_default(key: str, config: RNNConfig):
    """What the page shows for view key ``key`` when the link does not set it (or badly)."""
    return view_fields(config)[key].default
