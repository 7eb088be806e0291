"""The sidebar: every control of the config and of the view, returned as an RNNConfig and a View.

The model and the lecture switches live here and rerun the whole page; each field's bounds
and words come from its field (``rnnviz.config.FIELDS``). What a visitor brings (PyTorch
weights, a .keras model, data) goes through the one flow of ``rnnviz.ui.held``: a file that
cannot be used is refused in one sentence and the session keeps what it had; a held item
that does not fit the model on screen is kept for when it fits again, and the sidebar says so.
The sample n and the step t are drawn next to what they drive (``sections.time``).
"""

from __future__ import annotations

import functools
import io

import streamlit as st

from rnnviz.config import (
    FIELDS,
    NO_DATA,
    NO_EDIT,
    SEEDED,
    TRAINED,
    ConfigError,
    RNNConfig,
)
from rnnviz.config.rnn_config import DTYPES, INPUTS, pulse_fields
from rnnviz.inputs import imported, userdata
from rnnviz.inputs import text as text_input
from rnnviz.keras_side import own_model
from rnnviz.recurrence import bugs
from rnnviz.recurrence.cells import CELLS, LAYOUTS, cell_of, shape_text
from rnnviz.shapes import layouts
from rnnviz.tasks import TASKS, TEXT_SIZES
from rnnviz.ui import held, link, notes
from rnnviz.ui.components.figures import copy_link
from rnnviz.ui.components.theme import theme_switch
from rnnviz.ui.contents import SECTIONS
from rnnviz.ui.notes import as_plain_markdown
from rnnviz.ui.view import View

DRAWN = {"task": "random", "data": NO_DATA}  # X ~ N(0, 1): the only X a pulse replaces


def _size_input(name: str, locked: str | None = None) -> int:
    """A size's input, within its field's bounds; ``locked``: why the task or the data fixes
    it (drawn disabled)."""
    f = FIELDS[name]
    return st.number_input(
        f"{name} — {f.meaning}" + (" 🔒" if locked else ""),
        min_value=f.low,
        max_value=f.high,
        step=1,
        key=name,
        disabled=locked is not None,
        help=f"{locked}." if locked else f"{f.meaning.capitalize()}, from {f.low} to {f.high}.",
    )


def fresh_uploader(label: str, counter: str, read, types: list[str], help: str) -> None:
    """A file uploader that hands its file to ``read(name, payload)`` in its callback, then
    gives the next run a fresh uploader (a new key, counted in ``counter``), so that the
    file is not held twice and the same file can be chosen again."""
    key = f"{counter}_{st.session_state.get(counter, 0)}"

    def taken() -> None:
        file = st.session_state.get(key)
        if file is not None:
            read(file.name, file.getvalue())
        st.session_state[counter] = st.session_state.get(counter, 0) + 1

    st.file_uploader(label, type=types, key=key, on_change=taken, help=help)


# ---- what a visitor brings: the one flow (rnnviz.ui.held), one reader each ----


def load_torch(values: dict, name: str, payload: bytes) -> None:
    """An uploaded PyTorch-layout .npz for the model of ``values``: the session's weights."""
    item = held.take(
        "upload",
        "upload",
        lambda: imported.read(RNNConfig(**values | {"weights": SEEDED}), io.BytesIO(payload), name),
        lambda why: f"{name} was not loaded: {why}. The weights are as they were.",
    )
    if item is not None:
        notes.say("upload", True, f"Loaded {name}: weights={item.digest}.")


def load_model(values: dict, name: str, payload: bytes) -> None:
    """An uploaded .keras model (``rnnviz.keras_side.own_model``): its sizes and options become
    the sidebar's and its weights the session's; a model it refuses changes nothing, and the
    note names the layer and why."""
    read: dict = {}

    def weights() -> imported.Imported:
        own = own_model.load(payload, name)
        base = RNNConfig(**values | {"weights": SEEDED, "task": "random", "data": NO_DATA})
        config = own_model.config_for(own, base)
        read.update(own=own, base=base, config=config)
        return own_model.imported(own, config)

    item = held.take(
        "upload", "upload", weights, lambda why: f"{name} was not loaded: {why}. Nothing changed."
    )
    if item is None:
        return
    own, config = read["own"], read["config"]
    for field in (*own.fields, "N", "task"):
        st.session_state[field] = getattr(config, field)
    held.drop("data")  # the model reads its own (T, D)
    _, fell_back = own_model.samples(own, read["base"])
    said = f"Loaded {name}: {own.summary}; weights={config.weights}."
    notes.say("upload", True, said + (f" {fell_back}." if fell_back else ""))


