"""A headless Streamlit client: one session of the real app over ``/_stcore/stream``.

It speaks the protocol the page's frontend speaks, learned from a real chromium session's
WebSocket frames: connect with the subprotocol ``streamlit``, send a ``rerun_script``
BackMsg carrying the URL's query string, read ForwardMsgs until ``script_finished``. A
widget change is another ``rerun_script`` whose client state holds every widget's value
(the frontend sends them all, not just the one that changed); a widget inside an
``st.fragment`` adds that fragment's id, and the server reruns the fragment alone. A button
press is one such rerun whose widget states also carry the button's ``trigger_value``, sent
once (the frontend drops it after that request). No XSRF token is needed: Streamlit checks it
only to read a login cookie, and the app has none. Unlike the frontend, the client keeps no
message cache (``cached_message_hashes``), so the server sends every element in full, as to a
first visit.

An open tab also reruns every ``st.fragment(run_every=...)`` the server has announced (an
``auto_rerun`` message) on a timer of its own, whether or not a run is still going (the
server coalesces them), and forgets them all when a whole-page run starts (its
``new_session``) or when told (``stop_auto_rerun``); ``Session.follow`` does the same, for as
long as the caller wants the page kept open.

What a run sent back is kept as the client saw it (``Answer``): the elements by type, any
exception box, the status and the time from request to ``script_finished``. A parsed
protobuf costs the client a fraction of a millisecond, so a few of these in one process
load a server far more than they load the machine, unlike one chromium per session.

Shared by the load test (``tests/test_load.py``), the load bench (``bench/load.py``) and the
page bench's other visitors (``bench/page.py``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import websockets
from google.protobuf.message import Message
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

RUN_TIMEOUT = 60.0  # s; a session's first run may import TensorFlow and build a model
MAX_MESSAGE = 64 * 2**20  # bytes; the first run sends the player's and the weights' payloads
FINISHED = ForwardMsg.FINISHED_SUCCESSFULLY
FRAGMENT_FINISHED = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


class ProtocolError(RuntimeError):
    """The server closed the session, did not answer in time, or answered out of turn."""


@dataclass
class Widget:
    """A widget as the last run drew it: what the next request must send back for it."""

    id: str
    kind: str  # the element type: "slider", "number_input", ...
    label: str
    state: WidgetState
    fragment_id: str  # "" outside any fragment


@dataclass
class Button:
    """A button as the last run drew it: what a press must name."""

    id: str
    label: str
    disabled: bool
    fragment_id: str  # "" outside any fragment


@dataclass
class Answer:
    """One run, as the client saw it."""

    status: int | None = None  # ForwardMsg.ScriptFinishedStatus
    seconds: float = 0.0  # from the request sent to script_finished received
    elements: list[tuple[str, Message]] = field(default_factory=list)  # (type, element)
    exceptions: list[str] = field(default_factory=list)  # the exception boxes' messages

    def of(self, kind: str) -> list[Message]:
        """The elements of one type (``"markdown"``, ``"metric"``, ...), in arrival order."""
        return [element for name, element in self.elements if name == kind]


def _state(kind: str, element: Message) -> WidgetState | None:
    """The value the frontend would send for ``element`` seen for the first time: as set by
    the script, else its default. A widget seen before keeps the value the frontend holds
    for it unless the script set one (``set_value``): a keyed widget's value held in session
    state comes with its declared default, not that value.

    Only the kinds this client can move or must echo; components, buttons and download
    buttons send nothing until clicked, and the frontend leaves them out too.
    """
    state = WidgetState(id=element.id)
    if kind == "number_input":
        value = element.value if element.set_value else element.default
        if element.data_type == element.INT:
            state.int_value = int(value)
        else:
            state.double_value = value
    elif kind == "checkbox":
        state.bool_value = element.value if element.set_value else element.default
    elif kind == "selectbox":
        if element.set_value:
            state.string_value = element.raw_value
        elif element.default:
            state.string_value = element.options[element.default[0]]
        else:
            return None
    elif kind == "slider":
        values = element.value if element.set_value else element.default
        state.double_array_value.data.extend(values)
    else:
        return None
    return state


class Session:
    """One Streamlit session of the app at ``url`` (``http://host:port``), opened at ``query``.

    Use as ``async with Session(url, query) as s: first = await s.run()``, then
    ``await s.set_slider(label, value)`` and ``await s.run()`` again for a whole-page rerun
    (or ``await s.connect()`` ... ``await s.close()``).
    """

    def __init__(self, url: str, query: str) -> None:
        self.url = url
        self.query = query.lstrip("?")  # the address bar's query; the app rewrites it
        self.widgets: dict[str, Widget] = {}  # by label
        self.buttons: dict[str, Button] = {}  # by label
        self.auto_reruns: dict[str, float] = {}  # fragment id -> seconds between its reruns
        self.page_script_hash = ""
        self._ws: websockets.ClientConnection | None = None

    async def __aenter__(self) -> Session:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def connect(self) -> None:
        stream = "ws" + self.url.removeprefix("http") + "/_stcore/stream"
        try:
            self._ws = await websockets.connect(
                stream,
                subprotocols=["streamlit"],
                max_size=MAX_MESSAGE,
                open_timeout=RUN_TIMEOUT,
                compression=None,  # the server accepts none, whoever offers it
            )
        except (OSError, websockets.WebSocketException) as err:
            raise ProtocolError(f"cannot open {stream}: {err}") from err

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def run(self, fragment_id: str = "", timeout: float = RUN_TIMEOUT) -> Answer:
        """Rerun the page (or one fragment) with every widget's current value.

        A whole-page run's answer ends with the page's own ``script_finished``: a fragment run
        still in flight from ``follow`` (it ended before the page's run began) is not it."""
        return await self._send(self._rerun(fragment_id), timeout, whole=not fragment_id)

    def _rerun(
        self, fragment_id: str, extra: Iterable[WidgetState] = (), auto: bool = False
    ) -> BackMsg:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_script_hash
        state.fragment_id = fragment_id
        state.is_auto_rerun = auto
        state.widget_states.widgets.extend(w.state for w in self.widgets.values())
        state.widget_states.widgets.extend(extra)
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        state.context_info.url = self.url + "/"
        return message

    async def press(self, label: str, timeout: float = RUN_TIMEOUT) -> Answer:
        """Click the button labelled ``label``: one rerun (its fragment's, or the page's) with
        every widget's value and the button's ``trigger_value``, as the frontend sends it."""
        button = self.buttons.get(label)
        if button is None:
            raise ProtocolError(f"no button labelled {label!r} in the last run")
        if button.disabled:
            raise ProtocolError(f"the button {label!r} is disabled")
        trigger = WidgetState(id=button.id, trigger_value=True)
        message = self._rerun(button.fragment_id, [trigger])
        return await self._send(message, timeout, whole=not button.fragment_id)

    async def follow(self, until: Callable[[Answer], bool], timeout: float) -> Answer:
        """Keep the page open as a tab does: rerun each fragment that asked for it
        (``auto_rerun``) at its interval, without waiting for the run before, until
        ``until(answer)`` holds for a run that has finished, or a finished run leaves no
        fragment to rerun (nothing on the page can change any more). Returns that run's
        answer; an empty one if no fragment asked to be rerun to begin with.

        ``until`` sees every finished run, fragment or whole page, in order. Reruns sent
        last may still be going when this returns: ask for a whole page next (``run``, or
        ``press`` on a button outside any fragment), whose answer waits for the page's run.
        """
        if self._ws is None:
            raise ProtocolError("the session is not open")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        due: dict[str, float] = {}  # fragment id -> when its next rerun is sent
        answer, start = Answer(), time.perf_counter()
        if not self.auto_reruns:
            return answer
        while True:
            now = loop.time()
            if now >= deadline:
                raise ProtocolError(f"the page was still rerunning after {timeout:.0f} s")
            due = {f: due.get(f, now + dt) for f, dt in self.auto_reruns.items()}
            for fragment_id, when in due.items():
                if when <= now:  # a timer's tick; a late one is not made up for
                    tick = self._rerun(fragment_id, auto=True).SerializeToString()
                    await self._ws_call(self._ws.send(tick))
                    due[fragment_id] = max(when + self.auto_reruns[fragment_id], now)
            wait = max(0.0, min([*due.values(), deadline]) - loop.time())
            try:
                payload = await asyncio.wait_for(self._ws_call(self._ws.recv(decode=False)), wait)
            except asyncio.TimeoutError:  # recv is safe to cancel: nothing is lost
                continue
            self._read(payload, answer)
            if answer.status is not None:
                answer.seconds = time.perf_counter() - start
                if until(answer) or not self.auto_reruns:
                    return answer
                answer, start = Answer(), time.perf_counter()

    async def _ws_call(self, call):
        try:
            return await call
        except websockets.ConnectionClosed as err:
            raise ProtocolError(f"the server closed the session: {err}") from err

    async def set_slider(self, label: str, value: float, timeout: float = RUN_TIMEOUT) -> Answer:
        """Move the slider labelled ``label`` to ``value``: its fragment reruns, or the page."""
        widget = self.widgets.get(label)
        if widget is None or widget.kind != "slider":
            raise ProtocolError(f"no slider labelled {label!r} in the last run")
        del widget.state.double_array_value.data[:]
        widget.state.double_array_value.data.append(value)
        return await self.run(widget.fragment_id, timeout)

    async def _send(self, message: BackMsg, timeout: float, whole: bool = False) -> Answer:
        if self._ws is None:
            raise ProtocolError("the session is not open")
        answer = Answer()
        start = time.perf_counter()
        try:
            await self._ws.send(message.SerializeToString())
            await asyncio.wait_for(self._receive(answer, whole), timeout)
        except asyncio.TimeoutError as err:
            raise ProtocolError(f"no script_finished within {timeout:.0f} s") from err
        except websockets.ConnectionClosed as err:
            raise ProtocolError(f"the server closed the session: {err}") from err
        answer.seconds = time.perf_counter() - start
        return answer

    async def _receive(self, answer: Answer, whole: bool) -> None:
        """Read ForwardMsgs into ``answer`` until its run (a whole page's if ``whole``) has
        finished."""
        assert self._ws is not None
        while answer.status is None:
            self._read(await self._ws.recv(decode=False), answer)
            if whole and answer.status == FRAGMENT_FINISHED:  # a fragment's, asked for before
                answer.status = None

    def _read(self, payload: bytes, answer: Answer) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.page_script_hash = msg.new_session.page_script_hash
            if not msg.metadata.run.fragment_ids:  # a whole-page run: the tab's timers go
                self.auto_reruns.clear()
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.auto_reruns[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fragment_id, None)
        elif kind == "script_finished":
            if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                answer.status = msg.script_finished
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            name = element.WhichOneof("type")
            if name is None:
                return
            inner = getattr(element, name)
            answer.elements.append((name, inner))
            if name == "exception":
                answer.exceptions.append(f"{inner.type}: {inner.message}")
            if name == "button":
                button = Button(inner.id, inner.label, inner.disabled, msg.delta.fragment_id)
                self.buttons[inner.label] = button
                return
            state = _state(name, inner) if inner.DESCRIPTOR.fields_by_name.get("id") else None
            if state is not None:
                label = inner.label
                held = self.widgets.get(label)
                if held is not None and held.state.id == inner.id and not inner.set_value:
                    state = held.state  # the frontend keeps the value it holds (see _state)
                self.widgets[label] = Widget(inner.id, name, label, state, msg.delta.fragment_id)
