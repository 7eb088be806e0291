"""Your own Keras model, read on your own computer: its weights become imported weights.

A ``.keras`` file is a zip of ``config.json`` (the layers and their options),
``metadata.json`` and ``model.weights.h5``. Keras' ``safe_mode`` is not a sandbox: crafted
config files have run code or fetched files with it on (CVE-2025-1550, CVE-2025-8747,
CVE-2025-9906). So reading one is off unless ``RNNVIZ_OWN_MODELS=1`` (``enabled``; the
CLI's ``--model`` reads a file of your own and is always allowed), and a file reaches Keras
only after its config.json, read here with ``zipfile`` and ``json`` alone, describes
exactly rnnviz's model: Input((T, D)) -> one cell (SimpleRNN, LSTM or GRU, or Bidirectional
of it) × 1-3 -> Dense(K), with Keras' default activations, a bias, no state, only options
Keras writes for these layers, and every object in it (initialisers, regularisers,
constraints, dtype policies) one of Keras' own classes, named. Anything else is refused,
naming the layer and the reason, before Keras sees a byte. Keras then loads a copy rebuilt
from the checked parts (the checked config.json, the weights file) with ``safe_mode=True``
and ``compile=False``.

The weights leave as imported weights (``rnnviz.imported``): Keras layout, by export name,
float32, named by their digest, so the page's store and every view take them unchanged. A
float64 model's weights are rounded to float32 like all imported weights (the digest names
float32 numbers, and two sets of weights with one digest must be one set); its config
stays float64, so the run widens them back and differs from the file's own model by about
1e-7, relatively. Nothing here imports Streamlit; Keras is imported only to load a file
that passed the checks.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import math
import os
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NoReturn

import numpy as np

from rnnviz.config import FIELDS, NO_EDIT, RNNConfig, quote, suffix
from rnnviz.config.rnn_config import DTYPES, work_cap, works
from rnnviz.inputs.imported import Imported, architecture, digest, fits
from rnnviz.recurrence.bugs import NONE
from rnnviz.recurrence.cells import HEAD
from rnnviz.shapes.layouts import shapes_in
from rnnviz.shapes.ledger import model_name

ENV = "RNNVIZ_OWN_MODELS"
DISABLED = (
    "Reading your own Keras model is off on this server, because Keras' safe_mode is not a "
    "sandbox (crafted .keras files have run code with it on: CVE-2025-1550, CVE-2025-8747, "
    "CVE-2025-9906); on your own computer, turn it on with RNNVIZ_OWN_MODELS=1 make run."
)
MAX_BYTES = 16 * 2**20  # the upload limit
CONFIG_MAX = 2**20  # config.json's unpacked bytes; a 3-layer bidirectional model's take ~20 kB
METADATA_MAX = 2**16  # metadata.json's: Keras writes ~64 bytes
WEIGHTS_SLACK = 2**20  # beyond the weights' own bytes: HDF5's headers
MEMBERS = ("config.json", "metadata.json", "model.weights.h5")  # what Keras writes, all of it
SHAPE = "Input -> SimpleRNN/LSTM/GRU (or Bidirectional of one) x 1-3 -> Dense"
CELL_KEYS = {"SimpleRNN": "simple", "LSTM": "lstm", "GRU": "gru"}  # Keras class -> CELLS key
RECURRENT_LAYERS = ("SimpleRNN", "LSTM", "GRU")
LAYERS = ("InputLayer", *RECURRENT_LAYERS, "Bidirectional", "Dense")
# Why some refused layers are refused, beyond "not rnnviz's model"
WHY_NOT: dict[str, str] = {
    "Lambda": "a Lambda runs arbitrary code",
    "Masking": "rnnviz's recurrence reads every step, and a mask skips some",
    "Dropout": "a Dropout layer is a layer of its own (the cells' dropout= options are read)",
    "Sequential": "a model inside a model is not read",
    "Functional": "a model inside a model is not read",
}
# Keras' own classes that may appear in a layer's options, by module (their abstract bases
# and everything else are not)
BUILTIN: dict[str, tuple[str, ...]] = {
    "keras.initializers": (
        "Constant",
        "GlorotNormal",
        "GlorotUniform",
        "HeNormal",
        "HeUniform",
        "Identity",
        "LecunNormal",
        "LecunUniform",
        "Ones",
        "Orthogonal",
        "RandomNormal",
        "RandomUniform",
        "TruncatedNormal",
        "VarianceScaling",
        "Zeros",
    ),
    "keras.regularizers": ("L1", "L2", "L1L2", "OrthogonalRegularizer"),
    "keras.constraints": ("MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm"),
}
# (module, class_name, registered_name) of every object config.json may name
KNOWN = {
    ("keras", "Sequential", None),
    ("keras.src.models.functional", "Functional", "Functional"),
    ("keras", "DTypePolicy", None),
    (None, "__keras_tensor__", None),
    *(("keras.layers", kind, None) for kind in LAYERS),
    *((module, kind, None) for module, kinds in BUILTIN.items() for kind in kinds),
}


def _named(value: dict) -> tuple:
    """An object's (module, class_name, registered_name), as KNOWN lists them; anything
    but a name or None in them is shown as a string, which KNOWN never holds."""
    parts = (value.get("module"), value.get("class_name"), value.get("registered_name"))
    return tuple(p if p is None or isinstance(p, str) else json.dumps(p) for p in parts)


class ModelError(ValueError):
    """A model rnnviz does not read: one sentence naming the layer and the reason, or what
    is wrong with the file."""


def enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the page may read a visitor's own model: RNNVIZ_OWN_MODELS is 1, true or yes."""
    return environ.get(ENV, "").strip().lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class OwnModel:
    """A model read from a .keras file: the RNNConfig fields it fixes and its weights."""

    fields: dict  # T, D, M, K, cell, reset_after, layers, bidirectional, return_sequences, dtype
    weights: Mapping[str, np.ndarray]  # W_xh (D, gM), ..., W_o (H, K), b_o (K,): float32, read-only
    name: str  # the file's name
    summary: str  # "LSTM(4) → Dense(2) reading (T, D) = (10, 3)"

    @property
    def digest(self) -> str:
        return digest(self.weights)


