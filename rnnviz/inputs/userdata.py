"""The user's own data: X, and optionally targets y, read from an uploaded file.

``read(name, payload)`` is the one entry point for the page and the CLI: it returns a
``Data`` (read-only float32 X (N, T, D), y and its kind, and a digest that names them) or
raises ``DataError``, one sentence saying what is wrong, where, and what is allowed. It is a
pure function of the file's name and bytes, and it never returns half a file. Three formats
are read (``FORMAT`` says the same for the page):

- ``.npy``: one array, X of shape (N, T, D). There is no y. A 2-D array is refused, not
  guessed at: (T, D) for one sequence is ``X[None]``, (N, T) of one feature ``X[..., None]``.
- ``.npz`` (``numpy.savez``): key ``X`` (N, T, D), and optionally ``y``: floats (N,) or
  (N, K) are regression targets ((N,) becomes (N, 1)); integers (N,) are class indices
  0..K-1 of a classification, K = the largest + 1 and at least 2. No other key.
- ``.csv`` (UTF-8, comma-separated, a header row), long form: one row per sample and step,
  columns ``sample`` (any whole numbers; their sorted order is n), ``t`` (1..T, the same T
  for every sample, rows in any order), then every other column is a feature of X, in the
  header's order, except targets: columns named ``y`` or ``y_...`` (regression, K = how
  many) or one column ``class`` (classification), never both. A target is one value per
  sample, given on its row with t = T; its other rows repeat it or leave it empty.

X may be float, integer or bool (taken as 0/1) and becomes float32; every value must be
finite and within float32's range. N, T, D and K are bounded by ``config.BOUNDS`` and
N·T·D by ``config.WORK_CAP``. Binary files are never unpickled: object arrays are refused.
A header is checked before its data is read, and an archive's unpacked size before any
member is, so a small upload cannot make the server allocate gigabytes. Nothing here
imports Streamlit or TensorFlow.
"""

from __future__ import annotations

import csv
import hashlib
import io
import lzma
import math
import re
import struct
import warnings
import zipfile
import zlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rnnviz.config import BOUNDS, DIGEST_CHARS, WORK_CAP, ConfigError, Work, check_field, quote

MB = 2**20
MAX_BYTES = 16 * MB  # Streamlit's server.maxUploadSize (16 MB, .streamlit/config.toml)
EXTENSIONS = (".npy", ".npz", ".csv")
# An .npz may be compressed (numpy.savez_compressed): it may unpack to more than it weighs,
# but not to more than this, checked in the zip directory before a member is read.
UNPACKED_SLACK = MB  # the .npy headers and zip entries beyond the arrays' bytes
UNPACKED_MOST = 8 * MAX_BYTES + UNPACKED_SLACK
# A finite float64 becomes inf in float32 from here on (2^128 - 2^103 rounds to 2^128).
FLOAT32_EDGE = 2.0**128 - 2.0**103
FLOAT32_MAX = float(np.finfo(np.float32).max)
# A CSV number has at most this many characters; checked before float() or int() sees it
# (int() refuses more than 4,300 digits with its own error). float64's longest exact
# repr, -2.2250738585072014e-308, takes 24.
NUMBER_CHARS = 64
_N_MAX, _T_MAX, _K_MAX = (BOUNDS[symbol][2] for symbol in "NTK")  # (meaning, low, high)
MAX_ROWS = _N_MAX * _T_MAX  # a CSV row is one (sample, t)
SAMPLE_DIGITS = 18  # a CSV's sample numbers fit in int64
CHUNK = 4096  # CSV rows checked and converted together, a column at a time

# dtype.kind -> what X or y may be made of, and what the others are called in a message
_REAL = {"b": "bool", "i": "integers", "u": "integers", "f": "floats"}
_OTHER = {
    "c": "complex numbers",
    "U": "text",
    "S": "bytes",
    "M": "dates",
    "m": "time spans",
    "V": "structured records",
    "O": "Python objects",
}
ALLOWED_DTYPES = "float, integer or bool numbers"

# A number in a CSV cell, with one way to match each text (no backtracking blow-up).
_NUMBER = r"[+-]?(?:[0-9]+(?:[.][0-9]*)?|[.][0-9]+)(?:[eE][+-]?[0-9]+)?"
_DECIMAL = re.compile(_NUMBER)
_DECIMALS = re.compile(rf"[ \t]*{_NUMBER}[ \t]*(?:,[ \t]*{_NUMBER}[ \t]*)*")  # many cells
_WHOLE = re.compile(r"[+-]?[0-9]+")
_WHOLES: dict[int, re.Pattern] = {}  # digits -> many cells of whole numbers
_NOT_FINITE = ("nan", "inf", "infinity")

