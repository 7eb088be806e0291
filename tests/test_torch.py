"""The PyTorch layout (``rnnviz.shapes.layouts``), proven with real ``torch.nn`` modules: the export
loads into ``torch.nn.{RNN,LSTM,GRU}`` and gives Keras' y; PyTorch's own weights load into
Keras and agreement still holds. torch is a test-only dependency (requirements-dev.txt):
missing, these tests skip locally and fail under CI."""

from __future__ import annotations

import io
import itertools
import subprocess
import sys

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.keras_side import model
from rnnviz.pipeline import execute
from rnnviz.recurrence.agreement import TOLERANCE
from rnnviz.recurrence.cells import cell_of
from rnnviz.shapes.layouts import (
    LayoutError,
    check_torch,
    from_torch,
    moves,
    read_torch_npz,
    to_torch,
    torch_npz_bytes,
    torch_shapes,
)

# Every combination PyTorch has: each cell it shares with Keras, 1 or 2 layers, one or two
# directions, y from h_T or from every h_t.
COMBINATIONS = [
    RNNConfig(cell=cell, N=3, T=5, D=4, M=3, K=2, layers=layers, bidirectional=bi,
              return_sequences=seq, seed=7)
    for cell, layers, bi, seq in itertools.product(
        ("simple", "lstm", "gru"), (1, 2), (False, True), (False, True)
    )
]  # fmt: skip


def _id(c: RNNConfig) -> str:
    flags = ("-bi" if c.bidirectional else "") + ("-seq" if c.return_sequences else "")
    return f"{c.cell}-L{c.layers}{flags}"


def torch_model(torch, config: RNNConfig):
    """The torch.nn module and Dense head for ``config``, as the export's docstring names."""
    c = config
    cell = cell_of(c.cell, c.reset_after)
    rnn = getattr(torch.nn, cell.torch_name)(
        c.D, c.M, num_layers=c.layers, bidirectional=c.bidirectional, batch_first=True
    )
    head = torch.nn.Linear(c.head_width, c.K)
    return rnn, head


def torch_y(torch, config: RNNConfig, rnn, head, X: np.ndarray) -> np.ndarray:
    """y as Keras defines it, computed by PyTorch: the head on every h_t, or on h_T, which
    for the backward direction is its last state, at t = 1 (``h_n``, not ``output[:, -1]``)."""
    with torch.no_grad():
        output, state = rnn(torch.from_numpy(np.array(X)))  # a copy: the run's X is read-only
        h_n = state[0] if isinstance(state, tuple) else state  # LSTM: (h_n, c_n)
        if config.return_sequences:
            return head(output).numpy()  # (N, T, K)
        last = torch.cat([h_n[-2], h_n[-1]], dim=-1) if config.bidirectional else h_n[-1]
        return head(last).numpy()  # (N, K)


def _load(torch, rnn, head, state: dict[str, np.ndarray]) -> None:
    rnn.load_state_dict({k: torch.from_numpy(v) for k, v in state.items() if "." not in k})
    head.load_state_dict({"weight": torch.from_numpy(state["head.weight"]),
                          "bias": torch.from_numpy(state["head.bias"])})  # fmt: skip


def _close(a: np.ndarray, b: np.ndarray) -> None:
    tolerance = TOLERANCE * max(1.0, float(np.abs(b).max()))
    assert a.shape == b.shape
    assert float(np.abs(a - b).max()) <= tolerance


@pytest.mark.parametrize("config", COMBINATIONS, ids=_id)
def test_the_export_is_exactly_torchs_state_dict_and_gives_keras_y(torch, config):
    run = execute(config)
    state = to_torch(config, run.weights)
    rnn, head = torch_model(torch, config)
    expected = {k: tuple(v.shape) for k, v in rnn.state_dict().items()}
    expected |= {f"head.{k}": tuple(v.shape) for k, v in head.state_dict().items()}
    assert {k: v.shape for k, v in state.items()} == expected  # names and shapes exactly
    assert list(state) == list(expected)  # and state_dict's order
    assert torch_shapes(config) == expected
    _load(torch, rnn, head, state)
    _close(torch_y(torch, config, rnn, head, run.X), run.y_keras)


@pytest.mark.parametrize("config", COMBINATIONS, ids=_id)
def test_torchs_own_weights_load_into_keras_and_agreement_holds(torch, config):
    """PyTorch initialises bias_hh too; Keras gets their sum (or, for the GRU, b')."""
    torch.manual_seed(config.seed)
    rnn, head = torch_model(torch, config)
    state = {k: v.numpy() for k, v in rnn.state_dict().items()}
    state |= {f"head.{k}": v.numpy() for k, v in head.state_dict().items()}
    keras_model = model.build(config)
    keras_model.set_weights(from_torch(config, state))
    run = execute(config, keras_model)
    assert run.agreement.agree, run.agreement.verdict
    _close(run.y_keras, torch_y(torch, config, rnn, head, run.X))


@pytest.mark.parametrize("config", COMBINATIONS[::5], ids=_id)
def test_to_torch_and_back_gives_the_same_keras_weights(config):
    weights = execute(config).weights
    back = from_torch(config, to_torch(config, weights))
    assert list(back) == list(weights)
    for name, value in weights.items():
        np.testing.assert_array_equal(back[name], value, err_msg=name)


