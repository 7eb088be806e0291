"""The step's arithmetic (``rnnviz.views.derivation``), against references it does not use.

For every cell variant, one layer and two stacked bidirectional ones, every layout, three steps,
every gate and unit:

- each drawn term is the product of the two entries its name gives, looked up here in the
  layout's own arrays (``layouts.convert``) and in the trace: x_t, h_{t-1}, r_t;
- the terms and biases add up to the pre-activation, computed here with matmuls in float64
  (Keras' layout), and, in PyTorch's layout, by torch.nn.functional.linear on PyTorch's
  own weights, in PyTorch's gate order;
- the activation of that sum is the value the recurrence traced (the step table's).

A planted bug draws the buggy code's terms, each named by the weight it really is: a
transposed W_hh names W_hh[j, k] where the code read [k, j], the GRU's bias rows added
together name both. A hand-worked SimpleRNN step checks the whole chain by hand.
"""

from __future__ import annotations

import itertools
import json
import re

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.pipeline import Run, output_step, recur
from rnnviz.recurrence import bugs, initial
from rnnviz.recurrence.cells import LAYOUTS, VARIANTS
from rnnviz.recurrence.forward import sigmoid
from rnnviz.shapes import layouts
from rnnviz.ui.sections.numbers import table
from rnnviz.views import derivation as dv

TOLERANCE = 1e-6  # float32: the drawn terms against NumPy's matmuls

VARIANT_CONFIGS = [
    dict(cell=cell.key, reset_after=cell.options.get("reset_after", True)) for cell in VARIANTS
]
SHAPES = [dict(layers=1, bidirectional=False), dict(layers=2, bidirectional=True)]


def run_of(**fields) -> Run:
    c = RNNConfig(**({"N": 6, "T": 5, "D": 3, "M": 4, "K": 2, "seed": 3} | fields))
    return recur(c, initial.weights_of(c, None))


def state_before(run: Run, layer: int, direction: str, n: int, i: int, key: str = "h"):
    """The state step i (0-based) reads, from the trace: zeros at the sequence's start."""
    p = run.path(layer, direction)
    j = i - 1 if direction == "fwd" else i + 1
    if 0 <= j < run.config.T:
        return p.trace[key][n, j]  # (M,)
    return np.zeros(run.config.M, run.X.dtype)


def layer_input(run: Run, layer: int, n: int, i: int) -> np.ndarray:
    if layer == 1:
        return run.X[n, i]  # (D,)
    return np.concatenate([p.trace["h"][n, i] for p in run.paths if p.layer == layer - 1])


def lookup(run: Run, layout: str, layer: int, direction: str, t: int):
    """name -> value, for every name a term or bias may give, from independent sources."""
    arrays = layouts.convert(run.config, layout, run.weights)
    p = run.path(layer, direction)
    i = t - 1
    N = run.config.N

    def value(name: str) -> float:
        if "+" in name:  # two bias rows added together (a bug's)
            return sum(value(part) for part in name.split("+"))
        base, index = re.fullmatch(r"(.+)\[([\d,]+)\]", name).groups()
        idx = tuple(int(k) for k in index.split(","))
        vectors = {
            "x_t": lambda n: layer_input(run, layer, n, i),
            "h_prev": lambda n: state_before(run, layer, direction, n, i),
            "(r_t⊙h_prev)": lambda n: (
                p.trace["r"][n, i] * state_before(run, layer, direction, n, i)
            ),
            "r_t": lambda n: p.trace["r"][n, i],
            "h": lambda n: output_step(run, n, t).h,  # what the Dense head reads
        }
        batch = {"X_t": "x_t", "H_prev": "h_prev", "(R_t⊙H_prev)": "(r_t⊙h_prev)", "H": "h"}
        if base in batch:
            n, k = idx
            assert 0 <= n < N
            return float(vectors[batch[base]](n)[k])
        if base in vectors:
            return float(vectors[base](lookup.n)[idx[0]])
        return float(arrays[base][idx])

    return value


