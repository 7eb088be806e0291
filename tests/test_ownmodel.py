"""Your own Keras model (``rnnviz.keras_side.own_model``). Models built and saved by Keras itself in
the test load, and rnnviz's run of them agrees both with its NumPy recurrence and with the saved
model's own output on the same X. Everything else is refused in one sentence that names the layer
and the reason, and Keras' load_model is never called for it."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.config.rnn_config import work_cap, works
from rnnviz.inputs.imported import fits
from rnnviz.inputs.store import Store
from rnnviz.keras_side import own_model
from rnnviz.keras_side.own_model import ModelError
from rnnviz.pipeline import execute


@pytest.fixture(scope="module")
def keras():
    from rnnviz.keras_side import model

    keras, _ = model._keras()
    return keras


def saved(model, tmp_path, name: str = "model-own.keras") -> bytes:
    """``model`` as the bytes of the .keras file ``model.save`` writes."""
    path = tmp_path / name
    model.save(path)
    return path.read_bytes()


def randomised(model, seed: int) -> None:
    """Every weight drawn anew, the biases too: Keras starts them at zero, where a lost
    bias could not show."""
    rng = np.random.default_rng(seed)
    model.set_weights(
        [rng.uniform(-0.5, 0.5, w.shape).astype(w.dtype) for w in model.get_weights()]
    )


def fields(**changes) -> dict:
    base = dict(T=7, D=3, M=4, K=2, cell="lstm", reset_after=True, layers=1)
    base |= dict(bidirectional=False, return_sequences=False, dtype="float32")
    return base | changes


def lstm_sequential(k):
    L = k.layers
    return k.Sequential([k.Input((7, 3)), L.LSTM(4), L.Dense(2)]), fields()


def gru_reset_before_functional(k):
    X = k.Input((6, 2))
    y = k.layers.Dense(3)(k.layers.GRU(5, reset_after=False)(X))
    return k.Model(X, y), fields(T=6, D=2, M=5, K=3, cell="gru", reset_after=False)


def bidirectional_simple_x2_sequences(k):
    L = k.layers
    X = k.Input((7, 3))
    H = L.Bidirectional(L.SimpleRNN(4, return_sequences=True))(X)
    H = L.Bidirectional(L.SimpleRNN(4, return_sequences=True))(H)
    expected = fields(cell="simple", layers=2, bidirectional=True, return_sequences=True)
    return k.Model(X, L.Dense(2)(H)), expected


def gru_stack_float64(k):
    L = k.layers
    model = k.Sequential(
        [
            k.Input((5, 3), dtype="float64"),
            L.GRU(3, return_sequences=True, dtype="float64"),
            L.GRU(3, dtype="float64"),
            L.Dense(2, dtype="float64"),
        ]
    )
    return model, fields(T=5, M=3, cell="gru", layers=2, dtype="float64")


def trained_lstm(k):
    """Compiled and fitted, with dropout and a regulariser: Keras saves the optimizer's
    state and the compile config too."""
    L = k.layers
    model = k.Sequential(
        [
            k.Input((7, 3)),
            L.LSTM(4, dropout=0.2, kernel_regularizer=k.regularizers.L2(0.01)),
            L.Dense(1),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 7, 3)), rng.normal(size=(8, 1))
    model.fit(X.astype(np.float32), y.astype(np.float32), epochs=2, verbose=0)
    return model, fields(K=1)


ACCEPTED = [
    lstm_sequential,
    gru_reset_before_functional,
    bidirectional_simple_x2_sequences,
    gru_stack_float64,
    trained_lstm,
]


@pytest.mark.parametrize("build", ACCEPTED, ids=[b.__name__ for b in ACCEPTED])
def test_a_model_saved_by_keras_loads_and_agrees(keras, tmp_path, build):
    model, expected = build(keras)
    if build is not trained_lstm:  # its weights are trained ones
        randomised(model, seed=1)
    payload = saved(model, tmp_path)
    assert own_model.inspect(payload, "model-own.keras") == expected
    own = own_model.load(payload, "model-own.keras")
    assert own.fields == expected
    assert all(a.dtype == np.float32 and not a.flags.writeable for a in own.weights.values())

    config = own_model.config_for(own, RNNConfig(N=6, seed=4))
    assert (config.N, config.seed, config.weights) == (6, 4, own.digest)
    assert {f: getattr(config, f) for f in expected} == expected
    run = execute(config, weights=own.weights)
    y_file = model(run.X, training=False).numpy()  # the saved model itself, on the same X
    assert run.agreement.agree, run.agreement.verdict
    np.testing.assert_allclose(
        run.y_keras, y_file, rtol=0, atol=1e-6, err_msg="rnnviz's Keras model vs the file's"
    )
    np.testing.assert_allclose(
        run.y_numpy, y_file, rtol=0, atol=1e-5, err_msg="rnnviz's NumPy vs the file's model"
    )
    held = Store().put(own_model.imported(own, config))  # as the page keeps them
    assert held.digest == config.weights and fits(config, held.weights)


# ---------------------------------------------------------------- refused


def edited(payload: bytes, change) -> bytes:
    """``payload`` with its config.json passed through ``change`` (which edits it in place)."""
    source = zipfile.ZipFile(io.BytesIO(payload))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "config.json":
                config = json.loads(data)
                change(config)
                data = json.dumps(config).encode()
            archive.writestr(name, data)
    return out.getvalue()


def zipped(compression: int = zipfile.ZIP_STORED, **members: bytes) -> bytes:
    """A zip of ``members`` (name__json stands for name.json)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name.replace("__", "."), data)
    return out.getvalue()