# ---------------------------------------------------------------- reading config.json


@dataclass(frozen=True, eq=False)  # eq=False: one layer is one entry, by identity
class _Layer:
    """One layer's entry in config.json, with what a message calls it."""

    entry: dict
    inside: str = ""  # the Bidirectional wrapper's name, for the layers it wraps

    @property
    def kind(self) -> str:
        kind = self.entry.get("class_name")
        return kind if isinstance(kind, str) else "?"

    @property
    def options(self) -> dict:
        options = self.entry.get("config")
        return options if isinstance(options, dict) else {}

    @property
    def name(self) -> str:
        name = self.options.get("name", self.entry.get("name"))
        return name if isinstance(name, str) else "?"

    def get(self, key: str, default=None):
        return self.options.get(key, default)

    def refuse(self, reason: str) -> NoReturn:
        inside = f" inside {quote(self.inside)}" if self.inside else ""
        raise ModelError(f"layer {quote(self.name)} ({self.kind}){inside} {reason}")


def _shown(value) -> str:
    """A value as a message shows it, Python-style: 'relu', False, 0.5, 'keras.utils.get_file'."""
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, dict) and "class_name" in value:
        module, kind = value.get("module"), value.get("class_name")
        return f"the object {quote(f'{module}.{kind}')}"
    if value is None or isinstance(value, bool | int | float):
        return str(value)
    return quote(json.dumps(value))


def _is_builtin(value, module: str) -> bool:
    """Whether ``value`` is one of Keras' own objects from ``module``, with plain settings."""
    return (
        isinstance(value, dict)
        and set(value) <= {"module", "class_name", "config", "registered_name", "shared_object_id"}
        and value.get("module") == module
        and value.get("class_name") in BUILTIN[module]
        and value.get("registered_name") is None
        and isinstance(value.get("config", {}), dict)
        and all(
            isinstance(v, str | int | float | bool | None) for v in value.get("config", {}).values()
        )
    )


def _dtype(value) -> str | None:
    """The dtype a layer computes in, from a name or a DTypePolicy; None if neither."""
    if isinstance(value, str):
        return value if value in DTYPES else None
    if (
        isinstance(value, dict)
        and set(value) <= {"module", "class_name", "config", "registered_name", "shared_object_id"}
        and (value.get("module"), value.get("class_name")) == ("keras", "DTypePolicy")
        and value.get("registered_name") is None
        and isinstance(value.get("config"), dict)
        and set(value["config"]) == {"name"}
        and isinstance(value["config"]["name"], str)
        and value["config"]["name"] in DTYPES
    ):
        return value["config"]["name"]
    return None


Check = Callable[[_Layer, str, object], None]


def _any(layer: _Layer, key: str, value) -> None:
    """Checked elsewhere (a wrapped layer, a shape)."""


def _flag(layer: _Layer, key: str, value) -> None:
    if not isinstance(value, bool):
        layer.refuse(f"has {key}={_shown(value)}; it must be True or False")


def _text(layer: _Layer, key: str, value) -> None:
    if not isinstance(value, str):
        layer.refuse(f"has {key}={_shown(value)}; it must be a name")


def _seed(layer: _Layer, key: str, value) -> None:
    if not (value is None or isinstance(value, int) and not isinstance(value, bool)):
        layer.refuse(f"has {key}={_shown(value)}; it must be a whole number or None")


def _rate(layer: _Layer, key: str, value) -> None:
    """Dropout rates: they change training only, so any rate Keras allows is read."""
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if not (numeric and 0 <= value < 1):
        layer.refuse(f"has {key}={_shown(value)}; a dropout rate is at least 0 and below 1")


