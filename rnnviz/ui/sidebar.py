"""The page's state: the sidebar's widgets, the n and t controls, and the URL.

The URL is read once, when a session starts, into session state; after that the
widgets are the truth and every run writes the state back to the URL, so the address
bar is always a link to the exact view. A bad URL value becomes a warning and that one
field falls back (``rnnviz.config.from_query`` has the rules); since the URL is then
rewritten from the widgets, a bad or unknown value never survives into a shared link.

The model and the lecture switches live in the sidebar and rerun the whole page. The
sample n and the step t are drawn next to what they drive, inside fragments (see
``sections``), so moving them reruns only those views. Their values are also kept under
``_sample`` and ``_step``, because Streamlit forgets a widget's value in a run that does
not draw it, as lecture mode does with the sections it hides.

The weights are the seed's, or a PyTorch-layout ``.npz`` uploaded in the sidebar
(``rnnviz.imported``). The session keeps its upload and puts it back in the server's store on
every run; the config names it by digest where it fits the model (``weights=`` in the URL),
and the seeded weights stand in while the model is one it does not fit. A file that cannot
be used is refused in one sentence, and the weights stay as they were.

When the page's WebSocket reconnects to a server that does not know its session (another
replica behind a load balancer, or a restarted server), ``rerun_after_reconnect`` makes the
page run again, so a fresh session rebuilds the same view from the URL.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import streamlit as st

from rnnviz.config import (
    BOUNDS,
    DEFAULT,
    DTYPES,
    FIELDS,
    INPUTS,
    NO_DATA,
    NO_EDIT,
    NOT_EDITED_HERE,
    NOT_HELD,
    NOT_TRAINED_HERE,
    SCALE_HIGH,
    SCALE_LOW,
    SECTIONS,
    SEEDED,
    SWITCHES,
    TRAINED,
    ConfigError,
    RNNConfig,
    as_text,
    from_query,
    pulse_bounds,
    view_default,
)
from rnnviz.inputs import imported, userdata, x_edits
from rnnviz.keras_side import own_model, training
from rnnviz.recurrence import bugs
from rnnviz.recurrence.cells import CELLS, LAYOUTS, cell_of, shape_text
from rnnviz.shapes import layouts
from rnnviz.shapes.layouts import LayoutError
from rnnviz.tasks import TASKS
from rnnviz.ui import cache


@dataclass(frozen=True)
class View:
    """How the page shows a run: which layer and direction, and the lecture mode."""

    layer: int = 1
    direction: str = "fwd"
    present: bool = False  # lecture mode: one section at a time, larger type
    section: str = "time"  # the section lecture mode shows
    quiz: bool = False  # hide the ledger's numbers until each is clicked
    layout: str = "keras"  # how weights are named, shaped and written: rnnviz.cells.LAYOUTS


def as_plain_markdown(text: str) -> str:
    """``text`` escaped so that Markdown shows it as typed: a warning quotes the link's own
    values and keys, which must not become links, emphasis, math or colour directives."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)  # every ASCII punctuation mark