def plain(k, *layers, shape=(7, 3), **input_options):
    """Sequential: Input(shape) -> layers."""
    return k.Sequential([k.Input(shape, **input_options), *layers])


def registered(k):
    @k.saving.register_keras_serializable(package="rnnviz_test")
    class Twice(k.layers.Layer):
        def call(self, x):
            return 2 * x

    return plain(k, Twice(name="twice"), k.layers.LSTM(4), k.layers.Dense(2))


def nested(k):
    X = k.Input((7, 3))
    inner = k.Sequential([k.Input((7, 3)), k.layers.LSTM(4)], name="encoder")
    return k.Model(X, k.layers.Dense(2)(inner(X)))


def second_input(k):
    X, extra = k.Input((7, 3), name="x"), k.Input((7, 3), name="extra")
    return k.Model([X, extra], k.layers.Dense(2)(k.layers.LSTM(4)(X)))


def layer_of(config: dict, kind: str) -> dict:
    return next(e for e in config["config"]["layers"] if e["class_name"] == kind)


def lstm_option(key, value):
    """An edit of config.json: the LSTM's option ``key`` set to ``value``."""
    return lambda config: layer_of(config, "LSTM")["config"].__setitem__(key, value)


def _L(k):
    """keras.layers, short, for the table below."""
    return k.layers