def _dtype_option(layer: _Layer, key: str, value) -> None:
    if _dtype(value) is None:
        inner = value.get("config") if isinstance(value, dict) else None
        name = inner.get("name") if isinstance(inner, dict) else value
        layer.refuse(f"computes in {_shown(name)}; rnnviz reads models in {' or '.join(DTYPES)}")


def _size(symbol: str) -> Check:
    """The layer's units, which are M (or K for Dense), within their field's bounds."""
    meaning, low, high = FIELDS[symbol].meaning, FIELDS[symbol].low, FIELDS[symbol].high

    def check(layer: _Layer, key: str, value) -> None:
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not (whole and low <= value <= high):
            layer.refuse(
                f"has {key}={_shown(value)}; rnnviz reads {symbol} ({meaning}) from {low} to {high}"
            )

    return check


def _is(expected, why: str) -> Check:
    """Exactly ``expected``; ``why`` says what rnnviz's {kind} does instead."""

    def check(layer: _Layer, key: str, value) -> None:
        if type(value) is not type(expected) or value != expected:
            verb = "uses" if "activation" in key else "has"
            layer.refuse(f"{verb} {key}={_shown(value)}; {why.format(kind=layer.kind)}")

    return check


def _builtin(module: str, nullable: bool) -> Check:
    """One of Keras' own classes in ``module`` (or None where ``nullable``)."""

    def check(layer: _Layer, key: str, value) -> None:
        if not (value is None and nullable or _is_builtin(value, module)):
            kinds = module.split(".")[1]
            layer.refuse(
                f"has {key}={_shown(value)}; rnnviz loads only Keras' built-in {kinds} "
                f"({', '.join(BUILTIN[module])})"
            )

    return check


_INIT = _builtin("keras.initializers", nullable=False)
_REGULARIZER = _builtin("keras.regularizers", nullable=True)
_CONSTRAINT = _builtin("keras.constraints", nullable=True)
_BASE: dict[str, Check] = {"name": _text, "trainable": _flag, "dtype": _dtype_option}
_CELL: dict[str, Check] = _BASE | {
    "units": _size("M"),
    "activation": _is("tanh", "rnnviz's {kind} uses tanh"),
    "use_bias": _is(True, "rnnviz's {kind} adds a bias b_h"),
    "return_sequences": _flag,
    "return_state": _is(False, "rnnviz's layers hand on h_t only"),
    "go_backwards": _flag,  # where it may be True is checked with the model's structure
    "stateful": _is(False, "rnnviz starts every sequence from h_0 = 0"),
    "unroll": _flag,
    "zero_output_for_mask": _flag,
    "dropout": _rate,
    "recurrent_dropout": _rate,
    "seed": _seed,
    "kernel_initializer": _INIT,
    "recurrent_initializer": _INIT,
    "bias_initializer": _INIT,
    "kernel_regularizer": _REGULARIZER,
    "recurrent_regularizer": _REGULARIZER,
    "bias_regularizer": _REGULARIZER,
    "activity_regularizer": _REGULARIZER,
    "kernel_constraint": _CONSTRAINT,
    "recurrent_constraint": _CONSTRAINT,
    "bias_constraint": _CONSTRAINT,
}
_GATES = {"recurrent_activation": _is("sigmoid", "rnnviz's {kind} uses sigmoid for its gates")}
# class -> option -> its check: the options Keras 3 writes for each layer rnnviz reads
OPTIONS: dict[str, dict[str, Check]] = {
    "InputLayer": {
        "name": _text,
        "batch_shape": _any,  # checked with the model's sizes
        "dtype": _dtype_option,
        "sparse": _is(False, "rnnviz reads a dense X"),
        "ragged": _is(False, "rnnviz reads sequences of one length T"),
        "optional": _is(False, "rnnviz always has an input X"),
    },
    "SimpleRNN": _CELL,
    "LSTM": _CELL | _GATES | {"unit_forget_bias": _flag},
    "GRU": _CELL | _GATES | {"reset_after": _flag},
    "Bidirectional": _BASE
    | {
        "merge_mode": _is("concat", "rnnviz puts the two directions' h_t side by side (concat)"),
        "layer": _any,  # checked as layers of their own
        "backward_layer": _any,
    },
    "Dense": _BASE
    | {
        "units": _size("K"),
        "activation": _is("linear", "rnnviz's Dense head is linear, y = h W_o + b_o"),
        "use_bias": _is(True, "rnnviz's Dense head adds a bias b_o"),
        "kernel_initializer": _INIT,
        "bias_initializer": _INIT,
        "kernel_regularizer": _REGULARIZER,
        "bias_regularizer": _REGULARIZER,
        "activity_regularizer": _REGULARIZER,
        "kernel_constraint": _CONSTRAINT,
        "bias_constraint": _CONSTRAINT,
        "quantization_config": _is(None, "rnnviz reads plain weights"),
        "lora_rank": _is(None, "rnnviz reads plain weights"),
    },
}
ENTRY_KEYS = {"module", "class_name", "config", "registered_name", "build_config"}


