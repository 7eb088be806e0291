"""``python -m rnnviz``: one run from the command line, as a readable report or as JSON.

This is a contract other tools rely on. The flags are the fields of ``RNNConfig`` and are
checked by ``rnnviz.config`` alone, before TensorFlow is imported, so bad input is refused at
once with one line on stderr. Exit status: 0 when Keras and the NumPy recurrence agree, 1 when
they do not, 2 for bad input. With ``--json`` stdout carries exactly one JSON object and
nothing else; everything else (TensorFlow's logs, the export notice) goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import sys
from dataclasses import dataclass

from rnnviz.config import (
    BOUNDS,
    DEFAULT,
    DTYPES,
    FIELDS,
    INPUTS,
    PULSE_BOUNDS,
    SWITCHES,
    TRAINED,
    WORK_CAP,
    ConfigError,
    RNNConfig,
    fit_under_cap,
    parse_field,
    quote,
    task_problems,
)
from rnnviz.inputs import userdata
from rnnviz.inputs.imported import digest
from rnnviz.keras_side import own_model, training
from rnnviz.keras_side.model import build  # imports TensorFlow only when called
from rnnviz.pipeline import Run, execute, symptom  # execute() imports TensorFlow on first use
from rnnviz.recurrence import bugs
from rnnviz.recurrence.agreement import TOLERANCE, TOLERANCES, GradientAgreement
from rnnviz.recurrence.cells import CELLS, LAYOUTS, shape_text
from rnnviz.shapes import layouts, ledger
from rnnviz.tasks import TASKS, Xy_of
from rnnviz.views.export import file_name, write_npz
from rnnviz.views.gradients import Gradients, gradients_of
from rnnviz.views.standalone import embeds, notebook_bytes, script_text, write_file

EXIT_AGREE, EXIT_DISAGREE, EXIT_USAGE = 0, 1, 2
ROWS_SHOWN = 20  # the plain report lists this many samples; --json and --export have them all


class UsageError(Exception):
    """Bad command-line input; the message is the one line printed after ``rnnviz: error:``."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        # argparse would print the whole usage and exit; callers get one line instead.
        raise UsageError(message)


# a field whose flag is not --<field> with - for _
FLAGS = {"bug": "--plant-bug", "weights": "--train", "epochs": "--train", "data": "--data"}