# id -> (the model, built with the keras given, and what the message refusing it says)
REFUSED = {
    "lambda": (
        lambda k: plain(
            k, _L(k).Lambda(lambda x: 2 * x, name="double"), _L(k).LSTM(4), _L(k).Dense(2)
        ),
        ["layer 'double' (Lambda) is not allowed", "arbitrary code"],
    ),
    "masking": (
        lambda k: plain(k, _L(k).Masking(name="skip"), _L(k).LSTM(4), _L(k).Dense(2)),
        ["layer 'skip' (Masking) is not allowed"],
    ),
    "stateful": (
        lambda k: plain(
            k, _L(k).LSTM(4, stateful=True, name="memory"), _L(k).Dense(2), batch_size=2
        ),
        ["layer 'memory' (LSTM)", "stateful=True", "h_0 = 0"],
    ),
    "relu": (
        lambda k: plain(k, _L(k).LSTM(4, activation="relu", name="lstm"), _L(k).Dense(2)),
        ["layer 'lstm' (LSTM) uses activation='relu'; rnnviz's LSTM uses tanh"],
    ),
    "no bias": (
        lambda k: plain(k, _L(k).SimpleRNN(4, use_bias=False, name="rnn"), _L(k).Dense(2)),
        ["layer 'rnn' (SimpleRNN) has use_bias=False"],
    ),
    "softmax head": (
        lambda k: plain(k, _L(k).GRU(4), _L(k).Dense(2, activation="softmax", name="probs")),
        ["layer 'probs' (Dense) uses activation='softmax'", "linear"],
    ),
    "dropout layer": (
        lambda k: plain(k, _L(k).LSTM(4), _L(k).Dropout(0.5, name="drop"), _L(k).Dense(2)),
        ["layer 'drop' (Dropout) is not allowed"],
    ),
    "conv1d": (
        lambda k: plain(k, _L(k).Conv1D(4, 3, name="conv"), _L(k).LSTM(4), _L(k).Dense(2)),
        ["layer 'conv' (Conv1D) is not allowed"],
    ),
    "mixed cells": (
        lambda k: plain(
            k,
            _L(k).LSTM(4, return_sequences=True, name="first"),
            _L(k).GRU(4, name="second"),
            _L(k).Dense(2),
        ),
        ["layer 'second' (GRU) differs from layer 'first' (LSTM) in its cell"],
    ),
    "different M": (
        lambda k: plain(
            k,
            _L(k).LSTM(4, return_sequences=True, name="narrow"),
            _L(k).LSTM(5, name="wide"),
            _L(k).Dense(2),
        ),
        ["layer 'wide' (LSTM) differs from layer 'narrow' (LSTM) in its units (5, not 4)"],
    ),
    "4 layers": (
        lambda k: plain(
            k,
            *[_L(k).SimpleRNN(3, return_sequences=True) for _ in range(3)],
            _L(k).SimpleRNN(3),
            _L(k).Dense(2),
        ),
        ["the model has 4 recurrent layers; rnnviz reads 1 to 3"],
    ),
    "T None": (
        lambda k: plain(k, _L(k).LSTM(4), _L(k).Dense(2), shape=(None, 3)),
        ["T (time steps) is not fixed", "keras.Input((T, D))"],
    ),
    "custom layer": (registered, ["layer 'twice' (Twice) is a custom object", "rnnviz_test>Twice"]),
    "nested model": (nested, ["layer 'encoder' (Sequential) is not allowed", "inside a model"]),
    "second input": (second_input, ["the model has 2 inputs"]),
    "go_backwards": (
        lambda k: plain(k, _L(k).GRU(4, go_backwards=True, name="reverse"), _L(k).Dense(2)),
        ["layer 'reverse' (GRU) has go_backwards=True", "Bidirectional"],
    ),
    "merge sum": (
        lambda k: plain(
            k, _L(k).Bidirectional(_L(k).LSTM(4), merge_mode="sum", name="both"), _L(k).Dense(2)
        ),
        ["layer 'both' (Bidirectional) has merge_mode='sum'", "concat"],
    ),
    "bidirectional then not": (
        lambda k: plain(
            k,
            _L(k).Bidirectional(_L(k).LSTM(4, return_sequences=True), name="both"),
            _L(k).LSTM(4, name="one_way"),
            _L(k).Dense(2),
        ),
        ["layer 'one_way' (LSTM) is not bidirectional, but layer 'both' (Bidirectional) is"],
    ),
    "mixed precision": (
        lambda k: plain(k, _L(k).GRU(4, dtype="mixed_float16", name="half"), _L(k).Dense(2)),
        ["layer 'half' (GRU) computes in 'mixed_float16'"],
    ),
}

# A valid file, with its config.json edited by hand as the CVEs' files were.
CVE_OBJECT = {
    "module": "keras.config",
    "class_name": "function",
    "config": "enable_unsafe_deserialization",
    "registered_name": "function",
}
GET_FILE = {
    "module": "keras.utils",
    "class_name": "get_file",
    "config": {"origin": "http://example.invalid/x", "fname": "x"},
    "registered_name": None,
}
EDITS = {
    "a function as activation": (
        lstm_option("activation", CVE_OBJECT),
        ["layer 'lstm' (LSTM) uses activation=the object 'keras.config.function'"],
    ),
    "a function as initializer": (
        lstm_option("kernel_initializer", GET_FILE),
        ["layer 'lstm' (LSTM) has kernel_initializer=the object 'keras.utils.get_file'"],
    ),
    "an option Keras does not write": (
        lstm_option("implementation", 2),
        ["layer 'lstm' (LSTM) has the option 'implementation'"],
    ),
    "a forged build shape": (
        lambda config: layer_of(config, "LSTM").__setitem__(
            "build_config", {"input_shape": [None, 7, 10**9]}
        ),
        ["layer 'lstm' (LSTM) is built for", "reads [None, 7, 3]"],
    ),
    "a custom model class": (
        lambda config: config.update(registered_name="evil>Model", class_name="Model"),
        ["the model is a 'Model'", "'evil>Model'"],
    ),
    "a custom object in a custom slot": (
        lambda config: layer_of(config, "Dense")["config"]["kernel_initializer"].update(
            module="mine", registered_name="mine>Init"
        ),
        ["layer 'dense' (Dense) has kernel_initializer=the object 'mine.GlorotUniform'"],
    ),
}


