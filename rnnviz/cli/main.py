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
import json
import math
import os
import sys

from rnnviz.cli.flags import (
    EXIT_AGREE,
    EXIT_DISAGREE,
    EXIT_USAGE,
    FILE_FLAGS,
    UsageError,
    _file_flag,
    build_parser,
    check_export_path,
    flag_of,
    parse_config,
    parse_epochs,
    parse_layout,
    parse_writing,
)
from rnnviz.cli.report import list_bugs, report, to_json
from rnnviz.config import FIELDS, SEEDED, TRAINED, ConfigError, RNNConfig, quote
from rnnviz.inputs import text as text_input
from rnnviz.inputs import userdata
from rnnviz.inputs.imported import digest
from rnnviz.keras_side import own_model, training
from rnnviz.keras_side.model import build, over_sequence  # TensorFlow only when called
from rnnviz.pipeline import Run, execute  # execute() imports TensorFlow on first use
from rnnviz.recurrence.initial import weights_of
from rnnviz.shapes import layouts
from rnnviz.tasks import TASKS, TEXT_SIZES, VAL_FRACTION, Xy_of, text_of
from rnnviz.text import corpus as corpora
from rnnviz.text import generate, reading
from rnnviz.text.generate import check as check_writing
from rnnviz.views.export import file_name, write_npz
from rnnviz.views.gradients import Backprop, backprop
from rnnviz.views.standalone import embeds, notebook_bytes, script_text, write_file


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
            clash.append(f"{flag_of(name)} {getattr(config, name)}")
    if clash:
        fixed = ", ".join(f"{k} = {v}" for k, v in sizes.items())
        raise UsageError(
            f"{flag}: {' and '.join(clash)} contradict{'s' if len(clash) == 1 else ''} the "
            f"file, which has {fixed}; leave {'them' if len(clash) > 1 else 'it'} out"
        )
    return sizes


def read_data(args: argparse.Namespace, config: RNNConfig) -> tuple[RNNConfig, userdata.Data]:
    """``--data``: the file as ``rnnviz.inputs.userdata.Data`` and the config that runs on it (its
    N, T, D and any K its y fixes); UsageError naming the problem."""
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
        raise UsageError(f"--data: {flag_of(err.field)}: {err}") from None


def read_text(args: argparse.Namespace, config: RNNConfig) -> tuple[RNNConfig, userdata.Data]:
    """``--text``: the file as Data cut from its text (``rnnviz.inputs.text``), N windows of
    T + 1 characters, and the config that runs on it; UsageError naming the problem."""
    if args.data is not None:
        raise UsageError("--text and --data both say what X is; give one")
    if config.task != "random":
        raise UsageError(f"--text and --task {config.task} both say what X is; give one")
    payload = _file_bytes(args.text, "--text", text_input.MAX_BYTES)
    sizes = dict(TEXT_SIZES)  # the N and T a text starts with, unless told
    N = config.N if args.N else sizes["N"]
    T = config.T if args.T else sizes["T"]
    try:
        corpus = text_input.read(os.path.basename(args.text), payload)
        data = text_input.as_data(corpus, N, T, os.path.basename(args.text))
    except userdata.DataError as err:
        raise UsageError(f"--text: {quote(args.text)}: {err}") from None
    _sizes_from(args, config, {"D": data.D, "K": data.K}, "--text")
    try:
        return config.replace(
            N=N, T=T, D=data.D, K=data.K, data=data.digest, return_sequences=True
        ), data
    except ConfigError as err:  # M over the work cap with the text's N, T and K
        raise UsageError(f"--text: {flag_of(err.field)}: {err}") from None


