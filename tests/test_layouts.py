"""The three layouts (``rnnviz.shapes.layouts``): Keras', PyTorch's and the textbook's name, shape
and write the same numbers. PyTorch's names and shapes are checked against real ``torch.nn``
modules; the textbook's matrices are run through an independent column-vector recurrence, which must
give Keras' y; the step panel's numbers must not depend on the layout."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.pipeline import execute
from rnnviz.recurrence.agreement import TOLERANCE
from rnnviz.recurrence.cells import GRU_RESET_BEFORE, HEAD, LAYOUTS, cell_of, suffix
from rnnviz.shapes import layouts, ledger

CONFIGS = [
    RNNConfig(cell=cell, N=3, T=4, D=4, M=3, K=2, layers=layers, bidirectional=bi,
              reset_after=reset_after, seed=5)
    for cell, layers, bi, reset_after in itertools.product(
        ("simple", "lstm", "gru"), (1, 2), (False, True), (True, False)
    )
    if cell == "gru" or reset_after
]  # fmt: skip


def _id(c: RNNConfig) -> str:
    variant = "" if c.reset_after else "-before"
    return f"{c.cell}{variant}-L{c.layers}{'-bi' if c.bidirectional else ''}"


def keras_weights(config: RNNConfig, seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights of Keras' shapes, named as in the export (W_xh, W_hh_2_bwd, ..., W_o)."""
    rng = np.random.default_rng(seed)
    c = config
    cell = cell_of(c.cell, c.reset_after)
    out = {}
    for layer, d in c.paths:
        for w in cell.weights:
            shape = cell.numeric_shape(w, c.width(layer), c.M)
            out[w.symbol + suffix(layer, d)] = rng.normal(size=shape).astype(np.float32)
    out["W_o"] = rng.normal(size=(c.head_width, c.K)).astype(np.float32)  # (H, K)
    out["b_o"] = rng.normal(size=c.K).astype(np.float32)  # (K,)
    return out


@pytest.mark.parametrize("config", CONFIGS, ids=_id)
def test_each_layouts_ledger_names_and_shapes_its_arrays(config):
    """Every weight the ledger lists in a layout is an array of ``convert`` with that shape,
    and every array is listed: forward paths by row, backward ones by their suffix."""
    c = config
    for layout in LAYOUTS:
        if layouts.shown(c, layout)[0] != layout:
            continue
        arrays = layouts.convert(c, layout, keras_weights(c))
        listed = {}
        for r in layouts.ledger(c, layout):
            for name in r.name.split(", "):
                listed[name] = r.numeric
        for name, value in arrays.items():
            forward = name.removesuffix("_reverse").removesuffix("_bwd")
            assert listed.get(forward) == value.shape, f"{layout}: {name} {value.shape}"
        shapes = [(k, v.shape) for k, v in arrays.items()]
        assert shapes == list(layouts.shapes_in(c, layout).items()), layout  # in this order
        assert sum(v.size for v in arrays.values()) == layouts.numbers(c, layout), layout


@pytest.mark.parametrize("config", [c for c in CONFIGS if c.reset_after], ids=_id)
def test_pytorch_names_and_shapes_are_torch_nns(config, torch):
    """PyTorch's layout is ``torch_shapes`` and the state_dict of the torch.nn module."""
    c = config
    cell = cell_of(c.cell, c.reset_after)
    arrays = layouts.convert(c, "pytorch", keras_weights(c))
    assert {k: v.shape for k, v in arrays.items()} == layouts.torch_shapes(c)
    rnn = getattr(torch.nn, cell.torch_name)(
        c.D, c.M, num_layers=c.layers, bidirectional=c.bidirectional, batch_first=True
    )
    theirs = {k: tuple(v.shape) for k, v in rnn.state_dict().items()}
    head = torch.nn.Linear(c.head_width, c.K).state_dict()
    theirs |= {f"head.{k}": tuple(v.shape) for k, v in head.items()}
    assert {k: v.shape for k, v in arrays.items()} == theirs
    rows = [r.name for r in layouts.ledger(c, "pytorch")]
    assert "weight_ih_l0" in rows and "head.weight" in rows
    assert layouts.numbers(c, "pytorch") == sum(math.prod(s) for s in theirs.values())


def test_the_textbook_and_keras_layouts_hold_the_same_parameters():
    for c in CONFIGS:
        assert layouts.numbers(c, "textbook") == ledger.param_totals(c)["total"], _id(c)
        assert layouts.numbers(c, "keras") == ledger.param_totals(c)["total"], _id(c)