# Errors a damaged zip archive raises from the standard library, beside ours.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,  # a compression method zipfile lacks
    RuntimeError,  # an encrypted member
    zlib.error,
    lzma.LZMAError,
    struct.error,
)
# What reading a zip member's bytes raises when they are damaged (and nothing numpy's
# header parsing raises, which would then count as damage).
_UNPACKING_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError)
# A .npy header is a Python literal (a dict of anything) that numpy's own code turns into a
# shape and a dtype; what it raises for a strange one cannot be listed (the fuzz in
# tests/test_userdata.py found ValueError, TypeError, IndexError and tokenize.TokenError),
# so any Exception there means "not a valid header".
_HEADER_ERRORS = (Exception,)

FORMAT = f"""\
**Your data**: one file of at most {MAX_BYTES // MB} MB, in one of three forms.

- **`.npy`** (`numpy.save`): one array X of shape (N, T, D): N samples, T steps,
  D features. No targets. One sequence (T, D) is saved as `X[None]`.
- **`.npz`** (`numpy.savez(f, X=X, y=y)`): X (N, T, D) and, optionally, y: floats (N,) or
  (N, K) are regression targets; whole numbers (N,) are classes 0..K-1 (a classification
  with K = the largest + 1 classes, at least 2). No other arrays.
- **`.csv`** (UTF-8, commas, a header row), one row per sample and step:
  `sample` (a whole number naming the sample), `t` (1..T, the same T for every sample,
  rows in any order), then one column per feature (any names). Optional targets:
  columns `y`, or `y_0`, `y_1`, ... (regression), or one column `class` (0, 1, ...).
  A sample's target goes on its row with t = T; its other rows repeat it or leave it empty.

X takes finite float, integer or bool numbers (stored as float32).
Limits: {", ".join(f"{s} ≤ {BOUNDS[s][2]}" for s in "NTDK")}, and N·T·D ≤ {WORK_CAP:,}.
"""


class DataError(ValueError):
    """A file that is not data rnnviz reads: one sentence, what is wrong and what is allowed."""


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, and weakly referenced
class Data:
    """The user's X and targets as read, read-only, named by their digest."""

    digest: str  # DIGEST_CHARS hex digits of the sha256 of X and y (``digest``)
    X: np.ndarray  # (N, T, D) float32
    y: np.ndarray | None  # regression (N, K) float32, classification (N,) int32, or None
    kind: str  # "regression" | "classification" | "none" (rnnviz.tasks.Kind)
    K: int | None  # the outputs y fixes: its K columns, or its classes; None without y
    name: str  # the uploaded file's name

    @property
    def nbytes(self) -> int:
        return self.X.nbytes + (0 if self.y is None else self.y.nbytes)

    @property
    def N(self) -> int:
        return self.X.shape[0]

    @property
    def T(self) -> int:
        return self.X.shape[1]

    @property
    def D(self) -> int:
        return self.X.shape[2]

    def sizes(self) -> dict[str, int]:
        """The sizes the data fixes: N, T, D, and K when there is a y."""
        out = dict(zip("NTD", self.X.shape, strict=True))
        if self.K is not None:
            out["K"] = self.K
        return out


def digest(X: np.ndarray, y: np.ndarray | None) -> str:
    """The name of (X, y): sha256 over "data;", X's shape and float32 bytes, then, if there
    is a y, its dtype, shape and bytes, as Data holds it (class indices int32, targets
    float32); the first DIGEST_CHARS hex digits."""
    a = np.ascontiguousarray(X, dtype="<f4")  # (N, T, D)
    h = hashlib.sha256(f"data;{a.shape};".encode())
    h.update(a.tobytes())
    if y is not None:
        y = np.asarray(y)
        b = np.ascontiguousarray(y, dtype="<f4" if y.dtype.kind == "f" else "<i4")  # y's shape
        h.update(f"y;{b.dtype.str};{b.shape};".encode())
        h.update(b.tobytes())
    return h.hexdigest()[:DIGEST_CHARS]


def read(name: str, payload: bytes) -> Data:
    """The file ``name`` with contents ``payload`` as Data, by its extension (any case);
    DataError says what is wrong with anything else."""
    extension = next((e for e in EXTENSIONS if name.lower().endswith(e)), None)
    if extension is None:
        raise DataError(
            f"{quote(name)} is not a .npy, .npz or .csv file; upload X (and y) in one of "
            "those forms"
        )
    if not payload:
        raise DataError(f"the {extension} file is empty (0 bytes); it must hold X")
    if len(payload) > MAX_BYTES:
        raise DataError(
            f"the {extension} file is {len(payload) / MB:.2f} MB ({len(payload):,} bytes), "
            f"over the limit of {MAX_BYTES // MB} MB ({MAX_BYTES:,} bytes)"
        )
    if extension == ".npy":
        what = "X in the .npy"
        X = _npy(io.BytesIO(payload), len(payload), what, lambda shape, _: _x_shape(shape, what))
        return from_arrays(X, None, name, " in the .npy")
    if extension == ".npz":
        X, y = _npz(payload)
        return from_arrays(X, y, name, " in the .npz")
    return _csv(payload, name)