def test_the_gate_blocks_move_to_pytorchs_order():
    """A GRU(1) with one distinct number per block: Keras z, r, h -> PyTorch r, z, n."""
    c = RNNConfig(cell="gru", D=1, M=1, K=1, N=1, T=1)
    weights = {
        "W_xh": np.array([[1.0, 2.0, 3.0]], np.float32),  # z, r, h̃
        "W_hh": np.array([[4.0, 5.0, 6.0]], np.float32),
        "b_h": np.array([[7.0, 8.0, 9.0], [10.0, 11.0, 12.0]], np.float32),  # b, b'
        "W_o": np.array([[1.0]], np.float32),
        "b_o": np.array([0.0], np.float32),
    }
    state = to_torch(c, weights)
    np.testing.assert_array_equal(state["weight_ih_l0"], [[2.0], [1.0], [3.0]])  # r, z, n
    np.testing.assert_array_equal(state["weight_hh_l0"], [[5.0], [4.0], [6.0]])
    np.testing.assert_array_equal(state["bias_ih_l0"], [8.0, 7.0, 9.0])
    np.testing.assert_array_equal(state["bias_hh_l0"], [11.0, 10.0, 12.0])
    lstm = to_torch(RNNConfig(cell="lstm", D=1, M=1, K=1), {
        "W_xh": np.array([[1.0, 2.0, 3.0, 4.0]], np.float32),
        "W_hh": np.zeros((1, 4), np.float32),
        "b_h": np.array([1.0, 1.0, 0.0, 0.0], np.float32),
        "W_o": np.ones((1, 1), np.float32), "b_o": np.zeros(1, np.float32),
    })  # fmt: skip
    np.testing.assert_array_equal(lstm["weight_ih_l0"], [[1.0], [2.0], [3.0], [4.0]])  # i,f,g,o
    np.testing.assert_array_equal(lstm["bias_hh_l0"], [0.0, 0.0, 0.0, 0.0])  # one Keras bias


def test_the_gru_with_reset_before_is_refused_with_the_reason():
    c = RNNConfig(cell="gru", reset_after=False)
    with pytest.raises(LayoutError, match="reset_after=False has no PyTorch equivalent"):
        to_torch(c, execute(c).weights)
    with pytest.raises(LayoutError, match="Choose reset_after=True to convert"):
        torch_shapes(c)


def test_weights_that_do_not_fit_are_named_each():
    c = RNNConfig(cell="lstm", D=3, M=5)
    state = to_torch(c, execute(c).weights)
    state["weight_hh_l0"] = state["weight_hh_l0"].T  # (5, 20)
    del state["bias_hh_l0"]
    state["weight_ih_l1"] = np.zeros((20, 5), np.float32)
    state["head.bias"] = np.array([np.nan, 0.0], np.float32)
    with pytest.raises(LayoutError) as err:
        check_torch(c, state)
    message = str(err.value)
    assert message.startswith("the PyTorch weights do not fit LSTM(5) → Dense(2): ")
    assert "missing bias_hh_l0" in message
    assert "not part of this model: weight_ih_l1" in message
    assert "weight_hh_l0 must be (20, 5), got (5, 20)" in message
    assert "head.bias holds values that are not finite numbers" in message


def test_a_file_that_is_not_an_npz_of_arrays_is_refused_in_words():
    c = RNNConfig()
    with pytest.raises(LayoutError, match="not an .npz file: an .npz is a zip archive"):
        read_torch_npz(c, io.BytesIO(b"not a zip file"))
    pickled = io.BytesIO()
    np.savez(pickled, **{"weight_ih_l0": np.array([{"a": 1}], dtype=object)})
    pickled.seek(0)
    with pytest.raises(LayoutError, match="holds Python objects, which are not read"):
        read_torch_npz(c, pickled)
    good = torch_npz_bytes(c, execute(c).weights)
    assert set(read_torch_npz(c, io.BytesIO(good))) == {"W_xh", "W_hh", "b_h", "W_o", "b_o"}


def test_the_app_and_the_cli_never_import_torch(root):
    code = (
        "import sys, rnnviz.cli, rnnviz.shapes.layouts, rnnviz.ui.cache, rnnviz.ui.sections; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[-1] == "False"


@pytest.mark.parametrize("config", COMBINATIONS[::3], ids=_id)
def test_the_mapping_view_names_every_entry_of_the_export_once(config):
    rows = moves(config)
    named = [row.torch.split(" (")[0] for row in rows]
    assert named == list(torch_shapes(config))


def test_the_mapping_view_says_what_happens_to_each_block():
    gru = {row.torch: row for row in moves(RNNConfig(cell="gru", layers=2))}
    assert gru["weight_hh_l1 (3M, M)"].keras == "W_hh_2 (M, 3M)"
    assert "reordered to PyTorch's r, z, n" in gru["weight_ih_l0 (3M, D)"].how
    assert gru["bias_hh_l0 (3M,)"].keras == "b_h row 1, b' (3M,)"
    lstm = {row.torch: row for row in moves(RNNConfig(cell="lstm", bidirectional=True))}
    assert lstm["weight_ih_l0_reverse (4M, D)"].keras == "W_xh_bwd (D, 4M)"
    assert "in the same order" in lstm["weight_ih_l0_reverse (4M, D)"].how
    assert lstm["bias_hh_l0 (4M,)"].keras == "—" and "zeros" in lstm["bias_hh_l0 (4M,)"].how
    assert lstm["head.weight (K, 2M)"].keras == "W_o (2M, K)"
    with pytest.raises(LayoutError, match="no PyTorch equivalent"):
        moves(RNNConfig(cell="gru", reset_after=False))
