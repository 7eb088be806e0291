"""Tasks, uploaded data, training and your own model on the page, driven headless through
AppTest: a task locks the sizes it fixes, Train swaps every view onto the trained weights,
a data file's round trip (npz and CSV) is exact, a bad file changes nothing and says why,
two trainings queue, and a .keras model loads only where it is allowed."""

from __future__ import annotations

import io
import json
import time

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.inputs import userdata
from rnnviz.pipeline import execute
from rnnviz.tasks import TASKS, Xy_of
from rnnviz.ui import cache
from rnnviz.views import export
from rnnviz.views.gradients import gradients_of
from tests.test_app import open_app, player, text, weights
from tests.test_app_whatif import values
from tests.test_userdata import MALFORMED

DATA_UPLOADER = "Upload your data (.npy, .npz, .csv) or a text (.txt)"
MODEL_UPLOADER = "Load your Keras model (.keras)"
WAIT_S = 120  # a training at these sizes takes about a second


def uploader(at, label: str):
    (found,) = [u for u in at.file_uploader if u.label == label]
    return found


def attach(at, label: str, name: str, payload: bytes):
    return uploader(at, label).set_value((name, payload, "application/octet-stream")).run()


def notes(at) -> list[str]:
    return [e.value.replace("\\", "") for e in [*at.success, *at.error]]


def train(at, epochs: int = 5):
    """Press Train with ``epochs`` and run the page again once the training is done."""
    at.slider(key="_train_epochs").set_value(epochs).run()
    at.button(key="_train").click().run()
    assert not at.exception, at.exception
    for ticket in cache.TRAINER.tickets():
        assert ticket.wait(WAIT_S)
    return at.run()


def npz_of(at) -> dict[str, np.ndarray]:
    """The page's run as its .npz download holds it."""
    c = config_of(dict(at.query_params))
    with np.load(io.BytesIO(cache.npz_bytes(c)), allow_pickle=False) as archive:
        return {k: archive[k] for k in archive.files}


def config_of(query: dict) -> RNNConfig:
    """The config a page's link names (its own values, already checked by the page)."""
    from rnnviz.config import FIELDS

    return RNNConfig(**{name: FIELDS[name].read(query[name]) for name in FIELDS})


def test_a_task_locks_the_sizes_it_fixes_and_says_what_it_is():
    at = open_app(task="copy", D=3, K=2, T=1, N=6)
    assert not at.exception, at.exception
    D, K, T = (at.number_input(key=k) for k in "DKT")
    assert (D.value, K.value, T.value) == (5, 4, 2)
    assert D.disabled and K.disabled and not T.disabled
    assert "fixed by the copy memory task" in D.help
    assert TASKS["copy"].description[1:] in " ".join(c.value for c in at.caption)
    assert at.query_params["task"] == "copy"
    headers = [h.value for h in at.header]
    assert headers[0] == "0 · Training" and "Task and data" in headers
    # a task's X is what the page shows, and the run agrees on it
    X, _ = Xy_of(RNNConfig(task="copy", D=5, K=4, T=2, N=6))
    np.testing.assert_array_equal(npz_of(at)["X"], X)
    assert at.success[0].value.startswith("Same output")


def test_the_random_task_shows_no_training_and_the_notebook_is_unchanged():
    at = open_app()
    assert "0 · Training" not in [h.value for h in at.header]
    assert at.query_params["task"] == "random" and not at.number_input(key="D").disabled