def from_arrays(
    X: np.ndarray, y: np.ndarray | None = None, name: str = "arrays", source: str = ""
) -> Data:
    """Data from arrays in memory, checked as a file's are: X (N, T, D) of floats, integers
    or bool; y None, floats (N,) or (N, K), or class indices (N,). ``source`` is where a
    message says they are from (" in the .npz")."""
    X = np.asarray(X)
    _dtype(X.dtype, f"X{source}")
    _x_shape(X.shape, f"X{source}")
    X = _float32(X, "X", source)  # (N, T, D)
    kind, K = "none", None
    if y is not None:
        y = np.asarray(y)
        _dtype(y.dtype, f"y{source}")
        _y_shape(y.shape, y.dtype, X.shape[0], f"y{source}")
        y, kind, K = _targets(y, source)
    X.flags.writeable = False
    if y is not None:
        y.flags.writeable = False
    return Data(digest(X, y), X, y, kind, K, name)


def npz_bytes(X: np.ndarray, y: np.ndarray | None = None) -> bytes:
    """X (and y) as the .npz ``read`` takes: ``numpy.savez`` with keys X and y."""
    arrays = {"X": np.asarray(X)} if y is None else {"X": np.asarray(X), "y": np.asarray(y)}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def csv_text(
    X: np.ndarray, y: np.ndarray | None = None, kind: str | None = None, repeat: bool = True
) -> str:
    """X (and y) as the long-form CSV ``read`` takes: columns sample (0..N-1), t (1..T),
    x0..x{D-1}, then y (K = 1) or y_0..y_{K-1}, or class. ``kind`` is "regression" or
    "classification" (None: from y's dtype, integers being classes). The target is on every
    row of its sample (``repeat``) or on the row with t = T only. float32 values are
    written with 9 significant digits, which reads back to the same float32."""
    X = np.asarray(X)  # (N, T, D)
    N, T, D = X.shape
    header = ["sample", "t", *(f"x{d}" for d in range(D))]
    if y is not None:
        y = np.asarray(y)
        if kind is None:
            kind = "classification" if y.dtype.kind in "biu" else "regression"
        if kind == "classification":
            header.append("class")
            Y = [[str(int(c))] for c in y]  # (N, 1)
        else:
            y = y.reshape(N, -1)  # (N, K)
            K = y.shape[1]
            header += ["y"] if K == 1 else [f"y_{k}" for k in range(K)]
            Y = [[format(float(v), ".9g") for v in row] for row in y]  # (N, K)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for n in range(N):
        for t in range(1, T + 1):
            row = [str(n), str(t), *(format(float(v), ".9g") for v in X[n, t - 1])]
            if y is not None:
                row += Y[n] if repeat or t == T else [""] * len(Y[n])
            writer.writerow(row)
    return out.getvalue()


# ---- arrays: what X and y may be ----


def _dtype(dtype: np.dtype, what: str) -> None:
    if dtype.hasobject:
        raise DataError(
            f"{what} holds Python objects, which are never loaded (pickle can run code); "
            "save numeric arrays"
        )
    if dtype.kind not in _REAL:
        made_of = _OTHER.get(dtype.kind, "values of another kind")
        raise DataError(f"{what} holds {made_of} ({dtype}); it must hold {ALLOWED_DTYPES}")


def _bound(symbol: str, value: int, what: str, shape: tuple[int, ...]) -> None:
    meaning, low, high = BOUNDS[symbol]
    if not low <= value <= high:
        raise DataError(
            f"{what} has shape {_short(shape)}: {symbol} ({meaning}) must be between {low} and "
            f"{high}, got {_size(value)}"
        )


def _x_shape(shape: tuple[int, ...], what: str) -> None:
    """Refuse an X shape that is not (N, T, D) within the bounds and the work cap."""
    if len(shape) == 2:
        a, b = map(_size, shape)
        raise DataError(
            f"{what} has shape ({a}, {b}), 2-D, but must be 3-D (N, T, D); save X[None] for one "
            f"sequence, shape (1, {a}, {b}), or X[..., None] for one feature, ({a}, {b}, 1)"
        )
    if len(shape) != 3:
        raise DataError(
            f"{what} has shape {_short(shape)}, {len(shape)}-D, but must be 3-D (N, T, D): "
            "N samples, T steps, D features"
        )
    for symbol, value in zip("NTD", shape, strict=True):
        _bound(symbol, value, what, shape)
    work = Work(dict(zip("NTD", shape, strict=True)), "D")
    if work.numbers > WORK_CAP:
        raise DataError(
            f"{what} is too large: {work} numbers, over the limit of {WORK_CAP:,}; use fewer "
            "samples, steps or features"
        )