def _flag(field: str) -> str:
    """The flag(s) behind a ConfigError field: "M" -> "--M", "N·T·M" -> "--N/--T/--M",
    "whh_scale" -> "--whh-scale"."""
    return "/".join(FLAGS.get(name, f"--{name.replace('_', '-')}") for name in field.split("·"))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m rnnviz",
        description=(
            "Build Input((T, D)) -> RNN cell(M) -> Dense(K) in Keras, run it on random X of\n"
            "shape (N, T, D), compute the same output with the NumPy recurrence, and report\n"
            "the shapes, the parameter counts and whether Keras and NumPy agree."
        ),
        epilog=(
            f"N·T·M (times layers and directions), N·T·D and, with --return-sequences, N·T·K\n"
            f"must each be at most {WORK_CAP:,}: every h_t, X and y are kept.\n\n"
            "exit status:\n"
            f"  0  Keras and NumPy agree (max |Δ| ≤ {TOLERANCE:.0e} · max(1, max |y|); "
            f"{TOLERANCES['float64']:.0e} · max(1, max |y|) with --dtype float64)\n"
            "  1  they disagree (always, with --plant-bug)\n"
            "  2  bad input: one line on stderr names each bad value and the allowed range\n"
            "     (a flag given twice: each value is checked, the last one is used)\n\n"
            "--json prints one object with config, layout, shapes, params {rnn, dense, total},\n"
            "max_abs_diff, tolerance, agree, verdict, per_sample_max_abs_diff,\n"
            "per_step_max_abs_diff (null unless --return-sequences), dtype, bug and\n"
            "diverges_from_t: the first step (from 1) at which Keras' h_t (from a twin of the\n"
            "model that returns sequences) and NumPy's differ by more than the tolerance, in\n"
            "the lowest layer that differs, counted along each direction's own walk; when\n"
            "every h_t agrees but y does not, the step whose h the head reads (T, or 1 for\n"
            "the backward layer); null when they agree. shapes has X, every\n"
            "weight by its name in --layout's layout and y: W_xh, W_hh_2_bwd, W_o (keras, the\n"
            "default); weight_ih_l0, bias_hh_l1_reverse, head.weight (pytorch); W_f, U_f_2,\n"
            "b'_h, W_y (textbook: one W, U, b per gate, b' the GRU's recurrent bias).\n"
            "--plant-bug NAME plants a classic mistake in the NumPy side (--list-bugs names\n"
            "them); a bug that does not apply to the model is refused, naming where it does.\n"
            "--export writes X, every weight, y_keras, y_numpy and the NumPy trace (for\n"
            "simple: h_numpy and a_numpy, each (N, T, M)) to exactly PATH, compressed;\n"
            "no .npz is appended. Read it with numpy.load(PATH, allow_pickle=False).\n"
            "--export-torch writes the weights with exactly the names and shapes of\n"
            "torch.nn.RNN/LSTM/GRU(D, M, num_layers=layers, bidirectional=..., batch_first=True)\n"
            ".state_dict(), plus head.weight (K, M or 2M) and head.bias (K,) for the Dense head;\n"
            "--import-torch reads such a file back (Keras' GRU with reset_after=False has no\n"
            "PyTorch equivalent and is refused).\n"
            "--export-script and --export-notebook write the run as a Python script and as a\n"
            "Jupyter notebook that need only numpy and tensorflow: they rebuild the model, load\n"
            "the weights and X (stored in the file), run the NumPy recurrence and print the same\n"
            "verdict; the script exits 0 or 1 as rnnviz does. A run whose arrays are over 2 MB\n"
            "reads them from the .npz of --export instead, next to the script."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # an abbreviation that works today could become ambiguous later
    )
    # Values stay strings here, every occurrence of a repeated flag kept: rnnviz.config parses
    # and checks them, so the CLI, the URL and the sidebar refuse the same values with the
    # same words.
    for name, (meaning, low, high) in BOUNDS.items():
        parser.add_argument(
            f"--{name}",
            action="append",
            metavar=name if name != "seed" else "SEED",
            help=f"{meaning}, {low} to {high} (default {getattr(DEFAULT, name)})",
        )
    parser.add_argument(
        "--cell",
        action="append",
        metavar="{" + ",".join(CELLS) + "}",
        help=f"recurrent cell: {', '.join(f'{k} = {c.title}' for k, c in CELLS.items())} "
        f"(default {DEFAULT.cell})",
    )
    parser.add_argument(
        "--no-reset-after",
        dest="reset_after",
        action="store_false",
        help="GRU only: the textbook variant, reset gate before the recurrent matmul, bias (3M,)"
        " (Keras' default is reset_after=True, bias (2, 3M))",
    )
    parser.add_argument(
        "--return-sequences",
        action="store_true",
        help="Dense reads every h_t, so y is (N, T, K) and agreement is checked at every step",
    )
    parser.add_argument(
        "--bidirectional",
        action="store_true",
        help="each recurrent layer also reads the sequence backwards (merge_mode concat: 2M wide)",
    )
    parser.add_argument(
        "--dtype",
        action="append",
        metavar="{" + ",".join(DTYPES) + "}",
        help="precision of both Keras (a dtype policy) and NumPy: "
        + "; ".join(f"{k}, {why}" for k, (_, why) in DTYPES.items())
        + f" (default {DEFAULT.dtype})",
    )
    parser.add_argument(
        "--plant-bug",
        dest="bug",
        action="append",
        metavar="NAME",
        help="plant a classic mistake in the NumPy recurrence (Keras stays right) and report "
        "from which step the two part ways; exits 1. --list-bugs names them",
    )
    parser.add_argument(
        "--whh-scale",
        dest="whh_scale",
        action="append",
        metavar="S",
        help="what if: every recurrent kernel W_hh times S, 0.1 to 3 with at most 2 decimals, "
        "in the Keras model and the NumPy recurrence alike (default 1)",
    )
    parser.add_argument(
        "--input",
        action="append",
        metavar="{" + ",".join(INPUTS) + "}",
        help="X: " + "; ".join(f"{k}, {why}" for k, why in INPUTS.items()) + " (default random)",
    )
    for name, (meaning, low, _) in PULSE_BOUNDS.items():
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            action="append",
            metavar=name[-1].upper() + "0",
            help=f"{meaning} for --input pulse or step, {low} to "
            f"{'T' if name == 'pulse_t' else 'D - 1'} (default {getattr(DEFAULT, name)})",
        )
    parser.add_argument(
        "--task",
        action="append",
        metavar="{" + ",".join(TASKS) + "}",
        help="what X is and the target y: "
        + "; ".join(f"{k}, {t.description}" for k, t in TASKS.items())
        + " (default random). A task fixes D and K (adding: D=2, K=1); --export adds y_task",
    )
    parser.add_argument(
        "--data",
        metavar="PATH",
        help="run on your own X (and y): a .npy (X (N, T, D)), a .npz (X and optionally y) or a "
        "long-form .csv (columns sample, t, features, then y... or class); N, T and D come "
        "from the file, and K from y where it has one",
    )
    parser.add_argument(
        "--train",
        metavar="EPOCHS",
        action="append",
        help="train the model (Adam) for EPOCHS (1 to 200) on the task's or the data's "
        "(X, y), the last 20%% of the N samples held out, then check agreement on the trained "
        "weights; the JSON gets loss_before, loss_after, val_loss_after and loss_history",
    )
    parser.add_argument(
        "--model",
        metavar="PATH",
        help="run on your own Keras model, a .keras file of Input -> SimpleRNN, LSTM or GRU "
        "(or Bidirectional) x 1-3 -> Dense, loaded with safe_mode=True; its sizes and "
        "weights replace the flags'",
    )
    parser.add_argument(
        "--list-bugs",
        action="store_true",
        help="print each bug's name and one-line description, and exit",
    )
    parser.add_argument(
        "--layout",
        action="append",
        metavar="{" + ",".join(LAYOUTS) + "}",
        help="how the report and the JSON's shapes name and shape the weights: keras (x_t W, "
        "W_xh (D, gM)), pytorch (weight_ih_l0 (gM, D), bias_ih and bias_hh) or textbook "
        "(column vectors: W_f (M, D), U_f (M, M), b_f per gate); the numbers are the same "
        "(default keras)",
    )
    parser.add_argument(
        "--grad",
        action="store_true",
        help="also backpropagate through time by hand (NumPy) and check it against Keras' "
        "tf.GradientTape: the JSON gets grad_norm_x, grad_max_rel_err and grad_agree, and "
        "--export adds dy_dx (N, T, D) and dh_T_dh (N, T, M); exits 1 if they disagree",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout instead of a report"
    )
    parser.add_argument("--export", metavar="PATH", help="also write the run to PATH as .npz")
    parser.add_argument(
        "--export-torch",
        metavar="PATH",
        help="also write the weights to PATH as .npz in PyTorch's layout: torch.nn.RNN/LSTM/GRU"
        "(D, M, num_layers, bidirectional, batch_first=True).state_dict() plus head.weight, "
        "head.bias",
    )
    parser.add_argument(
        "--export-script",
        metavar="PATH",
        help="also write a standalone .py (numpy and tensorflow only) that rebuilds the model, "
        "loads the weights and checks the NumPy recurrence",
    )
    parser.add_argument(
        "--export-notebook",
        metavar="PATH",
        help="also write the same as a Jupyter notebook (.ipynb), with the shapes and the "
        "parameter count explained",
    )
    parser.add_argument(
        "--import-torch",
        metavar="PATH",
        help="run with the weights of PATH, a .npz in --export-torch's layout, instead of the "
        "seeded ones",
    )
    return parser


