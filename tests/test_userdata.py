"""rnnviz.inputs.userdata: the user's X (and y) read from .npy, .npz and .csv, or refused with one
sentence. Round trips must be bit-exact; every malformed upload must give a DataError that
names the problem; no bytes whatever may raise anything else. No TensorFlow here."""

from __future__ import annotations

import io
import random
import re
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rnnviz.config.fields import DIGEST_CHARS
from rnnviz.inputs import csv_long, userdata
from rnnviz.inputs.userdata import MAX_BYTES, DataError, csv_text, digest, npz_bytes, read


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def npy(A: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, A, allow_pickle=True)
    return buffer.getvalue()


def npz(compressed: bool = False, **arrays) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, **arrays)
    return buffer.getvalue()


def lines(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def bits(A: np.ndarray) -> np.ndarray:
    """A's exact bits, so -0.0 and 0.0 differ and NaN would not equal itself."""
    return np.ascontiguousarray(A).view(np.uint8)


def X_random(N: int = 4, T: int = 5, D: int = 3, seed: int = 0) -> np.ndarray:
    return _rng(seed).standard_normal((N, T, D), dtype=np.float32)  # (N, T, D)


# ---- round trips ----


@pytest.mark.parametrize("kind", ["none", "regression", "classification"])
def test_npz_round_trip_is_exact(kind):
    X = X_random(6, 7, 2)  # (N, T, D)
    y = {
        "none": None,
        "regression": _rng(1).standard_normal((6, 3)).astype(np.float32),  # (N, K)
        "classification": np.array([0, 4, 1, 1, 0, 2]),  # (N,) int64 on the way in
    }[kind]
    data = read("mine.npz", npz_bytes(X, y))
    assert data.kind == kind and data.name == "mine.npz"
    assert data.X.dtype == np.float32 and np.array_equal(bits(data.X), bits(X))
    assert (data.N, data.T, data.D) == (6, 7, 2)
    if kind == "none":
        assert data.y is None and data.K is None
        assert data.sizes() == {"N": 6, "T": 7, "D": 2}
    elif kind == "regression":
        assert data.y.dtype == np.float32 and np.array_equal(bits(data.y), bits(y))
        assert data.K == 3 and data.sizes() == {"N": 6, "T": 7, "D": 2, "K": 3}
    else:
        assert data.y.dtype == np.int32 and data.y.tolist() == [0, 4, 1, 1, 0, 2]
        assert data.K == 5  # classes 0..4
    assert data.nbytes == X.nbytes + (0 if y is None else data.y.nbytes)


def test_npz_one_dimensional_float_y_is_one_output():
    X, y = X_random(3, 2, 1), np.array([0.5, -1.0, 2.0])  # (N,) float64
    data = read("d.npz", npz_bytes(X, y))
    assert data.kind == "regression" and data.K == 1
    assert data.y.shape == (3, 1) and data.y[:, 0].tolist() == [0.5, -1.0, 2.0]


def test_classification_has_at_least_two_classes():
    data = read("d.npz", npz_bytes(X_random(3, 2, 1), np.zeros(3, dtype=np.int8)))
    assert data.kind == "classification" and data.K == 2


def test_arrays_are_read_only():
    data = read("d.npz", npz_bytes(X_random(), np.arange(4)))
    for A in (data.X, data.y):
        assert not A.flags.writeable
        with pytest.raises(ValueError):
            A[0] = 1


def test_compressed_npz_reads_the_same():
    X = X_random()
    plain, packed = read("a.npz", npz_bytes(X)), read("b.npz", npz(True, X=X))
    assert plain.digest == packed.digest


def test_npy_round_trip_any_layout_and_dtype():
    X = X_random(3, 4, 2)  # (N, T, D)
    assert np.array_equal(bits(read("x.NPY", npy(X)).X), bits(X))
    fortran = np.asfortranarray(X)
    assert np.array_equal(bits(read("x.npy", npy(fortran)).X), bits(X))
    assert read("x.npy", npy(fortran)).X.flags.c_contiguous
    big_endian = X.astype(">f4")
    assert np.array_equal(bits(read("x.npy", npy(big_endian)).X), bits(X))
    wide = X.astype(np.float64)  # float32 values widened: narrow back exactly
    assert np.array_equal(bits(read("x.npy", npy(wide)).X), bits(X))
    flags = np.array([[[True, False]], [[False, True]]])  # (2, 1, 2) bool
    assert read("x.npy", npy(flags)).X.tolist() == [[[1.0, 0.0]], [[0.0, 1.0]]]
    counts = np.array([[[3], [-2]]], dtype=np.int16)  # (1, 2, 1)
    assert read("x.npy", npy(counts)).X.tolist() == [[[3.0], [-2.0]]]


def test_csv_round_trip_is_bit_exact_at_float32s_edges():
    X = X_random(3, 4, 5)  # (N, T, D)
    f32 = np.finfo(np.float32)
    X[0, 0] = [f32.max, -f32.max, f32.smallest_subnormal, -0.0, f32.tiny]
    X[1, 1, 0] = np.nextafter(np.float32(1), np.float32(2))
    for y in (None, _rng(2).standard_normal((3, 2)).astype(np.float32), np.array([2, 0, 1])):
        for repeat in (True, False):
            data = read("x.csv", csv_text(X, y, repeat=repeat).encode())
            assert np.array_equal(bits(data.X), bits(X))
            if y is not None:
                assert np.array_equal(data.y, y) and data.digest == digest(X, data.y)
            assert data.digest == read("x.npz", npz_bytes(X, y)).digest


def test_csv_rows_in_any_order_read_the_same():
    X, y = X_random(5, 6, 2), np.array([1, 0, 2, 2, 0])
    header, *rows = csv_text(X, y).splitlines()
    random.Random(0).shuffle(rows)
    shuffled = read("s.csv", "\n".join([header, *rows]).encode())
    assert shuffled.digest == read("o.csv", csv_text(X, y).encode()).digest
    assert np.array_equal(shuffled.X, X) and shuffled.y.tolist() == [1, 0, 2, 2, 0]


def test_csv_targets_on_the_last_row_only():
    text = csv_text(X_random(2, 3, 1), np.array([[0.25], [-4.0]]), repeat=False)
    assert text.splitlines()[1].endswith(",")  # sample 0, t = 1: the y cell is empty
    data = read("last.csv", text.encode())
    assert data.kind == "regression" and data.y.tolist() == [[0.25], [-4.0]]


def test_hand_written_csv():
    """Two samples (ids 7 and -1: sorted, -1 is n = 0), T = 3, D = 2, classes; the rows
    out of order, the class given on every row of one sample and only at t = T on the other,
    a byte-order mark, CRLF line ends, spaces, and columns in an unusual order."""
    text = (
        "\ufeffspeed, t ,sample,class,angle\r\n"
        "1.5,1,7,1,10\r\n"
        "2.5,2,7,1,20\r\n"
        "-1,3,-1,0,0.5\r\n"
        "0,1,-1,,1e-3\r\n"
        "3.5,3,7,1,30\r\n"
        "-2,2,-1,,  4 \r\n"
    )
    data = read("hand.csv", text.encode("utf-8"))
    assert data.kind == "classification" and data.K == 2
    assert data.X.tolist() == [
        [[0.0, np.float32(1e-3)], [-2.0, 4.0], [-1.0, 0.5]],  # sample -1: t = 1, 2, 3
        [[1.5, 10.0], [2.5, 20.0], [3.5, 30.0]],  # sample 7
    ]
    assert data.y.tolist() == [0, 1]


def test_csv_regression_columns_in_header_order():
    text = lines("sample,t,y_b,x,y_a", "0,1,1,5,2", "1,1,3,6,4")
    data = read("k.csv", text)
    assert data.y.tolist() == [[1.0, 2.0], [3.0, 4.0]] and data.X.tolist() == [[[5.0]], [[6.0]]]


def test_max_bytes_is_streamlits_upload_limit(root):
    text = (root / ".streamlit" / "config.toml").read_text()
    (size,) = re.findall(r"^maxUploadSize = ([0-9]+)$", text, re.M)  # no tomllib in 3.10
    assert MAX_BYTES == int(size) * 2**20


# ---- digest ----


def test_digest_names_the_values():
    X, y = X_random(), np.array([0, 1, 1, 0])
    d = digest(X, y)
    assert len(d) == DIGEST_CHARS and all(c in "0123456789abcdef" for c in d)
    assert digest(X.copy(), y.astype(np.int32)) == d  # same values, same name
    assert read("a.npz", npz_bytes(X, y)).digest == d
    other = X.copy()
    other[3, 4, 2] = np.nextafter(other[3, 4, 2], np.float32(np.inf))  # one ulp
    assert digest(other, y) != d
    assert digest(X, np.array([0, 1, 1, 1])) != d
    assert digest(X, None) != d
    assert digest(X, y.astype(np.float32)) != d  # regression targets are other data
    assert digest(X.reshape(4, 15, 1), y) != d  # the same numbers in another shape


# ---- the upload fuzz: malformed files, each refused with its reason ----


def _zip_bomb() -> bytes:
    """An .npz whose one member unpacks to 140 MB of zeros (0.6 MB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("X.npy", "w", force_zip64=True) as member:
            zeros = bytes(2**20)
            for _ in range(140):
                member.write(zeros)
    return buffer.getvalue()


def _damaged_npz() -> bytes:
    """A valid .npz with one byte of X's data changed: the member's CRC no longer fits."""
    raw = bytearray(npz_bytes(X_random()))
    raw[npz_bytes(X_random()).index(b"\x93NUMPY") + 200] ^= 0xFF
    return bytes(raw)


def _objects() -> np.ndarray:
    A = np.empty((1, 1, 1), dtype=object)
    A[0, 0, 0] = {"a": 1}
    return A


def _nan_at(n: int, t: int, d: int, value: float) -> bytes:
    X = np.zeros((3, 4, 3), dtype=np.float64)  # (N, T, D)
    X[n, t - 1, d] = value
    return npz_bytes(X)


def _header_only(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    """A .npy header promising ``shape`` and no data."""
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


X0 = np.zeros((2, 3, 1), dtype=np.float32)  # (N, T, D)
HEAD = "sample,t,x0,x1"

# (file name, bytes or a function making them, a fragment the message must contain)
MALFORMED = [
    # any file
    ("data.npz", b"", "the .npz file is empty (0 bytes)"),
    ("data.txt", b"sample,t,x\n0,1,2\n", "'data.txt' is not a .npy, .npz or .csv file"),
    ("data", npy(X0), "'data' is not a .npy, .npz or .csv file"),
    ("big.csv", lambda: bytes(MAX_BYTES + 1), "16.00 MB (16,777,217 bytes), over the limit"),
    # .npy
    ("x.npy", npy(_objects()), "holds Python objects, which are never loaded (pickle can run"),
    ("x.npy", npy(X0)[:-5], "cut short: its header promises 24 bytes of data but only 19"),
    ("x.npy", npy(X0) + b"junk", "has 4 bytes after its data"),
    ("x.npy", b"hello, world", "is not a valid .npy array"),
    ("x.npy", npy(X0)[:30], "is not a valid .npy array"),
    ("x.npy", npy(np.zeros((2, 3))), "has shape (2, 3), 2-D, but must be 3-D (N, T, D); save"),
    ("x.npy", npy(np.zeros((1, 2, 3, 4))), "has shape (1, 2, 3, 4), 4-D, but must be 3-D"),
    ("x.npy", npy(np.zeros(5)), "has shape (5,), 1-D"),
    ("x.npy", npy(np.zeros((2, 3, 1), np.complex128)), "holds complex numbers (complex128)"),
    ("x.npy", npy(np.full((1, 1, 1), "abc")), "holds text (<U3)"),
    ("x.npy", npy(np.zeros((1, 1, 1), "datetime64[s]")), "holds dates"),
    ("x.npy", npy(np.zeros((1, 1, 1), [("a", "<f4")])), "holds structured records"),
    ("x.npy", npy(np.zeros((2001, 1, 1), np.float32)), "N (samples) must be between 1 and 2000"),
    ("x.npy", npy(np.zeros((1, 501, 1), np.float32)), "T (time steps) must be between 1 and 500"),
    ("x.npy", npy(np.zeros((1, 1, 65), np.float32)), "D (input features) must be between 1 and 6"),
    ("x.npy", npy(np.zeros((0, 3, 1), np.float32)), "N (samples) must be between 1 and 2000, go"),
    (
        "x.npy",
        lambda: npy(np.zeros((2000, 500, 6), dtype=bool)),  # 6 MB: bool is one byte
        "N·T·D = 2000·500·6 = 6,000,000 numbers, over the limit of 5,000,000",
    ),
    ("x.npy", _header_only((10**12, 10**6, 10**3)), "N (samples) must be between 1 and 2000"),
    ("x.npy", _header_only((2, 3, 1), "<f8"), "cut short: its header promises 48 bytes"),
    ("x.npy", _header_only((10**3000, 1, 1)), "(1000… (3,001 digits), 1, 1): N (samples) must"),
    ("x.npy", _header_only((7, 10**20)), "has shape (7, 1000… (21 digits)), 2-D"),
    # .npz
    ("x.npz", b"PK not really a zip", "the .npz is not a zip archive"),
    ("x.npz", npy(X0), "the .npz is not a zip archive"),
    ("x.npz", _zip_bomb, "the .npz unpacks to 146,800,640 bytes, more than the"),
    ("x.npz", _damaged_npz, "X in the .npz cannot be unpacked: the archive is damaged"),
    ("x.npz", npz(X=_objects()), "X in the .npz holds Python objects, which are never loaded"),
    ("x.npz", npz(X=X0, y=np.array([{}, {}], dtype=object)), "y in the .npz holds Python obj"),
    ("x.npz", npz(X=X0, Z=X0, w=X0), "the .npz holds 'Z', 'w'; it may hold only X and y"),
    ("x.npz", npz(y=np.zeros(2)), "the .npz has no X"),
    ("x.npz", npz(arr_0=X0), "holds 'arr_0'; it may hold only X and y (save with numpy.savez(f,"),
    ("x.npz", _nan_at(1, 3, 2, np.nan), "X in the .npz has NaN (not a number) at X[1, 2, 2] (sa"),
    ("x.npz", _nan_at(1, 3, 2, np.nan), "(sample n = 1, step t = 3, feature d = 2)"),
    ("x.npz", _nan_at(2, 1, 0, -np.inf), "has an infinite value at X[2, 0, 0]"),
    ("x.npz", _nan_at(0, 4, 1, 1e39), "has a value beyond float32's range (1e+39) at X[0, 3, 1]"),
    ("x.npz", npz(X=np.zeros((2, 3, 1), np.complex64)), "X in the .npz holds complex numbers"),
    ("x.npz", npz(X=np.zeros((3, 2))), "X in the .npz has shape (3, 2), 2-D"),
    ("x.npz", npz(X=X0, y=np.zeros(3)), "y in the .npz has 3 samples (shape (3,)) but X has N = 2"),
    ("x.npz", npz(X=X0, y=np.array([0, -1])), "y in the .npz has class -1 at sample n = 1"),
    ("x.npz", npz(X=X0, y=np.array([70, 0])), "K = 71 classes, over the limit of 64"),
    ("x.npz", npz(X=X0, y=np.zeros((2, 65))), "K (outputs) must be between 1 and 64, got 65"),
    ("x.npz", npz(X=X0, y=np.zeros((2, 1), int)), "class indices must be 1-D (N,) = (2,)"),
    ("x.npz", npz(X=X0, y=np.array([0.5, np.nan])), "y in the .npz has NaN (not a number) at y"),
    ("x.npz", npz(X=X0, y=np.array(["a", "b"])), "y in the .npz holds text"),
    ("x.npz", npz(X=X0, y=np.zeros((2, 1, 1))), "y in the .npz has shape (2, 1, 1), 3-D"),
    # .csv
    ("x.csv", "sample,t,x\n0,1,é\n".encode("latin-1"), "not UTF-8 text: byte 0xe9 on row 2"),
    ("x.csv", lines("0,1,0.5,2", "0,2,0.1,3"), "the .csv has no header row"),
    ("x.csv", lines("sample,x0,x1", "0,1,2"), "the .csv has no 't' column; its columns are"),
    ("x.csv", lines("t,x0", "1,2"), "the .csv has no 'sample' column"),
    ("x.csv", lines("sample;t;x0", "0;1;2"), "its header is separated by ';'"),
    ("x.csv", lines(",sample,t,x", "0,0,1,2"), "column 1 has no name in the header"),
    ("x.csv", lines("sample,t,x,x", "0,1,2,3"), "two columns named 'x'"),
    ("x.csv", lines(HEAD), "the .csv has a header but no data rows"),
    ("x.csv", b"\n\n\n", "the .csv has no rows"),
    ("x.csv", lines("sample,t,y", "0,1,2"), "the .csv has no feature column"),
    ("x.csv", lines("sample,t,x,y,class", "0,1,2,3,1"), "both regression targets (y) and a 'cla"),
    ("x.csv", lines("sample,t," + ",".join(f"f{d}" for d in range(65))), "65 feature columns"),
    ("x.csv", lines("sample,t,x," + ",".join(f"y_{k}" for k in range(65))), "K (outputs) must"),
    ("x.csv", lines(HEAD, "0,1,2,3,4"), "row 2 has 5 fields but the header has 4 columns (too ma"),
    ("x.csv", lines(HEAD, "0,1,2,3", "0,2,2"), "row 3 has 3 fields but the header has 4 columns"),
    ("x.csv", lines(HEAD, "0,1,2,3", "0,2,abc,1"), "row 3, column 'x0': 'abc' is not a number"),
    ("x.csv", lines(HEAD, "0,1,2,"), "row 2, column 'x1' is empty"),
    ("x.csv", lines(HEAD, "0,1,1_000,2"), "'1_000' is not a number"),
    ("x.csv", lines(HEAD, "0,1,١,2"), "'١' is not a number"),
    ("x.csv", lines(HEAD, "0,1,nan,2"), "row 2, column 'x0': 'nan' is not a finite number"),
    ("x.csv", lines(HEAD, "0,1,1,-inf"), "row 2, column 'x1': '-inf' is not a finite number"),
    ("x.csv", lines(HEAD, "0,1,1e999,2"), "'1e999' is beyond float32's range"),
    ("x.csv", lines(HEAD, "0,1,4e38,2"), "'4e38' is beyond float32's range"),
    ("x.csv", lines(HEAD, "0,1," + "7" * 5000 + ",2"), "a number of 5,000 characters is too lo"),
    ("x.csv", lines(HEAD, "9" * 5000 + ",1,2,3"), "column 'sample': a number of 5,000 charac"),
    ("x.csv", lines(HEAD, "9" * 19 + ",1,2,3"), "has more than 18 digits"),
    ("x.csv", lines(HEAD, "0,1.5,2,3"), "row 2, column 't': '1.5' is not a whole number"),
    ("x.csv", lines(HEAD, "0,0,2,3"), "row 2, column 't': t = 0, but t counts a sample's steps"),
    ("x.csv", lines(HEAD, "0,501,2,3"), "t = 501, but t counts a sample's steps from 1 to T, wit"),
    ("x.csv", lines(HEAD, "a,1,2,3"), "column 'sample': 'a' is not a whole number"),
    ("x.csv", lines(HEAD, "0,1,1,1", "0,1,2,2"), "rows 2 and 3 are both sample 0, t = 1; each"),
    (
        "x.csv",
        lines(HEAD, "0,1,0,0", "0,3,0,0", "0,2,0,0", "3,1,0,0", "3,2,0,0"),
        "sample 3 has T = 2 steps, sample 0 has T = 3: all samples must have the same t = 1..T",
    ),
    ("x.csv", lines(HEAD, "5,1,0,0", "5,4,0,0", "5,2,0,0"), "sample 5 has no row for t = 3, t"),
    ("x.csv", lines(HEAD, "0,2,0,0"), "sample 0 has no row for t = 1, though its steps run to"),
    (
        "x.csv",
        lines("sample,t,x,y", "0,1,1,0.5", "0,2,1,0.7"),
        "sample 0 has y = 0.5 on row 2 but 0.7 on row 3 (t = T); a sample has one target",
    ),
    ("x.csv", lines("sample,t,x,y", "0,1,1,0.5", "0,2,1,"), "sample 0 has no targets on its row"),
    ("x.csv", lines("sample,t,x,y_0,y_1", "0,1,1,0.5,"), "row 2 has 'y_0' but no 'y_1'; a row"),
    ("x.csv", lines("sample,t,x,class", "0,1,1,2", "0,2,1,3"), "has class = 2 on row 2 but 3"),
    ("x.csv", lines("sample,t,x,class", "0,1,1,-1"), "class -1, but classes run from 0 to K - 1"),
    ("x.csv", lines("sample,t,x,class", "0,1,1,64"), "class 64, but classes run from 0 to K - 1"),
    ("x.csv", lines("sample,t,x,class", "0,1,1,0.5"), "column 'class': '0.5' is not a whole num"),
    (
        "x.csv",
        lambda: lines("sample,t,x", *(f"{n},1,0" for n in range(2001))),
        "X in the .csv has shape (2001, 1, 1): N (samples) must be between 1 and 2000, got 2001",
    ),
    ("x.csv", lines("sample,t,x", '0,1,"1'), "the .csv cannot be read at row 2: unexpected end"),
    ("x.csv", lines("sample,t,x", '0,1,"1"2'), "the .csv cannot be read at row 2: ',' expected"),
]


@pytest.mark.parametrize(
    ("name", "payload", "expected"),
    MALFORMED,
    ids=[f"{i}-{name}" for i, (name, _, _) in enumerate(MALFORMED)],
)
def test_malformed_upload_is_refused_with_its_reason(name, payload, expected):
    payload = payload() if callable(payload) else payload
    with pytest.raises(DataError) as caught:
        read(name, payload)
    message = str(caught.value)
    assert expected in message, message
    assert "Traceback" not in message and "\n" not in message, message
    assert len(message) < 300, (len(message), message)


def test_the_fuzz_covers_every_format():
    assert len(MALFORMED) >= 30
    assert {name.rpartition(".")[2] for name, _, _ in MALFORMED} >= {"npy", "npz", "csv", "txt"}


def test_csv_over_the_work_cap_names_its_sizes(monkeypatch):
    """Past WORK_CAP values of X the CSV's rows are still counted, to name N, T and D; the
    cap is lowered here so that the file is small (a real one would be 10 MB)."""
    monkeypatch.setattr(userdata, "WORK_CAP", 20)
    rows = [f"{n},{t},1,2" for n in range(4) for t in (1, 2, 3)]  # N·T·D = 4·3·2 = 24
    with pytest.raises(DataError, match=r"N·T·D = 4·3·2 = 24 numbers, over the limit of 20"):
        read("x.csv", lines(HEAD, *rows))
    assert read("x.csv", lines(HEAD, *rows[:9])).X.shape == (3, 3, 2)  # 18 fit


# ---- any bytes: Data or DataError, never another exception ----


def _valid_files() -> list[tuple[str, bytes]]:
    X, y = X_random(2, 3, 2), np.array([1, 0])
    return [
        ("v.npy", npy(X)),
        ("v.npz", npz_bytes(X, y)),
        ("v.npz", npz(True, X=X, y=y.astype(np.float32))),
        ("v.csv", csv_text(X, y, repeat=False).encode()),
    ]


def _read_or_refuse(name: str, payload: bytes) -> None:
    try:
        data = read(name, payload)
    except DataError as err:
        assert "\n" not in str(err) and len(str(err)) < 300, str(err)
    else:
        assert data.X.dtype == np.float32 and data.X.ndim == 3 and np.isfinite(data.X).all()


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(userdata.EXTENSIONS), st.binary(min_size=1, max_size=400))
def test_any_bytes_read_or_raise_data_error(extension, payload):
    _read_or_refuse("f" + extension, payload)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_valid_files()),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4),
    st.integers(0, 10**6),
)
def test_damaged_valid_files_read_or_raise_data_error(file, flips, cut):
    """Valid files with a few bytes changed and maybe cut short: headers, zip directories
    and CSV cells broken in the ways random bytes rarely reach."""
    name, payload = file
    raw = bytearray(payload)
    for at, value in flips:
        raw[at % len(raw)] = value
    _read_or_refuse(name, bytes(raw[: max(1, cut % (len(raw) + 1))]))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from('sampletxyc_,0123456789.-e\n\r" '), max_size=120))
def test_csv_like_text_reads_or_raises_data_error(text):
    _read_or_refuse("f.csv", ("sample,t,x,y\n" + text).encode())


CELLS = ["0", "1", "2", "3", " 1 ", "+1", "-1", "01", "0.5", "-.5", "1e3", "4e38", "1e39"]
CELLS += ["nan", "", "a", '"1,5"', '"2\n"', "1_0", "500", "501", "63", "64", "1e999", "7" * 70]
CELLS += ["inf", "0x10", "True", "1.0", "\t2", "-0", "1.", "0000000000001", "1\xa0"]
HEADERS = ["sample,t,x,y", "sample,t,a,b,class", "t,sample,x,y_0,y_1", "sample,t,x"]


def _outcome(payload: bytes, by_rows: bool) -> str:
    try:
        found = read("f.csv", payload, by_rows=by_rows)
    except DataError as err:
        return f"refused: {err}"
    return f"read {found.digest} {found.kind} {found.K}"


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(HEADERS),
    st.lists(
        st.lists(st.sampled_from(CELLS), min_size=3, max_size=6).filter(lambda r: any(r)),
        max_size=14,
    ),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.booleans(),
    st.data(),
)
def test_csv_read_by_pandas_reads_as_row_by_row(header, rows, end, bom, last_end, data):
    """The fast path (pandas) must give exactly what ``_Table.add``, row by row, gives: the
    same Data or the same message. Rows are drawn both freely and as well-formed (sample, t)
    grids, so both paths see files that read; lines end in LF or CRLF, with or without a
    byte-order mark and a last line end."""
    if data.draw(st.booleans()):  # a well-formed grid of N samples and T steps
        N, T = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
        width = header.count(",") + 1
        pool = st.sampled_from(CELLS[:13])
        rows = []
        for n in range(N):
            target = [data.draw(pool) for _ in range(width - 3)]
            for t in range(1, T + 1):
                row = [data.draw(pool) for _ in range(width)]
                row[header.split(",").index("sample")], row[header.split(",").index("t")] = (
                    str(n),
                    str(t),
                )
                row[3:] = target  # the targets (and a feature): the same all through a sample
                rows.append(row)
    text = end.join([header, *(",".join(row) for row in rows)]) + (end if last_end else "")
    payload = ("\ufeff" if bom else "").encode() + text.encode()
    fast = _outcome(payload, by_rows=False)
    event(fast.partition(" ")[0])
    assert fast == _outcome(payload, by_rows=True)


def _refuse_by_rows(*args):
    pytest.fail("the row-by-row reader read a plain file")


def test_a_plain_csv_is_read_by_pandas(monkeypatch):
    """Files of plain numbers never go through the row-by-row reader: csv_text's, and one
    written by hand with spaces, signs, CRLF, a byte-order mark and no last line end."""
    X, y = X_random(9, 7, 3), _rng(3).standard_normal((9, 2)).astype(np.float32)
    texts = [csv_text(X, y), csv_text(X, np.arange(9) % 4, repeat=False), csv_text(X)]
    monkeypatch.setattr(csv_long, "_by_rows", _refuse_by_rows)
    for text in texts:
        assert np.array_equal(bits(read("p.csv", text.encode()).X), bits(X))
    hand = (
        "\ufeffsample , t,speed,class\r\n 7,1, 1.5 ,\r\n7,2,-.5e1,1\r\n-1 ,2,\t3.,0\r\n-1,1,+4, 0"
    )
    data = read("hand.csv", hand.encode())
    assert data.X.tolist() == [[[4.0], [3.0]], [[1.5], [-5.0]]] and data.y.tolist() == [0, 1]


# (column, cell): cells pandas would take (for a number, or a whole number) that the row
# reader refuses or reads otherwise, and some both read alike; the fast path must give
# exactly the row reader's outcome
TRICKY = [
    *(("x", c) for c in ["nan", "NaN", "-nan", "NA", "null", "inf", "-inf", "Infinity"]),
    *(("x", c) for c in ["1_000", "0x10", "0b1", "True", "1e999", "-1e999", "4e38", "", " "]),
    *(("x", c) for c in ["١", "½", "1\xa0", "7" * 70, "+1", " 1 ", "\t1", "-0", "1.", "1e-400"]),
    *(("x", c) for c in ['"1"', '"1,5"', "1e", "1 2", "1.0.0"]),
    *(("t", c) for c in ["1.0", "1e0", "1.", "+1", " 1 ", "0" * 12 + "1", "0" * 11 + "1", ""]),
    *(("t", c) for c in ["1e999", "0x1", "True", "1.5"]),
    *(("sample", c) for c in ["1.0", "1e0", "1" + "0" * 18, "-" + "9" * 18, "0" * 19, "", "nan"]),
    *(("class", c) for c in ["1.0", "1e0", "1.", "+1", "-0", "64", "-1", "0" * 12 + "1", "nan"]),
    *(("class", c) for c in ["True", " ", "4e38"]),
    *(("y", c) for c in ["nan", "inf", "1e39", "0x1", " ", "-0"]),
]


@pytest.mark.parametrize(("column", "cell"), TRICKY, ids=[f"{c}={v!r}" for c, v in TRICKY])
@pytest.mark.parametrize("T", [1, 3])
def test_tricky_cell_reads_as_row_by_row(column, cell, T):
    """A tricky cell on the first row of a sample of T steps (alone in its column, or not),
    read by the fast path and by the row reader: the same Data or the same DataError."""
    header = ["sample", "t", "x"] + ([column] if column in ("y", "class") else [])
    rows = [["0", str(t), "0.5", "1"][: len(header)] for t in range(1, T + 1)]
    rows[0][header.index(column)] = cell
    payload = lines(",".join(header), *(",".join(row) for row in rows))
    assert _outcome(payload, by_rows=False) == _outcome(payload, by_rows=True)


def test_tricky_cells_refused_as_before():
    """Some of them with the sentence each gives (the row reader's, unchanged)."""
    for column, cell, expected in [
        ("x", "inf", "row 2, column 'x': 'inf' is not a finite number; values must be finite"),
        ("x", "True", "row 2, column 'x': 'True' is not a number (such as 0.5, -3 or 1e-4)"),
        ("x", "0x10", "'0x10' is not a number (such as 0.5, -3 or 1e-4)"),
        ("x", "", "row 2, column 'x' is empty; every value of X must be a number"),
        ("t", "1.0", "row 2, column 't': '1.0' is not a whole number; it takes whole numbers"),
        ("t", "0" * 12 + "1", "has more than 12 digits; t takes whole numbers of at most 12"),
        ("class", "1e0", "column 'class': '1e0' is not a whole number; it takes whole numbers"),
    ]:
        header = ["sample", "t", "x"] + ([column] if column == "class" else [])
        row = ["0", "1", "0.5", "1"][: len(header)]
        row[header.index(column)] = cell
        with pytest.raises(DataError) as caught:
            read("x.csv", lines(",".join(header), ",".join(row)))
        assert expected in str(caught.value)


@settings(max_examples=100, deadline=None)
@given(
    arrays(
        np.float32,
        st.tuples(st.integers(1, 6), st.integers(1, 6), st.integers(1, 4)),
        elements=st.floats(width=32, allow_nan=False, allow_infinity=False),
    ),
    st.sampled_from(["none", "regression", "classification"]),
    st.integers(1, 3),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_csv_text_round_trip_through_pandas_is_bit_exact(X, kind, K, repeat, seed):
    """csv_text -> read is X and y bit for bit, with the digest of the arrays, through
    the fast path alone (the row reader fails the test if it is called)."""
    N = X.shape[0]
    y = {
        "none": None,
        "regression": _rng(seed).standard_normal((N, K)).astype(np.float32),  # (N, K)
        "classification": _rng(seed).integers(0, 5, N),  # (N,)
    }[kind]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_long, "_by_rows", _refuse_by_rows)
        data = read("r.csv", csv_text(X, y, repeat=repeat).encode())
    assert np.array_equal(bits(data.X), bits(X))
    if y is not None:
        assert np.array_equal(bits(data.y), bits(y.astype(data.y.dtype).reshape(data.y.shape)))
    assert data.digest == digest(X, data.y) == read("r.npz", npz_bytes(X, y)).digest


def test_importing_userdata_leaves_pandas_unimported(root):
    """pandas is imported by the first .csv read, not by ``import rnnviz``."""
    code = "import sys, rnnviz.inputs.userdata; sys.exit('pandas' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0
