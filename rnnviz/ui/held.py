"""What this session holds on the server, and the one flow by which it comes.

A session can hold one of each: its imported weights (a PyTorch .npz or a .keras model), its
uploaded data, its edit of one sample of X, and its latest training. Each lives in the session,
so the page never loses what it shows, and in the server's store (``cache.STORE``), so a link to
it works on this server; ``held`` puts it back there as the most recent on every run. Anything
a visitor brings goes through ``take``: read it, and either refuse it in one sentence (the
session keeps what it had) or hold it.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from rnnviz.config import ConfigError, RNNConfig
from rnnviz.inputs.store import Held
from rnnviz.inputs.userdata import DataError
from rnnviz.inputs.x_edits import EditError
from rnnviz.keras_side.own_model import ModelError
from rnnviz.shapes.layouts import LayoutError
from rnnviz.ui import cache, notes

# slot -> where the session keeps it
SLOTS = {"upload": "_imported", "trained": "_trained", "data": "_data", "x_edit": "_x_edit"}
# what a file or an edit that cannot be used raises: one sentence, what and where
REFUSED = (ConfigError, DataError, EditError, LayoutError, ModelError)


def slot_of(field: str, config: RNNConfig) -> str:
    """The slot of what ``config``'s field names: weights are an upload or a training."""
    if field == "weights":
        return "trained" if config.trained else "upload"
    return field


def held(slot: str) -> Held | None:
    """The session's item in ``slot``, put back in the store as its most recent: a link to
    it keeps working on this server for as long as the session shows it, and after."""
    item = st.session_state.get(SLOTS[slot])
    if item is not None:
        cache.STORE.put(item)
    return item


def hold(slot: str, item: Held) -> Held:
    """Make ``item`` the session's in ``slot`` and the store's most recent; returns the one
    the store holds under its key (an equal upload shares the first one's arrays)."""
    item = st.session_state[SLOTS[slot]] = cache.STORE.put(item)
    return item


def drop(slot: str) -> None:
    st.session_state.pop(SLOTS[slot], None)


def take(
    slot: str, note: str, read: Callable[[], Held], refused: Callable[[str], str]
) -> Held | None:
    """The one flow for what a visitor brings: ``read()`` it and hold it in ``slot``; or, if
    it cannot be used, say ``refused(why)`` in ``note``'s note and keep what the session
    had. Returns the item held, or None."""
    try:
        item = read()
    except REFUSED as err:
        notes.say(note, False, refused(notes.short(str(err))))
        return None
    return hold(slot, item)