def parse_config(args: argparse.Namespace) -> RNNConfig:
    """The validated config from parsed flags, or UsageError naming every bad value.

    The URL's rules, but strict: each value of a repeated flag is checked (the last one is
    used), and any bad value, or sizes over the work cap, refuse the run instead of falling
    back, so a script never gets a run other than the one it asked for.
    """
    values = dataclasses.asdict(DEFAULT) | {name: getattr(args, name) for name in SWITCHES}
    problems = []
    for name in FIELDS:
        # weights: set by --import-torch's file; x_edit: an edit of X made on the page
        # data, epochs: set by --data's file and --train
        if name in SWITCHES or name in ("weights", "x_edit", "data", "epochs"):
            continue
        for raw in getattr(args, name) or []:  # None when the flag is not given
            try:
                values[name] = parse_field(name, raw)
            except ConfigError as err:
                problems.append(f"{_flag(name)}: {err}")
    if values["input"] == "random":  # strict: a pulse's place without a pulse is a mistake
        for name in PULSE_BOUNDS:
            if getattr(args, name):
                problems.append(f"{_flag(name)}: applies only to --input pulse or step")
    task = TASKS[values["task"]]
    for name in ("D", "K"):  # a size the task fixes, unless a flag said otherwise
        if getattr(task, name) is not None and not getattr(args, name):
            values[name] = getattr(task, name)
    if problems:
        raise UsageError(" | ".join(problems))
    try:
        return RNNConfig(**values)
    except ConfigError as err:  # the joint work cap, or a bug the model does not have
        if err.field == "bug":
            # "bug=reset_before applies only to ..." as "--plant-bug reset_before applies ..."
            raise UsageError(f"--plant-bug {str(err).removeprefix('bug=')}") from None
        if err.field in PULSE_BOUNDS:  # the pulse's place must fit T and D
            raise UsageError(f"{_flag(err.field)}: {err}") from None
        if any(err.field == name for name, _ in task_problems(values)):
            raise UsageError(f"{_flag(err.field)}: {err}") from None
        fitted, _ = fit_under_cap(values)
        fits = ", ".join(f"{k}={fitted[k]}" for k in FIELDS if fitted[k] != values[k])
        raise UsageError(f"{_flag(err.field)}: {err} ({fits} would fit)") from None


