"""The one validated description of an experiment.

Every entry point (the sidebar, the URL, the CLI, the tests) builds an
``RNNConfig``; its constructor is the single place where the sizes are checked.
The symbols follow the "Importance of shapes" notebook: N samples, T time
steps, D input features, M hidden units, K outputs.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

from rnnviz.cells import CELLS

# Largest N·T·M (times layers and directions) we run: every h_t of every layer is
# kept for the visualiser, so this caps the hidden-state trace at 5e6 float32 =
# 20 MB a run (an LSTM's gates and c_t make it at most six times that).
WORK_CAP = 5_000_000

# symbol -> (meaning, low, high); the order is the order of the sidebar and URL.
BOUNDS: dict[str, tuple[str, int, int]] = {
    "N": ("samples", 1, 2000),
    "T": ("time steps", 1, 500),
    "D": ("input features", 1, 64),
    "M": ("hidden units", 1, 256),
    "K": ("outputs", 1, 32),
    "layers": ("stacked recurrent layers", 1, 3),
    "seed": ("random seed", 0, 2**31 - 1),
}

# switch -> what it means when on
SWITCHES: dict[str, str] = {
    "reset_after": "GRU applies the reset gate after the recurrent matmul (Keras' default)",
    "return_sequences": "the Dense head reads every h_t, so y is (N, T, K)",
    "bidirectional": "a second layer reads the sequence backwards; outputs are concatenated",
}
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


class ConfigError(ValueError):
    """A value outside what rnnviz allows; ``field`` names the offending symbol."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def check_field(name: str, value) -> None:
    """Raise ConfigError unless ``value`` is allowed for field ``name``."""
    if name == "cell":
        if value not in CELLS:
            allowed = ", ".join(CELLS)
            raise ConfigError("cell", f"cell must be one of {allowed}, got {value!r}")
        return
    if name in SWITCHES:
        if not isinstance(value, bool):
            raise ConfigError(name, f"{name} must be true or false, got {value!r}")
        return
    meaning, low, high = BOUNDS[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(
            name,
            f"{name} ({meaning}) must be a whole number between {low} and {high}, got {value!r}",
        )
    if not low <= value <= high:
        raise ConfigError(name, f"{name} ({meaning}) must be between {low} and {high}, got {value}")


@dataclass(frozen=True)
class RNNConfig:
    """Sizes and seed of one run: ``Input((T, D)) -> RNN cell(M) -> Dense(K)``."""

    N: int = 10  # samples in X
    T: int = 10  # sequence length
    D: int = 3  # input features per step
    M: int = 5  # hidden units
    K: int = 2  # outputs of the Dense head
    seed: int = 0  # seeds X and every weight initialiser
    cell: str = "simple"  # key into rnnviz.cells.CELLS
    reset_after: bool = True  # GRU only: Keras' default variant, bias (2, 3M)
    return_sequences: bool = False  # Dense on every h_t: y is (N, T, K) instead of (N, K)
    layers: int = 1  # stacked recurrent layers; all but the last return sequences
    bidirectional: bool = False  # each layer also runs backwards; widths concatenate to 2M

    def __post_init__(self):
        for f in dataclasses.fields(self):
            check_field(f.name, getattr(self, f.name))
        work = self.N * self.T * self.M * self.layers * self.directions
        if work > WORK_CAP:
            factors = {"N": self.N, "T": self.T, "M": self.M}
            if self.layers > 1:
                factors["layers"] = self.layers
            if self.bidirectional:
                factors["directions"] = 2
            raise ConfigError(
                "N·T·M",
                f"{'·'.join(factors)} = {'·'.join(map(str, factors.values()))} = {work:,} is "
                f"over the limit of {WORK_CAP:,}; lower N, T or M",
            )

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def paths(self) -> list[tuple[int, str]]:
        """Every (layer l, direction) the input flows through, l from 1, "fwd" before "bwd"."""
        dirs = ("fwd", "bwd") if self.bidirectional else ("fwd",)
        return [(layer, d) for layer in range(1, self.layers + 1) for d in dirs]

    def width(self, layer: int) -> int:
        """Input width of recurrent layer ``layer``: D, then M or 2M for stacked layers."""
        return self.D if layer == 1 else self.M * self.directions

    @property
    def model_config(self) -> RNNConfig:
        """The same config with N = 1: the Keras model does not depend on N."""
        return dataclasses.replace(self, N=1)

    def replace(self, **changes) -> RNNConfig:
        return dataclasses.replace(self, **changes)

    def to_query(self) -> dict[str, str]:
        """The config as URL query parameters (every field, so a link is exact)."""
        return {f.name: as_text(getattr(self, f.name)) for f in dataclasses.fields(self)}


def suffix(layer: int, direction: str) -> str:
    """Name suffix of a layer's arrays: "" for layer 1 forward, "_2", "_bwd", "_2_bwd"."""
    return ("" if layer == 1 else f"_{layer}") + ("_bwd" if direction == "bwd" else "")


def as_text(value) -> str:
    """A field's value as it is written in a URL: 5, lstm, true."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


DEFAULT = RNNConfig()
FIELDS = tuple(f.name for f in dataclasses.fields(RNNConfig))


def parse_field(name: str, raw: str):
    """One URL/CLI string as the field's value, or ConfigError naming it."""
    text = raw.strip()
    if name == "cell":
        value = text.lower()
    elif name in SWITCHES:
        lowered = text.lower()
        value = True if lowered in _TRUE else False if lowered in _FALSE else raw
    # plain digits only (int() would also take "1_0", "５"), and few of them: int() refuses
    # strings over 4,300 digits, and every allowed value has at most 10
    elif re.fullmatch(r"-?[0-9]{1,12}", text):
        value = int(text)
    else:
        value = raw  # check_field words the error with the allowed range
    check_field(name, value)
    return value


# View state that is not part of the experiment but belongs in a shared link:
# which sample n and which step t the lecturer is pointing at (1-based t).
# For stacked or bidirectional models, also which layer and which direction;
# and the lecture mode: present (one section at a time), which section, quiz.
VIEW_KEYS = ("sample", "step", "view_layer", "view_direction", "present", "section", "quiz")
VIEW_SWITCHES = ("present", "quiz")
# section key -> its title; lecture mode shows one at a time
SECTIONS: dict[str, str] = {
    "shapes": "Shapes",
    "summary": "Summary",
    "weights": "Weights",
    "time": "States and steps",
    "agreement": "Agreement",
}


def from_query(
    params: Mapping[str, str], base: RNNConfig = DEFAULT
) -> tuple[RNNConfig, dict[str, int], list[str]]:
    """Read a URL's query parameters; never raises.

    Returns the config, the view state ({"sample": n, "step": t, "view_layer": l,
    "view_direction": "fwd" or "bwd", "present": bool, "section": key, "quiz": bool}
    for the keys present and valid) and one
    warning per bad or unknown parameter. A bad value falls back to ``base``'s
    value for that field alone.
    """
    warnings: list[str] = []
    values = dataclasses.asdict(base)
    for key, raw in params.items():
        if key in FIELDS:
            try:
                values[key] = parse_field(key, raw)
            except ConfigError as err:
                warnings.append(f"URL parameter {key}={raw!r}: {err}. Using {key}={values[key]}.")
        elif key not in VIEW_KEYS:
            allowed = ", ".join(FIELDS + VIEW_KEYS)
            warnings.append(f"Unknown URL parameter {key!r} ignored; allowed: {allowed}.")
    try:
        config = RNNConfig(**values)
    except ConfigError as err:  # only the joint N·T·M cap can fail here
        fallback = {k: getattr(base, k) for k in ("N", "T", "M")}
        warnings.append(
            f"URL parameters: {err}. Using "
            + ", ".join(f"{k}={v}" for k, v in fallback.items())
            + "."
        )
        config = RNNConfig(**{**values, **fallback})
    view: dict[str, int | str | bool] = {}
    limits = {"sample": (0, config.N - 1), "step": (1, config.T), "view_layer": (1, config.layers)}
    for key in VIEW_KEYS:
        if key not in params:
            continue
        raw = params[key]
        if key in VIEW_SWITCHES:
            lowered = raw.strip().lower()
            if lowered in _TRUE + _FALSE:
                view[key] = lowered in _TRUE
            else:
                warnings.append(f"URL parameter {key}={raw!r}: {key} must be 1 or 0. Using 0.")
            continue
        if key == "section":
            if raw.strip() in SECTIONS:
                view[key] = raw.strip()
            else:
                warnings.append(
                    f"URL parameter {key}={raw!r}: section must be one of "
                    f"{', '.join(SECTIONS)}. Using {next(iter(SECTIONS))}."
                )
            continue
        if key == "view_direction":
            allowed = ("fwd", "bwd") if config.bidirectional else ("fwd",)
            if raw.strip() in allowed:
                view[key] = raw.strip()
            else:
                warnings.append(
                    f"URL parameter {key}={raw!r}: {key} must be one of {', '.join(allowed)} "
                    "for this config. Using fwd."
                )
            continue
        low, high = limits[key]
        # plain digits, and few of them: int() refuses strings over 4,300 digits
        digits = raw.strip()
        value = int(digits) if re.fullmatch(r"[0-9]{1,12}", digits) else None
        if value is None or not low <= value <= high:
            warnings.append(
                f"URL parameter {key}={raw!r}: {key} must be a whole number between "
                f"{low} and {high} for this config. Using the default."
            )
        else:
            view[key] = value
    return config, view, warnings