def reference_pre(run: Run, layer: int, direction: str, n: int, t: int) -> dict[str, np.ndarray]:
    """Each gate's pre-activation by its equation, in float64, in Keras' layout."""
    cell, p, i, M = run.cell, run.path(layer, direction), t - 1, run.config.M
    W_xh, W_hh, b_h = (p.weights[w.symbol].astype(np.float64) for w in cell.parts)
    x = layer_input(run, layer, n, i).astype(np.float64)  # (D_l,)
    h = state_before(run, layer, direction, n, i).astype(np.float64)  # (M,)
    b_x, b_r = (b_h[0], b_h[1]) if b_h.ndim == 2 else (b_h, np.zeros_like(b_h))
    out = {}
    for k, gate in enumerate(cell.gates or [None]):
        cols = slice(k * M, (k + 1) * M)
        key = gate.key if gate else "h"
        if key == "hh" and b_h.ndim == 2:  # h̃ = tanh(x W + b + r ⊙ (h U + b'))
            out[key] = (
                x @ W_xh[:, cols] + b_x[cols] + p.trace["r"][n, i] * (h @ W_hh[:, cols] + b_r[cols])
            )
        elif key == "hh":  # h̃ = tanh(x W + (r ⊙ h) U + b)
            out[key] = x @ W_xh[:, cols] + (p.trace["r"][n, i] * h) @ W_hh[:, cols] + b_x[cols]
        else:
            out[key] = x @ W_xh[:, cols] + h @ W_hh[:, cols] + b_x[cols] + b_r[cols]
    head = output_step(run, n, t)
    if head is not None:  # y = h W_o + b_o
        W_o, b_o = (run.head[k].astype(np.float64) for k in ("W_o", "b_o"))
        out["y"] = head.h.astype(np.float64) @ W_o + b_o
    return out


def activation(name: str, z: float) -> float:
    if not name:  # the Dense head: y is the sum itself
        return z
    return float(sigmoid(np.array([z]))[0]) if name == "σ" else float(np.tanh(z))


def traced(run: Run, layer: int, direction: str, n: int, t: int, key: str) -> np.ndarray:
    """The value the recurrence (or the head) gave: the trace's gate, or NumPy's y."""
    if key == "y":
        return run.y_numpy[(n, t - 1) if run.config.return_sequences else (n,)]
    return run.path(layer, direction).trace[key][n, t - 1]


def check_block(d: dv.Derivation, value, reference: dict, trace_value: dict) -> None:
    for b in d.blocks:
        for m in range(len(b.value)):
            where = f"block {b.key} ({b.name}), unit {m}, layout {d.layout}, t = {d.t}"
            for p in b.products:
                for name, term in p.terms(d.names, *p.at(m)):
                    a, w = name.split("*")
                    np.testing.assert_allclose(
                        term, value(a) * value(w), rtol=1e-12, atol=1e-15,
                        err_msg=f"{where}: term {name} is not the product of its entries",
                    )  # fmt: skip
            mine = b.pre_of(d.names, m)
            np.testing.assert_allclose(
                mine, reference[b.key][m], atol=TOLERANCE, rtol=0,
                err_msg=f"{where}: Mine (the drawn terms) vs Theirs (matmuls in float64)",
            )  # fmt: skip
            np.testing.assert_allclose(
                mine, b.pre[m], atol=TOLERANCE, rtol=0, err_msg=f"{where}: vs NumPy's pre"
            )
            np.testing.assert_allclose(
                activation(b.activation, mine), trace_value[b.key][m], atol=TOLERANCE, rtol=0,
                err_msg=f"{where}: the activation of the sum is not the traced value",
            )  # fmt: skip