def read_url_once() -> None:
    """Seed session state from the URL on a session's first run; never raises."""
    if "_url_config" in st.session_state:
        return
    # every value of a repeated key: the last valid one wins, and each bad one is named
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    linked: dict[str, imported.Imported] = {}

    def held(config: RNNConfig) -> str | None:
        """Whether this server holds the link's weights for its model; kept if so, since
        the store may let them go before the sidebar takes them."""
        found = cache.IMPORTED.get(config.weights)
        if found is None:
            return NOT_HELD
        linked["weights"] = found
        return imported.problem(config, found)

    def edited(config: RNNConfig) -> str | None:
        """Whether this server holds the link's edit of X, for a sample and shape the
        config's X has; kept if so, as the weights are."""
        found = cache.EDITS.get(config.x_edit)
        if found is None:
            return NOT_EDITED_HERE
        if not found.fits(config):
            return f"is of {found.made_for()}, which this X does not have; using X as drawn."
        linked["x_edit"] = found
        return None

    def data_sizes(digest: str) -> dict[str, int] | None:
        """The sizes of the link's data where this server holds it; kept if so."""
        found = cache.DATA.get(digest)
        if found is not None:
            linked["data"] = found
        return None if found is None else found.sizes()

    def trained(config: RNNConfig) -> str | None:
        """Whether this server holds weights trained for the link's model; kept if so."""
        found = cache.RESULTS.get(config.training_key)
        if found is None:
            return NOT_TRAINED_HERE
        linked["trained"] = Done(config.training_key, *found)
        return None

    config, view, warnings = from_query(
        params, held=held, edited=edited, data_sizes=data_sizes, trained=trained
    )
    for name in FIELDS:
        # not widgets: the session's upload, edit, data and training
        if name not in ("weights", "x_edit", "data", "epochs"):
            st.session_state[name] = getattr(config, name)
    if config.imported:
        st.session_state[UPLOADED] = linked["weights"]
    if config.trained:
        st.session_state[TRAINED_HELD] = linked["trained"]
        st.session_state["weights_view"] = "trained"
    if not config.drawn:
        st.session_state[DATA_HELD] = linked["data"]
    if config.x_edit != NO_EDIT:
        st.session_state[EDITED] = linked["x_edit"]
    for key, state in (("sample", "_sample"), ("step", "_step"), ("section", "_section")):
        st.session_state[state] = view.get(key, view_default(key, config))
    for key in ("view_layer", "view_direction", "present", "quiz", "layout"):
        st.session_state[key] = view.get(key, view_default(key, config))
    st.session_state["_url_config"] = config
    st.session_state["_url_warnings"] = warnings


def presenting() -> bool:
    """Lecture mode, as the URL or the sidebar's switch last set it."""
    read_url_once()
    return bool(st.session_state.get("present"))


def _size_input(name: str, locked: str | None = None) -> int:
    """A size's input; ``locked``: why the task or the data fixes it (drawn disabled)."""
    meaning, low, high = BOUNDS[name]
    return st.number_input(
        f"{name} — {meaning}" + (" 🔒" if locked else ""),
        min_value=low,
        max_value=high,
        step=1,
        key=name,
        disabled=locked is not None,
        help=f"{locked}." if locked else f"{meaning.capitalize()}, from {low} to {high}.",
    )


def _restore(key: str, low: int, high: int) -> None:
    """Give widget ``key`` its kept value, clamped into [low, high] for the current sizes."""
    value = st.session_state.get(key, st.session_state.get("_" + key, low))
    st.session_state[key] = min(max(int(value), low), high)


UPLOADED = "_imported"  # the session's imported weights (imported.Imported), if any
UPLOAD_NOTE = "_upload_note"  # what became of the last file: (ok, message)
NOTE_MAX = 600  # characters of a refusal's reason shown


def load_upload(values: dict, name: str, data: bytes) -> None:
    """Read an uploaded PyTorch-layout .npz for the model of ``values`` into the session's
    weights; a file that cannot be read or does not fit leaves the previous weights as
    they were, and the note says why in one sentence."""
    try:
        config = RNNConfig(**values | {"weights": SEEDED})
        loaded = imported.read(config, io.BytesIO(data), name)
    except (ConfigError, LayoutError) as err:
        why = str(err)  # names the file's own keys, whose length the file decides
        why = why if len(why) <= NOTE_MAX else why[:NOTE_MAX] + "…"
        message = f"{name} was not loaded: {why}. The weights are as they were."
        st.session_state[UPLOAD_NOTE] = (False, message)
        return
    st.session_state[UPLOADED] = cache.IMPORTED.put(loaded)
    st.session_state[UPLOAD_NOTE] = (True, f"Loaded {name}: weights={loaded.digest}.")


def fresh_uploader(
    label: str, counter: str, read: Callable[[str, bytes], None], types: list[str], help: str
) -> None:
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


def _seeded() -> None:
    st.session_state.pop(UPLOADED, None)
    st.session_state[UPLOAD_NOTE] = (True, "Back to the seeded weights.")