TEXT_FORMAT = (
    "\n\nA .txt (UTF-8, at most 1 MB) is a text to learn: N = {N} windows of T + 1 = {T1} "
    "characters cut from it, the last fifth of the text held out, D = K = its alphabet (its "
    "63 most common characters and ¤ for every other)."
).format(N=dict(TEXT_SIZES)["N"], T1=dict(TEXT_SIZES)["T"] + 1)


def _read_upload(name: str, payload: bytes) -> userdata.Data:
    """An uploaded file as Data: a .txt cut into the windows a text task starts with, else
    X (and y) as userdata reads them."""
    if not name.lower().endswith(text_input.EXTENSION):
        return userdata.read(name, payload)
    sizes = dict(TEXT_SIZES)
    return text_input.as_data(text_input.read(name, payload), sizes["N"], sizes["T"], name)


def load_data(name: str, payload: bytes) -> None:
    """An uploaded .npy, .npz, .csv or .txt: the session's data."""
    kept = "your data is as it was" if held.SLOTS["data"] in st.session_state else "X is as it was"
    item = held.take(
        "data",
        "data",
        lambda: _read_upload(name, payload),
        lambda why: f"{name} was not loaded: {why}. {kept.capitalize()}.",
    )
    if item is not None and item.text is not None:
        others = f", {item.text.others:,} became ¤" if item.text.others else ""
        notes.say(
            "data",
            True,
            f"Loaded {name}: {len(item.text.text):,} characters, alphabet D = K = {item.D}"
            f"{others}; {item.N} windows of T + 1 = {item.T + 1} characters; "
            f"data={item.digest}.",
        )
    elif item is not None:
        target = {"regression": f"y ({item.N}, {item.K})", "classification": f"y: {item.K} classes"}
        notes.say(
            "data",
            True,
            f"Loaded {name}: X ({item.N}, {item.T}, {item.D}), {target.get(item.kind, 'no y')}; "
            f"data={item.digest}.",
        )


def _back(slot: str, note: str, message: str) -> None:
    held.drop(slot)
    notes.say(note, True, message)


# ---- the sidebar's groups, top to bottom ----


def _task_and_data() -> tuple[dict, dict[str, str]]:
    """The task or the uploaded data: what X and the target y are. Returns the config's
    ``task`` and ``data`` and the sizes they fix, symbol -> why, which the size inputs
    then show locked (their values are set here, before those inputs are drawn)."""
    st.header("Task and data")
    data: userdata.Data | None = held.held("data")
    locked: dict[str, str] = {}
    if data is not None:
        st.session_state["task"] = "random"
        for symbol, value in data.sizes().items():
            st.session_state[symbol] = value
            locked[symbol] = f"{symbol} = {value} comes from your data, {data.name}"
        what = {
            "regression": f"y ({data.N}, {data.K}) to regress",
            "classification": f"y: {data.K} classes",
            "sequence": f"y ({data.N}, {data.T}): the next of {data.K} characters at every step",
        }.get(data.kind, "no y: nothing to train")
        st.caption(as_plain_markdown(f"X: {data.name}, ({data.N}, {data.T}, {data.D}); {what}."))
        st.button(
            "Use a built-in task instead",
            on_click=_back,
            args=("data", "data", "Back to X drawn by the task."),
            key="_drop_data",
        )
    else:
        if st.session_state.get("task") not in TASKS:
            st.session_state["task"] = "random"
        key = st.selectbox(
            "Task",
            options=list(TASKS),
            key="task",
            on_change=_task_sizes,
            format_func=lambda k: TASKS[k].title,
            help="What X is and what the model is asked to predict (?task=). Each draws (X, y) "
            "for your N and T from the seed: "
            + " ".join(f"{t.title}: {t.description}." for t in TASKS.values()),
        )
        task = TASKS[key]
        st.caption(task.description[0].upper() + task.description[1:] + ".")
        for symbol in ("D", "K"):
            fixed = getattr(task, symbol)
            if fixed is not None:
                st.session_state[symbol] = fixed
                locked[symbol] = (
                    f"{symbol} = {fixed}, fixed by the {task.title} task: {task.why_fixed}"
                )
        if st.session_state.get("T", task.T_min) < task.T_min:
            st.session_state["T"] = task.T_min
    kind = data.kind if data is not None else TASKS[st.session_state["task"]].kind
    if kind == "sequence":  # a target at every step: the head reads every h_t
        st.session_state["return_sequences"] = True
        locked["return_sequences"] = "a text has a target at every step, the next character"
    fresh_uploader(
        "Upload your data (.npy, .npz, .csv) or a text (.txt)",
        "_data_uploads",
        load_data,
        ["npy", "npz", "csv", "txt"],
        userdata.FORMAT + TEXT_FORMAT,
    )
    notes.show("data", ":material/upload:")
    source = {"task": st.session_state["task"], "data": data.digest if data else NO_DATA}
    return source, locked


