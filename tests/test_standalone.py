"""The standalone script and notebook: they run where rnnviz is not, and say what rnnviz says.

Each script runs in a fresh ``python -I`` (no PYTHONPATH, no user site, not even the
script's own folder on sys.path) from a folder outside the repository, where ``import
rnnviz`` fails, so it can only pass on numpy and tensorflow. Its verdict must be rnnviz's,
to the printed digit: both sides load the same float32 weights and X bit for bit. A
planted mistake (a transposed recurrent kernel, the classic bug) must make it say
"Different output" and exit 1, so these tests can fail. Each script or notebook imports
TensorFlow anew (~4 s), so there is one per cell variant, one stacked bidirectional
sequence model, and two notebooks.
"""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from rnnviz import cli
from rnnviz.config import RNNConfig
from rnnviz.pipeline import execute
from rnnviz.shapes import ledger
from rnnviz.views import standalone
from rnnviz.views.export import write_npz

STACKED = RNNConfig(
    N=4, T=6, cell="lstm", layers=2, bidirectional=True, return_sequences=True, seed=3
)
CONFIGS = {
    "simple": RNNConfig(),
    "lstm": RNNConfig(cell="lstm", seed=1),
    "gru": RNNConfig(cell="gru", M=4, seed=2),
    "gru_reset_before": RNNConfig(cell="gru", reset_after=False, K=3, seed=5),
    "lstm_stacked_bidirectional_sequences": STACKED,
    "gru_float64": RNNConfig(cell="gru", dtype="float64", seed=4),
    "brackets": RNNConfig(
        task="brackets", D=37, K=37, N=20, T=24, M=6, return_sequences=True, seed=7
    ),
}


@pytest.fixture(scope="module")
def runs():
    return {key: execute(config) for key, config in CONFIGS.items()}


