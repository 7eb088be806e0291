"""Everything the in-browser player needs to draw any step t of one sample, in one payload.

The player (``rnnviz.ui.components.player``) plays time in the browser without asking the server for
each frame, so it is sent, once per (run, sample, layer, direction), every traced state and
gate of that sample as (T, M) float32 arrays, and the step-by-step terms of every step for
the first few units. The payload is one ``bytes`` object, so the arrays travel as raw
float32 and the browser reads exactly the numbers the NumPy recurrence computed:

    b"RNV1" | uint32 LE header length L | L bytes of UTF-8 JSON | zero padding to 4 bytes |
    float32 LE arrays, back to back

The JSON header names each array with its byte ``offset`` into the float block and its
``shape``. ``unpack`` reads it back, for the tests and for anyone scripting the player.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

import numpy as np

from rnnviz.pipeline import Run
from rnnviz.views.palette import DIVERGING, SEQUENTIAL, colorscale

MAGIC = b"RNV1"
TABLE_UNITS = 8  # the player's step table lists units 0..7; the step panel lists all M


@dataclass(frozen=True)
class Frames:
    """One sample's whole trace and its step terms, ready to be packed."""

    header: dict  # JSON-able: sizes, labels, panels and terms (without their arrays)
    arrays: list[np.ndarray]  # float32, in the order of header panels, then header terms

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays)


def plain(latex: str) -> str:
    """A LaTeX symbol as plain text: h_{t-1} W_{hh} -> h_(t-1) W_hh, \\tilde h_t -> h̃_t."""
    text = latex.replace("{t-1}", "(t-1)").replace("{t+1}", "(t+1)").replace(r"\tilde h", "h̃")
    for command, symbol in ((r"\delta", "δ"), (r"\odot", "⊙"), (r"\text", "")):
        text = text.replace(command, symbol)
    return text.replace("\\", "").replace("{", "").replace("}", "")


def step_table(
    run: Run, n: int, layer: int = 1, direction: str = "fwd", layout: str = "keras"
) -> dict[str, np.ndarray]:
    """The step-by-step terms of every step t = 1..T for sample n: name -> (T, M) float32.

    Built from ``Run.step_terms``, the same terms the step panel shows for one t, named as
    ``layout`` names them.
    """
    T = run.config.T
    columns: dict[str, list[np.ndarray]] = {}
    for t in range(1, T + 1):
        for term in run.step_terms(n, t, layer, direction, layout):
            columns.setdefault(term.name, []).append(term.value)  # (M,)
    return {name: np.stack(values).astype(np.float32) for name, values in columns.items()}


def frames(
    run: Run, n: int, layer: int = 1, direction: str = "fwd", layout: str = "keras"
) -> Frames:
    """The player's data for sample n of one (layer, direction) path; its step table
    names the terms as ``layout`` does."""
    c = run.config
    path = run.path(layer, direction)
    panels, arrays = [], []
    for gate in (*run.cell.states, *run.cell.gates):
        S_n = np.ascontiguousarray(path.trace[gate.key][n], dtype=np.float32)  # (T, M)
        if gate.bounds == (0.0, 1.0):  # a gate: closed to open, on the same scale everywhere
            scale, low, high = "sequential", 0.0, 1.0
        else:  # h_t, c_t, a candidate: centred on zero and spanning this sample's values, so
            # the small states of a freshly initialised wide layer still show their pattern
            high = float(np.abs(S_n).max()) or 1.0
            scale, low = "diverging", -high
        panels.append(
            dict(
                key=gate.key,
                label=plain(gate.latex),
                name=gate.name,
                scale=scale,
                low=low,
                high=high,
                shape=list(S_n.shape),
            )  # fmt: skip
        )
        arrays.append(S_n)
    U = min(c.M, TABLE_UNITS)
    terms = []
    for name, values in step_table(run, n, layer, direction, layout).items():
        terms.append(dict(name=plain(name), latex=name, shape=[c.T, U]))
        arrays.append(np.ascontiguousarray(values[:, :U]))  # (T, U)
    backward = direction == "bwd"
    header = dict(
        T=c.T,
        M=c.M,
        n=n,
        layer=layer,
        direction=direction,
        label=path.label if (c.layers > 1 or c.bidirectional) else "",
        units_in_table=U,
        # going backward the state carried into step t is the one after step t + 1
        carried="t+1" if backward else "t-1",
        panels=panels,
        terms=terms,
        colorscales=dict(diverging=colorscale(DIVERGING), sequential=colorscale(SEQUENTIAL)),
    )
    return Frames(header=header, arrays=arrays)


def pack(f: Frames, t: int | None = None) -> bytes:
    """The payload, opening at step t (1-based) if given: magic, header length, JSON header,
    padding, float32 arrays. ``f`` is not changed, so one cached ``Frames`` serves every t."""
    header = json.loads(json.dumps(f.header))  # a deep copy, offsets and t added below
    if t is not None:
        header["t"] = t
    offset = 0
    entries = [*header["panels"], *header.get("terms", [])]
    assert len(entries) == len(f.arrays), "one array per panel and term"
    for entry, a in zip(entries, f.arrays, strict=True):
        entry["offset"] = offset
        offset += a.size * 4
    head = json.dumps(header, separators=(",", ":")).encode()
    padding = b"\0" * (-(8 + len(head)) % 4)
    body = b"".join(np.ascontiguousarray(a, dtype="<f4").tobytes() for a in f.arrays)
    return MAGIC + struct.pack("<I", len(head)) + head + padding + body


def unpack(payload: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """The header and every array by key (panels) or name (terms), as float32 views."""
    if payload[:4] != MAGIC:
        raise ValueError(f"not a player payload: starts with {payload[:4]!r}, not {MAGIC!r}")
    (length,) = struct.unpack("<I", payload[4:8])
    header = json.loads(payload[8 : 8 + length])
    start = 8 + length + (-(8 + length) % 4)
    arrays = {}
    for entry in [*header["panels"], *header.get("terms", [])]:
        count = int(np.prod(entry["shape"]))
        flat = np.frombuffer(payload, "<f4", count, start + entry["offset"])  # (count,)
        arrays[entry.get("key", entry["name"])] = flat.reshape(entry["shape"])  # (T, ·)
    return header, arrays
