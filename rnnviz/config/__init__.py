"""What one run is: the config, its fields, and how a link or a flag becomes one.

``rnn_config`` holds ``RNNConfig``, whose class body is the one table of fields, and the rules
between fields; ``fields`` how any one value is read, checked and refused; ``links`` how a
whole link is read (``from_query``). The names most code needs are handed on here.
"""

from rnnviz.config.fields import ConfigError, Field, as_text, quote
from rnnviz.config.links import from_query
from rnnviz.config.rnn_config import (
    DEFAULT,
    FIELDS,
    NO_DATA,
    NO_EDIT,
    SEEDED,
    TRAINED,
    RNNConfig,
)

__all__ = [
    "DEFAULT",
    "FIELDS",
    "NO_DATA",
    "NO_EDIT",
    "SEEDED",
    "TRAINED",
    "ConfigError",
    "Field",
    "RNNConfig",
    "as_text",
    "from_query",
    "quote",
]
