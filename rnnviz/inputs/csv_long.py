"""The long-form .csv of the user's data (``rnnviz.inputs.userdata``'s docstring says what it
holds): its X (N, T, D) and y as float64, or one ``DataError`` sentence naming the first
problem. pandas reads a file whose every cell is plainly fine, fast; anything else, or
anything pandas might read otherwise, is read again by the row-by-row reader (``_Table``),
which is the definition of the format: it refuses a bad file with the row and column of its
first problem, and the fast path must give exactly what it gives. The caller's
``check_shape`` is the one rule for X's shape (the bounds and the work cap), run once N and T
are known and before X is built."""

from __future__ import annotations

import csv
import io
import re
from array import array
from collections.abc import Callable, Sequence

import numpy as np

from rnnviz.config import FIELDS, ConfigError, quote
from rnnviz.config.rnn_config import WORK_CAP
from rnnviz.inputs.refusal import FLOAT32_EDGE, FLOAT32_MAX, DataError

# A CSV number has at most this many characters; checked before float() or int() sees it
# (int() refuses more than 4,300 digits with its own error). float64's longest exact
# repr, -2.2250738585072014e-308, takes 24.
NUMBER_CHARS = 64
_N_MAX, _T_MAX, _K_MAX = (FIELDS[symbol].high for symbol in "NTK")
MAX_ROWS = _N_MAX * _T_MAX  # a CSV row is one (sample, t)
SAMPLE_DIGITS = 18  # a CSV's sample numbers fit in int64
WHOLE_DIGITS = 12  # a t or class cell's digits at most

# A number in a CSV cell, with one way to match each text (no backtracking blow-up).
_NUMBER = r"[+-]?(?:[0-9]+(?:[.][0-9]*)?|[.][0-9]+)(?:[eE][+-]?[0-9]+)?"
_DECIMAL = re.compile(_NUMBER)
_DECIMALS = re.compile(rf"[ \t]*{_NUMBER}[ \t]*(?:,[ \t]*{_NUMBER}[ \t]*)*")  # many cells
_WHOLE = re.compile(r"[+-]?[0-9]+")
_NOT_FINITE = ("nan", "inf", "infinity")

# The bytes of a data row pandas may read: within them, a cell pandas takes for a number
# (it also takes "nan", "inf", "True", "١" or "1\xa0", none of which is here) is a plain
# decimal with spaces around it, as ``_decimal`` takes it; a cell that is not is refused by
# pandas too (checked by tests/test_userdata.py), or is empty and becomes NaN.
_PLAIN_BYTES = b"0123456789.eE+- \t,\n"
_COMMA, _NEWLINE, _POINT, _E_LOWER, _E_UPPER = map(ord, ",\n.eE")

ShapeCheck = Callable[[tuple[int, int, int]], None]  # refuses an X shape (N, T, D)