def _layer(entry, inside: str = "", wiring: bool = False) -> _Layer:
    """``entry`` as a layer rnnviz reads, or ModelError naming it and the reason."""
    if not isinstance(entry, dict):
        raise ModelError(f"config.json lists a layer that is not a layer ({_shown(entry)})")
    layer = _Layer(entry, inside)
    module, registered = entry.get("module"), entry.get("registered_name")
    if registered is not None or not (isinstance(module, str) and module.startswith("keras")):
        whence = f"registered as {_shown(registered)}" if registered else f"from {_shown(module)}"
        layer.refuse(
            f"is a custom object ({whence}), whose own code would run as it is read; rnnviz "
            f"reads only Keras' own layers: {SHAPE}"
        )
    if module != "keras.layers" or layer.kind not in LAYERS:
        why = WHY_NOT.get(layer.kind)
        layer.refuse(f"is not allowed: rnnviz reads {SHAPE}" + (f"; {why}" if why else ""))
    keys = ENTRY_KEYS | ({"name", "inbound_nodes"} if wiring else set())
    for key in entry:
        if key not in keys:
            layer.refuse(f"has the entry {quote(key)}, which Keras does not write for it")
    if not isinstance(entry.get("config"), dict):
        layer.refuse("has no options (its config is missing)")
    return layer


def _check_options(layer: _Layer) -> None:
    """Every option of ``layer`` is one Keras writes for it, with a value rnnviz reads."""
    checks = OPTIONS[layer.kind]
    for key, value in layer.options.items():
        if key not in checks:
            layer.refuse(
                f"has the option {quote(key)}, which rnnviz does not read (it reads the "
                f"options Keras 3 writes for {layer.kind})"
            )
        checks[key](layer, key, value)
    if "units" in checks and "units" not in layer.options:
        layer.refuse("has no units")


def _top(config) -> tuple[str, dict]:
    """The model's class ("Sequential" or "Functional") and its config, or ModelError."""
    if not isinstance(config, dict):
        raise ModelError("config.json does not describe a model (it is not a JSON object)")
    module, kind, registered = _named(config)
    if (module, kind, registered) not in KNOWN or kind not in ("Sequential", "Functional"):
        raise ModelError(
            f"the model is a {_shown(kind)} from module {_shown(module)} (registered as "
            f"{_shown(registered)}); rnnviz reads a keras.Sequential or a "
            "keras.Model(inputs, outputs) of Keras' own layers"
        )
    extra = set(config) - {"module", "class_name", "config", "registered_name", "build_config"}
    if extra - {"compile_config"}:  # compile_config is dropped: Keras reads with compile=False
        raise ModelError(
            f"config.json has the entry {quote(min(extra))}, which rnnviz does not read"
        )
    inner = config.get("config")
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        raise ModelError("config.json does not list the model's layers")
    keys = {"name", "trainable", "dtype", "layers"}
    keys |= {"build_input_shape"} if kind == "Sequential" else {"input_layers", "output_layers"}
    for key in inner:
        if key not in keys:
            raise ModelError(f"the model has the option {quote(key)}, which rnnviz does not read")
    if "dtype" in inner and _dtype(inner["dtype"]) is None:
        raise ModelError(f"the model's dtype policy is not {' or '.join(DTYPES)}")
    return kind, inner


def _ends(value) -> list:
    """A functional model's input_layers or output_layers: [name, 0, 0], or a list or a
    dict of them."""
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return value
    return [value]


def _wired(inner: dict) -> list[_Layer]:
    """A functional model's layers from its input to its output, each reading the one
    before it, or ModelError. Every layer is classified first, in the file's order."""
    layers = [_layer(entry, wiring=True) for entry in inner["layers"]]
    by_name: dict[str, _Layer] = {}
    for layer in layers:
        if layer.entry.get("name") != layer.get("name"):
            layer.refuse("has two different names in config.json")
        by_name[layer.name] = layer
    inputs, outputs = _ends(inner.get("input_layers")), _ends(inner.get("output_layers"))
    if len(inputs) != 1:
        raise ModelError(f"the model has {len(inputs)} inputs; rnnviz reads one input, X (N, T, D)")
    if len(outputs) != 1:
        raise ModelError(f"the model has {len(outputs)} outputs; rnnviz reads one, y")
    if not all(
        isinstance(end, list) and len(end) == 3 and isinstance(end[0], str) and end[0] in by_name
        for end in (inputs[0], outputs[0])
    ):
        raise ModelError("config.json does not name the model's input and output layers")
    if [e for e in by_name if by_name[e].kind == "InputLayer"] != [inputs[0][0]]:
        raise ModelError("the model has more than one Input; rnnviz reads one input, X (N, T, D)")
    chain, name = [], outputs[0][0]
    while True:
        layer = by_name[name]
        if layer in chain:
            layer.refuse("reads its own output; rnnviz reads a chain of layers")
        chain.insert(0, layer)
        nodes = layer.entry.get("inbound_nodes")
        if layer.kind == "InputLayer":
            if nodes != []:
                layer.refuse("reads another layer; an Input reads X only")
            break
        name = _source(layer, nodes, by_name)
    for layer in layers:
        if layer not in chain:
            layer.refuse(f"is not on the path from the input to the output; rnnviz reads {SHAPE}")
    return chain


