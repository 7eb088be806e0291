"""The elements drawn in the browser: the state player, the weights, the step's arithmetic,
and the charts' places.

The player and the weights are Streamlit components v2 (no iframe) fed by
``rnnviz.views.player_data.pack``: raw float32 arrays behind a JSON header; the derivation by
``rnnviz.views.derivation.payload``, JSON. ``canvas.js`` (the payload decoder, the colour tables
and the DOM helpers) is shared, joined in front of each element's own script (``script``).
``in_view`` holds a chart's place below the fold until it is scrolled to.
"""

from pathlib import Path

_HERE = Path(__file__).parent


def script(*names: str) -> str:
    """The files ``names`` beside this one, joined: a component's one inline ES module (the
    shared canvas.js in front of its own script), or its CSS. More than one line, on purpose:
    Streamlit takes a one-line string with "[", "/" or "*" for a file path."""
    return "\n".join((_HERE / name).read_text(encoding="utf-8") for name in names)
