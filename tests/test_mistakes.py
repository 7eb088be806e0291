"""The shape mistakes (``rnnviz.keras_side.shape_mistakes``) against Keras itself and the NumPy
recurrence.

Every error shown must be the one Keras raises when this file makes the same mistake on a
model written out here with plain Keras (named as rnnviz names its layers, so the messages
can be compared to the letter). Every silent result must be what the NumPy recurrence gives
with the same wrong shapes: Keras computed something, and the gap shown is its real size.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from rnnviz.config import RNNConfig
from rnnviz.keras_side import model as keras_side
from rnnviz.keras_side import shape_mistakes
from rnnviz.recurrence.cells import cell_of
from rnnviz.recurrence.network import numpy_forward
from rnnviz.tasks import make_X

# One config per cell variant and one stacked bidirectional one. The default (N = T = 10)
# makes a per-step target broadcast silently; T = D makes X as (N, D, T) fit.
CONFIGS = {
    "simple": RNNConfig(),
    "lstm": RNNConfig(cell="lstm", N=4, T=6, D=2, M=3, K=3, seed=1),
    "gru": RNNConfig(cell="gru", N=5, T=7, D=4, M=4, seed=2),
    "gru-reset-before": RNNConfig(cell="gru", reset_after=False, N=6, T=3, D=3, M=2, seed=3),
    "bidi-stacked": RNNConfig(
        cell="lstm", N=3, T=5, D=2, M=3, K=2, layers=2, bidirectional=True, seed=4
    ),
    "simple-T=D": RNNConfig(N=4, T=3, D=3, M=4, seed=5),
}


def keras():
    return keras_side._keras()[0]  # TensorFlow imported and set up as the app does


def plain_keras(c: RNNConfig):
    """The config's model in plain Keras: Input -> cell(M) × layers [Bidirectional] -> Dense."""
    k = keras()
    cell = cell_of(c.cell, c.reset_after)
    i = k.Input((c.T, c.D), name="X")
    x = i
    for layer in range(1, c.layers + 1):
        sequences = layer < c.layers or c.return_sequences
        rnn = getattr(k.layers, cell.keras_name)(
            c.M, return_sequences=sequences, name=f"{c.cell}_{layer}", **cell.options
        )
        if c.bidirectional:
            rnn = k.layers.Bidirectional(rnn, name=f"bidirectional_{layer}")
        x = rnn(x)
    return k.Model(i, k.layers.Dense(c.K, name="dense")(x), name="rnnviz")


def raised(call) -> BaseException:
    with pytest.raises(Exception) as info:
        call()
    return info.value


def first_layer(net, c: RNNConfig):
    return net.layers[1].forward_layer if c.bidirectional else net.layers[1]