def _y_shape(shape: tuple[int, ...], dtype: np.dtype, N: int, what: str) -> None:
    """Refuse a y shape that is not (N,) or, for floats, (N, K) with K within bounds."""
    classes = dtype.kind in "biu"
    if classes and len(shape) != 1:
        raise DataError(
            f"{what} holds whole numbers of shape {_short(shape)}; class indices must be 1-D "
            f"(N,) = ({N},), and regression targets floats (N, K)"
        )
    if len(shape) not in (1, 2):
        raise DataError(
            f"{what} has shape {_short(shape)}, {len(shape)}-D; it must be (N,) or (N, K)"
        )
    if shape[0] != N:
        raise DataError(
            f"{what} has {_size(shape[0])} samples (shape {_short(shape)}) but X has N = {N}; y "
            "needs one "
            "target per sample"
        )
    if len(shape) == 2:
        _bound("K", shape[1], what, shape)


def _short(shape: tuple[int, ...]) -> str:
    """A shape as a message shows it: (2, 3), (5,), at most 6 sizes, each ``_size``."""
    sizes = [_size(s) for s in shape[:6]] + (["…"] if len(shape) > 6 else [])
    return f"({sizes[0]},)" if len(sizes) == 1 else f"({', '.join(sizes)})"


def _size(value: int) -> str:
    """A size from a file's header as a message shows it; one of 3,000 digits is cut."""
    return str(value) if value < 10**12 else f"{str(value)[:4]}… ({len(str(value)):,} digits)"


def _where(index: tuple[int, ...]) -> str:
    """Where X[n, t - 1, d] (or y[n], y[n, k]) is, in the page's words."""
    names = ("sample n", "step t", "feature d") if len(index) == 3 else ("sample n", "output k")
    shown = [i + 1 if name == "step t" else i for name, i in zip(names, index, strict=False)]
    place = ", ".join(f"{name} = {i}" for name, i in zip(names, shown, strict=False))
    return f"[{', '.join(map(str, index))}] ({place})"


def _float32(A: np.ndarray, symbol: str, source: str) -> np.ndarray:
    """A as a new float32 array, refusing NaN, ±inf and values beyond float32's range."""
    if A.dtype.kind == "f":
        checks = [(np.isnan, "NaN (not a number)"), (np.isinf, "an infinite value")]
        if A.dtype.itemsize > 4:  # a finite float16 or float32 is within float32's range
            edge = np.float64(FLOAT32_EDGE)  # compared in float64, not cast to float32's inf
            checks.append((lambda A: np.abs(A) >= edge, "a value beyond float32's range"))
        for test, problem in checks:
            bad = test(A)  # A's shape
            if bad.any():
                index = tuple(int(i) for i in np.unravel_index(int(bad.argmax()), A.shape))
                value = float(A[index])
                shown = f" ({value:.3g})" if math.isfinite(value) else ""
                raise DataError(
                    f"{symbol}{source} has {problem}{shown} at {symbol}{_where(index)}; every "
                    f"value must be a finite number within ±{FLOAT32_MAX:.4g}"
                )
    return A.astype(np.float32, order="C")  # a copy in C order and native byte order


def _targets(y: np.ndarray, source: str) -> tuple[np.ndarray, str, int]:
    """y as regression (N, K) float32 or classes (N,) int32, its kind and K."""
    if y.dtype.kind == "f":
        y = _float32(y, "y", source)
        y = y.reshape(len(y), -1)  # (N, K): (N,) becomes (N, 1)
        return y, "regression", y.shape[1]
    low, high = int(y.min()), int(y.max())
    if low < 0:
        n = int(y.argmin())
        raise DataError(
            f"y{source} has class {low} at sample n = {n}; class indices run from 0 to K - 1, "
            f"K at most {_K_MAX}"
        )
    if high >= _K_MAX:
        n = int(y.argmax())
        raise DataError(
            f"y{source} has class {high} at sample n = {n}, so K = {high + 1} classes, over "
            f"the limit of {_K_MAX}; class indices run from 0 to {_K_MAX - 1}"
        )
    return y.astype(np.int32), "classification", max(high + 1, 2)  # (N,)


# ---- .npy and .npz ----


