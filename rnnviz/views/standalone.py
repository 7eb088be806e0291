"""A run as a Python script and a Jupyter notebook that need nothing of rnnviz.

Both rebuild the Keras model of the run, load its weights and its input X, compute y again with the
NumPy recurrence step by step and print the verdict rnnviz printed, in the order of the "Importance
of shapes" notebook: the sizes, the data, the model and its summary, the weights, Keras' y, the
NumPy recurrence, the comparison. They need only numpy and tensorflow (which brings keras). The
recurrence, the tolerance and the verdict are not rewritten for them: their source is copied from
``rnnviz.recurrence.forward`` and ``rnnviz.recurrence.agreement``, together with whatever it uses
there, so the script runs exactly the code the app runs.

X and the weights travel inside the file, as the base64 text of their ``np.save`` bytes:
exact to the bit, and read back with ``allow_pickle=False``. A run whose arrays exceed
EMBED_LIMIT would make a file too large to open; its script reads them instead from the
``.npz`` that ``--export`` or the page's download writes (``rnnviz.views.export``), next to it.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import dataclasses
import inspect
import io
import os
import tempfile
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from rnnviz.config import DEFAULT, FIELDS, TRAINED, RNNConfig, as_text
from rnnviz.pipeline import Run
from rnnviz.recurrence import agreement, forward
from rnnviz.recurrence.cells import shape_text, suffix
from rnnviz.shapes import ledger
from rnnviz.tasks import TASKS
from rnnviz.views.export import file_name

# X and the weights are embedded up to this many bytes (a 2.7 MB file); a larger run's
# script reads the .npz next to it. Most runs are far below: the defaults hold 1.5 kB.
EMBED_LIMIT = 2 * 2**20
# Set before TensorFlow is imported, as rnnviz.keras_side.model does: quiet logs, and no oneDNN
# reordering, so Keras' float32 results are the same from run to run and as in rnnviz.
TF_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "2", "TF_ENABLE_ONEDNN_OPTS": "0"}
DIRECTIONS = ("fwd", "bwd")  # a layer's paths, in Keras' order of their weights


@dataclass(frozen=True)
class Part:
    """One step of the notebook's order: a markdown cell, then a code cell."""

    title: str
    text: str  # markdown: the notebook shows it above the code
    code: str
    comment: str = ""  # what the script says under the title instead of ``text``