@pytest.mark.parametrize(
    "variant", VARIANT_CONFIGS, ids=lambda v: f"{v['cell']}-{v['reset_after']}"
)
@pytest.mark.parametrize("shape", SHAPES, ids=["one layer", "stacked bidirectional"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_the_drawn_terms_add_up_to_the_pre_activation_everywhere(variant, shape, layout):
    run = run_of(**variant, **shape)
    c = run.config
    for (layer, direction), t, n in itertools.product(c.paths, (1, 3, c.T), (0, 4)):
        d = dv.derive(run, n, t, layer, direction, layout)
        assert d.layout == layouts.shown(c, layout)[0]
        lookup.n = n
        value = lookup(run, d.layout, layer, direction, t)
        reference = reference_pre(run, layer, direction, n, t)
        values = {b.key: traced(run, layer, direction, n, t, b.key) for b in d.blocks}
        assert (d.blocks[-1].key == "y") == (t == c.T or c.return_sequences)
        check_block(d, value, reference, values)
        # over the whole batch, each row is its own sample's product
        for b in d.blocks:
            for p in b.products:
                wide = p.batch
                assert wide is not None and n in wide.A.rows + wide.B.rows
                for row in range(len(wide.A.rows or wide.B.rows)):
                    for name, term in wide.terms(d.names, *wide.at(b.value.size - 1, row)):
                        a, w = name.split("*")
                        assert term == pytest.approx(value(a) * value(w), rel=1e-12, abs=1e-15)


def test_pytorchs_own_functions_give_the_pre_activations_of_its_layout(torch):
    """In PyTorch's layout, its gates in its order: linear(x, W_ih, b_ih) + linear(h, W_hh,
    b_hh), with the GRU's n = i_n + r ⊙ h_n, on PyTorch's own names for the weights."""
    F = torch.nn.functional
    for key in ("simple", "lstm", "gru"):
        run = run_of(cell=key, layers=2, bidirectional=True)
        state = layouts.to_torch(run.config, run.weights)
        for (layer, direction), t in itertools.product(run.config.paths, (1, 4)):
            d = dv.derive(run, 2, t, layer, direction, "pytorch")
            sfx = layouts.torch_suffix(layer, direction)
            W = {k: torch.tensor(state[k + sfx], dtype=torch.float64)
                 for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}  # fmt: skip
            x = torch.tensor(layer_input(run, layer, 2, t - 1), dtype=torch.float64)
            h = torch.tensor(state_before(run, layer, direction, 2, t - 1), dtype=torch.float64)
            gi = F.linear(x, W["weight_ih"], W["bias_ih"]).chunk(len(d.blocks))
            gh = F.linear(h, W["weight_hh"], W["bias_hh"]).chunk(len(d.blocks))
            for k, b in enumerate(d.blocks):  # PyTorch's order: r, z, n for the GRU; no head
                if b.name == "n_t":
                    r = torch.sigmoid(gi[0] + gh[0])
                    theirs = gi[k] + r * gh[k]
                else:
                    theirs = gi[k] + gh[k]
                for m in range(run.config.M):
                    assert b.pre_of(d.names, m) == pytest.approx(float(theirs[m]), abs=TOLERANCE), (
                        f"{key} {b.name}[{m}], layer {layer} {direction}, t = {t}: Mine vs torch"
                    )


@pytest.mark.parametrize(
    "fields",
    [
        dict(cell=cell.key, reset_after=cell.options.get("reset_after", True), bug=bug.name)
        for cell in VARIANTS
        for bug in bugs.BUGS.values()
        if bug.applies(RNNConfig(cell=cell.key, reset_after=cell.options.get("reset_after", True)))
    ]
    + [dict(cell="simple", reset_after=True, bidirectional=True, bug="bwd_last_index")],
    ids=lambda f: f"{f['cell']}-{f['reset_after']}-{f['bug']}",
)
def test_a_planted_bug_draws_the_buggy_codes_terms_named_by_the_weights_they_are(fields):
    run = run_of(**fields)
    bug = bugs.bug_of(run.config.bug)
    for t in (1, 3, run.config.T):  # at T the head's block too
        for layout in LAYOUTS:
            d = dv.derive(run, 1, t, 1, "fwd", layout)
            assert d.layout == "keras", "a bug is drawn in Keras' layout, where it is made"
            assert "bug is planted" in d.note
        lookup.n = 1
        value = lookup(run, "keras", 1, "fwd", t)
        s = run.step_state(1, t, 1, "fwd")
        for b in d.blocks:
            for m in range(len(b.value)):
                for p in b.products:
                    for name, term in p.terms(d.names, *p.at(m)):
                        a, w = name.split("*")
                        vector = {"x_t": s.x_t, "h_prev": s.before["h"],
                                  "(r_t⊙h_prev)": s.now.get("r", 0) * s.before["h"],
                                  "h": head_read(run, 1, t)}  # fmt: skip
                        base, k = re.fullmatch(r"(.+)\[(\d+)\]", a).groups()
                        assert term == pytest.approx(
                            float(vector[base][int(k)]) * value(w), rel=1e-12
                        )
                z = b.pre_of(d.names, m)
                assert z == pytest.approx(float(b.pre[m]), abs=TOLERANCE)
                assert activation(b.activation, z) == pytest.approx(
                    float(traced(run, 1, "fwd", 1, t, b.key)[m]), abs=TOLERANCE
                ), f"{bug.name}: {b.name}[{m}] at t = {t}"
    if bug.name == "whh_transposed":  # the code read W_hh[k, j] where W_hh[j, k] belongs
        p = d.blocks[0].products[1]
        names = [name.split("*")[1] for name, _ in p.terms(d.names, *p.at(2))]
        M = run.config.M
        assert names == [f"W_hh[2,{k}]" for k in range(M)]  # block i: columns 0..M-1
    if bug.name == "reset_before":
        biases = [what for kind, what, *_ in d.blocks[0].parts if kind == "bias"]
        assert biases[0].names[0] == "b_h[0,0]+b_h[1,0]"
    if bug.name == "bias_dropped":
        biases = [what for kind, what, *_ in d.blocks[0].parts if kind == "bias"]
        assert set(biases[0].names) == {"0"} and not biases[0].values.any()


def head_read(run: Run, n: int, t: int) -> np.ndarray | None:
    """What the head read, as the code that ran read it: a bug may read the backward h at T."""
    out = output_step(run, n, t)
    if out is None or not bugs.bug_of(run.config.bug).head_reads_last:
        return None if out is None else out.h
    return np.concatenate([p.trace["h"][n, -1] for p in run.paths if p.layer == run.config.layers])


def test_a_simple_rnn_step_worked_by_hand():
    """D = 2, M = 2, weights chosen to be read off: a_t = x_t W_xh + h_{t-1} W_hh + b_h."""
    c = RNNConfig(N=1, T=2, D=2, M=2, K=1, seed=0)
    weights = {
        "W_xh": np.array([[1.0, 2.0], [3.0, 4.0]], np.float32),  # (D, M)
        "W_hh": np.array([[0.5, 0.0], [0.0, 0.25]], np.float32),  # (M, M)
        "b_h": np.array([0.125, -0.5], np.float32),  # (M,)
        "W_o": np.ones((2, 1), np.float32),
        "b_o": np.zeros(1, np.float32),
    }
    run = recur(c, weights)
    x1, x2 = (run.X[0, i].astype(np.float64) for i in (0, 1))
    h1 = np.tanh([x1[0] * 1 + x1[1] * 3 + 0.125, x1[0] * 2 + x1[1] * 4 - 0.5])
    d = dv.derive(run, 0, 2, unit=1)
    b, head = d.blocks  # t = T: the Dense head's block after the cell's
    xW, hW = b.products
    assert [n for n, _ in xW.terms(d.names, *xW.at(1))] == ["x_t[0]*W_xh[0,1]", "x_t[1]*W_xh[1,1]"]
    assert [v for _, v in xW.terms(d.names, *xW.at(1))] == pytest.approx([x2[0] * 2, x2[1] * 4])
    assert [n for n, _ in hW.terms(d.names, *hW.at(1))] == [
        "h_prev[0]*W_hh[0,1]",
        "h_prev[1]*W_hh[1,1]",
    ]
    assert [v for _, v in hW.terms(d.names, *hW.at(1))] == pytest.approx(
        [0.0, h1[1] * 0.25], abs=1e-7
    )
    a = x2[0] * 2 + x2[1] * 4 + h1[1] * 0.25 - 0.5
    assert b.pre_of(d.names, 1) == pytest.approx(a, abs=1e-6)
    h2 = np.tanh([x2[0] * 1 + x2[1] * 3 + h1[0] * 0.5 + 0.125, a])
    assert head.equation == "y = h W_o + b_o" and head.activation == ""
    (product,) = head.products
    assert [n for n, _ in product.terms(d.names, *product.at(0))] == [
        "h[0]*W_o[0,0]",
        "h[1]*W_o[1,0]",
    ]
    assert head.pre_of(d.names, 0) == pytest.approx(h2[0] + h2[1], abs=1e-6)  # W_o = 1, b_o = 0
    assert b.equation == "a_t = x_t W_xh + h_(t-1) W_hh + b_h,  h_t = tanh(a_t)"
    assert (xW.shapes, hW.shapes) == ("(1, D) · (D, M) → (1, M)", "(1, M) · (M, M) → (1, M)")
    assert d.X == "X (N, T, D) = (1, 2, 2), its slice x_t (N, D) = (1, 2)"  # the batch's source
    # PyTorch writes it W x_t: (M, D) · (D, 1), rows of weight_ih_l0
    torch_d = dv.derive(run, 0, 2, layout="pytorch", unit=1)
    p = torch_d.blocks[0].products[0]
    assert p.shapes == "(M, D) · (D, 1) → (M, 1)"
    assert [n for n, _ in p.terms(torch_d.names, *p.at(1))] == [
        "weight_ih_l0[1,0]*x_t[0]",
        "weight_ih_l0[1,1]*x_t[1]",
    ]


def test_over_the_grid_only_the_units_column_is_drawn():
    run = run_of(M=40, D=3, N=3, T=3)
    d = dv.derive(run, 0, 2, unit=33)
    assert not d.grid and "too large to read" in d.note and "m = 33" in d.note
    x, h = d.blocks[0].products
    assert x.A.shape == (1, 3) and x.B.shape == (3, 1) and h.B.shape == (40, 1)
    assert x.batch is None
    lookup.n = 0
    value = lookup(run, "keras", 1, "fwd", 2)
    for name, term in h.terms(d.names, *h.at(33)):
        a, w = name.split("*")
        assert w.endswith(",33]") and term == pytest.approx(value(a) * value(w))
    assert d.blocks[0].pre_of(d.names, 33) == pytest.approx(float(d.blocks[0].pre[33]), abs=1e-6)
    with pytest.raises(ValueError, match="only unit 33"):
        h.at(3)


def test_float64_numbers_are_float64_to_the_last_digit():
    run = run_of(dtype="float64", cell="lstm")
    d = dv.derive(run, 0, 3, unit=1)
    payload = dv.payload(d)
    assert payload["float32"] is False
    for b in d.blocks:
        assert b.pre.dtype == np.float64
        assert b.pre_of(d.names, 1) == pytest.approx(float(b.pre[1]), abs=1e-13)
    block = payload["blocks"][0]
    assert block["pre"] == d.blocks[0].pre.tolist()  # every digit, not a float32's


def decoder(names: list) -> callable:
    """A code's name from the payload's table, as the browser decodes it: row-major offsets."""
    offsets = np.cumsum([0] + [int(np.prod(shape)) for _, shape in names])

    def name_of(code: int) -> str:
        k = int(np.searchsorted(offsets, code, side="right")) - 1
        base, shape = names[k]
        return f"{base}[{','.join(map(str, np.unravel_index(code - offsets[k], shape)))}]"

    return name_of


def test_the_payload_names_each_entry_as_the_python_side_does():
    """The browser decodes a weight's code with the payload's names table: decoded here the
    same way (row-major offsets), every code gives the entry's name."""
    run = run_of(cell="gru", layers=2, bidirectional=True)
    for layout in LAYOUTS:
        d = dv.derive(run, 1, 2, 2, "bwd", layout)
        payload = json.loads(json.dumps(dv.payload(d)))  # what reaches the browser
        name_of = decoder(payload["names"])

        for b, sent in zip(d.blocks, payload["blocks"], strict=True):
            for p, q in zip(b.products, sent["products"], strict=True):
                for side, o in (("A", p.A), ("B", p.B)):
                    if o.codes is None:
                        continue
                    names = [name_of(code) for code in q[side]["codes"]]
                    assert names == [
                        o.name(d.names, i, j) for i in range(o.shape[0]) for j in range(o.shape[1])
                    ]
                    assert (
                        np.array(q[side]["values"], np.float32).tolist()
                        == o.values.ravel().tolist()
                    )
        assert (
            all(name.endswith("_l1_reverse") for name, _ in payload["names"]) or layout != "pytorch"
        )


def test_the_step_tables_numbers_open_their_units_arithmetic():
    run = run_of(cell="lstm")
    d = dv.derive(run, 0, 2)
    assert d.opens["f_t"] == "f" and d.opens["c_t"] == ""
    html = table({"unit m": np.arange(4), "f_t": np.zeros(4)}, "step", opens=d.opens)
    assert "data-rnnviz-open='f:3'" in html and "tabindex='0'" in html
    assert "data-rnnviz-open" not in table({"unit m": np.arange(4)}, "step", opens=d.opens)
    simple = dv.derive(run_of(), 0, 2)
    assert set(simple.opens.values()) == {"h"}  # one block: every number opens it
