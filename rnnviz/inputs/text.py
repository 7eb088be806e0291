"""A person's own text (.txt) as a text task: read, checked, and cut into X and y.

``read`` refuses, with one ``DataError`` sentence, anything that is not a UTF-8 text of a size
a model can learn from in the page: the size is checked before a byte is decoded; then UTF-8
(strictly: a byte-order mark is dropped, nothing else is guessed), a text that is not binary
(NUL or other control characters), long enough to hold out its last fifth and still cut a
window of T + 1 characters from each part, and with at least two different characters. Line
ends become "\\n". Characters beyond the alphabet's ALPHABET_MAX become OTHER, and
``Corpus.others`` says how many. ``as_data`` cuts N windows of T + 1 characters into a
``userdata.Data`` of kind "sequence", named by its digest like any other upload, which carries
the text itself for the units to be read against.
"""

from __future__ import annotations

import unicodedata

from rnnviz.inputs.refusal import DataError
from rnnviz.inputs.userdata import Data, digest
from rnnviz.tasks import VAL_FRACTION, n_val
from rnnviz.text.corpus import Alphabet, Corpus, line_starts, samples

KB = 2**10
MAX_BYTES = 1024 * KB  # 1 MB of text: far more than a training within the budget reads
MIN_CHARS = 200  # held out a fifth, both parts still hold a window of a few dozen steps
EXTENSION = ".txt"
_ALLOWED_CONTROLS = {"\n", "\t"}


def read(name: str, payload: bytes) -> Corpus:
    """The text of file ``name`` with contents ``payload``, as a Corpus; DataError else."""
    if not name.lower().endswith(EXTENSION):
        raise DataError(f"{name[:40]!r} is not a .txt file; upload plain text in UTF-8 as .txt")
    if not payload:
        raise DataError("the .txt file is empty (0 bytes); it must hold text to learn from")
    if len(payload) > MAX_BYTES:
        raise DataError(
            f"the .txt file is {len(payload) / KB:,.0f} kB ({len(payload):,} bytes), over the "
            f"limit of {MAX_BYTES // KB:,} kB"
        )
    try:
        text = payload.decode("utf-8-sig")  # strict: a bad byte is refused, never replaced
    except UnicodeDecodeError as err:
        raise DataError(
            f"the .txt file is not UTF-8: byte {err.start} (0x{payload[err.start]:02x}) cannot "
            "start or continue a character there; save it as UTF-8 text"
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = next((ch for ch in text if _binary(ch)), None)
    if bad is not None:
        where = text.index(bad)
        raise DataError(
            f"the .txt file holds a control character U+{ord(bad):04X} at character {where:,}, "
            "so it is not plain text; only letters, digits, punctuation, spaces, tabs and line "
            "ends are read"
        )
    if len(text) < MIN_CHARS:
        raise DataError(
            f"the .txt file has {len(text):,} character{'s' * (len(text) != 1)}; a model "
            f"needs at least {MIN_CHARS} "
            "to learn from some and hold out the last fifth"
        )
    if len(set(text)) < 2:
        raise DataError(
            f"the .txt file is one character ({text[0]!r}) repeated; there is nothing to "
            "predict in it: upload text with at least two different characters"
        )
    return Corpus(text, Alphabet.of(text), f"your text {name[:40]!r}", (), line_starts(text))


def _binary(ch: str) -> bool:
    """A control character other than a tab or a line end: the mark of a binary file."""
    return ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs")


def as_data(corpus: Corpus, N: int, T: int, name: str) -> Data:
    """N windows of T + 1 characters of ``corpus`` as Data: X (N, T, D) one-hot, y (N, T)
    the next character, D = K = the alphabet's size; DataError if T does not fit the text."""
    D = corpus.alphabet.size
    try:
        X, y = samples(corpus.ids, N, T, D, n_val(N), VAL_FRACTION, corpus.anchors)
    except ValueError as err:
        raise DataError(f"the .txt file is too short for this T: {err}") from None
    return Data(digest(X, y), X, y, "sequence", D, name, corpus)
