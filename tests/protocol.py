"""A headless Streamlit client: one session of the real app over ``/_stcore/stream``.

It speaks the protocol the page's frontend speaks, learned from a real chromium session's
WebSocket frames: connect with the subprotocol ``streamlit``, send a ``rerun_script``
BackMsg carrying the URL's query string, read ForwardMsgs until ``script_finished``. A
widget change is another ``rerun_script`` whose client state holds every widget's value
(the frontend sends them all, not just the one that changed); a widget inside an
``st.fragment`` adds that fragment's id, and the server reruns the fragment alone. No XSRF
token is needed: Streamlit checks it only to read a login cookie, and the app has none. Unlike
the frontend, the client keeps no message cache (``cached_message_hashes``), so the server
sends every element in full, as to a first visit.

What a run sent back is kept as the client saw it (``Answer``): the elements by type, any
exception box, the status and the time from request to ``script_finished``. A parsed
protobuf costs the client a fraction of a millisecond, so a few of these in one process
load a server far more than they load the machine, unlike one chromium per session.

Shared by the load test (``tests/test_load.py``) and the load bench (``bench/load.py``).
"""

from __future__ import annotations

import asyncio
import time
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
    """The value the frontend would send for ``element``: as set by the script, else default.

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
        """Rerun the page (or one fragment) with every widget's current value."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_script_hash
        state.fragment_id = fragment_id
        state.widget_states.widgets.extend(w.state for w in self.widgets.values())
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        state.context_info.url = self.url + "/"
        return await self._send(message, timeout)

    async def set_slider(self, label: str, value: float, timeout: float = RUN_TIMEOUT) -> Answer:
        """Move the slider labelled ``label`` to ``value``: its fragment reruns, or the page."""
        widget = self.widgets.get(label)
        if widget is None or widget.kind != "slider":
            raise ProtocolError(f"no slider labelled {label!r} in the last run")
        del widget.state.double_array_value.data[:]
        widget.state.double_array_value.data.append(value)
        return await self.run(widget.fragment_id, timeout)

    async def _send(self, message: BackMsg, timeout: float) -> Answer:
        if self._ws is None:
            raise ProtocolError("the session is not open")
        answer = Answer()
        start = time.perf_counter()
        try:
            await self._ws.send(message.SerializeToString())
            await asyncio.wait_for(self._receive(answer), timeout)
        except asyncio.TimeoutError as err:
            raise ProtocolError(f"no script_finished within {timeout:.0f} s") from err
        except websockets.ConnectionClosed as err:
            raise ProtocolError(f"the server closed the session: {err}") from err
        answer.seconds = time.perf_counter() - start
        return answer

    async def _receive(self, answer: Answer) -> None:
        """Read ForwardMsgs into ``answer`` until its run has finished."""
        assert self._ws is not None
        while answer.status is None:
            self._read(await self._ws.recv(decode=False), answer)

    def _read(self, payload: bytes, answer: Answer) -> None:
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.page_script_hash = msg.new_session.page_script_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
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
            state = _state(name, inner) if inner.DESCRIPTOR.fields_by_name.get("id") else None
            if state is not None:
                label = inner.label
                self.widgets[label] = Widget(inner.id, name, label, state, msg.delta.fragment_id)