def _source(layer: _Layer, nodes, by_name: dict[str, _Layer]) -> str:
    """The name of the one layer ``layer`` reads, from its inbound node."""
    if not (isinstance(nodes, list) and len(nodes) == 1 and isinstance(nodes[0], dict)):
        layer.refuse("is called more (or fewer) times than once; rnnviz reads each layer once")
    node = nodes[0]
    args, kwargs = node.get("args"), node.get("kwargs", {})
    if set(node) - {"args", "kwargs"} or not (isinstance(args, list) and len(args) == 1):
        layer.refuse("reads more than one tensor; rnnviz's layers each read the one before")
    # Keras records mask=None, and training=False where a model was called in inference
    if not isinstance(kwargs, dict) or any(
        not (k == "mask" and v is None or k == "training" and v in (None, False))
        for k, v in kwargs.items()
    ):
        layer.refuse(
            f"is called with {_shown(kwargs)}; rnnviz's layers read their input alone "
            "(no initial_state, mask or other argument)"
        )
    tensor = args[0]
    inner = tensor.get("config") if isinstance(tensor, dict) else None
    history = inner.get("keras_history") if isinstance(inner, dict) else None
    if not (
        isinstance(tensor, dict)
        and set(tensor) == {"class_name", "config"}
        and tensor["class_name"] == "__keras_tensor__"
        and isinstance(tensor["config"], dict)
        and all(
            isinstance(v, str | int | bool | None) or k == "shape" and isinstance(v, list)
            for k, v in tensor["config"].items()
            if k != "keras_history"
        )
        and isinstance(history, list)
        and len(history) == 3
        and isinstance(history[0], str)
        and history[0] in by_name
        and history[1:] == [0, 0]
    ):
        layer.refuse("reads something other than one layer's output")
    return history[0]


def _chain(config) -> list[_Layer]:
    """The model's layers from input to output, each classified (``_layer``)."""
    kind, inner = _top(config)
    if kind == "Functional":
        return _wired(inner)
    return [_layer(entry) for entry in inner["layers"]]


@dataclass(frozen=True)
class _Recurrent:
    """One recurrent layer of the model: itself, or a Bidirectional and the two it wraps."""

    layer: _Layer  # what the model's layers list holds
    directions: tuple[_Layer, ...]  # the forward cell layer, then the backward one

    @property
    def cell(self) -> _Layer:
        return self.directions[0]


def _unwrap(layer: _Layer) -> _Recurrent:
    """A recurrent layer, or a Bidirectional of one, with the options of each checked."""
    _check_options(layer)
    if layer.kind != "Bidirectional":
        if layer.get("go_backwards", False):
            layer.refuse(
                "has go_backwards=True; rnnviz reads a sequence backwards only inside Bidirectional"
            )
        return _Recurrent(layer, (layer,))
    forward = _layer(layer.get("layer"), inside=layer.name)
    given = layer.get("backward_layer")  # without one, Keras mirrors the forward layer
    backward = forward if given is None else _layer(given, inside=layer.name)
    for side, backwards in ((forward, False), (backward, True)):
        if side.kind not in RECURRENT_LAYERS:
            side.refuse(f"is not allowed in Bidirectional: rnnviz reads {SHAPE}")
        _check_options(side)
        if (side is not forward or not backwards) and side.get("go_backwards", False) != backwards:
            side.refuse(
                f"has go_backwards={side.get('go_backwards', False)}; a Bidirectional's "
                "forward layer reads forwards and its backward layer backwards"
            )
    for key in ("units", "reset_after", "return_sequences"):
        if backward.kind != forward.kind or backward.get(key) != forward.get(key):
            backward.refuse(
                f"differs from the forward layer {quote(forward.name)} ({forward.kind}) in its "
                f"{'class' if backward.kind != forward.kind else key}; rnnviz runs one cell "
                "both ways"
            )
    return _Recurrent(layer, (forward, backward))


def _same(recurrent: list[_Recurrent], what: str, value: Callable[[_Layer], object]) -> None:
    """Every recurrent layer alike in ``what``, or ModelError naming the first that is not."""
    first = recurrent[0].cell
    for r in recurrent[1:]:
        if value(r.cell) != value(first):
            r.cell.refuse(
                f"differs from layer {quote(first.name)} ({first.kind}) in its {what} "
                f"({_shown(value(r.cell))}, not {_shown(value(first))}); rnnviz's recurrent "
                "layers are all one cell with one M"
            )