def _task_sizes() -> None:
    """A task chosen: the N and T it starts with (a text task's), in place of the page's."""
    for symbol, value in TASKS[st.session_state["task"]].sizes:
        st.session_state[symbol] = value


def _config_or_none(values: dict) -> RNNConfig | None:
    try:
        return RNNConfig(**values)
    except ConfigError:  # sizes over the cap: the page shows the error; nothing held applies
        return None


def _weights(values: dict) -> str:
    """The weights controls: upload a PyTorch .npz or a .keras model, or go back to the
    seeded weights. Returns the config's ``weights``: the session's upload where it fits the
    model, else ``initial``. An upload that does not fit this model is kept for when the model
    fits it again, and the sidebar says so."""
    upload: imported.Imported | None = held.held("upload")
    cell = cell_of(values["cell"], values["reset_after"])
    config = _config_or_none(values)
    fits = upload is not None and config is not None and upload.problem(config) is None
    if upload is not None:
        if fits:
            st.caption(as_plain_markdown(f"Weights: {upload.name}, from PyTorch."))
        elif config is not None:
            st.warning(
                as_plain_markdown(
                    f"Your weights from {upload.name} are for {upload.made_for}, not for "
                    f"{imported.architecture(config)}: the seeded weights are used. Go back "
                    "to that model to use them again."
                ),
                icon=":material/info:",
            )
        st.button(
            "Use the seeded weights",
            on_click=_back,
            args=("upload", "upload", "Back to the seeded weights."),
            key="_seeded",
        )
    if not cell.torch_name:
        st.caption(cell.torch_refusal)
    elif config is not None:
        expected = ", ".join(
            f"{name} {shape_text(shape)}" for name, shape in layouts.torch_shapes(config).items()
        )
        fresh_uploader(
            "Load PyTorch weights (.npz)",
            "_uploads",
            functools.partial(load_torch, dict(values)),
            ["npz"],
            f"The state_dict of torch.nn.{cell.torch_name}(D, M, num_layers, "
            "bidirectional, batch_first=True) plus the Dense head, saved with numpy.savez, as "
            f'the "Weights for PyTorch" download writes it: {expected}. The seed then draws '
            "X only.",
        )
    if own_model.enabled():
        fresh_uploader(
            "Load your Keras model (.keras)",
            "_model_uploads",
            functools.partial(load_model, dict(values)),
            ["keras"],
            "A model saved with model.save('name.keras'): Input((T, D)) → SimpleRNN, LSTM "
            "or GRU (or Bidirectional of one) × 1–3 → Dense(K). It is checked layer by layer "
            "before Keras reads it, then loaded with safe_mode=True; its sizes and weights "
            "replace the sidebar's. Enabled on this machine by RNNVIZ_OWN_MODELS=1: never on a "
            "hosted server (safe_mode is not a sandbox).",
        )
    notes.show("upload", ":material/upload:")
    return upload.digest if fits else SEEDED


def _trained_weights(values: dict) -> dict:
    """The initial or the trained weights (?weights=initial|trained): trained ones exist
    once this session, or another on this server, trained this very model on this task or
    data. Returns the config's ``weights`` and ``epochs`` ({}: the initial weights)."""
    trained = held.held("trained")
    config = None if trained is None else _config_or_none(values | {"weights": TRAINED})
    fits = config is not None and trained.problem(config.replace(epochs=trained.key.epochs)) is None
    if st.session_state.get("weights_view") not in ("initial", "trained"):
        st.session_state["weights_view"] = "initial"
    if not fits:
        if st.session_state["weights_view"] == "trained":
            st.session_state["weights_view"] = "initial"
        return {}
    choice = st.segmented_control(
        "Weights",
        options=["initial", "trained"],
        key="weights_view",
        required=True,
        help="Every view on the initial weights or on the weights after training "
        f"({trained.key.epochs} epochs), ?weights=initial|trained in a link.",
    )
    if choice == "trained":
        return {"weights": TRAINED, "epochs": trained.key.epochs}
    return {}