def _npy(fp, size: int, what: str, check: Callable[[tuple[int, ...], np.dtype], None]):
    """The array of the .npy in ``fp`` (``size`` bytes). Its header is read and checked
    (the dtype, then ``check(shape, dtype)``) before its data is, so a header that
    promises a huge array allocates nothing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy's warning about Python 2 headers
            version = np.lib.format.read_magic(fp)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
            else:
                shape = None
    except _UNPACKING_ERRORS:
        raise DataError(f"{what} cannot be unpacked: the archive is damaged") from None
    except _HEADER_ERRORS:
        raise DataError(
            f"{what} is not a valid .npy array (its header cannot be read); write it with "
            "numpy.save"
        ) from None
    if shape is None:
        raise DataError(
            f"{what} is .npy format version {version[0]}.{version[1]}, which only structured "
            "arrays need; save numeric arrays with numpy.save"
        )
    if any(isinstance(s, bool) or s < 0 for s in shape):
        raise DataError(f"{what} is not a valid .npy array (its header's shape is not sizes ≥ 0)")
    _dtype(dtype, what)
    check(tuple(shape), dtype)
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    available = size - fp.tell()
    if available < nbytes:
        raise DataError(
            f"{what} is cut short: its header promises {nbytes:,} bytes of data but only "
            f"{available:,} follow; the file is damaged or incomplete"
        )
    if available > nbytes:
        raise DataError(
            f"{what} has {available - nbytes:,} bytes after its data; it is damaged or not "
            "written by numpy.save"
        )
    try:
        raw = fp.read(nbytes)
        rest = fp.read(1)  # reaches the end of a zip member: zipfile checks its CRC there
    except _UNPACKING_ERRORS:
        raise DataError(f"{what} cannot be unpacked: the archive is damaged") from None
    if len(raw) != nbytes or rest:
        raise DataError(f"{what} cannot be unpacked: the archive is damaged")
    A = np.frombuffer(raw, dtype=dtype, count=count)
    return A.reshape(shape, order="F" if fortran else "C")


def _npz(payload: bytes) -> tuple[np.ndarray, np.ndarray | None]:
    """X and y (or None) of an .npz; the zip directory is checked before a member is read."""
    if not zipfile.is_zipfile(io.BytesIO(payload)):
        raise DataError(
            "the .npz is not a zip archive, which every .npz is; write it with "
            "numpy.savez(f, X=X) or numpy.savez(f, X=X, y=y)"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
        infos = archive.infolist()
    except _ZIP_ERRORS:
        raise DataError("the .npz cannot be read: the zip archive is damaged") from None
    with archive:
        unpacked = sum(info.file_size for info in infos)
        if unpacked > UNPACKED_MOST:
            raise DataError(
                f"the .npz unpacks to {unpacked:,} bytes, more than the {UNPACKED_MOST:,} bytes "
                "any allowed X and y take; it is not read"
            )
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            key = info.filename.removesuffix(".npy")
            if key in members:
                raise DataError(f"the .npz holds {quote(key)} twice; it must hold X and y once")
            members[key] = info
        other = [key for key in members if key not in ("X", "y")]
        if other:
            shown = ", ".join(quote(key) for key in other[:3]) + (", …" if len(other) > 3 else "")
            how = "numpy.savez(f, X=X, y=y)"
            raise DataError(f"the .npz holds {shown}; it may hold only X and y (save with {how})")
        if "X" not in members:
            raise DataError("the .npz has no X; it must hold X (N, T, D) and may hold y")
        for key, info in members.items():
            if not info.filename.endswith(".npy"):
                raise DataError(f"the .npz's {key} is not a .npy array; write it with numpy.savez")
        what = "X in the .npz"
        X = _member(archive, members["X"], what, lambda shape, dtype: _x_shape(shape, what))
        if "y" not in members:
            return X, None
        N, what_y = X.shape[0], "y in the .npz"
        y = _member(
            archive, members["y"], what_y, lambda shape, dtype: _y_shape(shape, dtype, N, what_y)
        )
        return X, y


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, what: str, check) -> np.ndarray:
    try:
        fp = archive.open(info)
    except _ZIP_ERRORS:
        raise DataError(f"{what} cannot be unpacked: the archive is damaged") from None
    with fp:
        return _npy(fp, info.file_size, what, check)


# ---- .csv ----


def _csv(payload: bytes, name: str) -> Data:
    """Data of a long-form CSV (the module docstring): parsed row by row into flat arrays,
    then sorted by (sample, t) and checked to be N whole sequences of the same T."""
    try:
        text = payload.decode("utf-8-sig")  # a byte-order mark, as Excel writes, is dropped
    except UnicodeDecodeError as err:
        row = payload.count(b"\n", 0, err.start) + 1
        raise DataError(
            f"the .csv is not UTF-8 text: byte 0x{payload[err.start]:02x} on row {row} is not "
            "UTF-8; save it as UTF-8 (in Excel: CSV UTF-8)"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # bad quoting: refused
    try:
        table = _Table(reader)
        rows, lines = [], []
        for row in reader:
            if row:  # a blank line is no row
                rows.append(row)
                lines.append(reader.line_num)
                if len(rows) == CHUNK:
                    table.extend(rows, lines)
                    rows, lines = [], []
        table.extend(rows, lines)
    except csv.Error as err:
        raise DataError(f"the .csv cannot be read at row {reader.line_num}: {err}") from None
    X, y = table.arrays()
    return from_arrays(X, y, name, " in the .csv")


class _Table:
    """A long-form CSV being read: its columns, then each row's numbers in flat arrays."""

    def __init__(self, reader):
        header = next(reader, None)
        while header is not None and not header:  # blank lines before the header
            header = next(reader, None)
        if header is None:
            raise DataError("the .csv has no rows; its first row must name the columns")
        names = [cell.strip() for cell in header]
        if all(_DECIMAL.fullmatch(n) for n in names):
            raise DataError(
                "the .csv has no header row: row 1 holds numbers; the first row must name the "
                "columns: sample, t, then the features"
            )
        seen: set[str] = set()
        for i, n in enumerate(names):
            if not n:
                raise DataError(
                    f"the .csv's column {i + 1} has no name in the header; every column needs "
                    "one (from pandas: to_csv(index=False))"
                )
            if n in seen:
                raise DataError(f"the .csv has two columns named {quote(n)}; names must differ")
            seen.add(n)
        for needed in ("sample", "t"):
            if needed not in names:
                raise DataError(f"the .csv has no {needed!r} column; {_columns(names, header)}")
        self.names = names
        self.width = len(names)
        self.i_sample, self.i_t = names.index("sample"), names.index("t")
        self.targets = [i for i, n in enumerate(names) if n == "y" or n.startswith("y_")]
        has_class = "class" in names
        if self.targets and has_class:
            raise DataError(
                "the .csv has both regression targets (y) and a 'class' column; it may have "
                "one kind of target"
            )
        if has_class:
            self.targets = [names.index("class")]
        self.kind = "classification" if has_class else "regression" if self.targets else "none"
        taken = {self.i_sample, self.i_t, *self.targets}
        self.features = [i for i in range(self.width) if i not in taken]
        if not self.features:
            raise DataError(
                "the .csv has no feature column; besides sample, t and targets it needs one "
                "column per feature of X"
            )
        self.D, self.K = len(self.features), len(self.targets)
        for symbol, value, columns in (("D", self.D, "feature"), ("K", self.K, "target")):
            if symbol == "D" or self.kind == "regression":
                try:
                    check_field(symbol, value)
                except ConfigError as err:
                    raise DataError(f"the .csv has {value} {columns} columns: {err}") from None
        self.over = False  # more than WORK_CAP values of X: no more are kept
        self.sample, self.t, self.line = array("q"), array("q"), array("q")
        self.x, self.y, self.given = array("d"), array("d"), array("b")

    def extend(self, rows: list[list[str]], lines: list[int]) -> None:
        """Add rows (``lines``: their row numbers): all at once if every cell is plainly
        fine, else one by one, which finds the first problem and says what it is."""
        if rows and not self._fast(rows, lines):
            for row, line in zip(rows, lines, strict=True):
                self.add(row, line)

    def _fast(self, rows: list[list[str]], lines: list[int]) -> bool:
        """Add ``rows`` a column at a time (``_decimals``, ``_wholes``) and return True, or
        add nothing and return False where ``add`` might refuse or decide otherwise."""
        n, count = len(rows), len(self.line) + len(rows)
        if self.over or count > MAX_ROWS or count * self.D > WORK_CAP:
            return False
        if any(len(row) != self.width for row in rows):
            return False
        columns = list(zip(*rows, strict=True))  # (width,) tuples of n cells
        sample = _wholes(columns[self.i_sample], SAMPLE_DIGITS)
        t = _wholes(columns[self.i_t], 3)
        if sample is None or t is None or min(t) < 1 or max(t) > _T_MAX:
            return False
        x = [_decimals(columns[i]) for i in self.features]  # (D, n)
        if any(values is None for values in x):
            return False
        y = self._fast_targets(columns)
        if y is False:
            return False
        self.sample.extend(sample)
        self.t.extend(t)
        self.line.extend(lines)
        self.x.frombytes(np.array(x, dtype=np.float64).T.tobytes())  # (n, D) row by row
        if y is None:
            self.given.extend(bytes(n))
        else:
            given, Y = y
            self.y.frombytes(np.array(Y, dtype=np.float64).T.tobytes())  # (n, K) row by row
            self.given.extend(given)
        return True

    def _fast_targets(self, columns: list[tuple[str, ...]]):
        """The rows' targets as (given (n,) 0 or 1, Y (K, n) with 0 where not given), None
        without targets, or False where ``add`` might see them otherwise."""
        if not self.K:
            return None
        cells = [columns[i] for i in self.targets]  # (K, n)
        given = [int(bool(c.strip())) for c in cells[0]]  # (n,)
        if any([int(bool(c.strip())) for c in column] != given for column in cells[1:]):
            return False  # a row with some targets but not all
        Y = []  # (K, n)
        for column in cells:
            filled = [c for c, g in zip(column, given, strict=True) if g]
            if not filled:
                Y.append([0.0] * len(given))
                continue
            if self.kind == "classification":
                values = _wholes(filled, 2)
                if values is None or not 0 <= min(values) <= max(values) < _K_MAX:
                    return False
            else:
                values = _decimals(filled)
                if values is None:
                    return False
            it = iter(values)
            Y.append([float(next(it)) if g else 0.0 for g in given])
        return given, Y

    def add(self, row: list[str], line: int) -> None:
        if len(row) != self.width:
            many = "many" if len(row) > self.width else "few"
            raise DataError(
                f"the .csv's row {line} has {len(row)} fields but the header has {self.width} "
                f"columns (too {many}); every row needs one field per column"
            )
        if len(self.line) >= MAX_ROWS:
            raise DataError(
                f"the .csv has more than {MAX_ROWS:,} rows, one per (sample, t): N ≤ {_N_MAX} "
                f"samples of T ≤ {_T_MAX} steps"
            )
        names = self.names
        self.sample.append(_whole(row[self.i_sample], line, "sample", SAMPLE_DIGITS))
        t = _whole(row[self.i_t], line, "t")
        if not 1 <= t <= _T_MAX:
            raise DataError(
                f"the .csv's row {line}, column 't': t = {t}, but t counts a sample's steps "
                f"from 1 to T, with T at most {_T_MAX}"
            )
        self.t.append(t)
        self.line.append(line)
        # Past WORK_CAP values, rows × D = N·T·D is over the cap whatever N and T are;
        # the rows are still read, for N and T, and ``arrays`` refuses the file with them.
        self.over = self.over or len(self.line) * self.D > WORK_CAP
        if not self.over:
            cells = [row[i] for i in self.features]
            values = _decimals(cells)
            if values is None:  # a cell that is not a plain number: find it and say why
                values = [_decimal(row[i], line, names[i]) for i in self.features]
            self.x.extend(values)
        cells = [row[i].strip() for i in self.targets]
        if not any(cells):
            self.given.append(0)
            self.y.extend([0.0] * self.K)
            return
        for i, cell in zip(self.targets, cells, strict=True):
            if not cell:
                filled = next(names[j] for j, c in zip(self.targets, cells, strict=True) if c)
                raise DataError(
                    f"the .csv's row {line} has {quote(filled)} but no {quote(names[i])}; a row "
                    "gives all targets or none"
                )
        self.given.append(1)
        if self.kind == "classification":
            c = _whole(cells[0], line, "class")
            if not 0 <= c < _K_MAX:
                raise DataError(
                    f"the .csv's row {line}, column 'class': class {c}, but classes run from 0 "
                    f"to K - 1, K at most {_K_MAX}"
                )
            self.y.append(c)
        else:
            for i, cell in zip(self.targets, cells, strict=True):
                self.y.append(_decimal(cell, line, names[i]))

    def arrays(self) -> tuple[np.ndarray, np.ndarray | None]:
        """X (N, T, D) float64 and y: classes (N,) int64, targets (N, K) float64 or None."""
        rows = len(self.line)
        if rows == 0:
            raise DataError(
                "the .csv has a header but no data rows; it needs one row per sample and step"
            )
        sample = np.frombuffer(self.sample, dtype=np.int64)  # (rows,)
        t = np.frombuffer(self.t, dtype=np.int64)  # (rows,)
        line = np.frombuffer(self.line, dtype=np.int64)  # (rows,)
        order = np.lexsort((t, sample))  # (rows,) by sample, then t
        s, t = sample[order], t[order]  # (rows,)
        same = (s[1:] == s[:-1]) & (t[1:] == t[:-1])  # (rows - 1,)
        if same.any():
            i = int(same.argmax())
            a, b = sorted((int(line[order[i]]), int(line[order[i + 1]])))
            raise DataError(
                f"the .csv's rows {a} and {b} are both sample {s[i]}, t = {t[i]}; each "
                "(sample, t) has one row"
            )
        ids, start, count = np.unique(s, return_index=True, return_counts=True)  # (N,)
        last = t[start + count - 1]  # (N,) each sample's largest t
        # t ≥ 1 and no (sample, t) twice: a sample has t = 1..T exactly when it has T rows.
        gap = count != last  # (N,)
        if gap.any():
            n = int(gap.argmax())
            steps = t[start[n] : start[n] + count[n]]  # (count,)
            missing = int(np.argmax(steps != np.arange(1, count[n] + 1))) + 1
            raise DataError(
                f"the .csv's sample {ids[n]} has no row for t = {missing}, though its steps "
                f"run to t = {last[n]}; every sample needs one row for each t = 1..T"
            )
        ragged = last != last[0]  # (N,)
        if ragged.any():
            n = int(ragged.argmax())
            raise DataError(
                f"the .csv's sample {ids[n]} has T = {last[n]} steps, sample {ids[0]} has "
                f"T = {last[0]}: all samples must have the same t = 1..T"
            )
        N, T, D, K = len(ids), int(last[0]), self.D, self.K
        _x_shape((N, T, D), "X in the .csv")  # N within bounds, N·T·D within the cap
        X = np.frombuffer(self.x, dtype=np.float64).reshape(rows, D)[order]  # (N·T, D)
        X = X.reshape(N, T, D)  # (N, T, D)
        if self.kind == "none":
            return X, None
        Y = np.frombuffer(self.y, dtype=np.float64).reshape(rows, K)[order].reshape(N, T, K)
        given = np.frombuffer(self.given, dtype=np.int8)[order].reshape(N, T) == 1  # (N, T)
        line = line[order].reshape(N, T)  # (N, T)
        target = "class" if self.kind == "classification" else "targets"
        if not given[:, -1].all():
            n = int(np.argmin(given[:, -1]))
            raise DataError(
                f"the .csv's sample {ids[n]} has no {target} on its row with t = T = {T} "
                f"(row {line[n, -1]}); give them there, and repeat them or leave them empty on "
                "its other rows"
            )
        y = Y[:, -1, :]  # (N, K)
        differ = given & (Y != y[:, None, :]).any(axis=2)  # (N, T)
        if differ.any():
            n, i = np.unravel_index(int(differ.argmax()), differ.shape)
            k = int(np.argmax(Y[n, i] != y[n]))
            column = self.names[self.targets[k]]
            raise DataError(
                f"the .csv's sample {ids[n]} has {column} = {_g(Y[n, i, k])} on row "
                f"{line[n, i]} but {_g(y[n, k])} on row {line[n, -1]} (t = T); a sample has "
                "one target: repeat it or leave the cell empty"
            )
        if self.kind == "classification":
            return X, y[:, 0].astype(np.int64)  # (N,)
        return X, y  # (N, K)