def test_training_swaps_every_view_onto_the_trained_weights_and_back():
    config = RNNConfig(task="sine", D=1, K=1, N=64, T=12, M=6, cell="lstm", seed=3)
    at = open_app(**config.to_query())
    initial = weights(at)[1]["W_hh · f"].copy()
    at = train(at, epochs=4)
    assert at.query_params["weights"] == "trained" and at.query_params["epochs"] == "4"
    (done,) = [s.value for s in at.success if s.value.startswith("Trained 4 epochs")]
    assert "MSE" in done and "held-out" in done
    trained = config.replace(weights="trained", epochs=4)
    done = cache.STORE.get(trained.training_key)
    held_weights, history = done.weights, done.history
    assert len(history.loss) == 4
    # every view follows: the heatmaps, the player, agreement, the step panel
    np.testing.assert_array_equal(weights(at)[1]["W_hh · f"], held_weights["W_hh"][:, 6:12])
    assert not np.array_equal(weights(at)[1]["W_hh · f"], initial)
    run = execute(trained, weights=held_weights)
    np.testing.assert_array_equal(player(at)[1]["h"], run.h[0])
    assert any(s.value.startswith("Same output") for s in at.success)
    assert "The weights are trained: 4 epochs" in text(at)
    # the debugger and precision work on them too
    at.segmented_control(key="dtype").set_value("float64").run()
    assert not at.exception and at.query_params["weights"] == "trained"
    at.selectbox(key="bug").set_value("h0_ones").run()
    assert any("diverges from t = 1" in w.value for w in at.warning)
    at.selectbox(key="bug").set_value("none").run()
    at.segmented_control(key="dtype").set_value("float32").run()
    # the downloads carry the trained weights and the task's target
    archive = npz_of(at)
    np.testing.assert_array_equal(archive["W_hh"], held_weights["W_hh"])
    np.testing.assert_array_equal(archive["y_task"], Xy_of(config)[1])
    assert export.file_name(trained).endswith("_trained4.npz") and "_sine_" in export.file_name(
        trained
    )
    # and back to the initial weights
    at.segmented_control(key="weights_view").set_value("initial").run()
    assert at.query_params["weights"] == "initial"
    np.testing.assert_array_equal(weights(at)[1]["W_hh · f"], initial)


def test_a_link_to_trained_weights_opens_them_on_this_server_and_falls_back_elsewhere():
    config = RNNConfig(task="adding", D=2, K=1, N=40, T=8, M=4, seed=5)
    at = train(open_app(**config.to_query()), epochs=2)
    link = dict(at.query_params)
    second = open_app(**link)
    assert not second.exception and not second.warning
    assert second.query_params["weights"] == "trained"
    np.testing.assert_array_equal(weights(second)[1]["W_hh"], weights(at)[1]["W_hh"])
    # the gradient view, in lecture mode, on the trained weights: BPTT by hand on them
    grads = open_app(**link | {"present": "true", "section": "gradients"})
    assert not grads.exception, grads.exception
    specs = {c.key: json.loads(c.proto.spec) for c in grads.get("plotly_chart")}
    trained = config.replace(weights="trained", epochs=2)
    run = execute(trained, weights=cache.STORE.get(trained.training_key).weights)
    norms = np.linalg.norm(gradients_of(run).dy_dx[0], axis=-1)  # (T,) sample n = 0
    np.testing.assert_allclose(values(specs["grad_x"]["data"][0]["y"]), norms, rtol=1e-6)
    elsewhere = open_app(**link | {"seed": "6"})
    assert elsewhere.query_params["weights"] == "initial"
    assert any("names weights this server has not trained" in w.value for w in elsewhere.warning)


def test_nothing_to_learn_or_return_sequences_say_why_training_cannot_run():
    at = open_app(task="parity", D=1, K=2, return_sequences="true")
    assert not at.exception and "0 · Training" in [h.value for h in at.header]
    assert any("one per sequence" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "_train"]


def test_two_trainings_queue_and_neither_fails():
    long = RNNConfig(task="adding", D=2, K=1, N=400, T=40, M=16, cell="lstm", seed=7)
    short = RNNConfig(task="sine", D=1, K=1, N=40, T=6, M=3, seed=8)
    first, second = open_app(**long.to_query()), open_app(**short.to_query())
    first.slider(key="_train_epochs").set_value(200).run()
    first.button(key="_train").click().run()
    second.slider(key="_train_epochs").set_value(2).run()
    second.button(key="_train").click().run()
    (mine,) = [i.value for i in second.info if i.value.startswith("Queued")]
    assert mine.startswith("Queued: 1 training ahead of yours on this server")
    (running,) = [t for t in cache.TRAINER.tickets() if t.state == "running"]
    deadline = time.monotonic() + WAIT_S
    while running.snapshot is None or running.snapshot.epoch < 1:  # one epoch, then Stop
        assert time.monotonic() < deadline, "no epoch of the long training ended"
        assert not running.wait(0.05), "the long training ended before its Stop"
    first.button(key="_stop_training").click().run()
    for ticket in cache.TRAINER.tickets():
        assert ticket.wait(WAIT_S)
    first.run()
    second.run()
    for at in (first, second):
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert at.query_params["weights"] == "trained"
    assert any("(stopped)" in s.value for s in first.success)


