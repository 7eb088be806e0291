"""The page with weights uploaded from PyTorch, driven headless through AppTest: the
sidebar's uploader (AppTest attaches a file to it as a browser would), every view on the
uploaded weights, a bad file that changes nothing, and links to uploaded weights."""

from __future__ import annotations

import io

import numpy as np

from rnnviz.config import SEEDED, RNNConfig
from rnnviz.pipeline import execute
from rnnviz.shapes.layouts import to_torch, torch_npz_bytes
from rnnviz.ui import cache
from rnnviz.views import export
from tests.test_app import open_app, player, text, warnings, weights
from tests.test_imported import perturbed


def npz(state: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **state)
    return buffer.getvalue()


TORCH_UPLOADER = "Load PyTorch weights (.npz)"


def attach(at, name: str, data: bytes):
    """Choose ``data`` as the file ``name`` in the sidebar's PyTorch uploader and rerun."""
    (uploader,) = [u for u in at.file_uploader if u.label == TORCH_UPLOADER]
    return uploader.set_value((name, data, "application/octet-stream")).run()


def notes(at) -> list[str]:
    return [e.value.replace("\\", "") for e in [*at.success, *at.error]]


def test_an_upload_drives_every_view_the_link_and_the_downloads():
    config = RNNConfig(cell="gru", N=4, T=6, seed=12)  # Keras' GRU maps to PyTorch exactly
    state = perturbed(config)
    at = open_app(**config.to_query())
    (uploader,) = [u for u in at.file_uploader if u.label == TORCH_UPLOADER]
    assert "weight_hh_l0 (15, 5)" in uploader.help
    attach(at, "mine.npz", npz(state))
    assert not at.exception, at.exception
    digest = at.query_params["weights"]
    assert digest != SEEDED and f"Loaded mine.npz: weights={digest}." in notes(at)
    c = config.replace(weights=digest)
    # The reference: Keras' layout undone by hand from the uploaded PyTorch arrays.
    W_xh = state["weight_ih_l0"].T  # (D, 3M), blocks r, z, n
    M = config.M
    r, z, n = (W_xh[:, k * M : (k + 1) * M] for k in range(3))
    _, arrays = weights(at)
    np.testing.assert_array_equal(arrays["W_xh · z"], z, err_msg="the z block of W_xh")
    np.testing.assert_array_equal(arrays["W_xh · r"], r)
    np.testing.assert_array_equal(arrays["W_xh · hh"], n)
    run = execute(c, weights=cache.STORE.get(digest).weights)
    np.testing.assert_array_equal(player(at)[1]["h"], run.h[0])
    assert at.success[0].value.startswith("Same output")
    assert f"weights={digest}" in text(at) and "Total params: 162" in text(at)
    # The PyTorch download gives back exactly the uploaded file's arrays.
    with np.load(io.BytesIO(cache.torch_npz_bytes(c)), allow_pickle=False) as archive:
        for key, value in state.items():
            np.testing.assert_array_equal(archive[key], value, err_msg=key)
    assert export.file_name(c).endswith(f"_seed12_weights{digest}.npz"), "never the seeded one's"


def test_the_debugger_runs_on_the_uploaded_weights():
    config = RNNConfig(cell="lstm", N=3, T=5, seed=13)
    at = open_app(**config.to_query())
    attach(at, "w.npz", npz(perturbed(config)))
    digest = at.query_params["weights"]
    at.segmented_control(key="dtype").set_value("float64").run()
    assert not at.exception, at.exception
    assert at.query_params["weights"] == digest, "a change of precision keeps the weights"
    assert at.success[0].value.startswith("Same output") and "e-1" in at.success[0].value
    at.selectbox(key="bug").set_value("h0_ones").run()
    assert at.query_params["weights"] == digest and not at.success
    assert any("diverges from t = 1" in w.value for w in at.warning)