def copied_source(module: ModuleType, names: Iterable[str]) -> tuple[list[str], list[str]]:
    """The source of ``names`` in ``module``, and of every module-level name they use in
    turn, as (import statements, definitions), each in the module's order. Whole lines are
    copied, so the comments at their ends come along."""
    source = inspect.getsource(module)
    lines = source.splitlines()
    tree = ast.parse(source)
    defined: dict[str, ast.stmt] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.ClassDef):
            defined[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            defined.update({t.id: stmt for t in targets if isinstance(t, ast.Name)})
        elif (
            isinstance(stmt, ast.Import | ast.ImportFrom)
            and getattr(stmt, "module", "") != "__future__"
        ):
            defined.update({(a.asname or a.name).split(".")[0]: stmt for a in stmt.names})
    chosen: set[int] = set()
    todo = list(names)
    while todo:
        stmt = defined.get(todo.pop())
        if stmt is None or id(stmt) in chosen:
            continue
        chosen.add(id(stmt))
        todo += [node.id for node in ast.walk(stmt) if isinstance(node, ast.Name)]
    imports, definitions = [], []
    for stmt in tree.body:
        if id(stmt) in chosen:
            first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
            text = "\n".join(lines[first - 1 : stmt.end_lineno])
            is_import = isinstance(stmt, ast.Import | ast.ImportFrom)
            (imports if is_import else definitions).append(text)
    return imports, definitions


def _keras_name(c: RNNConfig, layer: int) -> str:
    """The name rnnviz.keras_side.model gives a layer, so that model.summary() reads the same."""
    return f"bidirectional_{layer}" if c.bidirectional else f"{c.cell}_{layer}"


def _shape_comment(c: RNNConfig, name: str) -> str:
    """ "(D, 4M) = (3, 20)" for W_xh: its shape in symbols and in numbers (from the ledger);
    a backward path's weights have the forward one's shape."""
    row = next(r for r in ledger.shapes(c) if r.name == name.removesuffix("_bwd"))
    return f"{row.symbolic} = {shape_text(row.numeric)}"


def _is_text(run: Run) -> bool:
    """Whether the run reads a text: one-hot rows in, the next character at every step."""
    return run.y_task is not None and run.y_task.ndim == 2 and run.y_task.dtype.kind == "i"


def _windows(run: Run) -> np.ndarray:
    """A text run's windows as character indices (N, T + 1) uint8: each sample's T inputs
    (the one-hot rows' indices) and then its last target, the character after them. X is
    the one-hot rows of the first T, y_task the last T: the file carries 1/4D of X's bytes."""
    ids = run.X.argmax(axis=2)  # (N, T)
    return np.concatenate([ids, run.y_task[:, -1:]], axis=1).astype(np.uint8)  # (N, T + 1)


def _arrays(run: Run) -> dict[str, np.ndarray]:
    """What the file carries: X, the target y_task where the task or the data has one (for a
    text, the windows of characters both are cut from), and every weight, by the export's
    names."""
    if _is_text(run):
        return {"windows": _windows(run), **run.weights}
    target = {} if run.y_task is None else {"y_task": run.y_task}
    return {"X": run.X, **target, **run.weights}


def embeds(run: Run, embed_limit: int | None = None) -> bool:
    """Whether the script and notebook of ``run`` carry its arrays, or read its .npz;
    ``embed_limit`` defaults to EMBED_LIMIT."""
    limit = EMBED_LIMIT if embed_limit is None else embed_limit
    return sum(a.nbytes for a in _arrays(run).values()) <= limit


def _data_part(run: Run, npz: str, embed_limit: int | None, notebook: bool) -> tuple[str, str]:
    """How X and the weights are read: ``array(...)`` of embedded text, or from the .npz;
    returns the part's code and how each array is then loaded: "embedded" or "stored"."""
    if embeds(run, embed_limit):
        return (
            "def array(text: str) -> np.ndarray:\n"
            '    """An array from the base64 text of its np.save bytes: exact, bit for bit."""\n'
            "    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)\n\n",
            "embedded",
        )
    config = repr(dataclasses.asdict(run.config))
    command = f"{_command(run.config)} --export {npz}"
    where = (
        f"NPZ = {npz!r}  # Jupyter runs a notebook in its own folder"
        if notebook
        else (
            "NPZ = sys.argv[1] if len(sys.argv) > 1 else os.path.join(\n"
            f"    os.path.dirname(os.path.abspath(__file__)), {npz!r}\n"
            ")\n"
            "if not os.path.isfile(NPZ):\n"
            f'    print(f"{{NPZ}} not found: write it with {command}", file=sys.stderr)\n'
            "    sys.exit(2)"
        )
    )
    return (
        "# X and the weights are too large to store in this file: they are read from the .npz\n"
        '# rnnviz writes for this run (the page\'s "Download this run (.npz)", or\n'
        f"# {command}).\n"
        f"{where}\n"
        "arrays = np.load(NPZ, allow_pickle=False)\n"
        "# The archive names its run; refuse another run's arrays.\n"
        "config = json.loads(str(arrays['config']))\n"
        f"expected = {config}\n"
        "if config != expected:\n"
        '    raise ValueError(f"{NPZ} holds the run {config}, not {expected}")\n',
        "stored",
    )


def _load(kind: str, name: str, value: np.ndarray, comment: str) -> str:
    """The line that gives array ``name``, with ``comment``: its embedded text (on a line of
    its own, so that the shape comment stays in view), or its entry in the .npz."""
    if kind == "stored":
        return f'{name} = arrays["{name}"]  # {comment}'
    buffer = io.BytesIO()
    np.save(buffer, value, allow_pickle=False)
    text = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'{name} = array(  # {comment}\n    "{text}"\n)'


def _model_code(c: RNNConfig) -> str:
    """The Keras model as the notebook builds it, one line per layer, with rnnviz's names
    (rnnviz.keras_side.model.build), and the same options: the variant's (reset_after) included."""
    cell = c.variant
    lines, reads = ['i = Input(shape=(T, D), name="X")'], "i"
    for layer in range(1, c.layers + 1):
        options = [f"{k}={v!r}" for k, v in cell.options.items()]
        if layer < c.layers or c.return_sequences:
            options.append("return_sequences=True")
        options.append(f'name="{c.cell}_{layer}"')
        built = f"{cell.keras_name}(M, {', '.join(options)})"
        if c.bidirectional:  # the backward copy reads x_T first; outputs side by side
            built = f'Bidirectional({built}, name="{_keras_name(c, layer)}")'
        width = ledger.head_symbol(c)  # M, or 2M when bidirectional
        shape = f"(N, T, {width})" if layer < c.layers or c.return_sequences else f"(N, {width})"
        lines.append(f"x = {built}({reads})  # {shape}")
        reads = "x"
    y = "(N, T, K)" if c.return_sequences else "(N, K)"
    lines += [f'x = Dense(K, name="dense")(x)  # {y}', 'model = Model(i, x, name="rnnviz")']
    lines.append("model.summary()")
    return "\n".join(lines) + "\n"


def _params_text(c: RNNConfig) -> str:
    """The parameter count, layer by layer, derived from the weight shapes (the ledger)."""
    rows = ledger.params(c)
    lines = ["| layer | parameters |", "|---|---|"]
    for p in rows:
        derivation = f"{p.formula} = {p.numbers}" if p.formula else p.numbers
        lines.append(f"| {p.layer} | {derivation} = {p.count:,} |")
    note = c.variant.params_note
    return "\n".join(lines) + f"\n\n{note} The total is what `model.summary()` reports."


def _weights_code(run: Run, kind: str) -> str:
    """Every weight by its export name, each layer's set into its Keras layer (a
    Bidirectional layer takes the forward weights, then the backward ones)."""
    c, cell = run.config, run.cell
    weights = run.weights
    lines = []
    for layer in range(1, c.layers + 1):
        names = []
        for direction in DIRECTIONS[: c.directions]:
            for w in cell.weights:
                name = w.symbol + suffix(layer, direction)
                names.append(name)
                comment = f"{_shape_comment(c, name)}: {w.meaning}"
                lines.append(_load(kind, name, weights[name], comment))
        lines.append(
            f'model.get_layer("{_keras_name(c, layer)}").set_weights([{", ".join(names)}])'
        )
    for name in ("W_o", "b_o"):
        lines.append(_load(kind, name, weights[name], _shape_comment(c, name)))
    lines.append('model.get_layer("dense").set_weights([W_o, b_o])')
    return "\n".join(lines) + "\n"


def _numpy_code(c: RNNConfig, recurrence_fn: Callable) -> str:
    """Each layer and direction in turn, as rnnviz.recurrence.network.numpy_forward runs them,
    written out for this config: one line per path, then the Dense head."""
    name = recurrence_fn.__name__
    weights = [  # after X, the weights: W_xh, ...; not the keyword-only options (h_0, ...)
        p.name
        for p in list(inspect.signature(recurrence_fn).parameters.values())[1:]
        if p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    width = ledger.head_symbol(c)  # M, or 2M when bidirectional
    lines, reads = [], "X"
    for layer in range(1, c.layers + 1):
        outputs = []
        for direction in DIRECTIONS[: c.directions]:
            sfx = suffix(layer, direction)
            args = ", ".join(w + sfx for w in weights)
            if direction == "fwd":
                lines.append(f'h{sfx} = {name}({reads}, {args})["h"]  # (N, T, M)')
            else:
                lines.append(
                    "# backward: reads x_T first; [:, ::-1] puts its h_t back in time order"
                )
                lines.append(
                    f'h{sfx} = {name}({reads}[:, ::-1], {args})["h"][:, ::-1]  # (N, T, M)'
                )
            outputs.append(f"h{sfx}")
        if len(outputs) == 1:
            reads = outputs[0]
        else:
            reads = f"H{suffix(layer, 'fwd')}"
            lines.append(
                f"{reads} = np.concatenate([{', '.join(outputs)}], axis=-1)  # (N, T, {width})"
            )
    if c.return_sequences:
        lines.append(f"y_numpy = dense({reads}, W_o, b_o)  # (N, T, K): y_t at every step")
    else:
        last = suffix(c.layers, "fwd")
        if c.bidirectional:
            lines.append("# h_T: the forward path ends at t = T, the backward one at t = 1")
            both = f"[h{last}[:, -1], h{last}_bwd[:, 0]]"
            lines.append(f"h_T = np.concatenate({both}, axis=-1)  # (N, {width})")
        else:
            lines.append(f"h_T = h{last}[:, -1]  # (N, M)")
        lines.append("y_numpy = dense(h_T, W_o, b_o)  # (N, K)")
    return "\n".join(lines) + "\n"


def parts(
    run: Run, npz: str | None = None, embed_limit: int | None = None, notebook: bool = False
) -> list[Part]:
    """The script's and the notebook's content, in the notebook's order. ``npz`` names the
    archive a run too large to embed is read from (by default the page's download name)."""
    c, cell = run.config, run.cell
    npz = npz or file_name(c)
    y = "(N, T, K)" if c.return_sequences else "(N, K)"
    data_code, kind = _data_part(run, npz, embed_limit, notebook)
    rec_imports, rec_source = copied_source(forward, [cell.recurrence.__name__, "dense"])
    agr_imports, agr_source = copied_source(agreement, ["scaled_tolerance", "verdict_line"])
    imports = ["import base64", "import io", "import json", "import os", "import sys", ""]
    imports += [f'os.environ.setdefault("{k}", "{v}")' for k, v in TF_ENVIRONMENT.items()]
    imports += ['os.environ.setdefault("KERAS_BACKEND", "tensorflow")', ""]
    imports += list(dict.fromkeys(rec_imports + agr_imports))
    layers = ["Dense", "Input", cell.keras_name] + (["Bidirectional"] if c.bidirectional else [])
    imports += [
        "import keras",
        f"from keras.layers import {', '.join(sorted(layers))}",
        "from keras.models import Model",
    ]
    sizes = "\n".join(f"{k} = {getattr(c, k)}  # {FIELDS[k].meaning}" for k in "NTDMK")
    dtype = run.X.dtype.name
    symbols = "\n".join(f"- **{k}**: {FIELDS[k].meaning}" for k in "NTDMK")
    shapes = "\n".join(
        f"- `{r.name}` {r.symbolic} = {shape_text(r.numeric)}: {r.meaning}"
        for r in ledger.shapes(c)
    )
    return [
        Part(
            "Imports",
            "Only numpy and tensorflow (which brings keras) are needed. The environment is set "
            "before TensorFlow loads, as rnnviz does: no oneDNN reordering, so Keras' float32 "
            "results are the same as in rnnviz.",
            "\n".join(imports) + "\n",
        ),
        Part(
            "The shapes",
            f"{symbols}\n\nWhat each array is, in symbols and for these sizes:\n\n{shapes}",
            f'DTYPE = "{dtype}"  # of X and every weight; Keras computes in it too\n'
            "keras.config.set_floatx(DTYPE)\n"
            f"{sizes}\n",
        ),
        Part(
            "The data",
            _data_text(run),
            data_code + "\n" + _data_code(run, kind),
        ),
        Part(
            "The model",
            f"`{ledger.model_name(c)}`, built as in rnnviz, with the same layers and "
            f"options.\n\n{_params_text(c)}",
            _model_code(c),
            comment="\n".join(
                f"# {p.layer}: {p.formula + ' = ' if p.formula else ''}{p.numbers} = {p.count:,}"
                for p in ledger.params(c)
            ),
        ),
        Part(
            "The weights",
            "The weights rnnviz ran, in Keras' layout: batch on rows, `x_t @ W`."
            + (
                f" They are the trained ones: {c.epochs} epochs of Adam from the seed's."
                if c.trained
                else ""
            )
            + (
                f" Each weight holds {cell.blocks} blocks side by side, in Keras' order: "
                + ", ".join(g.name for g in cell.gates)
                + "."
                if cell.gates
                else ""
            ),
            _weights_code(run, kind),
        ),
        Part(
            "Keras' output",
            "One call on all N samples: `model.predict` would cut X into batches of 32."
            + ("" if run.y_task is None else " " + _loss_text(run)),
            f"y_keras = np.asarray(model(X, training=False))  # {y}\n"
            + ("" if run.y_task is None else _loss_code(run)),
        ),
        Part(
            "The NumPy recurrence",
            f"{cell.title}, step by step, copied from rnnviz.recurrence.forward:\n\n"
            + "\n".join(f"$${line}$$" for line in cell.equations),
            "\n\n\n".join(rec_source) + "\n",
        ),
        Part(
            "NumPy's output",
            "".join(
                (
                    "Each layer reads the one below. " if c.layers > 1 else "",
                    "Both directions' h_t are side by side. " if c.bidirectional else "",
                    "The Dense head reads " + ("every h_t." if c.return_sequences else "h_T."),
                )
            ),
            _numpy_code(c, cell.recurrence),
        ),
        Part(
            "Same output?",
            "Both sides compute in float32 and differ only in the order of their "
            "multiply-adds, so the tolerance grows with the size of y: "
            f"{agreement.TOLERANCE:.0e} · max(1, max |y|).",
            "\n\n\n".join(agr_source)
            + "\n\n\n"
            + f"delta = np.abs(y_keras.astype(np.float64) - y_numpy.astype(np.float64))  # {y}\n"
            "max_abs_diff = float(delta.max())\n"
            "tolerance = scaled_tolerance(y_keras)\n"
            "print(verdict_line(max_abs_diff, tolerance))\n"
            + ("" if notebook else "sys.exit(0 if max_abs_diff <= tolerance else 1)\n"),
        ),
    ]


def _data_code(run: Run, kind: str) -> str:
    """The lines that give X (and y_task): stored as they are, or, for a text, rebuilt from
    its windows of character indices."""
    c = run.config
    if not _is_text(run):
        target = (
            "" if run.y_task is None else _load(kind, "y_task", run.y_task, _target_comment(run))
        )
        return _load(kind, "X", run.X, _shape_comment(c, "X")) + "\n" + (target and target + "\n")
    return (
        _load(kind, "windows", _windows(run), f"(N, T + 1) = ({c.N}, {c.T + 1})  characters")
        + "\n"
        + f"X = np.eye(D, dtype=DTYPE)[windows[:, :-1]]  # {_shape_comment(c, 'X')}, one-hot\n"
        + f"y_task = windows[:, 1:].astype(np.int32)  # (N, T) = {(c.N, c.T)}  the next "
        "character at every step\n"
    )


def _data_text(run: Run) -> str:
    """What X (and y_task) are, for the file's "The data" part."""
    c = run.config
    if _is_text(run):
        source = f"the {TASKS[c.task].title} task's text" if c.drawn else f"the text data={c.data}"
        return (
            f"X is {c.N} windows of T + 1 = {c.T + 1} characters of {source}, each character "
            f"an index into an alphabet of D = {c.D}: X holds the one-hot rows of each "
            "window's first T characters, y_task the character after each, the target at "
            "every step. The file stores the windows exactly, not the text drawn again."
        )
    if not c.drawn:
        what = f"X is the data uploaded to rnnviz (data={c.data})"
    elif c.task != "random":
        task = TASKS[c.task]
        what = f"X is the {task.title} task's draw for seed {c.seed} ({task.description})"
    else:
        what = (
            f"X is rnnviz's input for seed {c.seed}: N sequences of T steps with D numbers "
            "each, standard normal"
        )
    target = "" if run.y_task is None else ", with y_task, the target the model learns"
    return f"{what}{target}. It is stored in this file exactly, not drawn again."


def _target_comment(run: Run) -> str:
    """The shape comment of y_task: (N, K) values or (N,) class indices (a text's is
    written by ``_data_code``)."""
    if run.y_task.ndim == 1:
        return f"(N,) = ({run.config.N},)  the class index of each sample"
    return f"(N, K) = {tuple(run.y_task.shape)}  the value to predict"


def _loss_text(run: Run) -> str:
    if _is_text(run):
        return (
            "Against the target: the cross-entropy of the logits y at every step, averaged "
            "over N and T, and in bits per character."
        )
    if run.y_task.ndim == 1:
        return "Against the target: the cross-entropy of the logits y and the accuracy."
    return "Against the target: the mean squared error."


def _loss_code(run: Run) -> str:
    """The loss of y_keras against y_task, printed as rnnviz's training reports it."""
    if _is_text(run):
        return (
            "z = y_keras.astype(np.float64) - y_keras.max(axis=2, keepdims=True)  # (N, T, K)\n"
            "log_p = z - np.log(np.exp(z).sum(axis=2, keepdims=True))  # (N, T, K)\n"
            "n, t = np.meshgrid(np.arange(N), np.arange(T), indexing='ij')  # (N, T) each\n"
            "cross_entropy = -log_p[n, t, y_task].mean()\n"
            'print(f"cross-entropy {cross_entropy:.4g} nats, '
            '{cross_entropy / np.log(2):.4g} bits per character")\n'
        )
    if run.y_task.ndim == 1:
        return (
            "z = y_keras.astype(np.float64) - y_keras.max(axis=1, keepdims=True)  # (N, K)\n"
            "log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # (N, K)\n"
            "cross_entropy = -log_p[np.arange(N), y_task].mean()\n"
            "accuracy = (y_keras.argmax(axis=1) == y_task).mean()\n"
            'print(f"cross-entropy {cross_entropy:.4g}, accuracy {accuracy:.1%}")\n'
        )
    return (
        "mse = float(np.mean((y_keras.astype(np.float64) - y_task) ** 2))\n"
        'print(f"MSE against the target: {mse:.4g}")\n'
    )


def _command(c: RNNConfig) -> str:
    """The command line that runs ``c``: python -m rnnviz --cell lstm --layers 2."""
    words = ["python -m rnnviz"]
    for name in FIELDS:
        value = getattr(c, name)
        if value == getattr(DEFAULT, name):
            continue
        if name == "bug":  # the file holds the recurrence done right, whatever was planted
            continue
        if name == "weights" and value == TRAINED:
            words.append(f"--train {c.epochs}")
        elif name == "weights":  # imported ones come from the PyTorch .npz they were read from
            words.append("--import-torch WEIGHTS.npz")
        elif name == "epochs":  # with --train
            continue
        elif name == "data":  # the uploaded file, under the name the user gave it
            words.append("--data DATA.npz")
        elif name in ("D", "K") and getattr(TASKS[c.task], name) is not None:
            continue  # the task fixes it
        elif name == "x_edit":  # a sample of X typed on the page: only its .npz holds it
            continue
        elif FIELDS[name].kind == "switch":  # its flag asks for the value other than the default
            words.append(FIELDS[name].flag)
        else:
            words.append(f"{FIELDS[name].flag} {as_text(value)}")
    return " ".join(words)


def _intro(run: Run) -> tuple[str, str]:
    """The title and what the file does, for the script's docstring and the notebook's top."""
    c = run.config
    title = f"{ledger.model_name(c)}: Keras and NumPy, same output?"
    text = (
        f"The run `{_command(c)}` (N = {c.N}, T = {c.T}, D = {c.D}, M = {c.M}, K = {c.K}, "
        f"seed {c.seed}), on its own: this rebuilds its Keras model, loads its weights and its "
        "input X, computes y again with the NumPy recurrence step by step and says whether "
        "both agree, as rnnviz does. It needs only numpy and tensorflow."
    )
    return title, text


def script_text(run: Run, npz: str | None = None, embed_limit: int | None = None) -> str:
    """The standalone script of ``run``: ``python script.py`` prints the verdict and exits
    with 0 for the same output, 1 for a different one (and 2 when the .npz of a run too large
    to embed is missing). See ``parts`` for ``npz`` and ``embed_limit``."""
    title, intro = _intro(run)
    out = [
        '"""' + title,
        "",
        textwrap.fill(intro.replace("`", ""), width=92),
        "",
        "Exit status: 0 when Keras and NumPy agree, 1 when they do not"
        + ("." if embeds(run, embed_limit) else ", 2 when the .npz is missing."),
        '"""',
    ]
    for part in parts(run, npz, embed_limit):
        out += ["", "", f"# {part.title}"]
        out += [part.comment] if part.comment else []
        out.append(part.code.rstrip("\n"))
    return "\n".join(out) + "\n"


def notebook(run: Run, npz: str | None = None, embed_limit: int | None = None):
    """The notebook of ``run`` (an ``nbformat.NotebookNode``, format 4): each part a
    markdown cell and a code cell; the last prints the verdict."""
    import nbformat  # only here: the CLI's and the page's other paths never load it

    v4 = nbformat.v4
    title, intro = _intro(run)
    cells = [v4.new_markdown_cell(f"# {title}\n\n{intro}")]
    for part in parts(run, npz, embed_limit, notebook=True):
        cells.append(v4.new_markdown_cell(f"## {part.title}\n\n{part.text}"))
        cells.append(v4.new_code_cell(part.code.rstrip("\n")))
    for i, cell in enumerate(cells):  # fixed ids: the same run gives the same file
        cell.id = f"cell-{i}"
    return v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )


def notebook_bytes(run: Run, npz: str | None = None, embed_limit: int | None = None) -> bytes:
    """The ``.ipynb`` file of ``run`` (JSON, UTF-8)."""
    import nbformat

    return nbformat.writes(notebook(run, npz, embed_limit)).encode("utf-8")


def write_file(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: into a temporary file in the same
    folder, renamed over ``path`` once complete, so a full disk or an interrupt never
    leaves half a script behind. OSError (a missing folder, a directory) propagates."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".rnnviz-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o644)  # mkstemp's 0o600 would hide the file from others
            f.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
