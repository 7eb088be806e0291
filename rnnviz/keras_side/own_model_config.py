"""config.json read as one chain, Input -> a cell x 1-3 -> Dense, into the config's fields.

Each layer's entry is checked against the allowlist (``own_model_options``), the layers are
followed from the input to the output (a Sequential's list, or a Functional model's wiring),
every recurrent layer must be the same cell with the same M, and their sizes become the
fields of an RNNConfig: T, D, M, K, cell, reset_after, layers, bidirectional,
return_sequences and dtype. ModelError names the first layer refused and why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rnnviz.config import FIELDS, RNNConfig, quote
from rnnviz.config.rnn_config import DTYPES
from rnnviz.keras_side.own_model_options import (
    CELL_KEYS,
    ENTRY_KEYS,
    KNOWN,
    LAYERS,
    OPTIONS,
    RECURRENT_LAYERS,
    SHAPE,
    WHY_NOT,
    Layer,
    ModelError,
    dtype_of,
    named,
    shown,
)


def _layer(entry, inside: str = "", wiring: bool = False) -> Layer:
    """``entry`` as a layer rnnviz reads, or ModelError naming it and the reason."""
    if not isinstance(entry, dict):
        raise ModelError(f"config.json lists a layer that is not a layer ({shown(entry)})")
    layer = Layer(entry, inside)
    module, registered = entry.get("module"), entry.get("registered_name")
    if registered is not None or not (isinstance(module, str) and module.startswith("keras")):
        whence = f"registered as {shown(registered)}" if registered else f"from {shown(module)}"
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


def _check_options(layer: Layer) -> None:
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
    module, kind, registered = named(config)
    if (module, kind, registered) not in KNOWN or kind not in ("Sequential", "Functional"):
        raise ModelError(
            f"the model is a {shown(kind)} from module {shown(module)} (registered as "
            f"{shown(registered)}); rnnviz reads a keras.Sequential or a "
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
    if "dtype" in inner and dtype_of(inner["dtype"]) is None:
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


def _wired(inner: dict) -> list[Layer]:
    """A functional model's layers from its input to its output, each reading the one
    before it, or ModelError. Every layer is classified first, in the file's order."""
    layers = [_layer(entry, wiring=True) for entry in inner["layers"]]
    by_name: dict[str, Layer] = {}
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


def _source(layer: Layer, nodes, by_name: dict[str, Layer]) -> str:
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
            f"is called with {shown(kwargs)}; rnnviz's layers read their input alone "
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


def _chain(config) -> list[Layer]:
    """The model's layers from input to output, each classified (``_layer``)."""
    kind, inner = _top(config)
    if kind == "Functional":
        return _wired(inner)
    return [_layer(entry) for entry in inner["layers"]]


@dataclass(frozen=True)
class _Recurrent:
    """One recurrent layer of the model: itself, or a Bidirectional and the two it wraps."""

    layer: Layer  # what the model's layers list holds
    directions: tuple[Layer, ...]  # the forward cell layer, then the backward one

    @property
    def cell(self) -> Layer:
        return self.directions[0]


def _unwrap(layer: Layer) -> _Recurrent:
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


def _same(recurrent: list[_Recurrent], what: str, value: Callable[[Layer], object]) -> None:
    """Every recurrent layer alike in ``what``, or ModelError naming the first that is not."""
    first = recurrent[0].cell
    for r in recurrent[1:]:
        if value(r.cell) != value(first):
            r.cell.refuse(
                f"differs from layer {quote(first.name)} ({first.kind}) in its {what} "
                f"({shown(value(r.cell))}, not {shown(value(first))}); rnnviz's recurrent "
                "layers are all one cell with one M"
            )


def _input_shape(layer: Layer) -> tuple[int, int]:
    """(T, D) from the Input's batch_shape (None, T, D), or ModelError saying how to save it."""
    shape = layer.get("batch_shape")
    save = "save the model with keras.Input((T, D)) as its input, e.g. keras.Input((10, 3))"
    if not (isinstance(shape, list) and len(shape) == 3):
        layer.refuse(f"has the shape {shown(shape)}; rnnviz reads X (N, T, D): {save}")
    N, T, D = shape
    if N is not None:
        layer.refuse(f"fixes the batch size to {shown(N)}; rnnviz reads any N: {save}")
    if T is None or D is None:
        layer.refuse(
            f"has the shape (None, {shown(T)}, {shown(D)}), so T (time steps) is not fixed; "
            f"rnnviz needs T and D: {save}"
        )
    for symbol, value in (("T", T), ("D", D)):
        meaning, low, high = FIELDS[symbol].meaning, FIELDS[symbol].low, FIELDS[symbol].high
        if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
            layer.refuse(
                f"has {symbol} ({meaning}) = {shown(value)}; rnnviz reads {symbol} from "
                f"{low} to {high}"
            )
    return T, D


def _built_for(layer: Layer, shape: list) -> None:
    """A layer's build_config, if any, is the input shape it reads in this model: Keras
    builds the layer from it, so a forged one could make it allocate any size."""
    build = layer.entry.get("build_config")
    if build is not None and build != {"input_shape": shape}:
        layer.refuse(f"is built for {shown(build)}, but it reads {shape} in this model")


def fields_of(config) -> tuple[dict, list[str], str]:
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
    dtype = dtype_of(recurrent[0].cell.get("dtype", "float32"))
    for layer in parts:  # the Input may be either: Keras casts X, and X is float32 numbers
        if dtype_of(layer.get("dtype", "float32")) != dtype:
            layer.refuse(
                f"computes in {dtype_of(layer.get('dtype', 'float32'))}, but layer "
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
                if named(value) not in KNOWN:
                    raise ModelError(
                        f"config.json names {shown(value)}, which rnnviz does not load"
                    )
            stack.extend(value.values())
        elif not isinstance(value, str | int | float | bool | None):
            raise ModelError("config.json holds something that is not JSON")


# ---------------------------------------------------------------- the file
