"""The command line's flags, generated from the table of fields, and how their values are read.

Every field of ``RNNConfig`` that the command line sets has its flag in the table
(``rnnviz.config.FIELDS``): a size or a choice takes a value (``--M 5``, ``--cell lstm``), a
switch is a flag alone (``--bidirectional``, ``--no-reset-after``); the values stay text here and
each is read by its field, so the CLI, the URL and the sidebar refuse the same values with the
same words. The rest are the command line's own: files in and out, the layout, --grad, --json.
"""

from __future__ import annotations

import argparse
import dataclasses
import os

from rnnviz.config import DEFAULT, FIELDS, TRAINED, ConfigError, Field, RNNConfig, quote
from rnnviz.config.links import fit_under_cap
from rnnviz.config.rnn_config import DTYPES, INPUTS, PULSE, WORK_CAP, task_problems
from rnnviz.recurrence.agreement import TOLERANCE, TOLERANCES
from rnnviz.recurrence.cells import CELLS, LAYOUTS
from rnnviz.shapes import layouts
from rnnviz.tasks import TASKS
from rnnviz.text.corpus import ALPHABET_MAX
from rnnviz.text.generate import MAX_CHARS, MAX_PROMPT, TEMPERATURE

EXIT_AGREE, EXIT_DISAGREE, EXIT_USAGE = 0, 1, 2
EPILOG = (
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
)
# fields the command line sets otherwise: weights by --import-torch, --model or --train, the
# data by --data's file, the epochs by --train; an edit of X is made on the page only
FROM_FILES = ("weights", "x_edit", "data", "epochs")
# --layout: how the report and the JSON name and shape the weights (a view of the page's)
LAYOUT = Field("layout", "choice", default="keras", choices=tuple(LAYOUTS))
# what each choice's values mean, for --help
MEANINGS = {
    "cell": {k: f"= {c.title}" for k, c in CELLS.items()},
    "dtype": {k: f", {why}" for k, (_, why) in DTYPES.items()},
    "input": {k: f", {why}" for k, why in INPUTS.items()},
    "task": {k: f", {t.description}" for k, t in TASKS.items()},
}