def read_model(args: argparse.Namespace, config: RNNConfig) -> tuple[RNNConfig, dict]:
    """``--model``: the .keras file's config (its sizes, cell and options, with the flags'
    N and seed) and its weights; UsageError naming the layer it refuses."""
    payload = _file_bytes(args.model, "--model", own_model.MAX_BYTES)
    try:
        own = own_model.load(payload, os.path.basename(args.model))
    except own_model.ModelError as err:
        raise UsageError(f"--model: {quote(args.model)}: {err}") from None
    numbers = {k: v for k, v in own.fields.items() if FIELDS[k].kind == "integer"}
    _sizes_from(args, config, numbers, "--model")
    try:
        return own_model.config_for(own, config), dict(own.weights)
    except (ConfigError, own_model.ModelError) as err:
        raise UsageError(f"--model: {err}") from None


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


def train_for(config: RNNConfig, epochs: int, data=None):
    """``--train``: the weights after training ``config``'s initial model for ``epochs`` on
    its task's or ``data``'s (X, y), with no wall-clock budget, and the History."""
    X, y = Xy_of(config.replace(dtype="float32"), data)  # (N, T, D), the target
    kind = TASKS[config.task].kind if data is None else data.kind
    return training.train(config, X, y, kind, epochs, budget_s=math.inf)


def read_text_model(run: Run, corpus: corpora.Corpus, writing) -> reading.TextRead:
    """The run's model read on its text's held-out part, against its initial weights; with
    ``writing`` (--generate), the text it writes and Keras' odds beside NumPy's."""
    c = run.config
    initial = weights_of(c.replace(weights=SEEDED))  # the seed's, as the training began
    study = reading.study(c, corpus, run.weights, initial, VAL_FRACTION)
    if writing is None:
        return reading.TextRead(corpus, study)
    g = generate.generate(
        c, run.weights, corpus.alphabet, writing.prompt, writing.G, writing.temperature, c.seed
    )
    X = reading.one_hot(g.ids[:-1], c.D, c.dtype)  # (1, P + G − 1, D)
    keras_logits = over_sequence(c, run.weights, X)[0]  # (P + G − 1, K)
    return reading.TextRead(corpus, study, g, generate.agreement(g, keras_logits))


def _npz_beside(args: argparse.Namespace, script: str, config: RNNConfig) -> str:
    """The .npz a script or notebook reads when its run is too large to embed: --export's
    file, as seen from the script's folder, or the name the page's download gives it."""
    if args.export is None:
        return file_name(config)
    return os.path.relpath(os.path.abspath(args.export), os.path.dirname(os.path.abspath(script)))


def _file_writers(
    args: argparse.Namespace,
    run: Run,
    grad: Backprop | None = None,
    read: reading.TextRead | None = None,
):
    """(flag, write(path), notice) for each flag of FILE_FLAGS, in the order they are written."""
    c = run.config
    extra = {} if grad is None else {"dy_dx": grad.mine.dy_dx, "dh_T_dh": grad.mine.dh_T_dh}
    if read is not None:
        extra |= read.arrays()
    extra = extra or None
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
        if args.text is not None:
            config, data = read_text(args, config)
        if args.import_torch is not None:
            imported = read_torch_weights(args.import_torch, config)
            # named in the config, as on the page: the JSON, the export and its script say so
            config = config.replace(weights=digest(imported))
        epochs = parse_epochs(args, config)
        corpus = text_of(config, data)
        writing = parse_writing(args, corpus is not None)
        if writing is not None:
            try:
                check_writing(
                    config, writing.prompt, writing.G, writing.temperature, corpus.alphabet
                )
            except ValueError as err:
                raise UsageError(f"--generate: {err}") from None
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
        read = None if corpus is None else read_text_model(run, corpus, writing)

    written = []  # the notices, printed after the report
    for flag, write, notice in _file_writers(args, run, grad, read):
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
        print(json.dumps(to_json(run, layout, grad, history, read)))
    else:
        print(report(run, layout, grad, history, read))
    notices = sys.stderr if args.json else sys.stdout
    for line in written:
        print(line, file=notices)
    agree = run.agreement.agree and (grad is None or grad.check.grad_agree)
    agree = agree and (read is None or read.generated is None or read.generated_agree)
    return EXIT_AGREE if agree else EXIT_DISAGREE