def _input_shape(layer: _Layer) -> tuple[int, int]:
    """(T, D) from the Input's batch_shape (None, T, D), or ModelError saying how to save it."""
    shape = layer.get("batch_shape")
    save = "save the model with keras.Input((T, D)) as its input, e.g. keras.Input((10, 3))"
    if not (isinstance(shape, list) and len(shape) == 3):
        layer.refuse(f"has the shape {_shown(shape)}; rnnviz reads X (N, T, D): {save}")
    N, T, D = shape
    if N is not None:
        layer.refuse(f"fixes the batch size to {_shown(N)}; rnnviz reads any N: {save}")
    if T is None or D is None:
        layer.refuse(
            f"has the shape (None, {_shown(T)}, {_shown(D)}), so T (time steps) is not fixed; "
            f"rnnviz needs T and D: {save}"
        )
    for symbol, value in (("T", T), ("D", D)):
        meaning, low, high = FIELDS[symbol].meaning, FIELDS[symbol].low, FIELDS[symbol].high
        if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
            layer.refuse(
                f"has {symbol} ({meaning}) = {_shown(value)}; rnnviz reads {symbol} from "
                f"{low} to {high}"
            )
    return T, D


def _built_for(layer: _Layer, shape: list) -> None:
    """A layer's build_config, if any, is the input shape it reads in this model: Keras
    builds the layer from it, so a forged one could make it allocate any size."""
    build = layer.entry.get("build_config")
    if build is not None and build != {"input_shape": shape}:
        layer.refuse(f"is built for {_shown(build)}, but it reads {shape} in this model")


def _fields(config) -> tuple[dict, list[str], str]:
    """The RNNConfig fields config.json fixes, the recurrent layers' names and the Dense
    head's name; ModelError, naming the layer and the reason, for anything else."""
    chain = _chain(config)
    if not chain or chain[0].kind != "InputLayer":
        raise ModelError(
            "the model has no Input as its first layer; save it with keras.Input((T, D)) "
            "as its input, e.g. keras.Input((10, 3))"
        )
    for layer in chain[1:]:
        if layer.kind == "InputLayer":
            layer.refuse("is a second input; rnnviz reads one input, X (N, T, D)")
    head = chain[-1]
    if head.kind != "Dense":
        head.refuse(f"is the model's last layer, but rnnviz's is Dense: it reads {SHAPE}")
    middle = chain[1:-1]
    for layer in middle:
        if layer.kind == "Dense":
            layer.refuse(f"comes before the last layer; rnnviz reads one Dense, last: {SHAPE}")
    low, high = FIELDS["layers"].low, FIELDS["layers"].high
    if not low <= len(middle) <= high:
        raise ModelError(
            f"the model has {len(middle)} recurrent layers; rnnviz reads {low} to {high}: {SHAPE}"
        )
    recurrent = [_unwrap(layer) for layer in middle]
    _check_options(head)
    _check_options(chain[0])
    _same(recurrent, "cell", lambda cell: cell.kind)
    _same(recurrent, "units", lambda cell: cell.get("units"))
    _same(recurrent, "reset_after", lambda cell: cell.get("reset_after", True))
    first = recurrent[0].layer
    bidirectional = first.kind == "Bidirectional"
    for r in recurrent[1:]:
        if (r.layer.kind == "Bidirectional") != bidirectional:
            r.layer.refuse(
                f"is {'not ' * bidirectional}bidirectional, but layer {quote(first.name)} "
                f"({first.kind}) is{' not' * (not bidirectional)}; rnnviz's recurrent layers "
                "are all bidirectional or none"
            )
    for r in recurrent[:-1]:
        if not r.cell.get("return_sequences", False):
            r.cell.refuse(
                "returns only its last h (return_sequences=False), but a recurrent layer "
                "comes after it; every recurrent layer but the last returns sequences"
            )
    parts = [*(r.layer for r in recurrent), *(s for r in recurrent for s in r.directions), head]
    names = [layer.name for layer in chain]
    for layer in chain:  # the weights are taken by layer name
        if names.count(layer.name) > 1:
            layer.refuse("has the name of another layer; rnnviz reads layers named apart")
    dtype = _dtype(recurrent[0].cell.get("dtype", "float32"))
    for layer in parts:  # the Input may be either: Keras casts X, and X is float32 numbers
        if _dtype(layer.get("dtype", "float32")) != dtype:
            layer.refuse(
                f"computes in {_dtype(layer.get('dtype', 'float32'))}, but layer "
                f"{quote(recurrent[0].cell.name)} in {dtype}; rnnviz runs the whole model in "
                "one dtype"
            )
    T, D = _input_shape(chain[0])
    M = recurrent[0].cell.get("units")
    return_sequences = recurrent[-1].cell.get("return_sequences", False)
    fields = {
        "T": T,
        "D": D,
        "M": M,
        "K": head.get("units"),
        "cell": CELL_KEYS[recurrent[0].cell.kind],
        "reset_after": recurrent[0].cell.get("reset_after", True),
        "layers": len(recurrent),
        "bidirectional": bidirectional,
        "return_sequences": return_sequences,
        "dtype": dtype,
    }
    c = RNNConfig(N=1, **fields)
    for layer, r in enumerate(recurrent, start=1):
        for part in (r.layer, *r.directions) if bidirectional else (r.layer,):
            _built_for(part, [None, T, c.width(layer)])
    _built_for(head, [None, T, c.head_width] if return_sequences else [None, c.head_width])
    _built_for(chain[0], [None, T, D])
    inner = config["config"]
    if inner.get("build_input_shape") not in (None, [None, T, D]) or config.get(
        "build_config"
    ) not in (None, {"input_shape": None}, {"input_shape": [None, T, D]}):
        raise ModelError(f"the model is built for another input than its Input's (None, {T}, {D})")
    _known_objects(config)
    return fields, [r.layer.name for r in recurrent], head.name