# flag -> what its file is called in messages; these flags all write a file after the run
FILE_FLAGS = {
    "--export": "run.npz",
    "--export-torch": "run.npz",
    "--export-script": "run.py",
    "--export-notebook": "run.ipynb",
}


def _file_flag(args: argparse.Namespace, flag: str) -> str | None:
    """The PATH given to one of FILE_FLAGS, or None: "--export-torch" -> args.export_torch."""
    return getattr(args, flag.removeprefix("--").replace("-", "_"))


def parse_layout(args: argparse.Namespace, config: RNNConfig) -> str:
    """``--layout``'s value (the last one given, each checked), or UsageError naming a bad
    value, or why PyTorch's layout does not exist for ``config`` (as ``--export-torch``)."""
    layout = "keras"
    for raw in args.layout or []:
        try:
            layout = parse_field("layout", raw)
        except ConfigError as err:
            raise UsageError(f"--layout: {err}") from None
    _, refusal = layouts.shown(config, layout)
    if refusal:
        raise UsageError(f"--layout {layout}: {refusal}")
    return layout


def check_export_path(path: str, flag: str = "--export") -> None:
    """UsageError unless ``path`` could be created as a file (checked before the slow run)."""
    example = FILE_FLAGS[flag]
    if not path:
        raise UsageError(f"{flag}: PATH is empty; give a file name such as {example}")
    full = os.path.abspath(path)
    if path.endswith(("/", os.sep)) or os.path.isdir(full):
        raise UsageError(
            f"{flag}: {quote(path)} is a directory; give a file name such as {example}"
        )
    parent = os.path.dirname(full)
    if not os.path.isdir(parent):
        raise UsageError(f"{flag}: directory {quote(parent)} does not exist")
    if not os.access(parent, os.W_OK) or (os.path.exists(full) and not os.access(full, os.W_OK)):
        raise UsageError(f"{flag}: cannot write {quote(path)} (permission denied)")


def read_torch_weights(path: str, config: RNNConfig) -> dict:
    """``--import-torch``: the PyTorch-layout .npz at ``path`` as Keras-layout weights for
    ``config``; UsageError naming what is wrong (read before TensorFlow is imported)."""
    if not os.path.isfile(path):
        raise UsageError(f"--import-torch: no file {quote(path)}")
    try:
        return layouts.read_torch_npz(config, path)
    except layouts.LayoutError as err:
        raise UsageError(f"--import-torch: {quote(path)}: {err}") from None


def _file_bytes(path: str, flag: str, limit: int) -> bytes:
    """The bytes of the file at ``path`` (at most ``limit``), or UsageError saying why not."""
    if not os.path.isfile(path):
        raise UsageError(f"{flag}: no file {quote(path)}")
    size = os.path.getsize(path)
    if size > limit:
        raise UsageError(
            f"{flag}: {quote(path)} is {size / 2**20:.1f} MB, over the limit of "
            f"{limit / 2**20:.0f} MB"
        )
    with open(path, "rb") as f:
        return f.read()