@pytest.fixture
def never_loaded(keras, monkeypatch):
    """Keras' load_model replaced by a trap: a refused file must never reach it."""
    calls = []

    def load_model(*args, **kwargs):
        calls.append(args)
        pytest.fail("keras.saving.load_model was called for a refused file")

    monkeypatch.setattr(keras.saving, "load_model", load_model)
    yield
    assert calls == []


def refused(payload: bytes, name: str, says: list[str]) -> str:
    """The message ``load`` and ``inspect`` refuse ``payload`` with: the same, one line,
    saying each of ``says``."""
    with pytest.raises(ModelError) as err:
        own_model.load(payload, name)
    message = str(err.value)
    with pytest.raises(ModelError) as again:
        own_model.inspect(payload, name)
    assert str(again.value) == message
    assert "\n" not in message and len(message) < 400, message
    for said in says:
        assert said in message, f"{said!r} not in {message!r}"
    return message


@pytest.mark.parametrize("case", REFUSED)
def test_a_model_rnnviz_does_not_read_is_refused_by_name(keras, tmp_path, case, never_loaded):
    build, says = REFUSED[case]
    refused(saved(build(keras), tmp_path), "model-own.keras", says)


@pytest.mark.parametrize("case", EDITS)
def test_a_hand_edited_config_is_refused(keras, tmp_path, case, never_loaded):
    change, says = EDITS[case]
    model = plain(keras, keras.layers.LSTM(4, name="lstm"), keras.layers.Dense(2, name="dense"))
    payload = saved(model, tmp_path)
    own_model.inspect(payload, "model-own.keras")  # the file before the edit is read
    refused(edited(payload, change), "model-own.keras", says)


@pytest.fixture(scope="module")
def valid(keras, tmp_path_factory) -> bytes:
    model, _ = lstm_sequential(keras)
    return saved(model, tmp_path_factory.mktemp("model-own"))


def test_a_file_that_is_not_a_keras_file_is_refused(valid, never_loaded):
    source = zipfile.ZipFile(io.BytesIO(valid))
    parts = {n.replace(".", "__"): source.read(n) for n in source.namelist()}
    no_config = {k: v for k, v in parts.items() if k != "config__json"}
    cases = [
        (b"hello", "model.keras", ["'model.keras' is not a zip archive"]),
        (b"", "model.keras", ["'model.keras' is empty"]),
        (b"\0" * (own_model.MAX_BYTES + 1), "model.keras", ["more than the 16 MB"]),
        (valid, "model.h5", ["'model.h5' is not a .keras file", "model.save('model.keras')"]),
        (zipped(**no_config), "model.keras", ["'model.keras' has no config.json"]),
        (zipped(**parts | {"config__json": b"{not json"}), "m.keras", ["is not valid JSON"]),
        (zipped(**parts | {"extra__py": b"print(1)"}), "m.keras", ["holds 'extra.py'"]),
        (zipped(**parts | {"config__json": b"[" * 100_000}), "m.keras", ["is not valid JSON"]),
        (
            zipped(**parts | {"config__json": b" " * (own_model.CONFIG_MAX + 1)}),
            "m.keras",
            ["config.json in the .keras file unpacks to", "it is not read"],
        ),
        (  # a zip bomb: 64 MB of zeros in ~64 kB, refused before it is unpacked
            zipped(zipfile.ZIP_DEFLATED, **parts | {"model__weights__h5": bytes(64 * 2**20)}),
            "m.keras",
            ["model.weights.h5 in the .keras file unpacks to 67,108,864 bytes", "LSTM(4)"],
        ),
    ]
    for payload, name, says in cases:
        refused(payload, name, says)


ODD_VALUES = [
    None,
    True,
    0,
    -1,
    10**9,
    1.5,
    float("nan"),
    "",
    "tanh",
    "float16",
    [],
    {},
    [None, None, None],
    {"class_name": [1], "module": {}},
    {"module": "os", "class_name": "system", "config": {"command": "true"}},
]


def paths(value, path=()):
    """Every place in a JSON value, as a tuple of keys and indices."""
    yield path
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in items:
        yield from paths(child, (*path, key))