def _known_objects(config) -> None:
    """The last guard: every object config.json names anywhere (compile_config aside) is in
    KNOWN. The checks above allow nothing else; this holds even if one of them is wrong."""
    stack = [{k: v for k, v in config.items() if k != "compile_config"}]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            if "class_name" in value:
                if _named(value) not in KNOWN:
                    raise ModelError(
                        f"config.json names {_shown(value)}, which rnnviz does not load"
                    )
            stack.extend(value.values())
        elif not isinstance(value, str | int | float | bool | None):
            raise ModelError("config.json holds something that is not JSON")


# ---------------------------------------------------------------- the file


@dataclass(frozen=True)
class _Checked:
    """A file whose config.json describes rnnviz's model, and the parts Keras will read."""

    fields: dict
    recurrent: list[str]  # the recurrent layers' names (a Bidirectional's own), in order
    head: str  # the Dense layer's name
    config: dict  # config.json as read, without compile_config
    metadata: bytes
    weights_h5: bytes


def _member(archive: zipfile.ZipFile, name: str, most: int, what: str) -> bytes:
    """One member's bytes, its unpacked size checked against ``most`` before it is read."""
    info = archive.getinfo(name)
    if info.file_size > most:
        raise ModelError(
            f"{name} in the .keras file unpacks to {info.file_size:,} bytes, more than "
            f"{what} ({most:,} bytes); it is not read"
        )
    try:
        return archive.read(info)
    except (OSError, EOFError, RuntimeError, NotImplementedError, zipfile.BadZipFile) as err:
        raise ModelError(f"{name} in the .keras file cannot be read ({_one_line(err)})") from err


def _check(payload: bytes, name: str) -> _Checked:
    """The file, then its config.json, checked; ModelError saying what is refused."""
    if not name.lower().endswith(".keras"):
        raise ModelError(
            f"{quote(name)} is not a .keras file; save the model with model.save('model.keras') "
            "(Keras 3's format)"
        )
    if not payload:
        raise ModelError(f"{quote(name)} is empty")
    if len(payload) > MAX_BYTES:
        raise ModelError(
            f"{quote(name)} is {len(payload):,} bytes, more than the {MAX_BYTES // 2**20} MB "
            "rnnviz reads"
        )
    what = "a .keras file is a zip of config.json, metadata.json and model.weights.h5"
    if not zipfile.is_zipfile(io.BytesIO(payload)):
        raise ModelError(f"{quote(name)} is not a zip archive; {what}")
    with _opened(payload, name) as archive:
        names = [info.filename for info in archive.infolist()]
        for member in MEMBERS:
            if member not in names:
                raise ModelError(f"{quote(name)} has no {member}; {what}")
        for member in names:
            if member not in MEMBERS or names.count(member) > 1:
                raise ModelError(
                    f"{quote(name)} holds {quote(member)}{' twice' * (member in MEMBERS)}; "
                    f"rnnviz reads a .keras file holding only {', '.join(MEMBERS)}"
                )
        raw = _member(archive, "config.json", CONFIG_MAX, "any model rnnviz reads needs")
        metadata = _member(archive, "metadata.json", METADATA_MAX, "Keras writes")
    try:
        config = json.loads(raw.decode("utf-8"))
        fields, recurrent, head = _fields(config)
    except ModelError:
        raise
    except (ValueError, RecursionError) as err:  # not UTF-8, not JSON, nested too deep
        raise ModelError(f"config.json in {quote(name)} is not valid JSON") from err
    c = RNNConfig(N=1, **fields)
    numbers = sum(math.prod(shape) for shape in shapes_in(c, "keras").values())
    with _opened(payload, name) as archive:
        weights_h5 = _member(
            archive,
            "model.weights.h5",
            4 * numbers * c.itemsize + WEIGHTS_SLACK,  # Adam keeps two more numbers a weight
            f"the weights of {model_name(c)} take, with an optimizer's state",
        )
    config = {k: v for k, v in config.items() if k != "compile_config"}
    return _Checked(fields, recurrent, head, config, metadata, weights_h5)


