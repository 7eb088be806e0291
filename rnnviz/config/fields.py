"""A field of a link, a flag or a config: its kind, its bounds, and the one way to read it.

Every value rnnviz takes from a person arrives as text (a link's ``?M=5``, a flag's ``--M 5``)
or as a Python value (a config built in code), and every one is a ``Field``: a whole number
within bounds, one of a few choices, a switch, a decimal with few places, or a digest (16 hex
digits naming something a server holds, or one of a few plain words). ``Field.read`` turns
text into a value and ``Field.check`` checks a value; both refuse with a ``ConfigError`` whose
message names the field, quotes at most QUOTED characters of what was given, says what is
wrong and what is allowed. The config's own table of fields is ``rnnviz.config.rnn_config``;
the page's view keys (n, t, the section) are fields of the same kinds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

Kind = Literal["integer", "choice", "switch", "decimal", "digest"]

DIGEST_CHARS = 16  # a digest is the first 16 hex digits of a sha256: short, exact links
_DIGEST = re.compile(f"[0-9a-f]{{{DIGEST_CHARS}}}")
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")

QUOTED = 40  # a warning quotes at most this many characters of a bad value
# Every allowed number has at most 10 digits; a longer text is refused before int(), which
# would refuse more than 4,300 digits with its own ValueError.
DIGITS = 12
_PLAIN = re.compile(rf"-?[0-9]{{1,{DIGITS}}}")  # what int() is given: ASCII digits only
_NUMBER_LIKE = re.compile(r"[+-]?([0-9]*[.][0-9]*([eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)")
_DECIMAL = re.compile(r"-?[0-9]{1,4}([.][0-9]*)?|-?[.][0-9]+")  # what float() is given


class ConfigError(ValueError):
    """A value outside what rnnviz allows; ``field`` names the offending symbol."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Field:
    """One field: how its value is written, read, checked and explained.

    ``low`` and ``high`` bound an integer or a decimal; ``choices`` are a choice's values, or
    a digest's plain words (``initial``, ``none``) beside its hex digits; ``names`` says what
    a digest's digits name ("weights uploaded to this server")."""

    name: str  # the config field, the URL key: "M"
    kind: Kind
    meaning: str = ""  # "hidden units": what an integer or a decimal counts
    default: object = None
    low: float = 0
    high: float = 0
    places: int = 0  # a decimal's most decimals, so that a link is exact
    choices: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)  # an old word -> its value now
    names: str = ""  # what a digest's hex digits name
    lower: bool = True  # a choice is read case-insensitively
    why: str = ""  # after a choice's allowed values: " for this config"
    help: str = ""  # one sentence: what the field does (the sidebar's and --help's)
    flag: str | None = None  # the command line's flag for it; None: the CLI sets it otherwise

    def within(self, low: float, high: float) -> Field:
        """The same field within narrower bounds (t0 within 1..T for this config's T)."""
        return replace(self, low=low, high=high)

    def __post_init__(self):
        # Worded once, when the field is made: reading a value then formats no number.
        object.__setattr__(self, "allowed", self._allowed())

    def _allowed(self) -> str:
        """What the field allows, as every message about it ends: "M (hidden units) must be
        a whole number between 1 and 256"."""
        name = self.name
        if self.kind == "integer":
            return (
                f"{name} ({self.meaning}) must be a whole number between {self.low} and {self.high}"
            )
        if self.kind == "decimal":
            return (
                f"{name} ({self.meaning}) must be a number between {as_text(self.low)} and "
                f"{as_text(self.high)}, with at most {self.places} decimals"
            )
        if self.kind == "switch":
            words = [w for pair in zip(_TRUE[1:], _FALSE[1:], strict=True) for w in pair]
            return f"{name} must be true or false (or {', '.join(words)})"
        if self.kind == "digest":
            plain = ", ".join(self.choices)
            return f"{name} must be {plain} or the {DIGEST_CHARS} hex digits that name {self.names}"
        return f"{name} must be one of {', '.join(self.choices)}{self.why}"

    # ---- a value given in Python ----

    def check(self, value) -> None:
        """Raise ConfigError unless ``value`` is allowed."""
        if self.kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise self.refused(f"{self.allowed}, got {value!r}")
            if not self.low <= value <= self.high:
                raise self.refused(
                    f"{self.name} ({self.meaning}) must be between {self.low} and {self.high}, "
                    f"got {value}"
                )
        elif self.kind == "decimal":
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            fits = numeric and math.isfinite(value) and self.low <= value <= self.high
            if not fits or round(value, self.places) != value:
                raise self.refused(f"{self.allowed}, got {value!r}")
        elif self.kind == "switch":
            if not isinstance(value, bool):  # in Python, only True and False
                raise self.refused(f"{self.name} must be true or false, got {value!r}")
        elif self.kind == "digest":
            if not (value in self.choices or isinstance(value, str) and _DIGEST.fullmatch(value)):
                raise self.refused(f"{self.allowed}, got {value!r}")
        elif value not in self.choices:
            allowed = ", ".join(self.choices)
            raise self.refused(f"{self.name} must be one of {allowed}, got {value!r}")

    def refused(self, message: str) -> ConfigError:
        return ConfigError(self.name, message)

    # ---- text from a link or a flag ----

    def read(self, raw: str):
        """The value ``raw`` spells, or ConfigError saying what is wrong and what is allowed.
        Its form is checked before any conversion: int() and float() see plain ASCII digits
        of a bounded length only."""
        text = raw.strip()
        if not raw:
            problem = "is empty"
        elif not text:
            problem = "is only whitespace"
        else:
            value, problem = getattr(self, f"_{self.kind}")(text)
            if problem is None:
                return value
        raise self.refused(f"{self.name}={quote(raw)} {problem}; {self.allowed}")

    def _integer(self, text: str) -> tuple[int | None, str | None]:
        if not _PLAIN.fullmatch(text):
            return None, _not_whole(text)
        value = int(text)
        return (value, None) if self.low <= value <= self.high else (None, "is out of range")

    def _decimal(self, text: str) -> tuple[float | None, str | None]:
        if len(text) > DIGITS:
            return None, "is too long for a number"
        if _DECIMAL.fullmatch(text):
            if len(text.partition(".")[2]) > self.places:
                return None, f"has more than {self.places} decimals"
            value = float(text)
            return (value, None) if self.low <= value <= self.high else (None, "is out of range")
        if any(c.isdigit() and c not in "0123456789" for c in text):
            return None, "is not a plain number (only the ASCII digits 0-9 are read)"
        if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            return None, "is not a number"
        if re.fullmatch(r"[+-]?[0-9.]+[eE][+-]?[0-9]+", text):
            return None, "is not a plain number (no exponent)"
        if text.startswith("+"):
            return None, "is not a plain number (no + sign)"
        if "_" in text or "," in text:
            return None, "is not a plain number (no _ or , in it; the decimal mark is a point)"
        return None, "is not a number"

    def _switch(self, text: str) -> tuple[bool | None, str | None]:
        text = text.lower()
        if text in _TRUE + _FALSE:
            return text in _TRUE, None
        return None, "is not a switch"

    def _choice(self, text: str) -> tuple[str | None, str | None]:
        text = text.lower() if self.lower else text
        return (text, None) if text in self.choices else (None, "is not allowed")

    def _digest(self, text: str) -> tuple[str | None, str | None]:
        text = text.lower()
        text = self.aliases.get(text, text)
        if text in self.choices or _DIGEST.fullmatch(text):
            return text, None
        return None, "is not allowed"