def _g(value: float) -> str:
    """A number as a message shows it: an integer as one, else 9 significant digits."""
    return str(int(value)) if float(value).is_integer() else format(float(value), ".9g")


def _columns(names: list[str], header: list[str]) -> str:
    """What the header has, for a message, and a hint when the separator is not a comma."""
    if len(names) == 1 and any(sep in header[0] for sep in ";\t|"):
        sep = next(s for s in ";\t|" if s in header[0])
        return f"its header is separated by {sep!r}; columns must be separated by commas"
    shown = ", ".join(quote(n) for n in names[:5]) + (", …" if len(names) > 5 else "")
    return f"its columns are {shown}; it needs sample, t and one column per feature"


def _too_long(cell: str, line: int, column: str) -> DataError:
    return DataError(
        f"the .csv's row {line}, column {quote(column)}: a number of {len(cell):,} characters "
        f"is too long (at most {NUMBER_CHARS})"
    )


def _whole(cell: str, line: int, column: str, digits: int = 12) -> int:
    """The whole number in a sample, t or class cell (at most ``digits`` digits), or
    DataError naming the cell."""
    text = cell.strip()
    if len(text) <= digits and _WHOLE.fullmatch(text):
        return int(text)
    if len(text) > NUMBER_CHARS:
        raise _too_long(text, line, column)
    if len(text.lstrip("+-")) > digits and _WHOLE.fullmatch(text):
        raise DataError(
            f"the .csv's row {line}, column {quote(column)}: {quote(text)} has more than "
            f"{digits} digits; {column} takes whole numbers of at most {digits} digits"
        )
    if not _WHOLE.fullmatch(text):
        problem = " is empty" if not text else f": {quote(text)} is not a whole number"
        raise DataError(
            f"the .csv's row {line}, column {quote(column)}{problem}; it takes whole numbers"
        )
    return int(text)