@contextlib.contextmanager
def _opened(payload: bytes, name: str) -> Iterator[zipfile.ZipFile]:
    """The zip archive ``payload``; ModelError if its directory cannot be read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except (OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as err:
        raise ModelError(
            f"{quote(name)} cannot be read as a zip archive ({_one_line(err)})"
        ) from err
    with archive:
        yield archive


def _one_line(err: BaseException) -> str:
    """An exception as a short phrase: its message's first line, or its class."""
    lines = str(err).strip().splitlines()
    text = lines[0].strip().rstrip(".") if lines else type(err).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def inspect(payload: bytes, name: str) -> dict:
    """The RNNConfig fields a .keras file fixes, read from its config.json alone (no Keras):
    T, D, M, K, cell, reset_after, layers, bidirectional, return_sequences, dtype.
    ModelError, one sentence, for a file rnnviz does not read."""
    return dict(_check(payload, name).fields)


def load(payload: bytes, name: str) -> OwnModel:
    """A .keras file as an OwnModel: checked (``inspect``), then loaded by Keras with
    safe_mode=True and compile=False from a copy rebuilt of the checked parts, and its
    weights taken in Keras' layout, float32, read-only. ModelError, one sentence, when the
    file is refused or Keras cannot load it."""
    checked = _check(payload, name)
    c = RNNConfig(N=1, **checked.fields)
    try:
        named = _keras_weights(checked, c)
    except Exception as err:  # whatever Keras raises, the visitor gets one sentence
        raise ModelError(f"Keras could not load {quote(name)}: {_one_line(err)}") from err
    weights = {}
    for key, value in named.items():
        a = np.array(value, dtype=np.float32)  # a copy: float32, as imported weights are
        if not np.all(np.isfinite(a)):
            raise ModelError(f"the weight {key} in {quote(name)} holds values that are not finite")
        a.flags.writeable = False
        weights[key] = a
    if not fits(c, weights):
        raise ModelError(f"the weights in {quote(name)} do not have the shapes of {model_name(c)}")
    summary = f"{model_name(c)} reading (T, D) = ({c.T}, {c.D})"
    return OwnModel(dict(checked.fields), MappingProxyType(weights), name, summary)


def _keras_weights(checked: _Checked, c: RNNConfig) -> dict[str, np.ndarray]:
    """Keras loads the checked parts; every weight by its export name (Keras' own dtype)."""
    from rnnviz.keras_side import model  # imports TensorFlow on first use

    keras, _ = model._keras()
    with tempfile.NamedTemporaryFile(suffix=".keras", prefix="rnnviz-own-") as file:
        with zipfile.ZipFile(file, "w") as archive:
            archive.writestr("metadata.json", checked.metadata)
            archive.writestr("config.json", json.dumps(checked.config))
            archive.writestr("model.weights.h5", checked.weights_h5)
        file.flush()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. an optimizer's state, skipped
            loaded = keras.saving.load_model(file.name, safe_mode=True, compile=False)
    cell = c.variant
    named = {}
    for layer, name in enumerate(checked.recurrent, start=1):
        keras_layer = loaded.get_layer(name)
        sides = {"fwd": keras_layer}
        if c.bidirectional:
            sides = {"fwd": keras_layer.forward_layer, "bwd": keras_layer.backward_layer}
        for d, side in sides.items():
            for spec, value in zip(cell.weights, side.get_weights(), strict=True):
                named[spec.symbol + suffix(layer, d)] = value
    for spec, value in zip(HEAD, loaded.get_layer(checked.head).get_weights(), strict=True):
        named[spec.symbol] = value
    return named


# ---------------------------------------------------------------- into rnnviz


def samples(own: OwnModel, base: RNNConfig) -> tuple[int, str | None]:
    """The N ``config_for`` uses: base's, or, when N·T·M (per layer and direction), N·T·D
    or N·T·K would be over the work cap, the largest N under it (the model fixes the rest;
    N = 1 always fits within N's bounds); and a sentence saying N fell back (None if not)."""
    cap = work_cap(own.fields["dtype"])
    over = [w for w in works(dataclasses.asdict(base) | own.fields) if w.numbers > cap]
    if not over:
        return base.N, None
    largest = max(over, key=lambda w: w.numbers)  # the one that lowers N most
    N = cap // (largest.numbers // base.N)
    return N, (
        f"{largest} is over the limit of {cap:,} numbers, so N fell back from {base.N} to "
        f"{N}, the largest N that fits this model"
    )


def config_for(own: OwnModel, base: RNNConfig) -> RNNConfig:
    """``base`` with the fields ``own`` fixes and ``weights=<digest of own.weights>``; N
    from base, lowered to fit the work cap (``samples`` says so); base's seed; no bug,
    random X, whh_scale 1 and no edit of X (those belong to another model's sizes)."""
    N, _ = samples(own, base)
    return base.replace(
        **own.fields,
        N=N,
        weights=own.digest,
        bug=NONE,
        input="random",
        whh_scale=1.0,
        x_edit=NO_EDIT,
    )


def imported(own: OwnModel, config: RNNConfig) -> Imported:
    """``own``'s weights as imported weights for ``config`` (``config_for``'s), to be put
    in the page's store of imported weights, where ``config.weights`` names them."""
    if config.weights != own.digest or not fits(config, own.weights):
        raise ValueError(f"{own.name} is {own.summary}, not the model of config {config}")
    return Imported(own.digest, own.weights, architecture(config), own.name)