def arrays(
    payload: bytes, check_shape: ShapeCheck, *, by_rows: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """X (N, T, D) float64 and y (classes (N,) int64, targets (N, K) float64, or None) of
    the .csv ``payload``, or DataError. ``by_rows`` skips pandas and reads row by row only,
    to compare the two (the bench and the tests)."""
    text = _utf8(payload)
    if not by_rows:
        found = _by_pandas(payload, text, check_shape)
        if found is not None:
            return found
    return _by_rows(text, check_shape)


def _utf8(payload: bytes) -> str:
    try:
        return payload.decode("utf-8-sig")  # a byte-order mark, as Excel writes, is dropped
    except UnicodeDecodeError as err:
        row = payload.count(b"\n", 0, err.start) + 1
        raise DataError(
            f"the .csv is not UTF-8 text: byte 0x{payload[err.start]:02x} on row {row} is not "
            "UTF-8; save it as UTF-8 (in Excel: CSV UTF-8)"
        ) from None


def _by_rows(text: str, check_shape: ShapeCheck) -> tuple[np.ndarray, np.ndarray | None]:
    """The file parsed row by row into flat arrays, then sorted by (sample, t) and checked to
    be N whole sequences of the same T: the reader that says what is wrong with a file."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # bad quoting: refused
    try:
        header = next(reader, None)
        while header is not None and not header:  # blank lines before the header
            header = next(reader, None)
        if header is None:
            raise DataError("the .csv has no rows; its first row must name the columns")
        table = _Table(header)
        for row in reader:
            if row:  # a blank line is no row
                table.add(row, reader.line_num)
    except csv.Error as err:
        raise DataError(f"the .csv cannot be read at row {reader.line_num}: {err}") from None
    return table.arrays(check_shape)


def _by_pandas(
    payload: bytes, text: str, check_shape: ShapeCheck
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """X and y read by ``pandas.read_csv``, or None wherever ``_by_rows`` might refuse the
    file or read it otherwise: then it reads the file again, and says what is wrong."""
    end = text.find("\n")
    header = text[:end].removesuffix("\r")
    # A header on the first line, without quotes: csv.reader would split it at its commas.
    if end < 0 or not header or any(c in header for c in '"\r\x00'):
        return None
    if len(header) > csv.field_size_limit():  # a name csv.reader refuses: csv.Error
        return None
    try:
        table = _Table(header.split(","))
    except DataError:
        return None
    data = payload[payload.find(b"\n") + 1 :]
    if b"\r" in data:  # a CR left alone after this ends a line too: _plain_cells refuses it
        data = data.replace(b"\r\n", b"\n")
    if data and not data.endswith(b"\n"):
        data += b"\n"
    filled = _plain_cells(data, table)  # (rows, K)
    if filled is None:
        return None
    rows = len(filled)
    frame = _read_csv(data, table)
    if frame is None or len(frame) != rows:
        return None
    sample = frame[table.i_sample].to_numpy(np.int64)  # (rows,)
    t = frame[table.i_t].to_numpy(np.int64)  # (rows,)
    x = frame[table.features].to_numpy(np.float64)  # (rows, D)
    if t.min() < 1 or t.max() > _T_MAX or not (np.abs(x) < FLOAT32_EDGE).all():  # NaN too
        return None
    given = np.zeros(rows, dtype=bool)  # (rows,)
    Y = np.zeros((rows, table.K))  # (rows, K)
    if table.K:
        given = filled[:, 0]  # (rows,)
        Y = frame[table.targets].to_numpy(np.float64)  # (rows, K), NaN where empty
        if (filled != given[:, None]).any() or (np.isnan(Y) == filled).any():
            return None  # a row with some targets but not all, or a cell pandas read as NaN
        Y = np.where(given[:, None], Y, 0.0)  # (rows, K) as the row reader keeps them
        if table.kind == "classification":
            fine = (Y >= 0).all() and (Y < _K_MAX).all()  # whole: _plain_cells saw no point
        else:
            fine = (np.abs(Y) < FLOAT32_EDGE).all()
        if not fine:
            return None
    line = np.arange(2, rows + 2)  # (rows,) the header is line 1, and no line is blank
    try:
        return table.grid(sample, t, line, x, Y, given, check_shape)
    except DataError:
        return None


def _plain_cells(data: bytes, table: _Table) -> np.ndarray | None:
    """Whether each row's target cells hold anything (rows, K), if pandas and csv.reader see
    the same rows and cells in ``data`` (lines ending in LF) and ``_Table.add`` would take
    each cell that pandas reads as a number; None otherwise. That is: every byte is one
    ``_PLAIN_BYTES`` allows, every line has the header's width (so none is blank), the rows
    are within MAX_ROWS and the work cap, no cell is too long, and a whole-number cell holds
    no '.', 'e' or 'E'."""
    lines = data.count(b"\n")  # before any array is made for them
    if not data or lines > MAX_ROWS or lines * table.D > WORK_CAP:
        return None
    if data.translate(None, _PLAIN_BYTES):
        return None
    raw = np.frombuffer(data, dtype=np.uint8)  # (bytes,)
    # (cells,) each cell's separator; int32, since an upload is far below 2 GB: a file of
    # one-character cells has a cell every two bytes, and these arrays are its peak memory
    ends = np.flatnonzero((raw == _COMMA) | (raw == _NEWLINE)).astype(np.int32)
    width = table.width
    rows = len(ends) // width
    if rows * width != len(ends):
        return None
    newline = raw[ends] == _NEWLINE  # (cells,)
    if np.count_nonzero(newline) != rows or not newline[width - 1 :: width].all():
        return None
    starts = np.empty_like(ends)  # (cells,)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    starts = starts.reshape(rows, width)  # (rows, width)
    length = ends.reshape(rows, width) - starts  # (rows, width)
    wholes = [table.i_sample, table.i_t]
    if table.kind == "classification":
        wholes += table.targets
    numbers = [i for i in range(width) if i not in wholes]
    if length[:, numbers].max() > NUMBER_CHARS:
        return None
    for i in wholes:
        most = int(length[:, i].max())  # spaces and a sign count too: conservative
        if most > (SAMPLE_DIGITS if i == table.i_sample else WHOLE_DIGITS):
            return None
        at = starts[:, i, None] + np.arange(most)  # (rows, most)
        inside = np.arange(most) < length[:, i, None]  # (rows, most)
        cell = raw[np.minimum(at, len(raw) - 1)]  # (rows, most)
        if (inside & ((cell == _POINT) | (cell == _E_LOWER) | (cell == _E_UPPER))).any():
            return None  # pandas reads 1.0 or 1e3 as a whole number; _whole does not
    return length[:, table.targets] > 0


def _read_csv(data: bytes, table: _Table):
    """The data rows as a pandas DataFrame, columns named 0..width-1; None if pandas
    refuses them."""
    import pandas as pd  # here, so that importing rnnviz stays light

    # pandas 3 converts every float exactly (fast_float); before it, only "round_trip" did.
    exact = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
    dtype = {i: np.float64 for i in range(table.width)} | {
        table.i_sample: np.int64,
        table.i_t: np.int64,
    }
    try:
        return pd.read_csv(
            io.BytesIO(data),
            header=None,
            names=list(range(table.width)),
            index_col=False,
            dtype=dtype,
            engine="c",
            keep_default_na=False,
            na_values=[""],  # an empty cell is NaN; no text such as "NA" is
            **exact,
        )
    except (ValueError, OverflowError):  # pandas' ParserError is a ValueError
        return None


class _Table:
    """A long-form CSV being read: its columns, then each row's numbers in flat arrays."""

    def __init__(self, header: list[str]):
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
                    FIELDS[symbol].check(value)
                except ConfigError as err:
                    raise DataError(f"the .csv has {value} {columns} columns: {err}") from None
        self.over = False  # more than WORK_CAP values of X: no more are kept
        self.sample, self.t, self.line = array("q"), array("q"), array("q")
        self.x, self.y, self.given = array("d"), array("d"), array("b")

    def add(self, row: list[str], line: int) -> None:
        """Add one row (``line``: its row number), or say what is wrong with it."""
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
        # the rows are still read, for N and T, and ``check_shape`` refuses the file with them.
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

    def arrays(self, check_shape: ShapeCheck) -> tuple[np.ndarray, np.ndarray | None]:
        """X (N, T, D) float64 and y of the rows added (``grid``)."""
        return self.grid(
            np.frombuffer(self.sample, dtype=np.int64),  # (rows,)
            np.frombuffer(self.t, dtype=np.int64),  # (rows,)
            np.frombuffer(self.line, dtype=np.int64),  # (rows,)
            np.frombuffer(self.x, dtype=np.float64),  # (rows·D,) unless over the cap
            np.frombuffer(self.y, dtype=np.float64),  # (rows·K,)
            np.frombuffer(self.given, dtype=np.int8) == 1,  # (rows,)
            check_shape,
        )

    def grid(
        self,
        sample: np.ndarray,
        t: np.ndarray,
        line: np.ndarray,
        x: np.ndarray,
        Y: np.ndarray,
        given: np.ndarray,
        check_shape: ShapeCheck,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """X (N, T, D) float64 and y: classes (N,) int64, targets (N, K) float64 or None,
        from every row's sample, t and row number (rows,), values x (rows, D) and targets
        Y (rows, K) (either flat), and whether the row gives targets (rows,); the rows
        sorted by (sample, t) must be N whole sequences of the same T."""
        rows = len(line)
        if rows == 0:
            raise DataError(
                "the .csv has a header but no data rows; it needs one row per sample and step"
            )
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
        check_shape((N, T, D))  # N within bounds, N·T·D within the cap: X may be built
        X = x.reshape(rows, D)[order].reshape(N, T, D)  # (N, T, D)
        if self.kind == "none":
            return X, None
        Y = Y.reshape(rows, K)[order].reshape(N, T, K)  # (N, T, K)
        given = given[order].reshape(N, T)  # (N, T)
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


def _whole(cell: str, line: int, column: str, digits: int = WHOLE_DIGITS) -> int:
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
