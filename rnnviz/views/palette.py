"""The page's colours, in one place: the series of a chart, the lines drawn beside them for
reference, and the scales of the heatmaps and canvases.

The series take Okabe and Ito's colours, chosen to stay apart for readers with a colour-vision
deficiency. Of the eight, the figures use the three that stay apart in every pair under a
simulated deuteranopia, protanopia and tritanopia as well as with normal vision (ΔE2000 ≥ 15,
``tests/test_palette.py``): blue, orange and sky blue. Yellow is too pale on white, black
vanishes on a dark page, and bluish green, vermillion and reddish purple each merge with one of
the three under some deficiency. Every series also has its own dash and marker, so a figure of
more series than colours (and a projector that washes colour out) tells none by colour alone.

The weights and states use one diverging scale, centred on zero: 0 is its neutral middle, blue
negative, red positive; its two ends stay apart under each deficiency. Plotly draws the scales
by name, and the canvases (``rnnviz.ui.components``) are sent their stops (``colorscale``).
"""

from __future__ import annotations

import plotly.colors

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}

SERIES = (OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["sky blue"])  # in this order
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")  # lines: series i's
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "triangle-down", "star")
REFERENCE = "#999999"  # y = x, the unit circle, a baseline, a marked step, a bar of exactly 0
LIMIT = OKABE_ITO["vermillion"]  # a tolerance or threshold, drawn dashed and named

DIVERGING = "RdBu_r"  # weights and states, centred on zero: blue negative, red positive
SEQUENTIAL = "Blues"  # gates in (0, 1): white = closed, dark = open
MAGNITUDE = "Viridis"  # a log₁₀ size over (sample, step)


def series(i: int) -> dict[str, str]:
    """Series i's colour, dash and marker symbol: the colours repeat every three series, the
    dashes every six and the symbols every eight, so no two of the first 24 series look alike."""
    return dict(
        colour=SERIES[i % len(SERIES)],
        dash=DASHES[i % len(DASHES)],
        symbol=SYMBOLS[i % len(SYMBOLS)],
    )


def colorscale(name: str) -> list[list]:
    """A Plotly scale's stops as [position in 0..1, CSS colour], as the canvases read them."""
    return [[float(stop), colour] for stop, colour in plotly.colors.get_colorscale(name)]
