"""What the page says back after a click: a note kept for the next run, in Markdown shown as typed.

A callback (an upload, an edit, a training's end) cannot draw, so it leaves its note in the
session under ``_<kind>_note``; the next run shows it once, where that control is drawn.
Whatever a note quotes (a file's name, a link's value) is escaped first: text a visitor typed
must not become a link, emphasis, math or a colour directive.
"""

from __future__ import annotations

import re

import streamlit as st

NOTE_MAX = 600  # characters of a refusal's reason shown (a file's own keys decide its length)


def as_plain_markdown(text: str) -> str:
    """``text`` escaped so that Markdown shows it as typed: a warning quotes the link's own
    values and keys, which must not become links, emphasis, math or colour directives."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)  # every ASCII punctuation mark


def short(reason: str) -> str:
    """A refusal's reason, at most NOTE_MAX characters of it."""
    return reason if len(reason) <= NOTE_MAX else reason[:NOTE_MAX] + "…"


def say(kind: str, ok: bool, message: str) -> None:
    """Keep ``message`` for the next run to show where ``kind``'s control is drawn."""
    st.session_state[f"_{kind}_note"] = (ok, message)


def show(kind: str, icon: str) -> None:
    """``kind``'s note, once: a success or an error, as the note says."""
    note = st.session_state.pop(f"_{kind}_note", None)
    if note is not None:
        ok, message = note
        (st.success if ok else st.error)(as_plain_markdown(message), icon=icon)
