"""Goldens: the command line's JSON and the export's arrays for a dozen configs, held still.

The cases cover every cell, both GRU variants, stacking, bidirectional, return_sequences, a
planted bug, float64, ``--grad``, the other two layouts, a pulse with a scaled W_hh, and a task
trained for two epochs. ``tests/goldens/cli.json`` holds what ``python -m rnnviz --json``
printed for each and the name, shape and dtype of every array its ``--export`` wrote. A change
of structure (moving modules, sharing a store, generating flags from a table) must leave all of
it as it was: keys, shapes, counts, verdicts and steps exactly, and every number to within what
another CPU's float32 arithmetic may change (the reference was written on one machine, CI runs
on another).

Write the file again, after a change that is meant to change these numbers, with
``.venv/bin/python -m tests.test_goldens``.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

GOLDENS = Path(__file__).parent / "goldens" / "cli.json"

CASES: dict[str, list[str]] = {
    "notebook": [],
    "lstm": ["--cell", "lstm"],
    "gru": ["--cell", "gru", "--M", "4"],
    "gru_reset_before": ["--cell", "gru", "--no-reset-after", "--T", "7"],
    "stacked_lstm": ["--cell", "lstm", "--layers", "2", "--N", "6"],
    "bidirectional_gru": ["--cell", "gru", "--bidirectional", "--seed", "3"],
    "return_sequences": ["--return-sequences", "--K", "3", "--T", "8"],
    "planted_bug": ["--cell", "lstm", "--plant-bug", "whh_transposed"],
    "float64": ["--dtype", "float64", "--cell", "gru", "--layers", "2", "--bidirectional"],
    "grad": ["--grad", "--cell", "lstm", "--layers", "2", "--bidirectional", "--T", "6"],
    "pytorch_layout": ["--layout", "pytorch", "--cell", "gru", "--layers", "2"],
    "textbook_layout": ["--layout", "textbook", "--cell", "lstm"],
    "pulse_scaled": ["--input", "pulse", "--pulse-t", "3", "--pulse-d", "1", "--whh-scale", "1.5"],
    "adding_trained": ["--task", "adding", "--train", "2", "--N", "40", "--T", "12"],
    "parity_trained": ["--task", "parity", "--train", "2", "--N", "30", "--cell", "gru"],
}
# Not compared: how long a training took on this machine.
VARIES = {"train_seconds"}
# Floats may differ by a few units in the last place of float32 from CPU to CPU.
REL, ABS = 1e-4, 1e-6
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?")


def produce(args: list[str], tmp: Path) -> dict:
    """What ``python -m rnnviz --json --export`` prints and writes for ``args``."""
    from rnnviz import cli

    path = tmp / "run.npz"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = cli.main([*args, "--json", "--export", str(path)])
    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: [list(archive[k].shape), archive[k].dtype.str] for k in archive.files}
    return {"status": status, "json": json.loads(out.getvalue()), "export": arrays}


def same(mine, theirs, where: str = "") -> list[str]:
    """Every place where ``mine`` differs from the golden ``theirs``, as "where: mine vs
    theirs" lines; floats within REL/ABS, a verdict's numbers within them too."""
    differ = [f"{where}: {mine!r} vs {theirs!r}"]
    if isinstance(theirs, dict):
        if not isinstance(mine, dict) or set(mine) != set(theirs):
            return differ
        keys = [k for k in theirs if k not in VARIES]
        return [d for k in keys for d in same(mine[k], theirs[k], f"{where}.{k}")]
    if isinstance(theirs, list):
        if not isinstance(mine, list) or len(mine) != len(theirs):
            return differ
        pairs = enumerate(zip(mine, theirs, strict=True))
        return [d for i, (a, b) in pairs for d in same(a, b, f"{where}[{i}]")]
    if isinstance(theirs, float) and not isinstance(mine, bool) and isinstance(mine, int | float):
        return [] if math.isclose(mine, theirs, rel_tol=REL, abs_tol=ABS) else differ
    if isinstance(theirs, str) and isinstance(mine, str) and where.endswith(".verdict"):
        # "Same output (max |Δ| = 1.2e-07 ≤ 1e-05)": the words exactly, the numbers as printed
        # to two digits, which another CPU's last bit can move
        found = [[float(m[0]) for m in _NUMBER.finditer(text)] for text in (mine, theirs)]
        words = _NUMBER.sub("#", mine) == _NUMBER.sub("#", theirs)
        if not words:
            return differ
        numbers = zip(*found, strict=True)  # as many numbers: the words are the same
        close = all(math.isclose(a, b, rel_tol=0.5, abs_tol=ABS) for a, b in numbers)
        return [] if close else differ
    return [] if mine == theirs and type(mine) is type(theirs) else differ


@pytest.fixture(scope="module")
def goldens() -> dict:
    return json.loads(GOLDENS.read_text(encoding="utf-8"))


def test_every_case_has_a_golden(goldens):
    assert set(goldens) == set(CASES)
    assert all(goldens[name]["args"] == args for name, args in CASES.items())


@pytest.mark.parametrize("name", list(CASES))
def test_the_cli_still_says_what_it_said(name, goldens, tmp_path):
    mine = produce(CASES[name], tmp_path)
    theirs = {k: v for k, v in goldens[name].items() if k != "args"}
    differences = same(mine, theirs, name)
    assert not differences, "Mine vs the golden:\n" + "\n".join(differences[:20])


def test_same_tells_a_difference():
    """The comparison itself: a changed shape, key, flag or number is caught."""
    golden = {"json": {"shapes": {"X": [10, 10, 3]}, "agree": True, "max_abs_diff": 1.2e-7,
                       "verdict": "Same output (max |Δ| = 1.2e-07 ≤ 1.8e-05)"}}  # fmt: skip
    assert same(golden, golden) == []
    assert same({"json": {**golden["json"], "agree": False}}, golden)
    assert same({"json": {**golden["json"], "shapes": {"X": [10, 3, 10]}}}, golden)
    assert same({"json": {**golden["json"], "max_abs_diff": 0.5}}, golden)
    different = "Different output (max |Δ| = 1.2e-07)"
    assert same({"json": {**golden["json"], "verdict": different}}, golden)
    assert same({"json": {**golden["json"], "extra": 1}}, golden)


if __name__ == "__main__":
    import tempfile

    written = {}
    for name, args in CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            written[name] = {"args": args, **produce(args, Path(tmp))}
        print(name, written[name]["status"], file=sys.stderr)
    GOLDENS.parent.mkdir(exist_ok=True)
    GOLDENS.write_text(json.dumps(written, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
