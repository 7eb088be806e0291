"""The page in the three layouts (AppTest): Keras', PyTorch's and the textbook's names, shapes
and equations, the same parameter count in each, and PyTorch's refusal where it has no such
cell. The numbers themselves are checked against torch.nn in tests/test_layouts.py."""

from __future__ import annotations

import pytest

from tests.test_app import html, open_app, text, weight_titles

LEDGER_NAMES = {
    "keras": ["W<sub>xh</sub>", "b<sub>h</sub>", "W<sub>o</sub>"],
    "pytorch": ["<code>weight_ih_l0</code>", "<code>bias_hh_l0</code>", "<code>head.weight</code>"],
    "textbook": ["W<sub>i</sub>, W<sub>f</sub>, W<sub>g</sub>, W<sub>o</sub>", "W<sub>y</sub>"],
}
FIRST_PANEL = {
    "keras": "W_xh · i (3, 5)",
    "pytorch": "weight_ih_l0[0:5] (5, 3)",
    "textbook": "W_i (5, 3)",
}
EQUATION = {"keras": "x_t W_{xh}^{(i)}", "pytorch": "W_{ii} x_t + b_{ii}", "textbook": "W_i x_t"}


@pytest.mark.parametrize("layout", ["keras", "pytorch", "textbook"])
def test_each_layout_renders_its_names_and_the_same_count(layout):
    at = open_app(cell="lstm", layout=layout)
    assert not at.exception, at.exception
    assert at.metric[0].value == "192", "the parameter count does not depend on the layout"
    for name in LEDGER_NAMES[layout]:
        assert name in html(at), name
    assert weight_titles(at).startswith(FIRST_PANEL[layout])
    assert EQUATION[layout] in text(at)
    assert at.segmented_control(key="layout").value == layout
    assert at.query_params.get("layout") == (None if layout == "keras" else layout)
    assert not at.warning


def test_the_layout_control_rewrites_the_views_and_the_url():
    at = open_app()
    at.segmented_control(key="layout").set_value("pytorch").run()
    assert not at.exception, at.exception
    assert at.query_params["layout"] == "pytorch"
    assert "<code>weight_hh_l0</code>" in html(at)
    assert "62 numbers: the same 57 parameters and 5 zeros in bias_hh" in "".join(
        c.value for c in at.caption
    )
    at.segmented_control(key="layout").set_value("textbook").run()
    assert "a_t = W x_t + U h_{t-1} + b" in text(at)
    assert "y = W<sub>y</sub> h<sub>T</sub> + b<sub>y</sub>" in text(at)


def test_pytorch_layout_of_a_stacked_bidirectional_gru_counts_layers_from_0():
    at = open_app(
        cell="gru", layers=2, bidirectional="true", layout="pytorch", view_layer=2,
        view_direction="bwd",
    )  # fmt: skip
    assert not at.exception, at.exception
    assert at.metric[0].value == "832"
    assert "<code>weight_ih_l1</code>" in html(at) and "<code>h_t_2</code>" not in html(at)
    assert weight_titles(at).startswith("weight_ih_l1_reverse[0:5] (5, 10) — reset gate r")
    captions = " ".join(c.value for c in at.caption)
    assert "the weights hold the same 832 parameters" in captions  # b' is bias_hh


def test_pytorch_layout_of_the_gru_without_an_equivalent_says_why():
    at = open_app(cell="gru", reset_after="false", layout="pytorch")
    assert not at.exception, at.exception
    (warning,) = at.warning
    assert "no PyTorch equivalent" in warning.value and "Keras' layout instead" in warning.value
    assert weight_titles(at).startswith("W_xh · z (3, 5)"), "Keras' layout, not a wrong one"
    assert "weight_ih" not in html(at)