def _weights(values: dict) -> str:
    """The weights controls: upload a PyTorch .npz, or go back to the seeded weights.
    Returns the config's ``weights``: the session's upload where it fits the model,
    else ``seeded``. An upload that does not fit this model is kept for when the model
    fits it again, and the sidebar says so."""
    held: imported.Imported | None = st.session_state.get(UPLOADED)
    cell = cell_of(values["cell"], values["reset_after"])
    try:
        config = RNNConfig(**values)
    except ConfigError:  # sizes over the cap: the page shows the error; no weights apply
        config = None
    fits = held is not None and config is not None and imported.fits(config, held.weights)
    if held is not None:
        cache.IMPORTED.put(held)  # the most recent again: a link to them keeps working
        if fits:
            st.caption(as_plain_markdown(f"Weights: {held.name}, from PyTorch."))
        elif config is not None:
            st.warning(
                as_plain_markdown(
                    f"Your weights from {held.name} are for {held.made_for}, not for "
                    f"{imported.architecture(config)}: the seeded weights are used. Go back "
                    "to that model to use them again."
                ),
                icon=":material/info:",
            )
        st.button("Use the seeded weights", on_click=_seeded, key="_seeded")
    if not cell.torch_name:
        st.caption(cell.torch_refusal)
    elif config is not None:
        expected = ", ".join(
            f"{name} {shape_text(shape)}" for name, shape in layouts.torch_shapes(config).items()
        )
        fresh_uploader(
            "Load PyTorch weights (.npz)",
            "_uploads",
            functools.partial(load_upload, dict(values)),
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
    note = st.session_state.pop(UPLOAD_NOTE, None)
    if note is not None:
        ok, message = note
        (st.success if ok else st.error)(as_plain_markdown(message), icon=":material/upload:")
    return held.digest if fits else SEEDED


def load_model(values: dict, name: str, payload: bytes) -> None:
    """Read an uploaded .keras model (``rnnviz.ownmodel``): its sizes and options become the
    sidebar's and its weights the session's upload; a model it refuses changes nothing, and
    the note names the layer and why."""
    try:
        own = own_model.load(payload, name)
        base = RNNConfig(**values | {"weights": SEEDED, "task": "random", "data": NO_DATA})
        config = own_model.config_for(own, base)
    except (own_model.ModelError, ConfigError) as err:
        why = str(err)
        why = why if len(why) <= NOTE_MAX else why[:NOTE_MAX] + "…"
        st.session_state[UPLOAD_NOTE] = (False, f"{name} was not loaded: {why}. Nothing changed.")
        return
    for field in (*own.fields, "N", "task"):
        st.session_state[field] = getattr(config, field)
    st.session_state.pop(DATA_HELD, None)  # the model reads its own (T, D)
    st.session_state[UPLOADED] = cache.IMPORTED.put(own_model.imported(own, config))
    _, fell_back = own_model.samples(own, base)
    said = f"Loaded {name}: {own.summary}; weights={config.weights}."
    st.session_state[UPLOAD_NOTE] = (True, said + (f" {fell_back}." if fell_back else ""))


DATA_HELD = "_data"  # the session's uploaded data (userdata.Data), if any
DATA_NOTE = "_data_note"  # what became of the last data file: (ok, message)
TRAINED_HELD = "_trained"  # the session's latest training: training.Done


def load_data(name: str, payload: bytes) -> None:
    """Read an uploaded .npy, .npz or .csv into the session's data; a file that cannot be
    read leaves the previous data as it was, and the note says why in one sentence."""
    try:
        data = userdata.read(name, payload)
    except userdata.DataError as err:
        why = str(err)
        why = why if len(why) <= NOTE_MAX else why[:NOTE_MAX] + "…"
        kept = "your data is as it was" if DATA_HELD in st.session_state else "X is as it was"
        st.session_state[DATA_NOTE] = (False, f"{name} was not loaded: {why}. {kept.capitalize()}.")
        return
    st.session_state[DATA_HELD] = cache.DATA.put(data)
    target = {"regression": f"y ({data.N}, {data.K})", "classification": f"y: {data.K} classes"}
    st.session_state[DATA_NOTE] = (
        True,
        f"Loaded {name}: X ({data.N}, {data.T}, {data.D}), {target.get(data.kind, 'no y')}; "
        f"data={data.digest}.",
    )


def _drop_data() -> None:
    st.session_state.pop(DATA_HELD, None)
    st.session_state[DATA_NOTE] = (True, "Back to X drawn by the task.")


def _task_and_data() -> tuple[dict, dict[str, str]]:
    """The task or the uploaded data: what X and the target y are. Returns the config's
    ``task`` and ``data`` and the sizes they fix, symbol -> why, which the size inputs
    then show locked (their values are set here, before those inputs are drawn)."""
    st.header("Task and data")
    held: userdata.Data | None = st.session_state.get(DATA_HELD)
    locked: dict[str, str] = {}
    if held is not None:
        cache.DATA.put(held)  # the most recent again: a link to it keeps working
        st.session_state["task"] = "random"
        for symbol, value in held.sizes().items():
            st.session_state[symbol] = value
            locked[symbol] = f"{symbol} = {value} comes from your data, {held.name}"
        what = {
            "regression": f"y ({held.N}, {held.K}) to regress",
            "classification": f"y: {held.K} classes",
        }.get(held.kind, "no y: nothing to train")
        st.caption(as_plain_markdown(f"X: {held.name}, ({held.N}, {held.T}, {held.D}); {what}."))
        st.button("Use a built-in task instead", on_click=_drop_data, key="_drop_data")
    else:
        if st.session_state.get("task") not in TASKS:
            st.session_state["task"] = "random"
        key = st.selectbox(
            "Task",
            options=list(TASKS),
            key="task",
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
    fresh_uploader(
        "Upload your data (.npy, .npz, .csv)",
        "_data_uploads",
        load_data,
        ["npy", "npz", "csv"],
        userdata.FORMAT,
    )
    note = st.session_state.pop(DATA_NOTE, None)
    if note is not None:
        ok, message = note
        (st.success if ok else st.error)(as_plain_markdown(message), icon=":material/upload:")
    source = {"task": st.session_state["task"], "data": held.digest if held else NO_DATA}
    return source, locked


@dataclass(frozen=True, eq=False)
class Done:
    """A finished training: what its weights depend on (``RNNConfig.training_key``, with
    the epochs it completed), the weights and the losses."""

    key: RNNConfig
    weights: Mapping[str, np.ndarray]
    history: training.History


def training_key(values: dict, epochs: int) -> RNNConfig | None:
    """The training key of the model ``values`` describe trained for ``epochs``, None
    where it cannot be trained (nothing to learn, sizes over the cap, return_sequences)."""
    try:
        return RNNConfig(**values | {"weights": TRAINED, "epochs": epochs}).training_key
    except ConfigError:
        return None


def _trained_weights(values: dict) -> dict:
    """The initial or the trained weights (?weights=initial|trained): trained ones exist
    once this session, or another on this server, trained this very model on this task or
    data. Returns the config's ``weights`` and ``epochs`` (None: the upload decides)."""
    done: Done | None = st.session_state.get(TRAINED_HELD)
    key = None
    if done is not None and done.key == training_key(values, done.key.epochs):
        key = done.key
        cache.RESULTS.put(key, done.weights, done.history)  # a link to them keeps working
    if st.session_state.get("weights_view") not in ("initial", "trained"):
        st.session_state["weights_view"] = "initial"
    if key is None:
        if st.session_state["weights_view"] == "trained":
            st.session_state["weights_view"] = "initial"
        return {}
    choice = st.segmented_control(
        "Weights",
        options=["initial", "trained"],
        key="weights_view",
        required=True,
        help="Every view on the initial weights or on the weights after training "
        f"({key.epochs} epochs), ?weights=initial|trained in a link.",
    )
    if choice == "trained":
        return {"weights": TRAINED, "epochs": key.epochs}
    return {}


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
        _restore("view_layer", 1, layers)
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
    try:  # which bugs apply depends on the model; sizes over the cap apply none
        offered = bugs.applicable(RNNConfig(**values | {"dtype": st.session_state["dtype"]}))
    except ConfigError:
        offered = []
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


DRAWN = {"task": "random", "data": NO_DATA}  # X ~ N(0, 1): the only X a pulse replaces


def _what_if(T: int, D: int, drawn: bool = True) -> dict:
    """The what-if controls: the scale of W_hh and the input pattern (a pulse or a step at
    t0 on feature d0; only where X is random, not a task's or the data's). Every one is a
    config field: the run depends on it."""
    st.header("What if")
    scale = st.slider(
        "whh_scale — W_hh × S",
        min_value=SCALE_LOW,
        max_value=SCALE_HIGH,
        step=0.05,
        key="whh_scale",
        help="Every recurrent kernel W_hh times S, in a Keras model of its own (?whh_scale=, "
        "0.1 to 3, at most 2 decimals); Keras and NumPy both run it. Below 1 the state forgets "
        "faster, above 1 it keeps or blows up: see the spectrum section.",
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
    bounds = pulse_bounds(T, D)
    place = {}
    for key, label in (("pulse_t", "t0 — pulse step"), ("pulse_d", "d0 — pulse feature")):
        meaning, low, high = bounds[key]
        _restore(key, low, high)  # kept, and clamped when T or D shrink under it
        place[key] = int(
            st.number_input(
                label,
                min_value=low,
                max_value=high,
                step=1,
                key=key,
                disabled=pattern == "random",
                help=f"{meaning.capitalize()}, from {low} to {high} (?{key}=); for a pulse "
                "or a step input.",
            )
        )
    return {"whh_scale": round(float(scale), 2), "input": pattern, **place}


EDITED = "_x_edit"  # the session's edited sample of X (x_edits.Edit), if any
EDIT_NOTE = "_x_edit_note"  # what became of the last edit: (ok, message)
EDIT_RERUN = "_x_edit_rerun"  # an edit was taken: the page runs again with the new config


def on_x_edit(key: str, n: int, X_n) -> None:
    """The data editor's callback: sample n's X_n with the table's changes, if every one is
    a finite number, becomes the session's edit (and the server's, for links); else the
    note says which cell is wrong and X stays as it was. The next editor starts afresh."""
    changes = st.session_state.get(key, {}).get("edited_rows", {})
    st.session_state["_x_editors"] = st.session_state.get("_x_editors", 0) + 1
    try:
        X_new = x_edits.apply(X_n, changes)  # (T, D)
    except x_edits.EditError as err:
        st.session_state[EDIT_NOTE] = (False, f"Not taken: {err}. X is as it was.")
        return
    st.session_state[EDITED] = cache.EDITS.put(x_edits.make(n, X_new))
    st.session_state[EDIT_NOTE] = (
        True,
        f"Sample n = {n} edited: x_edit={st.session_state[EDITED].digest}.",
    )
    st.session_state[EDIT_RERUN] = True


def edit_note() -> None:
    """What became of the last edit, once."""
    note = st.session_state.pop(EDIT_NOTE, None)
    if note is not None:
        ok, message = note
        (st.success if ok else st.error)(as_plain_markdown(message), icon=":material/edit:")


def _as_drawn() -> None:
    st.session_state.pop(EDITED, None)


def _x_edit(values: dict) -> str:
    """The config's ``x_edit``: the session's edit where the model's X has its sample and
    shape, else ``none``; an edit that does not fit is kept for when it fits again."""
    held: x_edits.Edit | None = st.session_state.get(EDITED)
    if held is None:
        return NO_EDIT
    cache.EDITS.put(held)  # the most recent again: a link to it keeps working
    try:
        fits = held.fits(RNNConfig(**values | {"x_edit": NO_EDIT}))
    except ConfigError:  # sizes over the cap: the page shows the error
        fits = False
    if fits:
        st.caption(f"X: sample n = {held.n} as edited on the page.")
    else:
        st.caption(f"Your edit of X is of {held.made_for()}: X as drawn is used here.")
    st.button("Use X as drawn", on_click=_as_drawn, key="_as_drawn")
    return held.digest if fits else NO_EDIT


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


def section_picker() -> str:
    """Lecture mode's choice of section, drawn at the top of the page."""
    if st.session_state.get("section") not in SECTIONS:
        st.session_state["section"] = st.session_state.get("_section", "time")
    section = st.segmented_control(
        "Section",
        options=list(SECTIONS),
        format_func=SECTIONS.get,
        key="section",
        required=True,
        label_visibility="collapsed",
    )
    st.session_state["_section"] = section
    st.query_params["section"] = section
    return section


def sidebar() -> tuple[RNNConfig | None, View]:
    """Draw the sidebar; return the config (None if the sizes do not fit) and the view."""
    read_url_once()
    with st.sidebar:
        source, locked = _task_and_data()
        st.header("Model")
        st.selectbox(
            "Cell", options=list(CELLS), format_func=lambda key: CELLS[key].title, key="cell"
        )
        st.toggle(
            "reset_after (GRU)",
            key="reset_after",
            disabled="reset_after" not in CELLS[st.session_state["cell"]].switches,
            help=SWITCHES["reset_after"] + ". Off: the textbook GRU, bias (3M,).",
        )
        values = {
            name: _size_input(name, locked.get(name))
            for name in ("N", "T", "D", "M", "K", "layers")
        }
        values.update(source)
        st.toggle("return_sequences", key="return_sequences", help=SWITCHES["return_sequences"])
        st.toggle("Bidirectional", key="bidirectional", help=SWITCHES["bidirectional"])
        values["seed"] = _size_input("seed")
        values.update({k: st.session_state[k] for k in ("cell", *SWITCHES)})
        values.update(_what_if(values["T"], values["D"], drawn=source == DRAWN))
        values["x_edit"] = _x_edit(values)
        values["weights"] = _weights(values)
        if values["weights"] == SEEDED:
            values.update(_trained_weights(values))
        layer, direction, layout = _look_at(values["layers"], values["bidirectional"])
        values.update(_debugger(values))
        present, quiz = _lecture()

    try:
        config = RNNConfig(**values)
    except ConfigError as err:
        config = None
        st.error(f"These sizes cannot run: {err}.", icon=":material/warning:")

    if config is not None and config == st.session_state["_url_config"]:
        for message in st.session_state["_url_warnings"]:
            st.warning(as_plain_markdown(message), icon=":material/link:")
    # the config's values where it ran (random X writes no pulse place of its own)
    query = {
        name: as_text(getattr(config, name) if config else values.get(name, getattr(DEFAULT, name)))
        for name in FIELDS
    }
    query |= {"sample": st.session_state["_sample"], "step": st.session_state["_step"]}
    if values["layers"] > 1:
        query["view_layer"] = layer
    if values["bidirectional"]:
        query["view_direction"] = direction
    # the picker's new value is in session state before the picker is drawn again
    section = st.session_state.get("section") or st.session_state.get("_section", "time")
    section = section if section in SECTIONS else "time"
    st.session_state["_section"] = section
    if present:
        query |= {"present": 1, "section": section}
    if quiz:
        query["quiz"] = 1
    if layout != "keras":
        query["layout"] = layout
    st.query_params.from_dict(query)
    return config, View(layer, direction, present, section, quiz, layout)


def sample_input(N: int) -> int:
    """The sample n the state and step views show (drawn inside their fragment)."""
    _restore("sample", 0, N - 1)
    n = int(
        st.number_input(
            "n — sample",
            min_value=0,
            max_value=N - 1,
            step=1,
            key="sample",
            help=f"Which of the N = {N} samples the hidden-state and step views show.",
            width=180,
        )
    )
    st.session_state["_sample"] = n
    st.query_params["sample"] = str(n)
    return n


def step_slider(T: int) -> int:
    """The step t of the step panel (drawn inside its fragment); t = T also shows y."""
    _restore("step", 1, T)
    if T > 1:
        t = int(
            st.slider(
                "t — time step",
                min_value=1,
                max_value=T,
                key="step",
                help="Which step the step-by-step panel computes; t = T also shows y. "
                "The player above plays every step in the browser.",
            )
        )
    else:
        t = 1
        st.caption("t = 1, the only step (T = 1).")
    st.session_state["_step"] = t
    st.query_params["step"] = str(t)
    return t


# Streamlit's front end reruns the whole script when its WebSocket reconnects only if the
# page has a timed fragment (or a run was under way); otherwise it trusts the server to
# have resumed the old session. A replica that took over from a dead one has a fresh
# session instead: without a rerun its page would stay stale and the next t or n step, a
# fragment rerun that session never saw, would be dropped. The hourly tick draws nothing.
@st.fragment(run_every=timedelta(hours=1))
def rerun_after_reconnect() -> None:
    """Nothing to draw: being a timed fragment is the whole point (see above)."""
