"""Your own Keras model, read on your own computer: its weights become imported weights.

A ``.keras`` file is a zip of ``config.json`` (the layers and their options), ``metadata.json`` and
``model.weights.h5``. Keras' ``safe_mode`` is not a sandbox: crafted config files have run code or
fetched files with it on (CVE-2025-1550, CVE-2025-8747, CVE-2025-9906). So reading one is off unless
``RNNVIZ_OWN_MODELS=1`` (``enabled``; the CLI's ``--model`` reads a file of your own and is always
allowed), and a file reaches Keras only after its config.json, read here with ``zipfile`` and
``json`` alone, describes exactly rnnviz's model: Input((T, D)) -> one cell (SimpleRNN, LSTM or GRU,
or Bidirectional of it) × 1-3 -> Dense(K), with Keras' default activations, a bias, no state, only
options Keras writes for these layers, and every object in it (initialisers, regularisers,
constraints, dtype policies) one of Keras' own classes, named. Anything else is refused, naming the
layer and the reason, before Keras sees a byte (the allowlist is ``own_model_options``, the reading
of config.json ``own_model_config``). Keras then loads a copy rebuilt from the checked parts (the
checked config.json, the weights file) with ``safe_mode=True`` and ``compile=False``.

The weights leave as imported weights (``rnnviz.inputs.imported``): Keras layout, by export name,
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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from rnnviz.config import NO_EDIT, RNNConfig, quote
from rnnviz.config.rnn_config import work_cap, works
from rnnviz.inputs.imported import Imported, architecture, digest, fits
from rnnviz.keras_side.own_model_config import (
    fields_of,
)
from rnnviz.keras_side.own_model_options import (
    ModelError,
)
from rnnviz.recurrence.bugs import NONE
from rnnviz.recurrence.cells import HEAD, suffix
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
        fields, recurrent, head = fields_of(config)
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