class UsageError(Exception):
    """Bad command-line input; the message is the one line printed after ``rnnviz: error:``."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        # argparse would print the whole usage and exit; callers get one line instead.
        raise UsageError(message)


def flag_of(field: str) -> str:
    """The flag(s) behind a ConfigError field: "M" -> "--M", "N·T·M" -> "--N/--T/--M",
    "whh_scale" -> "--whh-scale", "bug" -> "--plant-bug"."""
    return "/".join(FIELDS[name].flag or f"--{name}" for name in field.split("·"))


def _option(parser: argparse.ArgumentParser, f: Field) -> None:
    """``f``'s flag: a value (kept as text, every occurrence) or, for a switch, the flag alone
    that asks for the value other than its default."""
    default = getattr(DEFAULT, f.name)
    if f.kind == "switch":
        action = "store_false" if default else "store_true"
        words = f"turns {f.name} off. {f.help}" if default else f.help
        parser.add_argument(f.flag, dest=f.name, action=action, help=words)
        return
    if f.kind == "integer":
        metavar = {"seed": "SEED", "layers": "L", "pulse_t": "T0", "pulse_d": "D0"}.get(
            f.name, f.name
        )
        words = f"{f.meaning}, {f.low} to {f.high} (default {default})"
        if f.name in PULSE:
            words = f"{f.meaning} for --input pulse or step, {f.low} to {f.high} (at most "
            words += f"{'T' if f.name == 'pulse_t' else 'D - 1'}; default {default})"
    elif f.kind == "decimal":
        metavar = "S"
        words = (
            f"{f.help}, {f.low:g} to {f.high:g} with at most {f.places} decimals "
            f"(default {default:g})"
        )
    elif f.name == "bug":
        metavar = "NAME"
        words = (
            "plant a classic mistake in the NumPy recurrence (Keras stays right) and report "
            "from which step the two part ways; exits 1. --list-bugs names them"
        )
    else:
        metavar = "{" + ",".join(f.choices) + "}"
        meanings = MEANINGS.get(f.name, {})
        listed = "; ".join(f"{k} {meanings[k]}".replace(" ,", ",") for k in f.choices)
        words = f"{f.help}: {listed} (default {default})"
    parser.add_argument(f.flag, dest=f.name, action="append", metavar=metavar, help=words)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m rnnviz",
        description=(
            "Build Input((T, D)) -> RNN cell(M) -> Dense(K) in Keras, run it on random X of\n"
            "shape (N, T, D), compute the same output with the NumPy recurrence, and report\n"
            "the shapes, the parameter counts and whether Keras and NumPy agree."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # an abbreviation that works today could become ambiguous later
    )
    # Values stay strings here, every occurrence of a repeated flag kept: each field reads
    # and checks them, so the CLI, the URL and the sidebar refuse the same values with the
    # same words.
    for f in FIELDS.values():
        if f.name not in FROM_FILES:
            _option(parser, f)
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
        "--text",
        metavar="PATH",
        help="learn your own text: a UTF-8 .txt (at most 1 MB), cut into N windows of T + 1 "
        "characters (N = 1024, T = 64 unless told), the last 20%% held out; D = K = its "
        f"alphabet, the {ALPHABET_MAX - 1} most common characters and one for every other",
    )
    parser.add_argument(
        "--generate",
        metavar="G",
        action="append",
        help=f"with a text task or --text: write G characters (1 to {MAX_CHARS}) after "
        "--prompt with the NumPy step, each drawn at --temperature with the seed, and check "
        "Keras' next-character probabilities against NumPy's at every step",
    )
    parser.add_argument(
        "--prompt",
        metavar="S",
        action="append",
        help=f"the text --generate starts from (1 to {MAX_PROMPT} characters; default a line end)",
    )
    parser.add_argument(
        "--temperature",
        metavar="τ",
        action="append",
        help="divides the logits before the softmax that --generate draws from: 0 always "
        "takes the most likely character, 1 the model's own odds, more is wilder (0 to 5, "
        "default 1)",
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
    switches = [f.name for f in FIELDS.values() if f.kind == "switch"]
    values = dataclasses.asdict(DEFAULT) | {name: getattr(args, name) for name in switches}
    problems = []
    for name, f in FIELDS.items():
        if name in switches or name in FROM_FILES:
            continue
        for raw in getattr(args, name) or []:  # None when the flag is not given
            try:
                values[name] = f.read(raw)
            except ConfigError as err:
                problems.append(f"{flag_of(name)}: {err}")
    if values["input"] == "random":  # strict: a pulse's place without a pulse is a mistake
        for name in PULSE:
            if getattr(args, name):
                problems.append(f"{flag_of(name)}: applies only to --input pulse or step")
    task = TASKS[values["task"]]
    for name in ("D", "K"):  # a size the task fixes, unless a flag said otherwise
        if getattr(task, name) is not None and not getattr(args, name):
            values[name] = getattr(task, name)
    for name, value in task.sizes:  # the N and T the task starts with, unless told
        if not getattr(args, name):
            values[name] = value
    if task.per_step:  # a target at every step: the head reads every h_t
        values["return_sequences"] = True
    if problems:
        raise UsageError(" | ".join(problems))
    try:
        return RNNConfig(**values)
    except ConfigError as err:  # the joint work cap, or a bug the model does not have
        if err.field == "bug":
            # "bug=reset_before applies only to ..." as "--plant-bug reset_before applies ..."
            raise UsageError(f"--plant-bug {str(err).removeprefix('bug=')}") from None
        if err.field in PULSE:  # the pulse's place must fit T and D
            raise UsageError(f"{flag_of(err.field)}: {err}") from None
        if any(err.field == name for name, _ in task_problems(values)):
            raise UsageError(f"{flag_of(err.field)}: {err}") from None
        fitted, _ = fit_under_cap(values)
        fits = ", ".join(f"{k}={fitted[k]}" for k in FIELDS if fitted[k] != values[k])
        raise UsageError(f"{flag_of(err.field)}: {err} ({fits} would fit)") from None


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
            layout = LAYOUT.read(raw)
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


def parse_epochs(args: argparse.Namespace, config: RNNConfig) -> int | None:
    """``--train``'s epochs (the last one given, each checked), None without it; UsageError
    when there is nothing to learn or the weights are not the seed's to train."""
    epochs = None
    for raw in args.train or []:
        try:
            epochs = FIELDS["epochs"].read(raw)
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


# --generate and --temperature: fields of the command line's own, read and refused as a
# config's are
GENERATE = Field("generate", "integer", meaning="characters to generate", low=1, high=MAX_CHARS)
TEMPERATURE_FIELD = Field(
    "temperature", "decimal", meaning="the softmax's τ", low=TEMPERATURE[0], high=TEMPERATURE[1],
    places=2, default=1.0,
)  # fmt: skip
PROMPT = "\n"  # --generate's prompt unless told: a line end, where a line starts


@dataclasses.dataclass(frozen=True)
class Writing:
    """What --generate asks for."""

    G: int
    prompt: str
    temperature: float


def parse_writing(args: argparse.Namespace, text: bool) -> Writing | None:
    """--generate, --prompt and --temperature (the last of each, each checked), None without
    --generate; UsageError for a bad value, or when there is no text to write (``text``)."""
    G = None
    for raw in args.generate or []:
        try:
            G = GENERATE.read(raw)
        except ConfigError as err:
            raise UsageError(f"--generate: {err}") from None
    τ = TEMPERATURE_FIELD.default
    for raw in args.temperature or []:
        try:
            τ = TEMPERATURE_FIELD.read(raw)
        except ConfigError as err:
            raise UsageError(f"--temperature: {err}") from None
    prompt = (args.prompt or [PROMPT])[-1]
    if G is None:
        extra = [
            f for f, v in (("--prompt", args.prompt), ("--temperature", args.temperature)) if v
        ]
        if extra:
            verb = "applies" if len(extra) == 1 else "apply"
            raise UsageError(f"{' and '.join(extra)} {verb} only with --generate G")
        return None
    if not text:
        raise UsageError(
            "--generate writes text: it needs a text model, --task brackets or python, or --text"
        )
    if not 1 <= len(prompt) <= MAX_PROMPT:
        raise UsageError(
            f"--prompt must have between 1 and {MAX_PROMPT} characters, got {len(prompt)}"
        )
    return Writing(G, prompt, float(τ))
