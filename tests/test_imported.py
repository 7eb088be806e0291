"""Weights imported from PyTorch (``rnnviz.inputs.imported``): named by their digest in the
config, loaded into the Keras model so that agreement still holds (the store that holds them
on a server: tests/test_store.py). The
references are independent of the code under test: Keras given the weights by hand with
``set_weights``, real ``torch.nn`` modules, and PyTorch's layout undone by explicit
transposes in the test."""

from __future__ import annotations

import io
import itertools
import re
import zipfile

import numpy as np
import pytest

from rnnviz.config import SEEDED, ConfigError, RNNConfig, from_query
from rnnviz.inputs import imported
from rnnviz.inputs.store import Store
from rnnviz.keras_side import model
from rnnviz.pipeline import execute
from rnnviz.shapes.layouts import LayoutError, to_torch, torch_npz_bytes
from tests.test_torch import _close, _load, torch_model, torch_y

CONFIGS = [
    RNNConfig(cell=cell, N=4, T=5, D=3, M=4, K=2, layers=layers, bidirectional=bi, seed=3)
    for cell, layers, bi in itertools.product(("simple", "lstm", "gru"), (1, 2), (False, True))
]


def _id(c: RNNConfig) -> str:
    return f"{c.cell}-L{c.layers}{'-bi' if c.bidirectional else ''}"


def upload(config: RNNConfig, state: dict[str, np.ndarray], name: str = "w.npz"):
    """``state`` (PyTorch's layout) as the .npz a visitor uploads, read for ``config``."""
    buffer = io.BytesIO()
    np.savez(buffer, **state)
    return imported.read(config, io.BytesIO(buffer.getvalue()), name)


def perturbed(config: RNNConfig) -> dict[str, np.ndarray]:
    """The seeded run's PyTorch export with every weight changed: the recurrent kernels
    halved, the input kernels and the head shifted, and bias_hh made nonzero."""
    state = to_torch(config, execute(config).weights)
    rng = np.random.default_rng(1)
    out = {}
    for key, value in state.items():
        if key.startswith("weight_hh"):
            value = value * np.float32(0.5)  # (gM, M)
        elif key.startswith("bias_hh"):
            value = rng.uniform(-0.3, 0.3, value.shape).astype(np.float32)  # (gM,)
        else:
            value = value + np.float32(0.01)  # same shape
        out[key] = value.astype(np.float32)
    return out


def test_a_digest_names_exactly_these_numbers():
    c = RNNConfig(cell="gru")
    w = dict(execute(c).weights)
    d = imported.digest(w)
    assert len(d) == 16 and set(d) <= set("0123456789abcdef")
    assert imported.digest(dict(reversed(w.items()))) == d, "the order of the names is not"
    widened = {k: v.astype(np.float64) for k, v in w.items()}
    assert imported.digest(widened) == d, "float32 weights widened keep their name"
    changed = dict(w)
    changed["b_o"] = w["b_o"].copy()
    changed["b_o"][1] = np.nextafter(changed["b_o"][1], np.float32(2))  # one ulp
    assert imported.digest(changed) != d
    renamed = {("W_xh_2" if k == "W_xh" else k): v for k, v in w.items()}
    assert imported.digest(renamed) != d, "the name is part of it"
    RNNConfig(weights=d)  # a digest is a valid value of the field
    with pytest.raises(ConfigError, match="weights must be initial, trained or the 16 hex digits"):
        RNNConfig(weights=d.upper())  # the field holds the normal form; a link's is lowered


def test_a_link_to_weights_this_server_does_not_hold_falls_back_with_a_warning():
    c = RNNConfig(cell="lstm")
    query = c.replace(weights="0123456789abcdef").to_query()
    config, _, warnings = from_query(query)
    assert config == c and config.weights == SEEDED
    assert warnings == [
        "URL parameter weights=0123456789abcdef are not on this server (they were uploaded in "
        "another session or before a restart); using the seeded weights. Upload the .npz "
        "again to use them."
    ]
    config, _, warnings = from_query({"weights": "0123456789abcdeX"})
    assert config.weights == SEEDED
    assert warnings == [
        "URL parameter weights='0123456789abcdeX' is not allowed; weights must be initial, "
        "trained or the 16 hex digits that name weights uploaded to this server. Using "
        "weights=initial."
    ]


def test_a_link_to_held_weights_works_for_their_model_only():
    c = RNNConfig(cell="lstm")
    store = Store()
    w = store.put(upload(c, perturbed(c)))
    linked = c.replace(weights=w.digest)
    assert from_query(linked.to_query(), held=store.get) == (linked, {}, [])
    upper = {**linked.to_query(), "weights": f" {w.digest.upper()} "}
    assert from_query(upper, held=store.get)[0] == linked
    config, _, warnings = from_query({**linked.to_query(), "M": "6"}, held=store.get)
    assert config == c.replace(M=6)
    assert warnings == [
        f"URL parameter weights={w.digest} are for LSTM(5) → Dense(2) reading D = 3, not for "
        "this model, LSTM(6) → Dense(2) reading D = 3; using the seeded weights."
    ]


@pytest.mark.parametrize("config", CONFIGS, ids=_id)
def test_a_run_on_imported_weights_is_keras_given_them_by_hand(config):
    """execute() on the upload equals a seeded Keras model given the same arrays through
    set_weights, and the NumPy recurrence agrees with it."""
    w = upload(config, perturbed(config))
    c = config.replace(weights=w.digest)
    run = execute(c, weights=w.weights)
    assert run.agreement.agree, run.agreement.verdict
    by_hand = model.build(config)
    by_hand.set_weights(dict(w.weights))
    expected = by_hand.model(run.X, training=False).numpy()  # (N, K)
    np.testing.assert_allclose(
        run.y_keras, expected, rtol=0, atol=1e-6, err_msg="Mine vs set_weights"
    )
    assert not np.allclose(run.y_keras, execute(config).y_keras), "not the seeded weights"