def test_pytorch_is_refused_for_the_gru_that_resets_before():
    c = RNNConfig(cell="gru", reset_after=False)
    assert layouts.shown(c, "pytorch") == ("keras", GRU_RESET_BEFORE.torch_refusal)
    assert layouts.shown(c, "textbook") == ("textbook", "")
    with pytest.raises(layouts.LayoutError, match="no PyTorch equivalent"):
        layouts.convert(c, "pytorch", keras_weights(c))


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def column_vector_rnn(config: RNNConfig, tb: dict[str, np.ndarray], X: np.ndarray):
    """The forward recurrence of a one-layer model, written with column vectors from the
    textbook's matrices alone (float64, one sample at a time): h_t (N, T, M) and y (N, K)."""
    c = config
    cell = cell_of(c.cell, c.reset_after)
    g = {k: v.astype(np.float64) for k, v in tb.items()}
    N, T, _ = X.shape
    hs = np.zeros((N, T, c.M))
    y = np.zeros((N, c.K))
    for n in range(N):
        h = np.zeros(c.M)  # (M,)
        cc = np.zeros(c.M)  # (M,)
        for t in range(T):
            x = X[n, t].astype(np.float64)  # (D,)
            if not cell.gates:  # h_t = tanh(W x_t + U h_{t-1} + b)
                h = np.tanh(g["W"] @ x + g["U"] @ h + g["b"])  # (M,)
            elif c.cell == "lstm":
                i, f, o = (_sigmoid(g[f"W_{k}"] @ x + g[f"U_{k}"] @ h + g[f"b_{k}"]) for k in "ifo")
                cand = np.tanh(g["W_g"] @ x + g["U_g"] @ h + g["b_g"])  # (M,)
                cc = f * cc + i * cand  # (M,)
                h = o * np.tanh(cc)  # (M,)
            elif c.reset_after:  # b' beside U h, scaled by r in the candidate
                z, r = (
                    _sigmoid(g[f"W_{k}"] @ x + g[f"b_{k}"] + g[f"U_{k}"] @ h + g[f"b'_{k}"])
                    for k in "zr"
                )
                cand = np.tanh(g["W_h"] @ x + g["b_h"] + r * (g["U_h"] @ h + g["b'_h"]))  # (M,)
                h = z * h + (1 - z) * cand  # (M,)
            else:
                z, r = (_sigmoid(g[f"W_{k}"] @ x + g[f"U_{k}"] @ h + g[f"b_{k}"]) for k in "zr")
                cand = np.tanh(g["W_h"] @ x + g["U_h"] @ (r * h) + g["b_h"])  # (M,)
                h = z * h + (1 - z) * cand  # (M,)
            hs[n, t] = h
        y[n] = g["W_y"] @ h + g["b_y"]  # (K,)
    return hs, y


@pytest.mark.parametrize(
    "config",
    [
        RNNConfig(cell="simple", N=3, T=6, D=2, M=4, K=3, seed=1),
        RNNConfig(cell="lstm", N=3, T=6, D=2, M=4, K=3, seed=1),
        RNNConfig(cell="gru", N=3, T=6, D=2, M=4, K=3, seed=1),
        RNNConfig(cell="gru", N=3, T=6, D=2, M=4, K=3, seed=1, reset_after=False),
    ],
    ids=_id,
)
def test_the_textbook_matrices_recombine_to_keras_y(config):
    run = execute(config)
    tb = layouts.convert(config, "textbook", run.weights)
    W_y, b_y = (tb[name] for w in HEAD for name in w.textbook)
    assert W_y.shape == (config.K, config.M) and b_y.shape == (config.K,)
    h, y = column_vector_rnn(config, tb, run.X)
    tolerance = TOLERANCE * max(1.0, float(np.abs(run.y_keras).max()))
    np.testing.assert_allclose(h, run.h, atol=1e-5, err_msg="Mine: column vectors; Theirs: h")
    np.testing.assert_allclose(y, run.y_keras, atol=tolerance, err_msg="Mine: W_y h_T + b_y")


@pytest.fixture(scope="module")
def runs():
    configs = [
        RNNConfig(cell="simple", T=4, seed=2, layers=2, bidirectional=True),
        RNNConfig(cell="lstm", T=4, seed=2),
        RNNConfig(cell="gru", T=4, seed=2),
        RNNConfig(cell="gru", T=4, seed=2, reset_after=False),
    ]
    return [execute(c) for c in configs]


def test_the_step_panels_numbers_are_the_same_in_every_layout(runs):
    for run in runs:
        c = run.config
        for (layer, d), t in itertools.product([(p.layer, p.direction) for p in run.paths], (1, 4)):
            keras = run.step_terms(1, t, layer, d)
            for layout in LAYOUTS:
                shown, _ = layouts.shown(c, layout)
                terms = run.step_terms(1, t, layer, d, shown)
                assert len(terms) == len(keras)
                for ours, theirs in zip(terms, keras, strict=True):
                    np.testing.assert_array_equal(ours.value, theirs.value, err_msg=ours.name)
                equations = " ".join(run.cell.equations_in(shown))
                for term in terms:
                    if term.formula:  # each formula the panel shows is the page's equation
                        name = term.name.replace("t+1", "t-1")
                        formula = term.formula.replace("t+1", "t-1")
                        assert f"{name} = {formula}" in equations, (layout, name)


def test_each_layout_names_the_step_its_way(runs):
    simple, lstm, gru, _ = runs
    names = {layout: [t.name for t in simple.step_terms(0, 2, layout=layout)] for layout in LAYOUTS}
    assert names["keras"][:3] == [r"x_t W_{xh}", r"h_{t-1} W_{hh}", "b_h"]
    assert names["pytorch"][:3] == [r"x_t W_{ih}^T", r"h_{t-1} W_{hh}^T", r"b_{ih} + b_{hh}"]
    assert names["textbook"][:3] == ["W x_t", "U h_{t-1}", "b"]
    assert "n_t" in [t.name for t in gru.step_terms(0, 2, layout="pytorch")]
    assert "g_t" in [t.name for t in lstm.step_terms(0, 2, layout="pytorch")]
    assert gru.cell.equations_in("pytorch")[0].startswith("r_t = "), "torch's order: r, z, n"