def _sizes_from(args: argparse.Namespace, config: RNNConfig, sizes: dict, flag: str) -> dict:
    """The sizes a file fixes (``sizes``: N, T, D, ... from --data or --model), checked
    against any flag that set them: UsageError names each that contradicts the file."""
    clash = []
    for name, value in sizes.items():
        given = getattr(args, name, None)
        if given and getattr(config, name) != value:
            clash.append(f"{_flag(name)} {getattr(config, name)}")
    if clash:
        fixed = ", ".join(f"{k} = {v}" for k, v in sizes.items())
        raise UsageError(
            f"{flag}: {' and '.join(clash)} contradict{'s' if len(clash) == 1 else ''} the "
            f"file, which has {fixed}; leave {'them' if len(clash) > 1 else 'it'} out"
        )
    return sizes


def read_data(args: argparse.Namespace, config: RNNConfig) -> tuple[RNNConfig, userdata.Data]:
    """``--data``: the file as ``rnnviz.userdata.Data`` and the config that runs on it (its N,
    T, D and any K its y fixes); UsageError naming the problem."""
    payload = _file_bytes(args.data, "--data", userdata.MAX_BYTES)
    try:
        data = userdata.read(os.path.basename(args.data), payload)
    except userdata.DataError as err:
        raise UsageError(f"--data: {quote(args.data)}: {err}") from None
    if config.task != "random":
        raise UsageError(f"--data and --task {config.task} both say what X is; give one")
    sizes = _sizes_from(args, config, data.sizes(), "--data")
    try:
        return config.replace(**sizes, data=data.digest), data
    except ConfigError as err:  # M over the work cap with the data's N and T
        raise UsageError(f"--data: {_flag(err.field)}: {err}") from None


def read_model(args: argparse.Namespace, config: RNNConfig) -> tuple[RNNConfig, dict]:
    """``--model``: the .keras file's config (its sizes, cell and options, with the flags'
    N and seed) and its weights; UsageError naming the layer it refuses."""
    payload = _file_bytes(args.model, "--model", own_model.MAX_BYTES)
    try:
        own = own_model.load(payload, os.path.basename(args.model))
    except own_model.ModelError as err:
        raise UsageError(f"--model: {quote(args.model)}: {err}") from None
    numbers = {k: v for k, v in own.fields.items() if k in BOUNDS}
    _sizes_from(args, config, numbers, "--model")
    try:
        return own_model.config_for(own, config), dict(own.weights)
    except (ConfigError, own_model.ModelError) as err:
        raise UsageError(f"--model: {err}") from None


def parse_epochs(args: argparse.Namespace, config: RNNConfig) -> int | None:
    """``--train``'s epochs (the last one given, each checked), None without it; UsageError
    when there is nothing to learn or the weights are not the seed's to train."""
    epochs = None
    for raw in args.train or []:
        try:
            epochs = parse_field("epochs", raw)
        except ConfigError as err:
            raise UsageError(f"--train: {err}") from None
    if epochs is None:
        return None
    if args.model is not None or args.import_torch is not None:
        which = "--model" if args.model is not None else "--import-torch"
        raise UsageError(
            f"--train starts from the seeded initial weights; it cannot train {which}'s"
        )
    try:
        config.replace(weights=TRAINED, epochs=epochs)
    except ConfigError as err:
        raise UsageError(str(err).replace("weights=trained", "--train")) from None
    return epochs


@contextlib.contextmanager
def _stdout_to_stderr():
    """Send anything written to stdout (Python or C level) to stderr while Keras runs.

    TensorFlow logs to stderr already; this makes sure no stray print from a library can
    break the promise that --json's stdout is one JSON object.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no real file descriptors (an embedding host): Python level only
        saved = None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


@dataclass(frozen=True)
class Backprop:
    """``--grad``: the hand-written gradients and how far they are from Keras'."""

    mine: Gradients
    check: GradientAgreement


def backprop(run: Run, keras_model) -> Backprop:
    """BPTT in NumPy (``rnnviz.gradients``) beside tf.GradientTape on the same model and X."""
    mine = gradients_of(run)
    return Backprop(mine, mine.against(keras_model.gradients(run.X)))