def test_a_bad_file_changes_nothing_and_says_why():
    config = RNNConfig(N=3, T=4, seed=14)
    at = open_app(**config.to_query())
    attach(at, "good.npz", npz(perturbed(config)))
    digest = at.query_params["weights"]
    before = weights(at)[1]["W_hh"]
    wrong = to_torch(RNNConfig(M=6), execute(RNNConfig(M=6)).weights)
    for name, data, reason in [
        ("empty.npz", b"", "not an .npz file"),
        ("m6.npz", npz(wrong), "weight_hh_l0 must be (5, 5), got (6, 6)"),
        ("nan.npz", npz(perturbed(config) | {"head.bias": np.full(2, np.nan)}), "not finite"),
    ]:
        attach(at, name, data)
        assert not at.exception, at.exception
        (error,) = [e.value.replace("\\", "") for e in at.error]
        assert error.startswith(f"{name} was not loaded: ") and reason in error, error
        assert error.endswith("The weights are as they were.")
        assert at.query_params["weights"] == digest
        np.testing.assert_array_equal(weights(at)[1]["W_hh"], before)


def test_another_model_uses_the_seeded_weights_and_coming_back_restores_them():
    config = RNNConfig(N=3, T=4, seed=15)
    at = open_app(**config.to_query())
    attach(at, "w.npz", npz(perturbed(config)))
    digest = at.query_params["weights"]
    at.number_input(key="M").set_value(6).run()
    assert not at.exception, at.exception
    assert at.query_params["weights"] == SEEDED
    assert any(
        "Your weights from w.npz are for SimpleRNN(5) → Dense(2) reading D = 3, not for "
        "SimpleRNN(6) → Dense(2) reading D = 3: the seeded weights are used." in w
        for w in warnings(at)
    )
    assert at.success[0].value.startswith("Same output")
    at.number_input(key="M").set_value(5).run()
    assert at.query_params["weights"] == digest and not at.warning
    at.number_input(key="T").set_value(7).run()  # T is not in the weights: they stay
    assert at.query_params["weights"] == digest
    at.button(key="_seeded").click().run()
    assert at.query_params["weights"] == SEEDED and "Back to the seeded weights." in notes(at)
    np.testing.assert_array_equal(
        weights(at)[1]["W_hh"], execute(config.replace(T=7)).weights["W_hh"]
    )


def test_a_link_to_uploaded_weights_opens_them_in_another_session_on_this_server():
    config = RNNConfig(cell="lstm", N=2, T=3, seed=16)
    first = open_app(**config.to_query())
    attach(first, "shared.npz", npz(perturbed(config)))
    link = dict(first.query_params)
    second = open_app(**link)
    assert not second.exception and not second.warning
    assert second.query_params["weights"] == link["weights"]
    np.testing.assert_array_equal(weights(second)[1]["W_hh · f"], weights(first)[1]["W_hh · f"])


def test_a_link_to_weights_this_server_does_not_hold_uses_the_seeded_ones():
    at = open_app(cell="lstm", weights="00112233aabbccdd", K=3)
    assert not at.exception, at.exception
    assert warnings(at) == [
        "URL parameter weights=00112233aabbccdd are not on this server (they were uploaded in "
        "another session or before a restart); using the seeded weights. Upload the .npz "
        "again to use them."
    ]
    assert at.query_params["weights"] == SEEDED and at.number_input(key="K").value == 3
    assert at.success[0].value.startswith("Same output")


def test_the_gru_without_a_pytorch_equivalent_offers_no_upload():
    at = open_app(cell="gru", reset_after="false")
    assert not at.exception and TORCH_UPLOADER not in [u.label for u in at.file_uploader]
    captions = " ".join(c.value for c in at.caption)
    assert "reset_after=False has no PyTorch equivalent" in captions


def test_the_seeded_downloads_are_unchanged():
    c = RNNConfig(N=2, T=3, seed=17)
    at = open_app(**c.to_query())
    assert at.query_params["weights"] == SEEDED
    data = cache.torch_npz_bytes(c)
    assert data == torch_npz_bytes(c, execute(c).weights)