def standalone_python(script, cwd) -> subprocess.CompletedProcess:
    """``python -I script`` in ``cwd`` with no PYTHONPATH: nothing of the repository is found."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run(
        [sys.executable, "-I", *script], cwd=cwd, env=env, capture_output=True, text=True
    )


def test_rnnviz_cannot_be_imported_where_the_scripts_run(tmp_path):
    proc = standalone_python(["-c", "import rnnviz"], tmp_path)
    assert proc.returncode == 1 and "No module named 'rnnviz'" in proc.stderr


@pytest.mark.parametrize("key", CONFIGS)
def test_the_script_says_what_rnnviz_says(key, runs, tmp_path):
    run = runs[key]
    (tmp_path / "run.py").write_text(standalone.script_text(run))
    proc = standalone_python(["run.py"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == run.agreement.verdict, f"Mine: {lines[-1]}\nrnnviz: {run.agreement.verdict}"
    total = ledger.param_totals(run.config)["total"]
    assert any(line.strip().startswith(f"Total params: {total:,} ") for line in lines)
    layer = re.compile(r"│ (\w+) \((\w+)\) ")  # "│ lstm_1 (LSTM) ": its name and class
    theirs = layer.findall(run.summary)
    assert len(theirs) == run.config.layers + 2  # X, the recurrent layers, dense
    assert layer.findall(proc.stdout) == theirs  # the same model as rnnviz's


def test_a_transposed_kernel_is_a_different_output(runs, tmp_path):
    text = standalone.script_text(runs["simple"])
    bug = "a[t] += h_prev @ W_hh  #"
    assert text.count(bug) == 1
    (tmp_path / "run.py").write_text(text.replace(bug, "a[t] += h_prev @ W_hh.T  #"))
    proc = standalone_python(["run.py"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("Different output (max |Δ| = ")


def test_a_run_too_large_to_embed_reads_the_npz_beside_the_script(runs, tmp_path):
    run = runs["lstm_stacked_bidirectional_sequences"]
    text = standalone.script_text(run, npz="run.npz", embed_limit=0)
    assert "def array(" not in text and 'arrays["W_xh_2_bwd"]' in text
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "run.py").write_text(text)
    write_npz(run, folder / "run.npz")
    proc = standalone_python([str(folder / "run.py")], tmp_path)  # found beside the script
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == run.agreement.verdict


def test_the_arrays_are_stored_bit_for_bit(runs):
    run = runs["gru"]
    text = standalone.script_text(run)
    # each array is "NAME = array(  # shape comment", its base64 on the next line, then ")"
    stored = re.findall(r'^(\w+) = array\(  # .+\n    "([A-Za-z0-9+/=]+)"\n\)$', text, re.M)
    got = {name: np.load(io.BytesIO(base64.b64decode(b64))) for name, b64 in stored}
    assert list(got) == ["X", *run.weights]
    for name, theirs in {"X": run.X, **run.weights}.items():
        assert got[name].dtype == theirs.dtype == np.float32
        np.testing.assert_array_equal(got[name], theirs, err_msg=name)


def test_a_text_run_carries_its_windows_and_prints_its_bits_per_character(runs, tmp_path):
    run = runs["brackets"]
    text = standalone.script_text(run)
    stored = re.findall(r'^(\w+) = array\(  # .+\n    "([A-Za-z0-9+/=]+)"\n\)$', text, re.M)
    got = {name: np.load(io.BytesIO(base64.b64decode(b64))) for name, b64 in stored}
    assert list(got) == ["windows", *run.weights]  # X and y_task are rebuilt from them
    windows = got["windows"]  # (N, T + 1)
    np.testing.assert_array_equal(np.eye(37, dtype=np.float32)[windows[:, :-1]], run.X)
    np.testing.assert_array_equal(windows[:, 1:], run.y_task)
    (tmp_path / "run.py").write_text(text)
    proc = standalone_python(["run.py"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    (line,) = [x for x in proc.stdout.splitlines() if x.startswith("cross-entropy ")]
    y = run.y_keras.astype(np.float64)  # (N, T, K)
    z = y - y.max(axis=2, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=2, keepdims=True))
    n, t = np.meshgrid(np.arange(20), np.arange(24), indexing="ij")
    ce = -log_p[n, t, run.y_task].mean()
    assert line == f"cross-entropy {ce:.4g} nats, {ce / np.log(2):.4g} bits per character"
    assert proc.stdout.splitlines()[-1] == run.agreement.verdict


def test_the_recurrence_is_rnnvizs_own_source(runs):
    import inspect

    from rnnviz.recurrence import agreement, forward

    text = standalone.script_text(runs["gru_reset_before"])
    for function in (forward.gru, forward._projected, agreement.verdict_line):
        assert inspect.getsource(function) in text
    assert "def lstm(" not in text and "def simple_rnn(" not in text  # this cell's only
    assert 'GRU(M, reset_after=False, name="gru_1")' in text
    assert 'DTYPE = "float32"' in text


@pytest.mark.parametrize("key", ["simple", "gru_reset_before"])
def test_the_notebook_runs_and_ends_with_the_verdict(key, runs):
    run = runs[key]
    nb = nbformat.reads(standalone.notebook_bytes(run).decode("utf-8"), as_version=4)
    nbformat.validate(nb)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    # kernel "python3" is ipykernel's own spec, whose "python" jupyter_client replaces
    # with sys.executable: the kernel runs on this venv's Python, with its numpy and keras.
    NotebookClient(nb, kernel_name="python3", timeout=120).execute()
    *_, verdict_cell, executable_cell = [c for c in nb.cells if c.cell_type == "code"]
    printed = "".join(o.get("text", "") for o in verdict_cell.outputs).splitlines()
    assert printed == [run.agreement.verdict]
    assert executable_cell.outputs[0]["text"].strip() == sys.executable
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for p in ledger.params(run.config):
        assert f"{p.numbers} = {p.count:,}" in markdown


def test_the_notebook_is_the_same_file_each_time(runs):
    assert standalone.notebook_bytes(runs["lstm"]) == standalone.notebook_bytes(runs["lstm"])


def test_cli_writes_the_script_and_the_notebook(runs, tmp_path, capsys):
    script, notebook = tmp_path / "run.py", tmp_path / "run.ipynb"
    argv = ["--cell", "lstm", "--seed", "1", "--json"]
    assert (
        cli.main([*argv, "--export-script", str(script), "--export-notebook", str(notebook)]) == 0
    )
    err = capsys.readouterr().err
    assert f"Wrote a script of the run (numpy and tensorflow only) to {script}" in err
    assert f"Wrote a notebook of the run to {notebook}" in err
    assert script.read_text() == standalone.script_text(runs["lstm"])
    nbformat.validate(nbformat.read(notebook, as_version=4))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.ipynb", "run.py"]  # no leftovers


def test_cli_points_a_large_runs_script_at_its_export(runs, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(standalone, "EMBED_LIMIT", 0)
    (tmp_path / "data").mkdir()
    script, npz = tmp_path / "run.py", tmp_path / "data" / "run.npz"
    assert cli.main(["--export-script", str(script), "--export", str(npz)]) == 0
    assert "it reads " in capsys.readouterr().out
    text = script.read_text()
    assert "'data/run.npz'" in text  # --export's file, as seen from the script's folder


BAD_PATHS = [
    ("--export-script", "{tmp}/missing/run.py", "does not exist"),
    ("--export-script", "{tmp}", "is a directory; give a file name such as run.py"),
    ("--export-notebook", "{tmp}/missing/run.ipynb", "does not exist"),
    ("--export-notebook", "{tmp}/", "is a directory; give a file name such as run.ipynb"),
]


@pytest.mark.parametrize("flag, path, message", BAD_PATHS)
def test_a_bad_path_is_one_line_and_exit_2(flag, path, message, root, tmp_path):
    path = path.replace("{tmp}", str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "rnnviz", flag, path], cwd=root, capture_output=True, text=True
    )
    assert proc.returncode == 2 and proc.stdout == ""
    (line,) = proc.stderr.splitlines()  # one line, no traceback
    assert line.startswith(f"rnnviz: error: {flag}: ") and message in line
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    with pytest.raises(TypeError):
        standalone.write_file(tmp_path / "run.py", None)  # fails halfway, as a full disk would
    assert list(tmp_path.iterdir()) == []
    standalone.write_file(tmp_path / "run.py", b"print(1)\n")
    assert (tmp_path / "run.py").read_bytes() == b"print(1)\n"
    assert list(tmp_path.iterdir()) == [tmp_path / "run.py"]


def test_the_page_offers_the_script_and_the_notebook():
    from streamlit.testing.v1 import AppTest

    from rnnviz.ui import cache

    at = AppTest.from_file("../app.py", default_timeout=120)
    at.query_params.update(cell="gru", reset_after="false")
    at.run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[-2:] == ["Script (.py)", "Notebook (.ipynb)"]
    config = RNNConfig(cell="gru", reset_after=False)
    assert cache.script_bytes(config).decode("utf-8") == standalone.script_text(execute(config))
    nbformat.validate(nbformat.reads(cache.notebook_bytes(config).decode(), as_version=4))