def train_for(config: RNNConfig, epochs: int, data=None):
    """``--train``: the weights after training ``config``'s initial model for ``epochs`` on
    its task's or ``data``'s (X, y), with no wall-clock budget, and the History."""
    X, y = Xy_of(config.replace(dtype="float32"), data)  # (N, T, D), the target
    kind = TASKS[config.task].kind if data is None else data.kind
    return training.train(config, X, y, kind, epochs, budget_s=math.inf)


def to_json(
    run: Run,
    layout: str = "keras",
    grad: Backprop | None = None,
    history: training.History | None = None,
) -> dict:
    """The JSON contract of ``--json`` (see the module docstring and ``--help``); the
    weights' shapes by their names in ``layout``; with ``grad``, the gradient keys; with
    ``history`` (``--train``), the losses."""
    c = run.config
    a = run.agreement
    weights = layouts.convert(c, layout, run.weights)
    shapes = {"X": run.X.shape, **{k: v.shape for k, v in weights.items()}}
    shapes["y"] = run.y_keras.shape
    return (
        {
            "config": dataclasses.asdict(c),
            "layout": layout,
            "shapes": {name: [int(n) for n in shape] for name, shape in shapes.items()},
            "params": ledger.param_totals(c),
            "max_abs_diff": a.max_abs_diff,
            "tolerance": a.tolerance,
            "agree": a.agree,
            "verdict": a.verdict,
            "per_sample_max_abs_diff": [float(d) for d in a.per_sample],
            "per_step_max_abs_diff": None if a.per_step is None else [float(d) for d in a.per_step],
            "dtype": c.dtype,
            "bug": c.bug,
            "diverges_from_t": run.diverges_from_t,
        }
        | (
            {}
            if grad is None
            else {
                "grad_norm_x": [float(g) for g in grad.mine.grad_norm_x],
                "grad_max_rel_err": grad.check.grad_max_rel_err,
                "grad_agree": grad.check.grad_agree,
            }
        )
        | ({} if history is None else losses(history))
    )


def losses(history: training.History) -> dict:
    """``--train``'s JSON keys: the losses before and after, and one per epoch."""
    return {
        "loss": history.metric,
        "loss_before": history.loss_before,
        "val_loss_before": history.val_loss_before,
        "loss_after": history.loss[-1],
        "val_loss_after": history.val_loss[-1],
        "loss_history": list(history.loss),
        "val_loss_history": list(history.val_loss),
        "epochs_trained": history.epochs,
        "train_seconds": history.seconds,
    }