def mutated(config, path, rng):
    """A copy of ``config`` with the value at ``path`` replaced by an odd one, or its key
    dropped, or a key added beside it."""
    config = json.loads(json.dumps(config))
    *parents, last = path
    holder = config
    for key in parents:
        holder = holder[key]
    how = rng.integers(4)
    if how == 0 and isinstance(holder, dict):
        del holder[last]
    elif how == 1 and isinstance(holder, dict):
        holder["extra"] = ODD_VALUES[rng.integers(len(ODD_VALUES))]
    else:
        holder[last] = ODD_VALUES[rng.integers(len(ODD_VALUES))]
    return config


@pytest.mark.parametrize("build", [bidirectional_simple_x2_sequences, trained_lstm])
def test_any_edit_of_config_json_is_read_or_refused_in_a_sentence(keras, tmp_path, build):
    """Seeded edits all over a real config.json: each is read (into a valid config) or
    refused with a ModelError, one line; no other exception escapes."""
    model, _ = build(keras)
    payload = saved(model, tmp_path)
    config = json.loads(zipfile.ZipFile(io.BytesIO(payload)).read("config.json"))
    places = [p for p in paths(config) if p and not p[:1] == ("compile_config",)]
    rng = np.random.default_rng(7)
    outcomes = {"read": 0, "refused": 0}
    for i in rng.choice(len(places), size=400):
        changed = mutated(config, places[i], rng)
        try:
            found = own_model.inspect(
                edited(payload, lambda c, new=changed: c.clear() or c.update(new)), "m.keras"
            )
        except ModelError as err:
            assert "\n" not in str(err), str(err)
            outcomes["refused"] += 1
        else:
            RNNConfig(**found)  # a valid config
            outcomes["read"] += 1
    assert outcomes["refused"] > 100 and outcomes["read"] > 10, outcomes


def test_what_keras_cannot_load_is_one_sentence(valid):
    """A file whose config.json passes but whose weights are broken: Keras' error, in one
    line, as a ModelError."""
    source = zipfile.ZipFile(io.BytesIO(valid))
    parts = {n.replace(".", "__"): source.read(n) for n in source.namelist()}
    broken = zipped(**parts | {"model__weights__h5": b"not hdf5" * 100})
    own_model.inspect(broken, "model-own.keras")
    with pytest.raises(ModelError, match=r"^Keras could not load 'model-own.keras': ") as err:
        own_model.load(broken, "model-own.keras")
    assert "\n" not in str(err.value)


def test_inspect_does_not_import_tensorflow(valid, tmp_path):
    path = tmp_path / "model-own.keras"
    path.write_bytes(valid)
    code = (
        "import sys; from rnnviz.keras_side import own_model; "
        f"f = own_model.inspect(open({str(path)!r}, 'rb').read(), 'm.keras'); "
        "assert f['cell'] == 'lstm', f; "
        "assert not {'tensorflow', 'keras'} & set(sys.modules), 'imported TensorFlow'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# ---------------------------------------------------------------- into rnnviz


def test_n_falls_to_the_largest_that_fits_the_work_cap():
    big = fields(T=500, D=64, M=256, K=32, cell="simple", layers=3, bidirectional=True)
    for dtype in ("float32", "float64"):
        own = own_model.OwnModel(big | {"dtype": dtype}, {}, "big.keras", "")
        base = RNNConfig(N=2000, seed=9, input="pulse", pulse_t=3, whh_scale=0.5)
        N, said = own_model.samples(own, base)
        config = own_model.config_for(own, base)
        cap = work_cap(dtype)
        values = dataclasses.asdict(config)
        assert config.N == N < 2000 and all(w.numbers <= cap for w in works(values))
        assert any(w.numbers > cap for w in works(values | {"N": N + 1}))
        assert "N fell back from 2000 to" in said and f"to {N}," in said
        assert (config.seed, config.input, config.whh_scale) == (9, "random", 1.0)
        assert own_model.samples(own, base.replace(N=N)) == (N, None)


def test_off_unless_enabled():
    assert not own_model.enabled({})
    assert not own_model.enabled({"RNNVIZ_OWN_MODELS": "0"})
    assert not own_model.enabled({"RNNVIZ_OWN_MODELS": "no"})
    assert own_model.enabled({"RNNVIZ_OWN_MODELS": "1"})
    assert own_model.enabled({"RNNVIZ_OWN_MODELS": " True "})
    assert own_model.enabled({"RNNVIZ_OWN_MODELS": "yes"})