def _what_if(T: int, D: int, drawn: bool = True) -> dict:
    """The what-if controls: the scale of W_hh and the input pattern (a pulse or a step at
    t0 on feature d0; only where X is random, not a task's or the data's). Every one is a
    config field: the run depends on it."""
    st.header("What if")
    scale = FIELDS["whh_scale"]
    chosen = st.slider(
        "whh_scale — W_hh × S",
        min_value=scale.low,
        max_value=scale.high,
        step=0.05,
        key="whh_scale",
        help="Every recurrent kernel W_hh times S, in a Keras model of its own (?whh_scale=, "
        f"{scale.low:g} to {scale.high:g}, at most {scale.places} decimals); Keras and NumPy "
        "both run it. Below 1 the state forgets faster, above 1 it keeps or blows up: see the "
        "spectrum section.",
    )
    if st.session_state.get("input") not in INPUTS or not drawn:
        st.session_state["input"] = "random"
    pattern = st.segmented_control(
        "Input X",
        options=list(INPUTS),
        key="input",
        required=True,
        disabled=not drawn,
        help="(?input=) "
        + " ".join(f"{k}: {why}." for k, why in INPUTS.items())
        + ("" if drawn else " Only with task random: a task or your data brings its own X."),
    )
    place = {}
    labels = {"pulse_t": "t0 — pulse step", "pulse_d": "d0 — pulse feature"}
    for key, f in pulse_fields(T, D).items():
        link.restore(key, f.low, f.high)  # kept, and clamped when T or D shrink under it
        place[key] = int(
            st.number_input(
                labels[key],
                min_value=f.low,
                max_value=f.high,
                step=1,
                key=key,
                disabled=pattern == "random",
                help=f"{f.meaning.capitalize()}, from {f.low} to {f.high} (?{key}=); for a pulse "
                "or a step input.",
            )
        )
    return {"whh_scale": round(float(chosen), scale.places), "input": pattern, **place}


def _x_edit(values: dict) -> str:
    """The config's ``x_edit``: the session's edit where the model's X has its sample and
    shape, else ``none``; an edit that does not fit is kept for when it fits again."""
    edit = held.held("x_edit")
    if edit is None:
        return NO_EDIT
    config = _config_or_none(values | {"x_edit": NO_EDIT})
    fits = config is not None and edit.problem(config) is None
    if fits:
        st.caption(f"X: sample n = {edit.n} as edited on the page.")
    else:
        st.caption(f"Your edit of X is of {edit.made_for()}: X as drawn is used here.")
    st.button("Use X as drawn", on_click=held.drop, args=("x_edit",), key="_as_drawn")
    return edit.digest if fits else NO_EDIT


def _look_at(layers: int, bidirectional: bool) -> tuple[int, str, str]:
    layer, direction = 1, "fwd"
    st.header("Look at")
    if st.session_state.get("layout") not in LAYOUTS:
        st.session_state["layout"] = "keras"
    layout = st.segmented_control(
        "Layout of the weights",
        options=list(LAYOUTS),
        format_func=LAYOUTS.get,
        key="layout",
        required=True,
        help="How the ledger, the weights and the step panel name, shape and write the "
        "weights: Keras' x_t W with kernels (D, gM), PyTorch's weight_ih_l0 (gM, D) with "
        "bias_ih and bias_hh, or the textbook's column vectors W x_t, one W, U and b per gate "
        "(?layout= in a link). The numbers are the same in each.",
    )
    if layers > 1:
        link.restore("view_layer", 1, layers)
        layer = (
            st.segmented_control(
                "l — layer",
                options=list(range(1, layers + 1)),
                key="view_layer",
                help="Which recurrent layer the weights, states and step views show.",
            )
            or layers
        )
    if bidirectional:
        if st.session_state.get("view_direction") not in ("fwd", "bwd"):
            st.session_state["view_direction"] = "fwd"
        direction = (
            st.segmented_control(
                "Direction",
                options=["fwd", "bwd"],
                key="view_direction",
                format_func=lambda d: {"fwd": "forward →", "bwd": "← backward"}[d],
                help="The backward layer reads x_T first; its h_t is drawn in time order.",
            )
            or "fwd"
        )
    return int(layer), direction, layout