def test_the_round_trip_export_perturb_upload_gives_those_weights():
    """Export the seeded run as PyTorch's .npz, change it, upload it: the run's weights are
    the changed ones (PyTorch's layout undone by hand: transposed, the two biases added)."""
    c = RNNConfig(seed=4)
    with np.load(io.BytesIO(torch_npz_bytes(c, execute(c).weights))) as archive:
        state = {k: archive[k] for k in archive.files}
    state["weight_hh_l0"] = state["weight_hh_l0"] * np.float32(1.5)  # (M, M)
    state["bias_hh_l0"] = np.full(5, 0.25, np.float32)  # (M,)
    w = upload(c, state)
    run = execute(c.replace(weights=w.digest), weights=w.weights)
    np.testing.assert_array_equal(run.weights["W_xh"], state["weight_ih_l0"].T)  # (D, M)
    np.testing.assert_array_equal(run.weights["W_hh"], state["weight_hh_l0"].T)  # (M, M)
    np.testing.assert_allclose(run.weights["b_h"], state["bias_ih_l0"] + 0.25, rtol=1e-7)
    np.testing.assert_array_equal(run.weights["W_o"], state["head.weight"].T)  # (M, K)
    np.testing.assert_array_equal(run.weights["b_o"], state["head.bias"])
    assert run.agreement.agree, run.agreement.verdict


@pytest.mark.parametrize("config", CONFIGS[::2], ids=_id)
def test_torch_on_the_uploaded_file_gives_the_runs_y(torch, config):
    state = perturbed(config)
    w = upload(config, state)
    run = execute(config.replace(weights=w.digest), weights=w.weights)
    rnn, head = torch_model(torch, config)
    _load(torch, rnn, head, state)
    _close(run.y_keras, torch_y(torch, config, rnn, head, run.X))
    assert run.agreement.agree, run.agreement.verdict


@pytest.mark.parametrize("bug", ["none", "bias_dropped"])
def test_float64_and_a_planted_bug_on_imported_weights(bug):
    c = RNNConfig(cell="gru", N=3, T=6)
    w = upload(c, perturbed(c))
    run = execute(c.replace(weights=w.digest, dtype="float64", bug=bug), weights=w.weights)
    assert run.weights["W_hh"].dtype == np.float64
    np.testing.assert_array_equal(run.weights["W_hh"], w.weights["W_hh"], err_msg="widened")
    assert run.agreement.agree == (bug == "none"), run.agreement.verdict
    if bug == "none":
        assert run.agreement.max_abs_diff < 1e-12
    else:
        assert run.diverges_from_t == 1, "the dropped bias shows at the first step"


def test_a_model_holds_the_weights_its_config_names_or_is_not_built():
    c = RNNConfig()
    w = upload(c, perturbed(c))
    with pytest.raises(ValueError, match=f"names weights={w.digest}, but none were given"):
        model.build(c.replace(weights=w.digest))
    trained = RNNConfig(task="sine", D=1, K=1, weights="trained")
    with pytest.raises(ValueError, match="names weights=trained, but none were given"):
        model.build(trained)


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("weight_ih_l0.npy", b"\0" * 50_000_000)  # 50 MB of zeros
    return buffer.getvalue()


@pytest.mark.parametrize(
    "config, data, message",
    [
        (RNNConfig(), b"", "not an .npz file"),
        (RNNConfig(), b"PK\x03\x04 and then nothing", "not an .npz file"),
        (RNNConfig(), _bomb(), "the .npz unpacks to 50,000,"),
        (RNNConfig(), None, "holds values that are not finite numbers"),
        (RNNConfig(M=6), "lstm", "weight_ih_l0 must be (6, 3), got (20, 3)"),
        (RNNConfig(cell="gru", reset_after=False), "gru", "reset_after=False has no PyTorch"),
    ],
)
def test_a_bad_upload_is_refused_in_one_sentence(config, data, message):
    if data is None:
        state = to_torch(config, execute(config).weights)
        state["head.bias"] = np.array([np.nan, 0.0], np.float32)
        data = io.BytesIO()
        np.savez(data, **state)
        data = data.getvalue()
    elif isinstance(data, str):  # a file made for another model
        data = torch_npz_bytes(RNNConfig(cell=data), execute(RNNConfig(cell=data)).weights)
    assert len(data) < 100_000, "small as uploaded (the bomb too, until unpacked)"
    with pytest.raises(LayoutError, match=re.escape(message)):
        imported.read(config, io.BytesIO(data), "bad.npz")


def test_the_shape_mistakes_are_made_on_the_imported_weights():
    """Where a mistake's shapes happen to fit (W_hh.T is (M, M)), its wrong numbers come
    from the page's weights: the imported ones, not the seed's."""
    from rnnviz.keras_side.shape_mistakes import mistakes

    c = RNNConfig(N=3, T=4, seed=6)
    w = upload(c, perturbed(c))
    mine = {m.key: m for m in mistakes(c.replace(weights=w.digest), w.weights)}
    seeded = {m.key: m for m in mistakes(c)}
    assert mine["w_hh_transposed"].gap != seeded["w_hh_transposed"].gap
    with pytest.raises(ValueError, match="but none were given"):
        mistakes(c.replace(weights=w.digest))