def _not_whole(text: str) -> str:
    """What is wrong with ``text`` (stripped, not plain digits) as a whole number."""
    if any(c.isdigit() and c not in "0123456789" for c in text):
        return "is not a plain number (only the ASCII digits 0-9 are read)"
    if len(text) > DIGITS and re.fullmatch(r"[+-]?[0-9]+", text):
        return "is too long for a number"
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return "is not a number"
    if _NUMBER_LIKE.fullmatch(text):
        return "is not a whole number"
    if text.startswith("+"):
        return "is not a plain number (no + sign)"
    if "_" in text or "," in text:
        return "is not a plain number (no _ or , between the digits)"
    return "is not a number"


def quote(raw: str) -> str:
    """``raw`` as a message shows it: quoted, escapes for unprintable characters, and at
    most QUOTED characters of it, with its length when cut: '1000…' (10,000 characters)."""
    pieces, size = [], 0
    for char in raw:
        piece = char
        if char in "'\\" or not char.isprintable():
            piece = char.encode("unicode_escape").decode("ascii").replace("'", "\\'")
        if size + len(piece) > QUOTED:  # never cut an escape in two
            return f"'{''.join(pieces)}…' ({len(raw):,} characters)"
        pieces.append(piece)
        size += len(piece)
    return f"'{''.join(pieces)}'"


SCALE_PLACES = 2  # a decimal field's places, as a link writes it


def as_text(value) -> str:
    """A field's value as it is written in a URL: 5, lstm, true, 0.5 (a decimal with at
    most SCALE_PLACES decimals and no trailing zeros: 1, 0.5, 2.25)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.{SCALE_PLACES}f}".rstrip("0").rstrip(".")
    return str(value)