def _table(rows: list[list[str]], right: bool = False) -> list[str]:
    """Rows of cells as aligned text, left-aligned (or right-aligned, for numbers)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(w) if right else cell.ljust(w) for cell, w in zip(row, widths, strict=True)
        ]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def report(
    run: Run,
    layout: str = "keras",
    grad: Backprop | None = None,
    history: training.History | None = None,
) -> str:
    """The plain-text report: config, shapes (the weights named and shaped as ``layout``
    writes them), Keras summary, parameters, the training's losses, Keras vs NumPy."""
    c = run.config
    options = [f"layers={c.layers}"]
    options += [f"{name}={getattr(c, name)}" for name in run.cell.switches]
    options += [name for name in ("return_sequences", "bidirectional") if getattr(c, name)]
    out = [
        f"rnnviz  cell={c.cell}  N={c.N}  T={c.T}  D={c.D}  M={c.M}  K={c.K}  seed={c.seed}  "
        + "  ".join(options),
        "",
        f"Shapes ({LAYOUTS[layout]} layout)",
        "  " + layouts.CONVENTIONS[layout],
    ]
    rows = [["name", "shape", "numeric", "meaning"]]
    for r in layouts.ledger(c, layout):
        rows.append([r.name, r.symbolic, shape_text(r.numeric), r.meaning])
    out += _table(rows)

    out += ["", "Keras model.summary()", run.summary, "", "Parameters"]
    rows = []
    for p in ledger.params(c):
        derivation = f"{p.formula} = {p.numbers}" if p.formula else p.numbers
        rows.append([p.layer, f"{derivation} = {p.count}"])
    out += _table(rows)
    out.append(f"  ({run.cell.params_note})")
    if layout != "keras":
        out.append(f"  ({layouts.count_note(c, layout)})")

    if history is not None:
        out += [
            "",
            f"Training ({history.metric}, Adam, {history.epochs} epochs in "
            f"{history.seconds:.1f} s; the last {training.VAL_FRACTION:.0%} of the N samples "
            "held out)",
        ]
        rows = [
            ["epoch", "loss", "val_loss"],
            ["0", f"{history.loss_before:.4g}", f"{history.val_loss_before:.4g}"],
        ]
        rows += [
            [str(e), f"{loss:.4g}", f"{val:.4g}"]
            for e, (loss, val) in enumerate(zip(history.loss, history.val_loss, strict=True), 1)
        ]
        out += _table(rows[: ROWS_SHOWN + 1], right=True)
        if len(rows) > ROWS_SHOWN + 1:
            out.append(
                f"  ... {len(rows) - ROWS_SHOWN - 1} more epochs omitted (--json has them all)"
            )
        out.append(
            f"  loss {history.loss_before:.4g} -> {history.loss[-1]:.4g}, validation "
            f"{history.val_loss_before:.4g} -> {history.val_loss[-1]:.4g}"
        )

    a = run.agreement
    y_keras, y_numpy = run.y_keras, run.y_numpy  # (N, K), or (N, T, K) with return_sequences
    if a.per_step is not None:
        out += ["", "Keras vs NumPy, step by step (max|Δ| over samples and outputs)"]
        rows = [["t", "max|Δ|"]] + [[str(t + 1), f"{d:.1e}"] for t, d in enumerate(a.per_step)]
        out += _table(rows[: ROWS_SHOWN + 1], right=True)
        if c.T > ROWS_SHOWN:
            out.append(f"  ... {c.T - ROWS_SHOWN} more steps omitted (--json has them all)")
        y_keras, y_numpy = y_keras[:, -1], y_numpy[:, -1]  # (N, K) at t = T
    out += [
        "",
        "Keras vs NumPy, sample by sample" + (" (y at t = T)" if a.per_step is not None else ""),
    ]
    rows = [["n", "max|Δ|"]]
    for k in range(c.K):
        rows[0] += [f"y_keras[{k}]", f"y_numpy[{k}]"]
    for n in range(min(c.N, ROWS_SHOWN)):
        row = [str(n), f"{a.per_sample[n]:.1e}"]
        for k in range(c.K):
            row += [f"{y_keras[n, k]:.7f}", f"{y_numpy[n, k]:.7f}"]
        rows.append(row)
    out += _table(rows, right=True)
    if c.N > ROWS_SHOWN:
        worst = int(a.per_sample.argmax())
        out.append(
            f"  ... {c.N - ROWS_SHOWN} more samples omitted (--json or --export has them all); "
            f"largest max|Δ| at n = {worst}: {a.per_sample[worst]:.1e}"
        )
    d = run.divergence
    if c.bug != bugs.NONE and d is not None:
        out += ["", "Keras vs NumPy h_t, step by step (max|Δh| over layers, samples and units)"]
        rows = [["t", "max|Δh|"]] + [[str(t + 1), f"{x:.1e}"] for t, x in enumerate(d.per_step)]
        out += _table(rows[: ROWS_SHOWN + 1], right=True)
        if c.T > ROWS_SHOWN:
            out.append(f"  ... {c.T - ROWS_SHOWN} more steps omitted (--json has them all)")
        out += ["", symptom(run)]
    if grad is not None:
        out += ["", "Backpropagation through time: ‖∂s/∂x_t‖, s = Σ y (NumPy, by hand)"]
        norms = grad.mine.grad_norm_x  # (T,)
        rows = [["t", "‖∂s/∂x_t‖"]] + [[str(t + 1), f"{g:.3e}"] for t, g in enumerate(norms)]
        out += _table(rows[: ROWS_SHOWN + 1], right=True)
        if c.T > ROWS_SHOWN:
            out.append(f"  ... {c.T - ROWS_SHOWN} more steps omitted (--json has them all)")
        check = grad.check
        out.append(
            f"  against tf.GradientTape: max relative error {check.grad_max_rel_err:.1e} "
            f"{'≤' if check.grad_agree else '>'} {check.tolerance:.0e}"
            f" ({'same' if check.grad_agree else 'different'} gradients)"
        )
    out += ["", a.verdict]
    return "\n".join(out)


