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

# Largest N·T·M we run: the hidden-state trace (and its pre-activation) is kept
# whole for the visualiser, so this caps it at 2 × 5e6 float32 = 40 MB a run.
WORK_CAP = 5_000_000

# symbol -> (meaning, low, high); the order is the order of the sidebar and URL.
BOUNDS: dict[str, tuple[str, int, int]] = {
    "N": ("samples", 1, 2000),
    "T": ("time steps", 1, 500),
    "D": ("input features", 1, 64),
    "M": ("hidden units", 1, 256),
    "K": ("outputs", 1, 32),
    "seed": ("random seed", 0, 2**31 - 1),
}


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

    def __post_init__(self):
        for f in dataclasses.fields(self):
            check_field(f.name, getattr(self, f.name))
        work = self.N * self.T * self.M
        if work > WORK_CAP:
            raise ConfigError(
                "N·T·M",
                f"N·T·M = {self.N}·{self.T}·{self.M} = {work:,} is over the limit of "
                f"{WORK_CAP:,}; lower N, T or M",
            )

    def replace(self, **changes) -> RNNConfig:
        return dataclasses.replace(self, **changes)

    def to_query(self) -> dict[str, str]:
        """The config as URL query parameters (every field, so a link is exact)."""
        return {f.name: str(getattr(self, f.name)) for f in dataclasses.fields(self)}


DEFAULT = RNNConfig()
FIELDS = tuple(f.name for f in dataclasses.fields(RNNConfig))


def parse_field(name: str, raw: str):
    """One URL/CLI string as the field's value, or ConfigError naming it."""
    text = raw.strip()
    if name == "cell":
        value = text.lower()
    elif re.fullmatch(r"-?[0-9]+", text):  # plain digits only: int() would also take "1_0", "５"
        value = int(text)
    else:
        value = raw  # check_field words the error with the allowed range
    check_field(name, value)
    return value


# View state that is not part of the experiment but belongs in a shared link:
# which sample n and which step t the lecturer is pointing at (1-based t).
VIEW_KEYS = ("sample", "step")


def from_query(
    params: Mapping[str, str], base: RNNConfig = DEFAULT
) -> tuple[RNNConfig, dict[str, int], list[str]]:
    """Read a URL's query parameters; never raises.

    Returns the config, the view state ({"sample": n, "step": t} for the keys
    present and valid) and one warning per bad or unknown parameter. A bad
    value falls back to ``base``'s value for that field alone.
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
    view = {}
    limits = {"sample": (0, config.N - 1), "step": (1, config.T)}
    for key in VIEW_KEYS:
        if key not in params:
            continue
        low, high = limits[key]
        raw = params[key]
        value = int(raw.strip()) if re.fullmatch(r"[0-9]+", raw.strip()) else None
        if value is None or not low <= value <= high:
            warnings.append(
                f"URL parameter {key}={raw!r}: {key} must be a whole number between "
                f"{low} and {high} for this config. Using the default."
            )
        else:
            view[key] = value
    return config, view, warnings
