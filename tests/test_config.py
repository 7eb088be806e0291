"""The config is the one gate for sizes: bounds, the work cap and URL parsing."""

from __future__ import annotations

import pytest

from rnnviz.config import BOUNDS, DEFAULT, WORK_CAP, ConfigError, RNNConfig, from_query
from rnnviz.ledger import params, shapes


def test_defaults_are_the_notebooks():
    assert (DEFAULT.N, DEFAULT.T, DEFAULT.D, DEFAULT.M, DEFAULT.K) == (10, 10, 3, 5, 2)
    assert DEFAULT.cell == "simple"


@pytest.mark.parametrize("name", list(BOUNDS))
def test_each_bound_is_enforced_with_a_message(name):
    meaning, low, high = BOUNDS[name]
    small = {"N": 1, "T": 1, "M": 1}  # keep N·T·M under the cap while testing the upper bound
    for good in (low, high):
        RNNConfig(**{**small, name: good})
    for bad in (low - 1, high + 1):
        with pytest.raises(ConfigError) as err:
            RNNConfig(**{**small, name: bad})
        assert err.value.field == name
        assert str(err.value) == f"{name} ({meaning}) must be between {low} and {high}, got {bad}"


def test_the_message_keras_style():
    with pytest.raises(ConfigError, match=r"^M \(hidden units\) must be between 1 and 256, got 0$"):
        RNNConfig(M=0)


@pytest.mark.parametrize("bad", [2.5, "3", True, None])
def test_non_integers_are_refused(bad):
    with pytest.raises(ConfigError, match="must be a whole number"):
        RNNConfig(D=bad)


def test_work_cap():
    RNNConfig(N=2000, T=500, M=5)  # exactly 5,000,000
    assert 2000 * 500 * 5 == WORK_CAP
    with pytest.raises(ConfigError, match=r"N·T·M = 2000·500·6 = 6,000,000 is over the limit"):
        RNNConfig(N=2000, T=500, M=6)


def test_unknown_cell():
    with pytest.raises(ConfigError, match="cell must be one of simple, got 'rnn'"):
        RNNConfig(cell="rnn")


def test_from_query_restores_everything():
    config, view, warnings = from_query(
        {
            "N": "4",
            "T": "7",
            "D": "2",
            "M": "8",
            "K": "3",
            "seed": "42",
            "cell": "simple",
            "sample": "3",
            "step": "5",
        }
    )
    assert config == RNNConfig(N=4, T=7, D=2, M=8, K=3, seed=42)
    assert view == {"sample": 3, "step": 5}
    assert warnings == []


@pytest.mark.parametrize(
    "params, field, fragment",
    [
        ({"N": "abc"}, "N", "N='abc': N (samples) must be a whole number between 1 and 2000"),
        ({"M": "0"}, "M", "M (hidden units) must be between 1 and 256, got 0. Using M=5."),
        ({"T": "1e3"}, "T", "T (time steps) must be a whole number"),
        ({"cell": "transformer"}, "cell", "cell must be one of simple"),
        ({"bogus": "1"}, None, "Unknown URL parameter 'bogus' ignored"),
        ({"sample": "99"}, None, "sample must be a whole number between 0 and 9"),
    ],
)
def test_from_query_warns_and_falls_back_per_field(params, field, fragment):
    config, _, warnings = from_query({**params, "K": "3"})
    assert len(warnings) == 1 and fragment in warnings[0], warnings
    assert config.K == 3, "the good parameter next to the bad one is kept"
    if field:
        assert getattr(config, field) == getattr(DEFAULT, field)


def test_from_query_over_the_cap_falls_back_to_default_sizes():
    config, _, warnings = from_query({"N": "2000", "T": "500", "M": "256", "D": "4"})
    assert (config.N, config.T, config.M, config.D) == (10, 10, 5, 4)
    assert "over the limit" in warnings[0]


@pytest.mark.parametrize(
    "D,M,K,rnn,dense",
    [(3, 5, 2, 45, 12), (3, 8, 2, 96, 18), (1, 1, 1, 3, 2), (64, 256, 32, 82176, 8224)],
)
def test_params_derivation_matches_keras(D, M, K, rnn, dense):
    from rnnviz.model import build

    c = RNNConfig(N=1, T=1, D=D, M=M, K=K)
    rows = params(c)
    assert [r.count for r in rows] == [rnn, dense, rnn + dense]
    assert build(1, D, M, K, 0).count_params() == rnn + dense


def test_ledger_shapes_for_the_notebook():
    got = {r.name: r.numeric for r in shapes(DEFAULT)}
    assert got == {
        "X": (10, 10, 3),
        "x_t": (10, 3),
        "h_t": (10, 5),
        "W_xh": (3, 5),
        "W_hh": (5, 5),
        "b_h": (5,),
        "W_o": (5, 2),
        "b_o": (2,),
        "y": (10, 2),
    }
    assert params(DEFAULT)[0].numbers == "5·(3 + 5 + 1)"
    assert params(DEFAULT)[1].numbers == "2·(5 + 1)"


@pytest.mark.parametrize("raw", ["1_0", "+5", "５", "5.0", "", " "])
def test_parse_takes_plain_digits_only(raw):
    from rnnviz.config import parse_field

    with pytest.raises(ConfigError, match=r"^M \(hidden units\) must be a whole number"):
        parse_field("M", raw)
    assert parse_field("M", " 7 ") == 7