def _wholes(cells: Sequence[str], digits: int) -> list[int] | None:
    """The whole numbers (at most ``digits`` digits) in a column's cells, checked at once
    as ``_whole`` checks each; None if any cell needs a closer look."""
    pattern = _WHOLES.get(digits) or _WHOLES.setdefault(digits, _wholes_pattern(digits))
    if not pattern.fullmatch(",".join(cells)):
        return None
    try:
        return list(map(int, cells))  # a cell holding a comma fails here
    except ValueError:
        return None


def _wholes_pattern(digits: int) -> re.Pattern:
    whole = rf"[ \t]*[+-]?[0-9]{{1,{digits}}}[ \t]*"
    return re.compile(rf"{whole}(?:,{whole})*")


def _decimals(cells: Sequence[str]) -> list[float] | None:
    """The numbers in many cells, checked at once as ``_decimal`` checks each
    (plain decimals of at most NUMBER_CHARS characters, within float32's range); None if
    any cell needs a closer look."""
    if max(map(len, cells)) > NUMBER_CHARS or not _DECIMALS.fullmatch(",".join(cells)):
        return None
    try:
        values = list(map(float, cells))  # a cell holding a comma fails here
    except ValueError:
        return None
    return values if max(map(abs, values)) < FLOAT32_EDGE else None


def _decimal(cell: str, line: int, column: str) -> float:
    """The number in a feature or target cell: a decimal such as 0.5, -3 or 1e-4, finite
    and within float32's range; DataError naming the cell otherwise."""
    text = cell.strip()
    if len(text) > NUMBER_CHARS:
        raise _too_long(text, line, column)
    place = f"the .csv's row {line}, column {quote(column)}"
    if not _DECIMAL.fullmatch(text):
        if not text:
            raise DataError(f"{place} is empty; every value of X must be a number")
        if text.lower().lstrip("+-") in _NOT_FINITE:
            raise DataError(f"{place}: {quote(text)} is not a finite number; values must be finite")
        raise DataError(f"{place}: {quote(text)} is not a number (such as 0.5, -3 or 1e-4)")
    value = float(text)
    if not abs(value) < FLOAT32_EDGE:  # 1e999 is inf as a float, and refused here too
        raise DataError(
            f"{place}: {quote(text)} is beyond float32's range (±{FLOAT32_MAX:.4g}); values "
            "must be finite"
        )
    return value
