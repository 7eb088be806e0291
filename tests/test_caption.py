"""A downloaded figure's caption and file name (``rnnviz.views.caption``), against captions
written out by hand for configs whose model the page titles differently."""

from __future__ import annotations

import re

import pytest

from rnnviz.config import RNNConfig
from rnnviz.views.caption import caption, file_stem, safe

DIGEST = "0123456789abcdef"  # the shape of a digest: 16 hex digits


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({}, "rnnviz · SimpleRNN(5) → Dense(2) · N=10 T=10 D=3 · seed 0"),
        (
            dict(cell="lstm", layers=2, bidirectional=True, M=8, N=32, T=20, D=4, K=3, seed=7),
            "rnnviz · Bidirectional(LSTM(8)) × 2 → Dense(3) · N=32 T=20 D=4 · seed 7",
        ),
        (
            dict(cell="gru", reset_after=False),
            "rnnviz · GRU(5, reset_after=False) → Dense(2) · N=10 T=10 D=3 · seed 0",
        ),
        (
            dict(task="adding", D=2, K=1, N=40, weights="trained", epochs=1),
            "rnnviz · SimpleRNN(5) → Dense(1) · N=40 T=10 D=2 · seed 0 · adding task"
            " · trained 1 epoch",
        ),
        (
            dict(cell="lstm", input="pulse", pulse_t=2, whh_scale=1.5),
            "rnnviz · LSTM(5) → Dense(2) · N=10 T=10 D=3 · seed 0 · pulse at t0=2 d0=0"
            " · W_hh × 1.5",
        ),
        (
            dict(weights=DIGEST, dtype="float64", bug="bias_dropped"),
            "rnnviz · SimpleRNN(5) → Dense(2) · N=10 T=10 D=3 · seed 0"
            f" · imported weights {DIGEST} · float64 · bug: b_h dropped",
        ),
        (
            dict(data=DIGEST),
            f"rnnviz · SimpleRNN(5) → Dense(2) · N=10 T=10 D=3 · seed 0 · data {DIGEST}",
        ),
    ],
)
def test_the_caption_names_the_model_the_sizes_the_seed_and_what_else_changes_the_run(
    fields, expected
):
    c = RNNConfig(**fields)
    assert caption(c) == expected, f"Mine: {caption(c)!r}\nTheirs: {expected!r}"


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({}, "simple5-n10-t10-d3-k2-seed0"),
        (
            dict(cell="lstm", layers=2, bidirectional=True, M=8, N=32, T=20, D=4, K=3, seed=7),
            "lstm8-n32-t20-d4-k3-seed7-x2-bi",
        ),
        (
            dict(task="adding", D=2, K=1, N=40, weights="trained", epochs=3),
            "simple5-n40-t10-d2-k1-seed0-adding-trained3",
        ),
        (
            dict(weights=DIGEST, bug="bias_dropped"),
            "simple5-n10-t10-d3-k2-seed0-w01234567-bias_dropped",
        ),
    ],
)
def test_the_file_stem_is_the_config_in_safe_characters(fields, expected):
    stem = file_stem(RNNConfig(**fields))
    assert stem == expected
    assert re.fullmatch(r"[a-z0-9_-]+", stem), stem


def test_safe_keeps_only_what_every_file_system_accepts():
    assert safe("W_hh (5, 5) — hidden → hidden") == "w_hh-5-5-hidden-hidden"
    assert safe("../../etc/passwd") == "etc-passwd"
    assert safe("") == ""