def _debugger(values: dict) -> dict:
    """Precision and a planted bug: the agreement debugger's two controls."""
    st.header("Debugger")
    st.segmented_control(
        "Precision",
        options=list(DTYPES),
        key="dtype",
        required=True,
        help="Both Keras and NumPy in this precision (?dtype=). "
        + " ".join(f"{k}: {why}." for k, (_, why) in DTYPES.items()),
    )
    # which bugs apply depends on the model; sizes over the cap apply none
    config = _config_or_none(values | {"dtype": st.session_state["dtype"]})
    offered = [] if config is None else bugs.applicable(config)
    names = [bugs.NONE] + [bug.name for bug in offered]
    if st.session_state.get("bug") not in names:  # the model changed under the bug
        st.session_state["bug"] = bugs.NONE
    st.selectbox(
        "Plant a bug in the NumPy side",
        options=names,
        key="bug",
        format_func=lambda name: bugs.bug_of(name).title,
        help="A classic mistake of a hand-written recurrence (?bug=); Keras stays right. "
        "The agreement section shows from which step the two part ways. Only the bugs "
        "that apply to this model are offered.",
    )
    return {"dtype": st.session_state["dtype"], "bug": st.session_state["bug"]}


def _lecture() -> tuple[bool, bool]:
    st.header("Lecture")
    present = st.toggle(
        "Lecture mode",
        key="present",
        help="One section at a time, larger type, the step equation beside the states "
        "(?present=1 in a link; the sidebar starts collapsed).",
    )
    quiz = st.toggle(
        "Quiz",
        key="quiz",
        help="Hide the ledger's shapes and parameter counts until each is clicked (?quiz=1).",
    )
    return present, quiz


def sidebar() -> tuple[RNNConfig | None, View]:
    """Draw the sidebar; return the config (None if the sizes do not fit) and the view."""
    link.read_once()
    with st.sidebar:
        source, locked = _task_and_data()
        st.header("Model")
        st.selectbox(
            "Cell", options=list(CELLS), format_func=lambda key: CELLS[key].title, key="cell"
        )
        reset_after = FIELDS["reset_after"]
        st.toggle(
            "reset_after (GRU)",
            key="reset_after",
            disabled="reset_after" not in CELLS[st.session_state["cell"]].switches,
            help=reset_after.help[0].upper() + reset_after.help[1:] + ".",
        )
        values = {
            name: _size_input(name, locked.get(name))
            for name in ("N", "T", "D", "M", "K", "layers")
        }
        values.update(source)
        for name, label in (
            ("return_sequences", "return_sequences"),
            ("bidirectional", "Bidirectional"),
        ):
            why = locked.get(name)
            help = FIELDS[name].help + (f". On: {why}" if why else "")
            st.toggle(label, key=name, help=help, disabled=why is not None)
        values["seed"] = _size_input("seed")
        switches = ("reset_after", "return_sequences", "bidirectional")
        values.update({k: st.session_state[k] for k in ("cell", *switches)})
        values.update(_what_if(values["T"], values["D"], drawn=source == DRAWN))
        values["x_edit"] = _x_edit(values)
        values["weights"] = _weights(values)
        if values["weights"] == SEEDED:
            values.update(_trained_weights(values))
        layer, direction, layout = _look_at(values["layers"], values["bidirectional"])
        values.update(_debugger(values))
        present, quiz = _lecture()
        theme = theme_switch()  # ?theme=: light, or dark for a dim hall
        copy_link()  # the address bar, copied in the browser

    try:
        config = RNNConfig(**values)
    except ConfigError as err:
        config = None
        st.error(f"These sizes cannot run: {err}.", icon=":material/warning:")
    link.warn_once(config)
    # the picker's new value is in session state before the picker is drawn again
    section = st.session_state.get("section") or st.session_state.get("_section", "time")
    section = section if section in SECTIONS else "time"
    st.session_state["_section"] = section
    view = View(layer, direction, present, section, quiz, layout, theme)
    link.write(config, values, view)
    return config, view
