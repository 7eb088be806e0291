"""The command line's tasks, data, training and own models: --task, --data, --train and
--model keep their contracts (JSON keys, the export's y_task, exit 2 with one line for bad
input, before TensorFlow loads), and the exports carry the task and the trained weights."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from rnnviz import cli
from rnnviz.inputs import userdata
from rnnviz.tasks import TASKS


def run_json(args: list[str], capsys) -> tuple[int, dict]:
    status = cli.main([*args, "--json"])
    return status, json.loads(capsys.readouterr().out)


def test_a_task_fixes_d_and_k_and_the_export_carries_its_target(capsys, tmp_path):
    path = tmp_path / "run.npz"
    status, out = run_json(
        ["--task", "adding", "--N", "20", "--T", "8", "--export", str(path)], capsys
    )
    assert status == 0 and out["agree"]
    assert (out["config"]["task"], out["config"]["D"], out["config"]["K"]) == ("adding", 2, 1)
    X, y = TASKS["adding"].make(20, 8, seed=0)
    with np.load(path, allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["X"], X)
        np.testing.assert_array_equal(archive["y_task"], y)
        # the adding problem by hand: the two marked values, summed
        marked = (archive["X"][..., 0] * archive["X"][..., 1]).sum(axis=1)  # (N,)
        np.testing.assert_allclose(archive["y_task"][:, 0], marked, rtol=1e-6)


def test_train_reports_the_losses_and_checks_agreement_on_the_trained_weights(capsys):
    args = ["--task", "sine", "--N", "64", "--T", "12", "--cell", "lstm", "--M", "6"]
    status, out = run_json([*args, "--train", "6"], capsys)
    assert status == 0 and out["agree"]
    assert (out["config"]["weights"], out["config"]["epochs"]) == ("trained", 6)
    assert len(out["loss_history"]) == len(out["val_loss_history"]) == 6
    assert out["loss_after"] == out["loss_history"][-1] < out["loss_before"]
    assert out["val_loss_after"] == out["val_loss_history"][-1]
    assert out["loss"] == "MSE"
    _, untrained = run_json(args, capsys)
    assert untrained["max_abs_diff"] != out["max_abs_diff"], "another model's outputs"
    status = cli.main([*args, "--train", "2"])
    report = capsys.readouterr().out
    assert status == 0 and "Training (MSE, Adam, 2 epochs in" in report and "validation" in report


def test_data_from_a_csv_gives_n_t_d_and_trains(tmp_path, capsys):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((24, 5, 2)).astype(np.float32)  # (N, T, D)
    y = rng.standard_normal((24, 1)).astype(np.float32)  # (N, 1)
    path = tmp_path / "mine.csv"
    path.write_text(userdata.csv_text(X, y))
    status, out = run_json(["--data", str(path), "--train", "2"], capsys)
    assert status == 0 and out["agree"]
    c = out["config"]
    assert (c["N"], c["T"], c["D"], c["K"]) == (24, 5, 2, 1)
    assert c["data"] == userdata.digest(X, y) and len(out["loss_history"]) == 2


def _keras_file(tmp_path, *layers) -> str:
    import keras

    model = keras.Sequential([keras.Input((5, 3)), *layers, keras.layers.Dense(2)])
    path = tmp_path / "model.keras"
    model.save(path)
    return str(path), model


def test_a_keras_model_loads_and_agrees(tmp_path, capsys):
    import keras

    path, model = _keras_file(
        tmp_path, keras.layers.LSTM(4, return_sequences=True), keras.layers.LSTM(4)
    )
    export = tmp_path / "run.npz"
    status, out = run_json(["--model", path, "--N", "7", "--export", str(export)], capsys)
    assert status == 0 and out["agree"]
    c = out["config"]
    assert (c["cell"], c["layers"], c["M"], c["T"], c["D"], c["K"], c["N"]) == (
        "lstm",
        2,
        4,
        5,
        3,
        2,
        7,
    )
    with np.load(export, allow_pickle=False) as archive:
        np.testing.assert_allclose(
            archive["y_keras"], model.predict(archive["X"], verbose=0), atol=1e-6
        )


def test_a_lambda_model_is_refused_by_name(tmp_path, root):
    import keras

    path, _ = _keras_file(
        tmp_path, keras.layers.GRU(3), keras.layers.Lambda(lambda h: h, name="sneaky")
    )
    proc = _subprocess(["--model", path], root)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    line, loaded = proc.stderr.splitlines()
    assert loaded == "False", "refused before TensorFlow loads"
    assert "'sneaky'" in line and "Lambda" in line and line.startswith("rnnviz: error: --model")


def _subprocess(args: list[str], root) -> subprocess.CompletedProcess:
    """``main(args)`` in a fresh interpreter, which then says whether TensorFlow loaded."""
    code = (
        "import sys; from rnnviz.cli import main; status = main(sys.argv[1:]); "
        "print('tensorflow' in sys.modules, file=sys.stderr if status else sys.stdout); "
        "sys.exit(status)"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=root, capture_output=True, text=True
    )


def _bad_files(tmp_path) -> dict[str, str]:
    X = np.zeros((4, 3, 2), np.float32)  # (N, T, D)
    good = tmp_path / "good.npz"
    good.write_bytes(userdata.npz_bytes(X))
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("sample,t,x\n0,1,1\n0,2,2\n1,1,3\n")
    return {"good": str(good), "ragged": str(ragged)}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--train", "3"], "--train needs something to learn: a task with a target"),
        (["--task", "adding", "--D", "3"], "--D: D (input features) is fixed at 2 by the adding"),
        (["--task", "copy", "--T", "1"], "--T: T (time steps) must be at least 2 for the copy"),
        (["--task", "sine", "--train", "0"], "--train: epochs='0' is out of range"),
        (
            ["--task", "parity", "--return-sequences", "--train", "2"],
            "--train needs return_sequences off",
        ),
        (["--task", "rainbow"], "--task: task='rainbow' is not allowed; task must be one of"),
        (["--data", "{good}", "--T", "9"], "--data: --T 9 contradicts the file, which has N = 4"),
        (["--data", "{good}", "--task", "sine"], "--data and --task sine both say what X is"),
        (["--data", "{ragged}"], "--data: "),
        (["--data", "{tmp}/none.npz"], "--data: no file"),
        (["--model", "{good}"], "--model: "),
        (["--model", "{tmp}/none.keras"], "--model: no file"),
        (["--model", "{good}", "--import-torch", "{good}"], "--model and --import-torch both"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_tensorflow(args, message, tmp_path, root):
    files = _bad_files(tmp_path) | {"tmp": str(tmp_path)}
    proc = _subprocess([a.format(**files) for a in args], root)
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    line, loaded = proc.stderr.splitlines()
    assert line.startswith("rnnviz: error: ") and message in line, line
    assert loaded == "False", "bad input is refused before TensorFlow loads"


def test_the_script_export_takes_the_task_and_the_trained_weights_home(tmp_path, capsys):
    script = tmp_path / "run.py"
    args = ["--task", "parity", "--N", "30", "--T", "6", "--train", "2"]
    assert cli.main([*args, "--export-script", str(script)]) == 0
    capsys.readouterr()
    text = script.read_text()
    assert "python -m rnnviz --N 30 --T 6" in text and "--task parity" in text
    assert "--train 2" in text and "y_task = array(" in text
    proc = subprocess.run(
        [sys.executable, "-I", str(script)], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "cross-entropy" in proc.stdout and "Same output" in proc.stdout
