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
  sample, given on its row with t = T; its other rows repeat it or leave it empty. It is
  read by ``rnnviz.inputs.csv_long``: by pandas when every cell is plainly fine, else row
  by row, which names the first problem.

X may be float, integer or bool (taken as 0/1) and becomes float32; every value must be
finite and within float32's range. N, T, D and K are bounded by their fields
(``rnnviz.config.FIELDS``) and N·T·D by the work cap. Binary files are never unpickled:
object arrays are refused. A header is checked before its data is read, and an archive's
unpacked size before any member is, so a small upload cannot make the server allocate
gigabytes. Nothing here imports Streamlit or TensorFlow.
"""

from __future__ import annotations

import csv
import hashlib
import io
import lzma
import math
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnnviz.config import FIELDS, quote
from rnnviz.config.fields import DIGEST_CHARS
from rnnviz.config.rnn_config import WORK_CAP, Work
from rnnviz.inputs import csv_long
from rnnviz.inputs.refusal import FLOAT32_EDGE, FLOAT32_MAX, DataError  # shared with csv_long

MB = 2**20
MAX_BYTES = 16 * MB  # Streamlit's server.maxUploadSize (16 MB, .streamlit/config.toml)
EXTENSIONS = (".npy", ".npz", ".csv")
# An .npz may be compressed (numpy.savez_compressed): it may unpack to more than it weighs,
# but not to more than this, checked in the zip directory before a member is read.
UNPACKED_SLACK = MB  # the .npy headers and zip entries beyond the arrays' bytes
UNPACKED_MOST = 8 * MAX_BYTES + UNPACKED_SLACK
_K_MAX = FIELDS["K"].high

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
Limits: {", ".join(f"{s} ≤ {FIELDS[s].high}" for s in "NTDK")}, and N·T·D ≤ {WORK_CAP:,}.
"""


@dataclass(frozen=True, eq=False)  # eq=False: hashed by identity, and weakly referenced
class Data:
    """The user's X and targets as read, read-only, named by their digest."""

    digest: str  # DIGEST_CHARS hex digits of the sha256 of X and y (``digest``)
    X: np.ndarray  # (N, T, D) float32
    y: np.ndarray | None  # regression (N, K) float32, classification (N,) int32, or None
    kind: str  # "regression" | "classification" | "sequence" | "none" (rnnviz.tasks.Kind)
    K: int | None  # the outputs y fixes: its K columns, or its classes; None without y
    name: str  # the uploaded file's name
    text: object = None  # cut from a .txt: its rnnviz.text.corpus.Corpus (rnnviz.inputs.text)

    @property
    def key(self) -> str:
        return self.digest

    def problem(self, config) -> str | None:
        """None: a config that names this data takes its sizes (``rnnviz.config.links``)."""
        return None

    @property
    def nbytes(self) -> int:
        text = 0 if self.text is None else 4 * len(self.text.text) + self.text.ids.nbytes
        return self.X.nbytes + (0 if self.y is None else self.y.nbytes) + text

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


def read(name: str, payload: bytes, *, by_rows: bool = False) -> Data:
    """The file ``name`` with contents ``payload`` as Data, by its extension (any case);
    DataError says what is wrong with anything else. ``by_rows`` reads a .csv with the
    row-by-row reader alone, without pandas' fast path (to compare the two)."""
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
    X, y = csv_long.arrays(payload, _csv_shape, by_rows=by_rows)
    return from_arrays(X, y, name, " in the .csv")


def _csv_shape(shape: tuple[int, int, int]) -> None:
    _x_shape(shape, "X in the .csv")


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
    meaning, low, high = FIELDS[symbol].meaning, FIELDS[symbol].low, FIELDS[symbol].high
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