def _upload_data(at, name: str, payload: bytes):
    at = attach(at, DATA_UPLOADER, name, payload)
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("form", ["npz", "csv"])
def test_uploaded_data_round_trips_and_trains(form):
    rng = np.random.default_rng(11)
    X = rng.standard_normal((30, 7, 3)).astype(np.float32)  # (N, T, D)
    y = rng.integers(0, 3, 30).astype(np.int32)  # (N,) three classes
    payload = userdata.npz_bytes(X, y) if form == "npz" else userdata.csv_text(X, y).encode("utf-8")
    at = _upload_data(open_app(M=4), f"mine.{form}", payload)
    digest = userdata.digest(X, y)
    assert at.query_params["data"] == digest
    assert f"Loaded mine.{form}: X (30, 7, 3), y: 3 classes; data={digest}." in notes(at)
    sizes = {k: at.number_input(key=k) for k in "NTDK"}
    assert {k: v.value for k, v in sizes.items()} == {"N": 30, "T": 7, "D": 3, "K": 3}
    assert all(v.disabled for v in sizes.values())
    archive = npz_of(at)
    np.testing.assert_array_equal(archive["X"], X)
    np.testing.assert_array_equal(archive["y_task"], y)
    assert any(s.value.startswith("Same output") for s in at.success)
    at = train(at, epochs=3)
    assert at.query_params["weights"] == "trained" and at.query_params["data"] == digest
    assert any("cross-entropy" in s.value for s in at.success)
    at.button(key="_drop_data").click().run()
    assert at.query_params["data"] == "none" and not at.number_input(key="N").disabled


# every third malformed file of the core's fuzz: each kind of problem, one upload each
PAGE_FUZZ = MALFORMED[::3]


def test_the_page_fuzz_covers_thirty_files_of_every_format():
    assert len(PAGE_FUZZ) >= 30
    assert {name.rpartition(".")[2] for name, _, _ in PAGE_FUZZ} >= {"npy", "npz", "csv"}


def test_a_malformed_upload_says_why_and_the_previous_data_stays():
    X = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2)  # (N, T, D)
    at = _upload_data(open_app(), "good.npz", userdata.npz_bytes(X))
    digest = at.query_params["data"]
    before = npz_of(at)["X"]
    np.testing.assert_array_equal(before, X)
    for name, payload, expected in PAGE_FUZZ:
        payload = payload() if callable(payload) else payload
        at = _upload_data(at, name, payload)
        (error,) = [e.value.replace("\\", "") for e in at.error]
        assert error.startswith(f"{name} was not loaded: ") and expected in error, error
        assert error.endswith("Your data is as it was.") and "Traceback" not in error
        assert at.query_params["data"] == digest
        np.testing.assert_array_equal(npz_of(at)["X"], before)


def _saved(tmp_path, layers) -> bytes:
    import keras

    model = keras.Sequential([keras.Input((6, 3)), *layers, keras.layers.Dense(2)])
    path = tmp_path / "model.keras"
    model.save(path)
    return path.read_bytes(), model


def test_your_own_model_is_off_unless_enabled(monkeypatch):
    monkeypatch.delenv("RNNVIZ_OWN_MODELS", raising=False)
    at = open_app()
    assert MODEL_UPLOADER not in [u.label for u in at.file_uploader]


def test_your_own_model_loads_and_agrees_and_a_lambda_is_refused_by_name(monkeypatch, tmp_path):
    import keras

    monkeypatch.setenv("RNNVIZ_OWN_MODELS", "1")
    at = open_app(N=4)
    payload, model = _saved(tmp_path, [keras.layers.GRU(5, name="my_gru")])
    at = attach(at, MODEL_UPLOADER, "mine.keras", payload)
    assert not at.exception, at.exception
    assert at.session_state["cell"] == "gru" and at.number_input(key="T").value == 6
    digest = at.query_params["weights"]
    assert len(digest) == 16 and any("Loaded mine.keras" in n for n in notes(at))
    config = config_of(dict(at.query_params))
    run = execute(config, weights=cache.STORE.get(digest).weights)
    np.testing.assert_allclose(run.y_keras, model.predict(run.X, verbose=0), atol=1e-6)
    assert any(s.value.startswith("Same output") for s in at.success)
    bad, _ = _saved(
        tmp_path, [keras.layers.GRU(5), keras.layers.Lambda(lambda h: h * 2, name="doubler")]
    )
    at = attach(at, MODEL_UPLOADER, "evil.keras", bad)
    (error,) = [e.value.replace("\\", "") for e in at.error]
    assert "'doubler'" in error and "Lambda" in error and error.endswith("Nothing changed.")
    assert at.query_params["weights"] == digest