def list_bugs() -> str:
    """``--list-bugs``: one bug a line, its name then its one-line description."""
    width = max(map(len, bugs.BUGS))
    return "\n".join(f"{name.ljust(width)}  {bug.description}" for name, bug in bugs.BUGS.items())


def _npz_beside(args: argparse.Namespace, script: str, config: RNNConfig) -> str:
    """The .npz a script or notebook reads when its run is too large to embed: --export's
    file, as seen from the script's folder, or the name the page's download gives it."""
    if args.export is None:
        return file_name(config)
    return os.path.relpath(os.path.abspath(args.export), os.path.dirname(os.path.abspath(script)))


def _file_writers(args: argparse.Namespace, run: Run, grad: Backprop | None = None):
    """(flag, write(path), notice) for each flag of FILE_FLAGS, in the order they are written."""
    c = run.config
    extra = None if grad is None else {"dy_dx": grad.mine.dy_dx, "dh_T_dh": grad.mine.dh_T_dh}
    reads = ""
    if not embeds(run):
        npz = args.export or file_name(c)
        reads = f" (its arrays are too large to embed: it reads {npz}"
        reads += ")" if args.export else ", which --export writes)"
    return [
        ("--export", lambda path: write_npz(run, path, extra), "Wrote the run to {}"),
        (
            "--export-torch",
            lambda path: layouts.torch_npz(c, run.weights, path),
            "Wrote the weights in PyTorch's layout to {}",
        ),
        (
            "--export-script",
            lambda path: write_file(
                path, script_text(run, _npz_beside(args, path, c)).encode("utf-8")
            ),
            "Wrote a script of the run (numpy and tensorflow only) to {}" + reads,
        ),
        (
            "--export-notebook",
            lambda path: write_file(path, notebook_bytes(run, _npz_beside(args, path, c))),
            "Wrote a notebook of the run to {}" + reads,
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.list_bugs:
            print(list_bugs())
            return EXIT_AGREE
        config = parse_config(args)
        layout = parse_layout(args, config)
        for flag in FILE_FLAGS:
            path = _file_flag(args, flag)
            if path is not None:
                check_export_path(path, flag)
        if args.export_torch is not None:
            try:
                layouts.torch_shapes(config)  # refuses a cell PyTorch does not have
            except layouts.LayoutError as err:
                raise UsageError(f"--export-torch: {err}") from None
        imported, data = None, None
        if args.model is not None and args.import_torch is not None:
            raise UsageError("--model and --import-torch both give the weights; give one")
        if args.model is not None:
            config, imported = read_model(args, config)
        if args.data is not None:
            config, data = read_data(args, config)
        if args.import_torch is not None:
            imported = read_torch_weights(args.import_torch, config)
            # named in the config, as on the page: the JSON, the export and its script say so
            config = config.replace(weights=digest(imported))
        epochs = parse_epochs(args, config)
    except UsageError as err:
        print(f"rnnviz: error: {' '.join(str(err).splitlines())}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else EXIT_AGREE

    history = None
    with _stdout_to_stderr():  # TensorFlow is imported here, after every check
        if epochs is not None:
            try:
                imported, history = train_for(config, epochs, data)
            except training.TrainingError as err:
                print(f"rnnviz: error: --train: {err}", file=sys.stderr)
                return EXIT_USAGE
            config = config.replace(weights=TRAINED, epochs=history.epochs)
        keras_model = build(config, imported)
        # states: Keras' h_t are compared with NumPy's too, for diverges_from_t
        run = execute(config, keras_model, states=True, data=data)
        grad = backprop(run, keras_model) if args.grad else None

    written = []  # the notices, printed after the report
    for flag, write, notice in _file_writers(args, run, grad):
        path = _file_flag(args, flag)
        if path is None:
            continue
        try:
            write(path)
        except OSError as err:
            print(
                f"rnnviz: error: {flag}: cannot write {quote(path)}: {err.strerror or err}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        written.append(notice.format(path))

    if args.json:
        print(json.dumps(to_json(run, layout, grad, history)))
    else:
        print(report(run, layout, grad, history))
    notices = sys.stderr if args.json else sys.stdout
    for line in written:
        print(line, file=notices)
    agree = run.agreement.agree and (grad is None or grad.check.grad_agree)
    return EXIT_AGREE if agree else EXIT_DISAGREE
