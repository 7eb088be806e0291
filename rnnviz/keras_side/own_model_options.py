"""What a .keras file's config.json may say, checked with ``json`` alone: the allowlist.

rnnviz reads exactly its own kind of model (``rnnviz.keras_side.own_model``), so every layer's
options are checked against this table before Keras sees a byte: each option Keras writes for
a SimpleRNN, LSTM, GRU, Bidirectional, Dense or Input layer, what it may hold, and why some
layers and values are refused; every object named in the file (an initialiser, a regulariser,
a constraint, a dtype policy) must be one of Keras' own. A table of data, mostly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from rnnviz.config import FIELDS, quote
from rnnviz.config.rnn_config import DTYPES
from rnnviz.recurrence.cells import CELLS

SHAPE = "Input -> SimpleRNN/LSTM/GRU (or Bidirectional of one) x 1-3 -> Dense"
CELL_KEYS = {cell.keras_name: key for key, cell in CELLS.items()}  # Keras class -> CELLS key
RECURRENT_LAYERS = tuple(CELL_KEYS)  # SimpleRNN, LSTM, GRU
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


def named(value: dict) -> tuple:
    """An object's (module, class_name, registered_name), as KNOWN lists them; anything
    but a name or None in them is shown as a string, which KNOWN never holds."""
    parts = (value.get("module"), value.get("class_name"), value.get("registered_name"))
    return tuple(p if p is None or isinstance(p, str) else json.dumps(p) for p in parts)


class ModelError(ValueError):
    """A model rnnviz does not read: one sentence naming the layer and the reason, or what
    is wrong with the file."""


@dataclass(frozen=True, eq=False)  # eq=False: one layer is one entry, by identity
class Layer:
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


def shown(value) -> str:
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


def dtype_of(value) -> str | None:
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


Check = Callable[[Layer, str, object], None]


def _any(layer: Layer, key: str, value) -> None:
    """Checked elsewhere (a wrapped layer, a shape)."""


def _flag(layer: Layer, key: str, value) -> None:
    if not isinstance(value, bool):
        layer.refuse(f"has {key}={shown(value)}; it must be True or False")


def _text(layer: Layer, key: str, value) -> None:
    if not isinstance(value, str):
        layer.refuse(f"has {key}={shown(value)}; it must be a name")


def _seed(layer: Layer, key: str, value) -> None:
    if not (value is None or isinstance(value, int) and not isinstance(value, bool)):
        layer.refuse(f"has {key}={shown(value)}; it must be a whole number or None")


def _rate(layer: Layer, key: str, value) -> None:
    """Dropout rates: they change training only, so any rate Keras allows is read."""
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if not (numeric and 0 <= value < 1):
        layer.refuse(f"has {key}={shown(value)}; a dropout rate is at least 0 and below 1")


def _dtype_option(layer: Layer, key: str, value) -> None:
    if dtype_of(value) is None:
        inner = value.get("config") if isinstance(value, dict) else None
        name = inner.get("name") if isinstance(inner, dict) else value
        layer.refuse(f"computes in {shown(name)}; rnnviz reads models in {' or '.join(DTYPES)}")


def _size(symbol: str) -> Check:
    """The layer's units, which are M (or K for Dense), within their field's bounds."""
    meaning, low, high = FIELDS[symbol].meaning, FIELDS[symbol].low, FIELDS[symbol].high

    def check(layer: Layer, key: str, value) -> None:
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not (whole and low <= value <= high):
            layer.refuse(
                f"has {key}={shown(value)}; rnnviz reads {symbol} ({meaning}) from {low} to {high}"
            )

    return check


def _is(expected, why: str) -> Check:
    """Exactly ``expected``; ``why`` says what rnnviz's {kind} does instead."""

    def check(layer: Layer, key: str, value) -> None:
        if type(value) is not type(expected) or value != expected:
            verb = "uses" if "activation" in key else "has"
            layer.refuse(f"{verb} {key}={shown(value)}; {why.format(kind=layer.kind)}")

    return check


def _builtin(module: str, nullable: bool) -> Check:
    """One of Keras' own classes in ``module`` (or None where ``nullable``)."""

    def check(layer: Layer, key: str, value) -> None:
        if not (value is None and nullable or _is_builtin(value, module)):
            kinds = module.split(".")[1]
            layer.refuse(
                f"has {key}={shown(value)}; rnnviz loads only Keras' built-in {kinds} "
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
