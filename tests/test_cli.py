"""``python -m rnnviz``: the JSON contract, the .npz export, the report and bad input.

TensorFlow costs ~5 s a process, so only one subprocess loads it (``--json --export`` at the
notebook's sizes, shared by the tests below); the other runs call ``main()`` in-process, where
TensorFlow loads once per session. Bad input runs as a real subprocess, because the contract is
about what a shell sees: exit status 2, one line on stderr, no traceback, and TensorFlow never
imported. The export is checked against an independent float64 loop, not against rnnviz.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest

from rnnviz import cli
from rnnviz.cli import flags as cli_flags
from rnnviz.config import RNNConfig
from rnnviz.pipeline import RecurrentPath, Run
from rnnviz.recurrence.agreement import TOLERANCE, compare
from rnnviz.recurrence.cells import CELLS
from rnnviz.recurrence.network import numpy_forward
from rnnviz.tasks import make_X
from rnnviz.views.export import npz_bytes, write_npz

DEFAULT_SHAPES = {
    "X": [10, 10, 3],
    "W_xh": [3, 5],
    "W_hh": [5, 5],
    "b_h": [5],
    "W_o": [5, 2],
    "b_o": [2],
    "y": [10, 2],
}
EXPORT_SHAPES = {
    "X": (10, 10, 3),
    "W_xh": (3, 5),
    "W_hh": (5, 5),
    "b_h": (5,),
    "W_o": (5, 2),
    "b_o": (2,),
    "y_keras": (10, 2),
    "y_numpy": (10, 2),
    "h_numpy": (10, 10, 5),
    "a_numpy": (10, 10, 5),
    "config": (),
}


def rnnviz(*args: str, root) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rnnviz", *args], cwd=root, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def default_run(root, tmp_path_factory):
    """The one TensorFlow subprocess: defaults, --json and --export."""
    path = tmp_path_factory.mktemp("export") / "run.npz"
    proc = rnnviz("--json", "--export", str(path), root=root)
    assert proc.returncode == 0, proc.stderr
    return proc, path


def test_json_contract(default_run):
    proc, path = default_run
    out = json.loads(proc.stdout)  # fails if anything but one JSON object is on stdout
    assert out["config"] == {
        **{"N": 10, "T": 10, "D": 3, "M": 5, "K": 2, "seed": 0, "cell": "simple"},
        **{"reset_after": True, "return_sequences": False, "layers": 1, "bidirectional": False},
        **{"dtype": "float32", "bug": "none", "weights": "initial"},
        **{"whh_scale": 1.0, "input": "random", "pulse_t": 1, "pulse_d": 0, "x_edit": "none"},
        **{"task": "random", "data": "none", "epochs": 20},
    }
    assert (out["dtype"], out["bug"], out["diverges_from_t"]) == ("float32", "none", None)
    assert out["per_step_max_abs_diff"] is None
    assert out["shapes"] == DEFAULT_SHAPES
    assert out["params"] == {"rnn": 45, "dense": 12, "total": 57}  # 5·(3+5+1), 2·(5+1)
    assert 1e-5 <= out["tolerance"] < 1e-4  # 1e-5 scaled by max |y|, of order 1 here
    assert out["agree"] is True
    assert 0 <= out["max_abs_diff"] <= out["tolerance"]
    assert out["verdict"].startswith("Same output")
    assert len(out["per_sample_max_abs_diff"]) == 10
    assert max(out["per_sample_max_abs_diff"]) == out["max_abs_diff"]
    assert str(path) in proc.stderr  # the export notice stays off stdout
    assert "Traceback" not in proc.stderr


def test_export_holds_the_run(default_run):
    proc, path = default_run
    reported = json.loads(proc.stdout)
    with np.load(path, allow_pickle=False) as z:
        got = {name: z[name] for name in z.files}
    assert {name: a.shape for name, a in got.items()} == EXPORT_SHAPES
    assert json.loads(str(got["config"])) == reported["config"]

    # X is the seeded input, exactly.
    np.testing.assert_array_equal(got["X"], make_X(10, 10, 3, 0), err_msg="X in the export")

    # The tolerance is 1e-5 per unit of the largest |y|.
    assert reported["tolerance"] == pytest.approx(1e-5 * max(1, np.abs(got["y_keras"]).max()))

    # y_keras and y_numpy are the very run the JSON reported.
    delta = np.abs(got["y_keras"].astype(np.float64) - got["y_numpy"].astype(np.float64))  # (N, K)
    np.testing.assert_array_equal(delta.max(axis=1), reported["per_sample_max_abs_diff"])
    assert delta.max() == reported["max_abs_diff"]

    # The head applied to the last exported h gives y_numpy.
    y_head = got["h_numpy"][:, -1] @ got["W_o"] + got["b_o"]  # (N, K)
    np.testing.assert_allclose(y_head, got["y_numpy"], rtol=0, atol=1e-6)

    # An independent float64 loop over the exported weights reproduces every a_t and h_t.
    X, W_xh, W_hh, b_h = (got[k].astype(np.float64) for k in ("X", "W_xh", "W_hh", "b_h"))
    h = np.zeros((10, 5))  # (N, M)  h_0
    for t in range(10):
        a = X[:, t] @ W_xh + h @ W_hh + b_h  # (N, M)
        h = np.tanh(a)  # (N, M)
        for name, mine, theirs in (("a", got["a_numpy"][:, t], a), ("h", got["h_numpy"][:, t], h)):
            np.testing.assert_allclose(
                mine, theirs, rtol=0, atol=1e-5, err_msg=f"{name}_{t + 1}\nMine:\n{mine}"
            )
    np.testing.assert_allclose(got["y_keras"], h @ got["W_o"] + got["b_o"], rtol=0, atol=TOLERANCE)


def test_main_in_process_matches_the_subprocess(default_run, capsys, tmp_path):
    proc, path = default_run
    assert cli.main(["--json", "--export", str(tmp_path / "again.npz")]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == json.loads(proc.stdout)
    assert "again.npz" in captured.err
    with np.load(path) as first, np.load(tmp_path / "again.npz") as second:
        for name in first.files:  # Keras' float32 is bit-reproducible across processes
            np.testing.assert_array_equal(second[name], first[name], err_msg=name)


def test_non_default_config(capsys):
    assert cli.main(["--M", "3", "--M", "8", "--json"]) == 0  # a repeated flag: the last wins
    out = json.loads(capsys.readouterr().out)
    assert out["config"]["M"] == 8
    assert out["params"] == {"rnn": 96, "dense": 18, "total": 114}  # 8·(3+8+1), 2·(8+1)
    M8 = {"W_xh": [3, 8], "W_hh": [8, 8], "b_h": [8], "W_o": [8, 2]}
    assert out["shapes"] == {**DEFAULT_SHAPES, **M8}
    assert out["agree"] is True


def test_plain_report(capsys):
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert 'Model: "rnnviz"' in out and "Total params: 57" in out  # Keras' own summary
    assert "SimpleRNN  M(D + M + 1) = 5·(3 + 5 + 1) = 45" in out
    assert "Dense      K(M + 1) = 2·(5 + 1) = 12" in out
    assert "Total      45 + 12 = 57" in out
    assert "W_hh  (M, M)     (5, 5)" in out
    assert out.rstrip().splitlines()[-1].startswith("Same output (max |Δ| = ")


def test_plain_report_lists_the_first_20_samples(capsys):
    assert cli.main(["--N", "25", "--K", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["n", "max|Δ|"])
    rows = [line.split()[0] for line in lines[header + 1 : header + 21]]
    assert rows == [str(n) for n in range(20)]
    assert lines[header + 21].strip().startswith("... 5 more samples omitted")


def test_disagreement_exits_1(capsys, monkeypatch):
    import rnnviz.pipeline

    def off_by_a_bit(cell, X, weights):  # a wrong NumPy side, as a real bug would be
        trace, y = numpy_forward(cell, X, weights)
        return trace, y + 0.01

    monkeypatch.setattr(rnnviz.pipeline, "numpy_forward", off_by_a_bit)
    assert cli.main(["--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["agree"] is False
    assert out["verdict"].startswith("Different output")
    assert out["max_abs_diff"] == pytest.approx(0.01, abs=1e-6)


@pytest.mark.parametrize(
    "args, t",
    [
        (["--plant-bug", "whh_transposed"], 2),
        (["--plant-bug", "bias_dropped", "--cell", "gru", "--return-sequences"], 1),
        (["--plant-bug", "bwd_last_index", "--cell", "lstm", "--bidirectional"], 1),
        (["--plant-bug", "h_t_for_h_prev", "--layers", "2", "--dtype", "float64"], 2),
    ],
)
def test_a_planted_bug_exits_1_and_says_from_which_step(args, t, capsys):
    assert cli.main([*args, "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["bug"] == args[1] and out["agree"] is False
    assert out["diverges_from_t"] == t
    assert cli.main(args) == 1
    report = capsys.readouterr().out
    assert f"diverges from t = {t}, " in report and "Different output" in report


def test_list_bugs_prints_one_name_and_description_a_line(capsys):
    from rnnviz.recurrence.bugs import BUGS

    assert cli.main(["--list-bugs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(BUGS)
    assert all(len(line.split(maxsplit=1)[1]) > 20 for line in lines)


def test_float64_reports_its_dtype_and_a_gap_under_1e_12(capsys):
    assert cli.main(["--dtype", "float64", "--cell", "lstm", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dtype"] == "float64" and out["config"]["dtype"] == "float64"
    assert out["max_abs_diff"] <= out["tolerance"] == pytest.approx(1e-12, rel=1)
    assert out["diverges_from_t"] is None


UNKNOWN_CELL = "transformer"
BAD_INPUT = [
    (
        ["--plant-bug", "reset_before", "--cell", "lstm"],
        "--plant-bug reset_before applies only to a GRU with reset_after=true",
    ),
    (
        ["--plant-bug", "whh_transposed", "--M", "1"],
        "--plant-bug whh_transposed applies only to a model with M ≥ 2 hidden units",
    ),
    (["--plant-bug", "typo"], "--plant-bug: bug='typo' is not allowed; bug must be one of none,"),
    (
        ["--dtype", "float16"],
        "--dtype: dtype='float16' is not allowed; dtype must be one of float32",
    ),
    (
        ["--M", "0"],
        "--M: M='0' is out of range; M (hidden units) must be a whole number between 1 and 256",
    ),
    (
        ["--M", "abc"],
        "--M: M='abc' is not a number; M (hidden units) must be a whole number between 1 and 256",
    ),
    (
        ["--T", "501"],
        "--T: T='501' is out of range; T (time steps) must be a whole number between 1 and 500",
    ),
    (
        ["--seed", "-1"],
        "--seed: seed='-1' is out of range; seed (random seed) must be a whole number between 0 "
        "and 2147483647",
    ),
    (
        ["--cell", UNKNOWN_CELL],
        f"--cell: cell={UNKNOWN_CELL!r} is not allowed; cell must be one of {', '.join(CELLS)}",
    ),
    (
        ["--N", "2000", "--T", "500", "--M", "256"],
        "--N/--T/--M: N·T·M = 2000·500·256 = 256,000,000 is over the limit of 5,000,000; "
        "lower N, T or M (N=39 would fit)",
    ),
    (["--layers", "4"], "--layers: layers='4' is out of range; layers (stacked recurrent layers)"),
    (
        ["--N", "2000", "--T", "500", "--M", "2", "--layers", "2", "--bidirectional"],
        "N·T·M·layers·directions = 2000·500·2·2·2 = 8,000,000 is over the limit",
    ),
    (
        ["--M", "\u0663"],
        "--M: M='\u0663' is not a plain number (only the ASCII digits 0-9 are read)",
    ),
    (
        ["--M", "\uff15"],
        "--M: M='\uff15' is not a plain number (only the ASCII digits 0-9 are read)",
    ),
    (["--N", "1_0"], "--N: N='1_0' is not a plain number (no _ or , between the digits)"),
    (["--N", "+3"], "--N: N='+3' is not a plain number (no + sign)"),
    (["--D", "3.0"], "--D: D='3.0' is not a whole number"),
    (["--K", "1e3"], "--K: K='1e3' is not a whole number"),
    (["--seed", "NaN"], "--seed: seed='NaN' is not a number"),
    (["--T", "inf"], "--T: T='inf' is not a number"),
    (["--M", ""], "--M: M='' is empty"),
    (["--M", "  "], "--M: M='  ' is only whitespace"),
    (["--M", "9" * 5000], "--M: M='" + "9" * 40 + "…' (5,000 characters) is too long for a number"),
    (["--M", "line\nbreak"], "--M: M='line\\nbreak' is not a number"),
    (
        ["--M", "x", "--M", "8", "--M", "y", "--N", "0"],
        "--N: N='0' is out of range; N (samples) must be a whole number between 1 and 2000 | "
        "--M: M='x' is not a number; M (hidden units) must be a whole number between 1 and 256 | "
        "--M: M='y' is not a number",
    ),
    (["--bidirectional", "yes"], "unrecognized arguments: yes"),
    (["--Q", "3"], "unrecognized arguments: --Q 3"),
    (["--M"], "argument --M: expected one argument"),
    (["--export", "{tmp}/missing/run.npz"], "--export: directory"),
    (["--export", "{tmp}"], "--export: "),
    (
        ["--cell", "gru", "--no-reset-after", "--export-torch", "{tmp}/w.npz"],
        "--export-torch: Keras' GRU with reset_after=False has no PyTorch equivalent",
    ),
    (["--export-torch", "{tmp}/missing/w.npz"], "--export-torch: directory"),
    (["--import-torch", "{tmp}/none.npz"], "--import-torch: no file"),
    (["--whh-scale", "nan"], "--whh-scale: whh_scale='nan' is not a number; whh_scale"),
    (["--whh-scale", "0.125"], "--whh-scale: whh_scale='0.125' has more than 2 decimals"),
    (["--input", "sine"], "--input: input='sine' is not allowed; input must be one of random"),
    (
        ["--input", "pulse", "--pulse-t", "11"],
        "--pulse-t: pulse_t (t0, the step of the pulse) must be between 1 and 10, got 11",
    ),
    (["--pulse-d", "1"], "--pulse-d: applies only to --input pulse or step"),
    (
        ["--layout", "tf"],
        "--layout: layout='tf' is not allowed; layout must be one of keras, pytorch, textbook",
    ),
    (
        ["--cell", "gru", "--no-reset-after", "--layout", "pytorch"],
        "--layout pytorch: Keras' GRU with reset_after=False has no PyTorch equivalent",
    ),
]


@pytest.mark.parametrize("args, message", BAD_INPUT, ids=[" ".join(a)[:40] for a, _ in BAD_INPUT])
def test_bad_input_is_one_line_and_exit_2(args, message, root, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    proc = rnnviz(*args, root=root)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("rnnviz: error: ")
    assert message in lines[0]
    assert list(tmp_path.iterdir()) == []  # nothing was written


@pytest.mark.parametrize(
    "args",
    [
        ["--M", "0"],
        ["--export", "/no/such/dir/run.npz"],
        ["--cell", "gru", "--no-reset-after", "--layout", "pytorch"],
        ["--help"],
    ],
)
def test_bad_input_and_help_never_import_tensorflow(args, root):
    code = (
        "import sys; from rnnviz.cli import main; status = main(sys.argv[1:]); "
        "print(status, 'tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=root, capture_output=True, text=True
    )
    status, tensorflow, keras = proc.stdout.splitlines()[-1].split()
    assert status == ("0" if args == ["--help"] else "2")
    assert (tensorflow, keras) == ("False", "False")


def test_help_names_every_symbol_and_its_range(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for phrase in (
        "samples, 1 to 2000",
        "time steps, 1 to 500",
        "input features, 1 to 64",
        "hidden units, 1 to 256",
        "outputs, 1 to 64",
        "random seed, 0 to 2147483647",
        "5,000,000",
        "1  they disagree",
    ):
        assert phrase in out


def _fake_run(trace_extra: dict | None = None) -> Run:
    """A Run built without Keras (y_keras := y_numpy), for testing the file format alone."""
    c = RNNConfig(N=3, T=4, D=2, M=3, K=2, seed=7)
    rng = np.random.default_rng(c.seed)
    weights = {
        "W_xh": rng.normal(size=(c.D, c.M)).astype(np.float32),  # (D, M)
        "W_hh": rng.normal(size=(c.M, c.M)).astype(np.float32),  # (M, M)
        "b_h": rng.normal(size=c.M).astype(np.float32),  # (M,)
        "W_o": rng.normal(size=(c.M, c.K)).astype(np.float32),  # (M, K)
        "b_o": rng.normal(size=c.K).astype(np.float32),  # (K,)
    }
    X = make_X(c.N, c.T, c.D, c.seed)  # (N, T, D)
    traces, y = numpy_forward(c, X, weights)  # {(1, "fwd"): trace}, (N, K)
    trace = {**traces[(1, "fwd")], **(trace_extra or {})}
    rnn = {k: weights[k] for k in ("W_xh", "W_hh", "b_h")}
    path = RecurrentPath(layer=1, direction="fwd", weights=rnn, trace=trace)
    head = {k: weights[k] for k in ("W_o", "b_o")}
    return Run(c, X, (path,), head, y, y_keras=y, agreement=compare(y, y), summary="")


def test_write_npz_uses_the_exact_path(tmp_path):
    run = _fake_run()
    write_npz(run, tmp_path / "run.bin")
    write_npz(run, str(tmp_path / "plain"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain", "run.bin"]  # no ".npz" added
    with np.load(tmp_path / "run.bin", allow_pickle=False) as z:
        np.testing.assert_array_equal(z["h_numpy"], run.trace["h"])


def test_npz_bytes_and_file_objects_hold_the_same(tmp_path):
    run = _fake_run({"c": np.ones((3, 4, 3), np.float32)})  # a future cell's extra state
    with open(tmp_path / "run.npz", "wb") as f:
        write_npz(run, f)
    for source in (tmp_path / "run.npz", io.BytesIO(npz_bytes(run))):
        with np.load(source, allow_pickle=False) as z:
            assert z.files == [
                "X",
                *("W_xh", "W_hh", "b_h", "W_o", "b_o"),
                *("y_keras", "y_numpy", "a_numpy", "h_numpy", "c_numpy", "config"),
            ]
            np.testing.assert_array_equal(z["c_numpy"], 1)
            assert json.loads(str(z["config"]))["seed"] == 7


@pytest.mark.parametrize(
    "args, params",
    [
        (["--cell", "lstm"], {"rnn": 180, "dense": 12, "total": 192}),  # 4·5·(3+5+1)
        (["--cell", "gru"], {"rnn": 150, "dense": 12, "total": 162}),  # 3·5·(3+5+2)
        (["--cell", "gru", "--no-reset-after"], {"rnn": 135, "dense": 12, "total": 147}),
        (["--bidirectional"], {"rnn": 90, "dense": 22, "total": 112}),  # 2·45, 2·(10+1)
        (["--layers", "2"], {"rnn": 100, "dense": 12, "total": 112}),  # 45 + 5·(5+5+1)
    ],
)
def test_cells_and_options_in_the_json(args, params, capsys):
    assert cli.main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["params"] == params
    assert out["agree"] is True, out["verdict"]


def test_export_names_for_stacked_bidirectional_lstm(tmp_path, capsys):
    path = tmp_path / "lstm.npz"
    args = ["--cell", "lstm", "--layers", "2", "--bidirectional", "--return-sequences"]
    assert cli.main([*args, "--N", "4", "--T", "6", "--json", "--export", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["per_step_max_abs_diff"]) == 6
    with np.load(path, allow_pickle=False) as z:
        got = {name: z[name].shape for name in z.files}
    M, D, K, N, T = 5, 3, 2, 4, 6
    expected = {"X": (N, T, D), "W_o": (2 * M, K), "b_o": (K,), "config": ()}
    expected |= {"y_keras": (N, T, K), "y_numpy": (N, T, K)}
    for sfx, width in (("", D), ("_bwd", D), ("_2", 2 * M), ("_2_bwd", 2 * M)):
        expected |= {f"W_xh{sfx}": (width, 4 * M), f"W_hh{sfx}": (M, 4 * M), f"b_h{sfx}": (4 * M,)}
        expected |= {f"h_numpy{sfx}": (N, T, M), f"c_numpy{sfx}": (N, T, M)}
        expected |= {f"gate_{g}{sfx}": (N, T, M) for g in "ifgo"}
    assert got == expected


def test_url_fuzz_states_on_the_command_line():
    """The URL fuzz's size and cell values as flags (tests/urlfuzz.py): no exception, and
    either every bad value named on one line or the config the last values give."""
    from tests import urlfuzz, urlfuzz_expected

    flags = [*urlfuzz.SIZES, "cell"]
    for state in urlfuzz.states(seed=11, count=1000):
        pairs = [(k, v) for k, v in state.pairs if k in flags]
        argv = [f"--{k}={v}" for k, v in pairs]  # "=" so that "-inf" stays a value
        bad = [(k, v) for k, v in pairs if (k, v) in state.invalid]
        try:
            config = cli_flags.parse_config(cli_flags.build_parser().parse_args(argv))
        except cli_flags.UsageError as err:
            message = str(err)
            assert "\n" not in message, message
            if bad:
                for k, v in bad:
                    assert f"--{k}: {k}={urlfuzz_expected.shown(v)} " in message, (argv, message)
                assert message.count(" | ") == len(bad) - 1, message
            else:
                assert "is over the limit of 5,000,000" in message, message
            continue
        assert not bad, f"{bad} accepted"
        want = urlfuzz_expected.expected(urlfuzz.State(pairs, set()))
        assert not want.fell_back
        assert {k: getattr(config, k) for k in flags} == {k: want.config[k] for k in flags}


def test_export_torch_then_import_torch_gives_the_same_run(tmp_path, capsys):
    """The PyTorch export read back (``--import-torch``) rebuilds the same weights."""
    path = tmp_path / "torch.npz"
    args = ["--cell", "lstm", "--layers", "2", "--bidirectional", "--json"]
    assert cli.main([*args, "--export-torch", str(path)]) == 0
    exported = json.loads(capsys.readouterr().out)
    with np.load(path, allow_pickle=False) as archive:
        assert archive["weight_ih_l1_reverse"].shape == (20, 10)  # (4M, 2M), PyTorch's
        assert archive["head.weight"].shape == (2, 10)  # (K, 2M)
    assert cli.main([*args, "--seed", "99", "--import-torch", str(path)]) == 0
    imported = json.loads(capsys.readouterr().out)
    # Another seed draws other X, so compare the weights through y's agreement and shapes.
    assert imported["agree"] and imported["shapes"] == exported["shapes"]
    assert cli.main([*args, "--import-torch", str(path)]) == 0
    again = json.loads(capsys.readouterr().out)
    # same seed: the same run, whose config names the imported weights by their digest
    digest = imported["config"]["weights"]
    assert len(digest) == 16 and exported["config"]["weights"] == "initial"
    assert again == exported | {"config": exported["config"] | {"weights": digest}}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"junk", "not an .npz file"),
        (None, "the PyTorch weights do not fit SimpleRNN(5) → Dense(2): missing weight_ih_l0"),
    ],
)
def test_an_import_that_does_not_fit_is_one_line_and_exit_2(content, message, root, tmp_path):
    path = tmp_path / "in.npz"
    if content is None:
        np.savez(path, other=np.zeros(3))
    else:
        path.write_bytes(content)
    proc = rnnviz("--import-torch", str(path), root=root)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and message in proc.stderr, proc.stderr


def test_layout_pytorch_names_the_json_shapes_as_torch_does(capsys):
    from rnnviz.shapes.layouts import torch_shapes

    args = ["--cell", "lstm", "--layers", "2", "--bidirectional", "--json"]
    assert cli.main([*args, "--layout", "pytorch"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert cli.main(args) == 0
    keras = json.loads(capsys.readouterr().out)
    config = RNNConfig(cell="lstm", layers=2, bidirectional=True)
    weights = {k: tuple(v) for k, v in out["shapes"].items() if k not in ("X", "y")}
    assert weights == torch_shapes(config)
    assert (out["layout"], keras["layout"]) == ("pytorch", "keras")
    assert out["shapes"]["X"] == keras["shapes"]["X"] and out["params"] == keras["params"]
    assert out["max_abs_diff"] == keras["max_abs_diff"], "the layout changes no number"


def test_layout_textbook_report(capsys):
    assert cli.main(["--cell", "gru", "--layout", "keras", "--layout", "textbook"]) == 0
    out = capsys.readouterr().out
    assert "Shapes (textbook layout)" in out
    rows = {line.split("  (")[0].strip() for line in out.splitlines()}
    assert "W_z, W_r, W_h" in rows and "b'_z, b'_r, b'_h" in rows and "W_y" in rows
    assert "In the textbook layout the weights hold the same 162 parameters." in out


def test_grad_adds_the_gradient_keys_and_the_export_its_arrays(tmp_path, capsys):
    path = tmp_path / "run.npz"
    args = ["--cell", "lstm", "--T", "7", "--grad", "--json", "--export", str(path)]
    assert cli.main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["grad_agree"] is True and 0 <= out["grad_max_rel_err"] <= 1e-5
    with np.load(path, allow_pickle=False) as z:
        assert z["dy_dx"].shape == (10, 7, 3) and z["dh_T_dh"].shape == (10, 7, 5)
        # entry t is the L2 norm of dy_dx[:, t, :], over every sample and feature
        norms = np.sqrt((z["dy_dx"].astype(np.float64) ** 2).sum(axis=(0, 2)))  # (T,)
    np.testing.assert_allclose(out["grad_norm_x"], norms, rtol=1e-6)
    # h_T depends on x_T most directly: in the hand-checkable limit ∂h_T/∂h_T = 1
    with np.load(path, allow_pickle=False) as z:
        np.testing.assert_allclose(z["dh_T_dh"][:, -1], 1.0)


def test_without_grad_there_are_no_gradient_keys(default_run):
    proc, path = default_run
    assert "grad_norm_x" not in json.loads(proc.stdout)
    with np.load(path, allow_pickle=False) as z:
        assert "dy_dx" not in z.files


def test_what_if_flags_reach_the_json_and_the_export(tmp_path, capsys):
    from rnnviz.keras_side.model import build

    path = tmp_path / "run.npz"
    argv = ["--whh-scale", "0.5", "--input", "pulse", "--pulse-t", "3", "--pulse-d", "1"]
    assert cli.main([*argv, "--json", "--export", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {k: out["config"][k] for k in ("whh_scale", "input", "pulse_t", "pulse_d")} == {
        "whh_scale": 0.5,
        "input": "pulse",
        "pulse_t": 3,
        "pulse_d": 1,
    }
    assert out["agree"] is True
    with np.load(path, allow_pickle=False) as z:
        X, W_hh = z["X"], z["W_hh"]
    assert np.count_nonzero(X) == 10 and (X[:, 2, 1] == 1).all()  # x_3[1] = 1, zeros else
    np.testing.assert_allclose(W_hh, 0.5 * build(RNNConfig()).weights()["W_hh"], rtol=1e-6)


def test_the_step_input_on_the_command_line(capsys):
    assert cli.main(["--input", "step", "--pulse-t", "4", "--cell", "lstm", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["config"]["input"], out["config"]["pulse_t"], out["agree"]) == ("step", 4, True)


def test_a_script_of_a_what_if_run_names_its_flags():
    from rnnviz.views.standalone import _command

    c = RNNConfig(whh_scale=0.5, input="pulse", pulse_t=3, pulse_d=2)
    assert _command(c) == ("python -m rnnviz --whh-scale 0.5 --input pulse --pulse-t 3 --pulse-d 2")
    assert cli_flags.parse_config(cli_flags.build_parser().parse_args(_command(c).split()[3:])) == c
