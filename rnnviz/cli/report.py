"""What a run says on the command line: the plain-text report, and the one JSON object of --json.

The JSON's keys are a contract other tools rely on (docs/cli.md): config, layout, shapes,
params, the agreement, the bug's first step, and with --grad, --train, a text task (or --text)
and --generate their own keys.
"""

from __future__ import annotations

import dataclasses

from rnnviz.keras_side import training
from rnnviz.pipeline import Run, symptom
from rnnviz.recurrence import bugs
from rnnviz.recurrence.cells import LAYOUTS, shape_text
from rnnviz.shapes import layouts, ledger
from rnnviz.text.hypotheses import HYPOTHESES
from rnnviz.text.reading import TextRead
from rnnviz.views.gradients import Backprop

ROWS_SHOWN = 20  # the plain report lists this many samples; --json and --export have them all
OUTPUTS_SHOWN = 4  # and this many outputs y_k side by side (a text's K is its alphabet)


def to_json(
    run: Run,
    layout: str = "keras",
    grad: Backprop | None = None,
    history: training.History | None = None,
    read: TextRead | None = None,
) -> dict:
    """The JSON contract of ``--json`` (see the module docstring and ``--help``); the
    weights' shapes by their names in ``layout``; with ``grad``, the gradient keys; with
    ``history`` (``--train``), the losses; with ``read`` (a text), bits per character, the
    units that follow each hypothesis and what --generate wrote."""
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
        | ({} if read is None else read.as_json())
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
    read: TextRead | None = None,
) -> str:
    """The plain-text report: config, shapes (the weights named and shaped as ``layout``
    writes them), Keras summary, parameters, the training's losses, a text model's reading,
    Keras vs NumPy."""
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

    if read is not None:
        out += [""] + text_lines(read)

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
    K_shown = min(c.K, OUTPUTS_SHOWN)
    for k in range(K_shown):
        rows[0] += [f"y_keras[{k}]", f"y_numpy[{k}]"]
    for n in range(min(c.N, ROWS_SHOWN)):
        row = [str(n), f"{a.per_sample[n]:.1e}"]
        for k in range(K_shown):
            row += [f"{y_keras[n, k]:.7f}", f"{y_numpy[n, k]:.7f}"]
        rows.append(row)
    out += _table(rows, right=True)
    if c.K > K_shown:
        out.append(f"  ... {c.K - K_shown} more outputs omitted (--json or --export has them all)")
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


def text_lines(read: TextRead) -> list[str]:
    """The text model's part of the report: where the text came from, bits per character
    on the held-out text, the unit that follows each hypothesis, what --generate wrote."""
    c, s = read.corpus, read.study
    held = s.held
    part = f" (the first {len(s.text):,} read)" if len(s.text) < held else ""
    other = f", {c.others:,} characters became ¤ (other)" if c.others else ""
    out = [
        f"Text: {c.title}",
        f"  {len(c.text):,} characters, the last {held:,} held out{part}; alphabet D = K = "
        f"{c.alphabet.size}{other}",
        "",
        "Bits per character on the held-out text",
    ]
    drop = 1 - s.after / s.baseline
    out += _table(
        [
            ["initial weights", f"{s.before:.3f}"],
            ["these weights", f"{s.after:.3f}"],
            ["unigram baseline", f"{s.baseline:.3f}"],
        ],
        right=True,
    )
    out.append(f"  {drop:.0%} below the baseline that ignores history")
    out += ["", "Units that follow a hypothesis (Pearson r over the held-out text)"]
    rows = [["hypothesis", "unit", "r"]]
    for key, best in s.units.items():
        rows.append([HYPOTHESES[key].title, f"{best.state}[{best.unit}]", f"{best.r:+.3f}"])
    out += _table(rows)
    g = read.generated
    if g is not None:
        out += [
            "",
            f"Generated with the NumPy step (τ = {g.temperature:g}, seed {g.seed}), after "
            f"{c.alphabet.decode(g.ids[: g.prompt])!r}:",
            g.text(c.alphabet),
            f"  Keras' next-character probabilities beside NumPy's, every step: max |Δp| "
            f"{read.generated_max_abs_diff:.1e} "
            f"{'≤' if read.generated_agree else '>'} {1e-5:.0e}",
        ]
    return out


def list_bugs() -> str:
    """``--list-bugs``: one bug a line, its name then its one-line description."""
    width = max(map(len, bugs.BUGS))
    return "\n".join(f"{name.ljust(width)}  {bug.description}" for name, bug in bugs.BUGS.items())
