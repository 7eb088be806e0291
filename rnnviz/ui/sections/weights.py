"""Section 3, the weights: each gate's blocks and the head, on one colour scale centred on zero."""

from __future__ import annotations

import streamlit as st

from rnnviz.config import RNNConfig
from rnnviz.pipeline import Run
from rnnviz.recurrence.cells import LAYOUTS
from rnnviz.shapes import layouts, ledger
from rnnviz.ui import cache
from rnnviz.ui.components.weights import weight_panels
from rnnviz.ui.sections import page
from rnnviz.ui.view import View


def draw(config: RNNConfig, view: View) -> None:
    """Every weight block of the layer and direction on view, and the head, drawn in the
    browser (``components.weights``) on one colour scale; how they map to PyTorch's."""
    c, run = config, cache.run_of(config)
    layout, _ = layouts.shown(c, view.layout)
    page.header("weights")
    tag = ledger.path_tag(c, view.layer, view.direction)
    where = f" of layer{tag}" if tag else ""
    order = [name for _, name in layouts.gate_order(run.cell, layout)]
    st.caption(
        f"Weights{where} in the {LAYOUTS[layout]} layout"
        + (f", one row of blocks per gate, in its order {', '.join(order)}" if order else "")
        + ". "
        + layouts.CONVENTIONS[layout]
        + " One colour scale for every panel, centred on zero (red positive, blue negative) and "
        "spanning 99.5% of the values (rarer, larger ones saturate); hover a cell for its value, "
        "or Tab to a matrix and move through it with the arrow keys (Enter says what that weight "
        'does); "Show as table" lists the numbers.'
    )
    if not any(v.any() for k, v in run.weights.items() if k.startswith("b_")):
        st.caption("Keras starts every bias at zero, so the bias strips are white until trained.")
    with st.container(key="weight_panels"):
        payload = cache.weight_payload(c, view.layer, view.direction, layout)
        weight_panels(payload, key="weights")
    with st.expander("The same weights in PyTorch"):
        torch_mapping(run)


def torch_mapping(run: Run) -> None:
    """Where each Keras block goes in torch.nn's layout (``rnnviz.shapes.layouts``), or why
    there is no such layout for this cell."""
    try:
        rows = layouts.moves(run.config)
    except layouts.LayoutError as err:
        st.caption(str(err))
        return
    st.caption(
        f"torch.nn.{run.cell.torch_name} multiplies W x_t where Keras multiplies x_t W, so every "
        "kernel is transposed; it orders the gates its own way; and it keeps two biases, one "
        "for the input part and one for the recurrent part. The sidebar's \"Weights for "
        'PyTorch" download holds exactly these entries, and loads with load_state_dict.'
    )
    lines = ["| Keras | PyTorch | on the way |", "|---|---|---|"]
    for move in rows:
        keras = "—" if move.keras == "—" else f"`{move.keras}`"
        lines.append(f"| {keras} | `{move.torch}` | {move.how} |")
    st.markdown("\n".join(lines))