def plain(text: str) -> str:
    """A message without terminal codes, nor the per-process number of a traced function."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return re.sub(r"__inference_(\w+?)_\d+", r"__inference_\1", text)


@pytest.fixture(scope="module")
def made() -> dict[str, dict[str, shape_mistakes.Mistake]]:
    return {name: {m.key: m for m in shape_mistakes.mistakes(c)} for name, c in CONFIGS.items()}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_each_error_is_the_one_keras_raises(made, name):
    c = CONFIGS[name]
    got = made[name]
    X = make_X(c.N, c.T, c.D, c.seed)  # (N, T, D)
    cell = cell_of(c.cell, c.reset_after)
    gM = cell.blocks * c.M
    theirs = {}  # key -> the exception plain Keras raises for the same mistake, if any
    if c.T != c.D:
        theirs["x_transposed"] = raised(
            lambda: plain_keras(c).predict(np.transpose(X, (0, 2, 1)), verbose=0)
        )
        assert f"found shape=({c.N}, {c.D}, {c.T})" in got["x_transposed"].outcome
    net = plain_keras(c)
    theirs["no_batch"] = raised(lambda: net.predict(X[0], verbose=0))
    net.predict(X, verbose=0)  # the notebook's In [4]; then X[0] again
    later = raised(lambda: net.predict(X[0], verbose=0))
    layer = first_layer(net, c)
    wx, wh, bh = layer.get_weights()
    if cell.blocks > 1:  # (M, gM) transposed is (gM, M): set_weights refuses it
        theirs["w_hh_transposed"] = raised(lambda: layer.set_weights([wx, wh.T, bh]))
        assert f"({gM}, {c.M})" in got["w_hh_transposed"].outcome
    wrong = np.zeros((c.D + 1, gM), np.float32)  # (D + 1, gM)
    theirs["wrong_d"] = raised(lambda: layer.set_weights([wrong, wh, bh]))
    assert f"({c.D + 1}, {gM})" in got["wrong_d"].outcome
    if c.T != c.N:
        y_flat = plain_keras(c.replace(return_sequences=False)).predict(X, verbose=0)  # (N, K)
        Y = shape_mistakes.targets(c)  # (N, T, K)
        mse = keras().losses.MeanSquaredError()
        theirs["head_not_sequences"] = raised(lambda: mse(Y, y_flat))
        shapes = f"Incompatible shapes: [{c.N},{c.T},{c.K}] vs. [{c.N},{c.K}]"
        assert shapes in got["head_not_sequences"].outcome

    for key, err in theirs.items():
        mine = got[key]
        assert (mine.kind, mine.error) == ("error", type(err).__name__), (key, mine)
        assert mine.outcome, key
        if mine.note:  # trimmed: every line kept is one of Keras' lines
            lines = plain(str(err)).split("\n")
            for line in plain(mine.outcome).split("\n"):
                assert line in lines, f"{key}: {line!r} is not in Keras' message"
        else:
            assert mine.outcome == str(err), f"{key}\nMine:   {mine.outcome}\nTheirs: {err}"
    assert got["no_batch"].also == f"{type(later).__name__}: {later}"


@pytest.mark.parametrize("name", list(CONFIGS))
def test_each_silent_result_is_what_numpy_computes_with_the_wrong_shapes(made, name):
    c = CONFIGS[name]
    got = made[name]
    X = make_X(c.N, c.T, c.D, c.seed)  # (N, T, D)
    W = keras_side.build(c).weights()  # the same seeded weights as the mistakes' models
    _, y = numpy_forward(c, X, W)  # (N, [T,] K)
    square = cell_of(c.cell, c.reset_after).blocks == 1  # W_hh (M, M): its transpose fits
    expected = {"x_transposed": c.T == c.D, "w_hh_transposed": square}
    expected |= {"head_not_sequences": c.T == c.N, "no_batch": False, "wrong_d": False}
    assert {k: m.kind == "silent" for k, m in got.items()} == expected
    if c.T == c.D:
        _, y_wrong = numpy_forward(c, np.transpose(X, (0, 2, 1)), W)  # (N, [T,] K)
        gap = np.abs(y_wrong - y).max()
        np.testing.assert_allclose(got["x_transposed"].gap, gap, rtol=1e-3, err_msg="X (N, D, T)")
    if square:
        _, y_wrong = numpy_forward(c, X, W | {"W_hh": W["W_hh"].T})  # (N, [T,] K)
        gap = np.abs(y_wrong - y).max()
        np.testing.assert_allclose(got["w_hh_transposed"].gap, gap, rtol=1e-3, err_msg="W_hh.T")
    if c.T == c.N:
        Y = shape_mistakes.targets(c).astype(np.float64)  # (N, T, K)
        _, y_flat = numpy_forward(c.replace(return_sequences=False), X, W)  # (N, K)
        _, y_seq = numpy_forward(c.replace(return_sequences=True), X, W)  # (N, T, K)
        wrong = np.mean((Y - y_flat) ** 2)  # (N, T, K) - (N, K): broadcast, as Keras did
        right = np.mean((Y - y_seq) ** 2)
        np.testing.assert_allclose(
            got["head_not_sequences"].gap, abs(wrong - right), rtol=1e-3, err_msg="loss"
        )
    for m in got.values():
        assert m.kind in shape_mistakes.KINDS, m
        if m.kind == "silent":
            assert m.gap > 1e-3 and "No error" in m.outcome, m


def test_each_mistake_shows_its_fix_with_the_shape_in_numbers(made):
    got = made["lstm"]  # N = 4, T = 6, D = 2, M = 3, K = 3
    assert list(got) == [
        "x_transposed",
        "no_batch",
        "w_hh_transposed",
        "head_not_sequences",
        "wrong_d",
    ]
    assert got["x_transposed"].fix_shape.startswith("X must be (N, T, D) = (4, 6, 2)")
    assert "(1, T, D) = (1, 6, 2)" in got["no_batch"].fix_shape
    assert got["w_hh_transposed"].fix_shape.startswith("W_hh must be (M, 4M) = (3, 12)")
    assert "(N, T, K) = (4, 6, 3)" in got["head_not_sequences"].fix_shape
    assert "return_sequences=True" in got["head_not_sequences"].fix
    assert got["wrong_d"].fix_shape.startswith("W_xh must be (D, 4M) = (2, 12)")
    bidi = made["bidi-stacked"]["wrong_d"]
    assert "model.layers[1].forward_layer.set_weights" in bidi.wrong


def test_a_graph_error_is_trimmed_to_what_a_reader_needs():
    frames = "".join(f'  File "/srv/x/trainer.py", line {n}, in step\n\n' for n in range(3))
    err = ValueError(
        "Graph execution error:\n\nDetected at node sub defined at (most recent call last):\n"
        + frames
        + "Incompatible shapes: [4,6,3] vs. [4,3]"
    )
    message, note = shape_mistakes.keras_message(err)
    assert message == (
        "Graph execution error:\n\nDetected at node sub defined at (most recent call last):\n\n"
        "Incompatible shapes: [4,6,3] vs. [4,3]"
    )
    assert note == "Left out: 3 lines of the stack where TensorFlow's graph node was defined."
    message, note = shape_mistakes.keras_message(ValueError("\x1b[1mbad\x1b[0m " + "x" * 2000))
    assert message == "bad " + "x" * (shape_mistakes.MESSAGE_MAX - 4) + " …"
    assert note == "Left out: terminal bold codes removed; 804 characters after the first 1,200."


def test_the_section_renders_alone_in_lecture_mode():
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.query_params.update({"present": "1", "section": "mistakes"})
    at.run()
    assert not at.exception, at.exception
    assert [h.value for h in at.header if h.value[0].isdigit()] == [
        "7 · What if the shape is wrong?"
    ]
    titles = [s.value for s in at.subheader][1:]  # after the page's own title
    assert titles == [m.title for m in shape_mistakes.mistakes(RNNConfig())]
    shown = "\n".join(c.value for c in at.code)
    net = plain_keras(RNNConfig())
    wx, wh, bh = net.layers[1].get_weights()
    err = raised(lambda: net.layers[1].set_weights([np.zeros((4, 5), np.float32), wh, bh]))
    assert str(err) in shown
    assert "max |Δ| over all 20 outputs" in shown  # W_hh.T, silent for a SimpleRNN


def test_the_full_page_makes_no_mistake_until_the_expander_is_opened():
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    assert not at.exception, at.exception
    assert "7 · What if the shape is wrong?" in [h.value for h in at.header]
    assert not [s for s in at.subheader if s.value == "A kernel for the wrong D"]


def test_where_the_sizes_hide_a_mistake_it_is_called_harmless_not_wrong():
    # T = D = 1: X as (N, D, T) is X itself, and with one step W_hh never meets a state
    # other than h_0 = 0; Keras adds the missing batch axis of a (1, 1) sample itself.
    got = {m.key: m for m in shape_mistakes.mistakes(RNNConfig(T=1, D=1))}
    for key in ("x_transposed", "w_hh_transposed", "no_batch"):
        assert got[key].kind == "harmless" and got[key].gap <= 1e-6, got[key]
    # D = 1: Keras makes X[0] (T, 1) into T one-step samples: y has T rows, not one.
    no_batch = {m.key: m for m in shape_mistakes.mistakes(RNNConfig(D=1))}["no_batch"]
    assert (no_batch.kind, no_batch.gap) == ("silent", None)
    assert "y is (10, 2), not (1, 2)" in no_batch.outcome
