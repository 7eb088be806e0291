"""The player's payload: it carries exactly the trace and the step terms, and reads back.

The player draws whatever the payload holds, so these tests pin the payload to the run:
every panel equals the NumPy trace bit for bit (and so, through test_recurrence.py,
Keras), and every step's terms equal ``Run.step_terms`` at that step.
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.pipeline import execute
from rnnviz.views import player_data


@pytest.mark.parametrize(
    "config, n, layer, direction",
    [
        (RNNConfig(), 3, 1, "fwd"),
        (RNNConfig(cell="lstm", N=2, T=7, D=2, M=11, K=1, seed=4), 1, 1, "fwd"),
        (RNNConfig(cell="gru", N=3, T=5, M=4, layers=2, bidirectional=True), 2, 2, "bwd"),
        (RNNConfig(cell="gru", reset_after=False, T=1, M=3), 0, 1, "fwd"),
    ],
)
def test_payload_round_trip_equals_the_run(config, n, layer, direction):
    run = execute(config)
    path = run.path(layer, direction)
    header, arrays = player_data.unpack(
        player_data.pack(player_data.frames(run, n, layer, direction), t=1)
    )
    c = config
    assert (header["T"], header["M"], header["n"], header["t"]) == (c.T, c.M, n, 1)
    keys = [s.key for s in (*run.cell.states, *run.cell.gates)]
    assert [p["key"] for p in header["panels"]] == keys
    for key in keys:
        np.testing.assert_array_equal(
            arrays[key], path.trace[key][n], err_msg=f"panel {key}: payload vs NumPy trace"
        )
    U = header["units_in_table"]
    assert U == min(c.M, player_data.TABLE_UNITS)
    for t in (1, c.T):
        for term in run.step_terms(n, t, layer, direction):
            name = player_data.plain(term.name)
            np.testing.assert_array_equal(
                arrays[name][t - 1], term.value[:U].astype(np.float32), err_msg=f"{name} t={t}"
            )
    assert header["carried"] == ("t+1" if direction == "bwd" else "t-1")


def test_layout_is_magic_length_json_padding_floats():
    """Hand-checkable: the bytes are laid out as the module docstring says."""
    run = execute(RNNConfig(N=1, T=2, D=1, M=1, K=1))
    payload = player_data.pack(player_data.frames(run, 0), t=2)
    assert payload[:4] == b"RNV1"
    (length,) = struct.unpack("<I", payload[4:8])
    header = json.loads(payload[8 : 8 + length])
    start = 8 + length + (-(8 + length) % 4)
    assert start % 4 == 0
    # panels: h (T·M = 2 floats); terms: xW, hW, b_h, a_t, h_t (2 floats each)
    assert [p["offset"] for p in header["panels"]] == [0]
    assert [t["offset"] for t in header["terms"]] == [8, 16, 24, 32, 40]
    assert len(payload) == start + 12 * 4
    h = np.frombuffer(payload[start : start + 8], "<f4")
    np.testing.assert_array_equal(h, run.h[0, :, 0])


def test_one_frames_object_serves_every_t():
    data = player_data.frames(execute(RNNConfig(T=4)), 0)
    before = json.dumps(data.header)
    assert [player_data.unpack(player_data.pack(data, t))[0]["t"] for t in (1, 4)] == [1, 4]
    assert json.dumps(data.header) == before, "pack must not change the cached header"


def test_scales_follow_the_gates_bounds():
    header, _ = player_data.unpack(
        player_data.pack(player_data.frames(execute(RNNConfig(cell="lstm")), 0), 1)
    )
    scales = {p["key"]: (p["scale"], p["low"], p["high"]) for p in header["panels"]}
    h = execute(RNNConfig(cell="lstm")).h[0]
    assert scales["h"] == ("diverging", -float(np.abs(h).max()), float(np.abs(h).max()))
    assert scales["f"] == ("sequential", 0.0, 1.0)
    assert scales["c"][0] == "diverging" and scales["c"][2] > 0
    assert scales["c"][1] == -scales["c"][2]
    stops = header["colorscales"]["diverging"]
    assert stops[0][0] == 0.0 and stops[-1][0] == 1.0


def test_not_a_payload_is_refused():
    with pytest.raises(ValueError, match="not a player payload"):
        player_data.unpack(b"PNG\x00....")


def test_plain_names():
    assert player_data.plain(r"h_{t-1} W_{hh}") == "h_(t-1) W_hh"
    assert player_data.plain(r"\tilde h_t") == "h̃_t"
    assert player_data.plain("c_{t+1}") == "c_(t+1)"
