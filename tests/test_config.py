"""The config is the one gate for sizes: bounds, the work cap and URL parsing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import settings as st_settings
from hypothesis import strategies as st

from rnnviz.config import DEFAULT, FIELDS, ConfigError, RNNConfig, links
from rnnviz.config.rnn_config import WORK_CAP
from rnnviz.recurrence.bugs import NONE, applicable
from rnnviz.recurrence.cells import CELLS
from rnnviz.shapes.ledger import param_totals, params, shapes
from rnnviz.tasks import TASKS
from rnnviz.ui.view import view_fields

# the sizes and the seed: whole numbers within bounds
BOUNDED = ("N", "T", "D", "M", "K", "layers", "seed")
BOUNDS = {name: (FIELDS[name].meaning, FIELDS[name].low, FIELDS[name].high) for name in BOUNDED}
SWITCHES = [name for name, f in FIELDS.items() if f.kind == "switch"]
HEX = "0123456789abcdef"


def from_query(params, **kw):
    """A page's link: the config's fields and the page's view keys."""
    return links.from_query(params, views=view_fields, **kw)


def test_defaults_are_the_notebooks():
    assert (DEFAULT.N, DEFAULT.T, DEFAULT.D, DEFAULT.M, DEFAULT.K) == (10, 10, 3, 5, 2)
    assert DEFAULT.cell == "simple"


# each size's lowest and highest, and the message for one past each: written out by hand
EDGES = {
    "N": ("samples", 1, 2000),
    "T": ("time steps", 1, 500),
    "D": ("input features", 1, 64),
    "M": ("hidden units", 1, 256),
    "K": ("outputs", 1, 64),
    "layers": ("stacked recurrent layers", 1, 3),
    "seed": ("random seed", 0, 2147483647),
}


@pytest.mark.parametrize("name", list(EDGES))
def test_each_bound_is_enforced_with_a_message(name):
    meaning, low, high = EDGES[name]
    small = {"N": 1, "T": 1, "M": 1}  # keep N·T·M under the cap while testing the upper bound
    for good in (low, high):
        RNNConfig(**{**small, name: good})
    for bad in (low - 1, high + 1):
        with pytest.raises(ConfigError) as err:
            RNNConfig(**{**small, name: bad})
        assert err.value.field == name
        assert str(err.value) == f"{name} ({meaning}) must be between {low} and {high}, got {bad}"
    assert BOUNDS[name] == EDGES[name], "the table holds the bounds written here"


def test_the_message_keras_style():
    with pytest.raises(ConfigError, match=r"^M \(hidden units\) must be between 1 and 256, got 0$"):
        RNNConfig(M=0)


@pytest.mark.parametrize("bad", [2.5, "3", True, None])
def test_non_integers_are_refused(bad):
    with pytest.raises(ConfigError, match="must be a whole number"):
        RNNConfig(D=bad)


def test_work_cap():
    RNNConfig(N=2000, T=500, M=5)  # exactly 5,000,000
    with pytest.raises(ConfigError, match=r"N·T·M = 2000·500·6 = 6,000,000 is over the limit"):
        RNNConfig(N=2000, T=500, M=6)


def test_unknown_cell():
    with pytest.raises(ConfigError, match="cell must be one of simple, lstm, gru, got 'rnn'"):
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
        (
            {"N": "abc"},
            "N",
            "N='abc' is not a number; N (samples) must be a whole number between 1 and 2000",
        ),
        ({"M": "0"}, "M", "M='0' is out of range; M (hidden units) must be a whole number "),
        ({"M": "0"}, "M", "between 1 and 256. Using M=5."),
        ({"T": "1e3"}, "T", "T='1e3' is not a whole number; T (time steps) must be a whole"),
        ({"cell": "transformer"}, "cell", "cell must be one of simple, lstm, gru"),
        ({"bogus": "1"}, None, "Unknown URL parameter 'bogus' ignored"),
        (
            {"sample": "99"},
            None,
            "sample (n, the sample shown) must be a whole number between 0 and 9",
        ),
    ],
)
def test_from_query_warns_and_falls_back_per_field(params, field, fragment):
    config, _, warnings = from_query({**params, "K": "3"})
    assert len(warnings) == 1 and fragment in warnings[0], warnings
    assert config.K == 3, "the good parameter next to the bad one is kept"
    if field:
        assert getattr(config, field) == getattr(DEFAULT, field)


def test_from_query_over_the_cap_lowers_only_the_largest_of_N_T_M():
    config, _, warnings = from_query({"N": "2000", "T": "500", "M": "256", "D": "4"})
    # 5,000,000 // (500·256) = 39: the largest N that fits; T, M and D are kept
    assert (config.N, config.T, config.M, config.D) == (39, 500, 256, 4)
    assert warnings == [
        "URL parameters N·T·M = 2000·500·256 = 256,000,000 is over the limit of 5,000,000, so N "
        "fell back from 2000 to 39, the largest N that fits (N·T·M = 39·500·256 = 4,992,000)."
    ]


@pytest.mark.parametrize(
    "D,M,K,rnn,dense",
    [(3, 5, 2, 45, 12), (3, 8, 2, 96, 18), (1, 1, 1, 3, 2), (64, 256, 32, 82176, 8224)],
)
def test_simple_params_derivation_matches_keras(D, M, K, rnn, dense):
    from rnnviz.keras_side.model import build

    c = RNNConfig(N=1, T=1, D=D, M=M, K=K)
    assert param_totals(c) == {"rnn": rnn, "dense": dense, "total": rnn + dense}
    assert build(c).count_params() == rnn + dense


@pytest.mark.parametrize(
    "changes, total",
    [
        ({"cell": "lstm"}, 192),  # 4·5·(3 + 5 + 1) = 180, + 12
        ({"cell": "gru"}, 162),  # 3·5·(3 + 5 + 2) = 150, + 12
        ({"cell": "gru", "reset_after": False}, 147),  # 3·5·(3 + 5 + 1) = 135, + 12
        ({"bidirectional": True}, 112),  # 2·45 + 2·(10 + 1)
        ({"layers": 3, "cell": "lstm"}, 192 + 2 * 4 * 5 * 11),  # layers 2, 3 read M = 5
        ({"layers": 2, "bidirectional": True, "cell": "gru"}, 2 * 150 + 2 * 3 * 5 * 17 + 22),
        ({"return_sequences": True}, 57),  # the same weights, applied at every step
    ],
)
def test_every_cell_and_option_counts_like_keras(changes, total):
    from rnnviz.keras_side.model import build

    c = RNNConfig(**changes)
    assert param_totals(c)["total"] == total
    assert build(c).count_params() == total
    rows = params(c)
    assert sum(r.count for r in rows[:-1]) == rows[-1].count == total


def test_param_formulas_read_like_the_issue():
    rows = {r.layer: r for r in params(RNNConfig(cell="lstm", layers=2, bidirectional=True))}
    assert rows["Bidirectional(LSTM) [1]"].formula == "2 × 4M(D + M + 1)"
    assert rows["Bidirectional(LSTM) [2]"].formula == "2 × 4M(2M + M + 1)"
    assert rows["Bidirectional(LSTM) [2]"].numbers == "2 × 4·5·(10 + 5 + 1)"
    assert rows["Dense"].formula == "K(2M + 1)"
    assert params(RNNConfig(cell="gru"))[0].formula == "3M(D + M + 2)"
    assert params(RNNConfig(cell="gru", reset_after=False))[0].formula == "3M(D + M + 1)"


def test_ledger_shapes_for_the_notebook():
    got = {r.name: r.numeric for r in shapes(DEFAULT)}
    assert got == {
        "X": (10, 10, 3),
        "x_t": (10, 3),
        "W_xh": (3, 5),
        "W_hh": (5, 5),
        "b_h": (5,),
        "h_t": (10, 5),
        "H": (10, 5),
        "W_o": (5, 2),
        "b_o": (2,),
        "y": (10, 2),
    }
    assert params(DEFAULT)[0].numbers == "5·(3 + 5 + 1)"
    assert params(DEFAULT)[1].numbers == "2·(5 + 1)"


def test_ledger_shapes_stacked_bidirectional_gru():
    c = RNNConfig(cell="gru", layers=2, bidirectional=True, return_sequences=True)
    got = {r.name: (r.symbolic, r.numeric) for r in shapes(c)}
    assert got["W_xh"] == ("(D, 3M)", (3, 15))
    assert got["W_xh_2"] == ("(2M, 3M)", (10, 15))
    assert got["b_h_2"] == ("(2, 3M)", (2, 15))
    assert got["H"] == ("(N, T, 2M)", (10, 10, 10))
    assert got["W_o"] == ("(2M, K)", (10, 2))
    assert got["y"] == ("(N, T, K)", (10, 10, 2))


def test_switches_in_the_url():
    config, _, warnings = from_query(
        {
            "cell": "GRU",
            "reset_after": "false",
            "return_sequences": "1",
            "bidirectional": "yes",
            "layers": "3",
        }
    )
    assert warnings == []
    assert (config.cell, config.reset_after, config.return_sequences) == ("gru", False, True)
    assert (config.bidirectional, config.layers) == (True, 3)
    assert RNNConfig(**{**config.__dict__}).to_query()["reset_after"] == "false"
    _, _, warnings = from_query({"bidirectional": "maybe"})
    assert warnings == [
        "URL parameter bidirectional='maybe' is not a switch; bidirectional must be true or "
        "false (or 1, 0, yes, no, on, off). Using bidirectional=false."
    ]


def test_cap_counts_layers_and_directions():
    RNNConfig(N=1000, T=500, M=5, layers=1)
    with pytest.raises(ConfigError, match=r"N·T·M·layers·directions = 1000·500·5·2·2 = "):
        RNNConfig(N=1000, T=500, M=5, layers=2, bidirectional=True)


@pytest.mark.parametrize("raw", ["1_0", "+5", "５", "5.0", "", " "])
def test_parse_takes_plain_digits_only(raw):

    with pytest.raises(ConfigError, match=r"; M \(hidden units\) must be a whole number between"):
        FIELDS["M"].read(raw)
    assert FIELDS["M"].read(" 7 ") == 7


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"view_layer": "3", "layers": "2"}, "shown) must be a whole number between 1 and 2"),
        ({"view_direction": "bwd"}, "view_direction must be one of fwd for this config"),
        ({"view_direction": "up", "bidirectional": "true"}, "must be one of fwd, bwd"),
        (
            {"layout": "tf"},
            "layout='tf' is not allowed; layout must be one of keras, pytorch, textbook. "
            "Using layout=keras.",
        ),
        ({"layout": ""}, "layout='' is empty; layout must be one of keras, pytorch, textbook"),
    ],
)
def test_bad_view_in_the_url_warns(params, fragment):
    _, view, warnings = from_query(params)
    assert len(warnings) == 1 and fragment in warnings[0], warnings
    assert not view


@st_settings(max_examples=200, deadline=None)
@given(st_data=st.data())
def test_url_round_trip(st_data):
    """Any valid config survives being written to a URL and read back, with no warning: every
    field drawn, on a server that holds whatever its digests and trained weights name."""
    draw = st_data.draw
    values = {
        name: draw(st.integers(low, high), label=name) for name, (_, low, high) in BOUNDS.items()
    }
    values["cell"] = draw(st.sampled_from(sorted(CELLS)), label="cell")
    for switch in SWITCHES:
        values[switch] = draw(st.booleans(), label=switch)
    values["dtype"] = draw(st.sampled_from(["float32", "float64"]), label="dtype")
    # what X is: a task's (which fixes D, K and a least T), uploaded data, or by hand
    task = TASKS[draw(st.sampled_from(sorted(TASKS)), label="task")]
    values["task"] = task.key
    values["D"], values["K"] = task.D or values["D"], task.K or values["K"]
    values["T"] = max(values["T"], task.T_min)
    if task.per_step:  # a target at every step: the head reads every h_t
        values["return_sequences"] = True
    uploaded = task.key == "random" and draw(st.booleans(), label="uploaded data")
    values["data"] = (
        draw(st.text(HEX, min_size=16, max_size=16), label="data") if uploaded else "none"
    )
    # shrink N under the work cap: h, X and y each (a sample alone never exceeds it)
    directions = 2 if values["bidirectional"] else 1
    K = values["K"] if values["return_sequences"] else 1
    widths = (values["M"] * values["layers"] * directions, values["D"], K)
    cap = WORK_CAP // (2 if values["dtype"] == "float64" else 1)
    values["N"] = min(values["N"], cap // (values["T"] * max(widths)))
    # the what-if: a scale of at most 2 decimals; a pulse's place that fits T and D
    values["whh_scale"] = draw(st.integers(10, 300), label="whh_scale") / 100
    by_hand = ["random", "pulse", "step"] if task.key == "random" and not uploaded else ["random"]
    values["input"] = draw(st.sampled_from(by_hand), label="input")
    values["pulse_t"] = draw(st.integers(1, values["T"]), label="pulse_t")
    values["pulse_d"] = draw(st.integers(0, values["D"] - 1), label="pulse_d")
    # the weights: the seed's, trained ones (something to learn, one target a sequence), or
    # imported ones named by their digest; and one sample's X edited on the page, or not
    learns = task.per_step or (task.kind != "none" or uploaded) and not values["return_sequences"]
    kinds = ["initial", "imported"] + (["trained"] if learns else [])
    weights = draw(st.sampled_from(kinds), label="weights")
    digest = draw(st.text(HEX, min_size=16, max_size=16), label="digest")
    values["weights"] = digest if weights == "imported" else weights
    values["epochs"] = draw(st.integers(1, 200), label="epochs")
    edited = draw(st.booleans(), label="edited")
    values["x_edit"] = (
        draw(st.text(HEX, min_size=16, max_size=16), label="x_edit") if edited else "none"
    )
    # a planted bug, of those that apply to this model
    bug = draw(st.sampled_from([NONE, *(b.name for b in applicable(RNNConfig(**values)))]))
    config = RNNConfig(**values | {"bug": bug})

    def held(key):
        """A server holding everything the config names, each fitting it."""
        if key == config.data:
            sizes = {"N": config.N, "T": config.T, "D": config.D}
            return SimpleNamespace(sizes=lambda: sizes, problem=lambda c: None)
        return SimpleNamespace(problem=lambda c: None)

    again, view, warnings = from_query(config.to_query(), held=held)
    assert (again, view, warnings) == (config, {}, [])
    assert set(config.to_query()) == set(FIELDS), "every field is in the link"


def test_url_fuzz_through_from_query():
    """3,000 seeded URL states (tests/urlfuzz.py): never an exception, the effective config
    the rules give, and every invalid value named in its own warning, quoted short."""
    import dataclasses

    from tests import urlfuzz, urlfuzz_expected

    for state in urlfuzz.states(seed=7, count=3000):
        config, _, warnings = from_query(state.as_params())
        urlfuzz_expected.check(state, dataclasses.asdict(config), warnings)
        pairs_config, _, pairs_warnings = from_query(state.pairs)  # (key, value) pairs too
        assert (pairs_config, pairs_warnings) == (config, warnings)


@pytest.mark.parametrize(
    "raw, problem",
    [
        ("٣", "is not a plain number (only the ASCII digits 0-9 are read)"),
        ("５", "is not a plain number (only the ASCII digits 0-9 are read)"),
        ("1_0", "is not a plain number (no _ or , between the digits)"),
        ("+3", "is not a plain number (no + sign)"),
        ("3.0", "is not a whole number"),
        ("1e3", "is not a whole number"),
        ("NaN", "is not a number"),
        ("-inf", "is not a number"),
        ("true", "is not a number"),
        ("", "is empty"),
        (" \t", "is only whitespace"),
        ("0", "is out of range"),
        ("9" * 13, "is too long for a number"),
    ],
)
def test_each_bad_number_says_what_is_wrong_and_what_is_allowed(raw, problem):
    from rnnviz.config import quote

    with pytest.raises(ConfigError) as err:
        FIELDS["M"].read(raw)
    assert err.value.field == "M"
    assert str(err.value) == (
        f"M={quote(raw)} {problem}; M (hidden units) must be a whole number between 1 and 256"
    )


def test_a_quote_is_short_and_escaped():
    from rnnviz.config import quote

    assert quote("٣") == "'٣'"
    assert quote("it's\n") == "'it\\'s\\n'"
    assert quote("1" * 10_000) == "'" + "1" * 40 + "…' (10,000 characters)"
    assert quote("x" * 39 + "\n") == "'" + "x" * 39 + "…' (40 characters)"  # \n is not cut
    assert quote("x" * 40) == "'" + "x" * 40 + "'"


def test_int_never_sees_an_over_long_value():
    """int() refuses more than 4,300 digits with its own ValueError; the reader refuses
    long values by their form first, so the message is ours."""
    config, _, warnings = from_query({"seed": "1" * 4301, "sample": "2" * 10_000})
    assert config.seed == 0
    assert warnings[0].startswith("URL parameter seed='" + "1" * 40 + "…' (4,301 characters)")
    assert warnings[1].startswith("URL parameter sample='" + "2" * 40 + "…' (10,000 characters)")


def test_the_input_and_a_sequence_output_are_capped_too():
    """X is (N, T, D) and, with return_sequences, y is (N, T, K): a link with M = 1 must
    not keep 64 million inputs (256 MB) in the server's memory."""
    with pytest.raises(ConfigError, match=r"^N·T·D = 2000·500·64 = 64,000,000 is over the limit"):
        RNNConfig(N=2000, T=500, M=1, D=64)
    with pytest.raises(ConfigError, match=r"^N·T·K = 2000·500·32 = 32,000,000 is over the limit"):
        RNNConfig(N=2000, T=500, M=1, D=1, K=32, return_sequences=True)
    RNNConfig(N=2000, T=500, M=1, D=1, K=32)  # y is (N, K) without return_sequences: fine
    assert RNNConfig(N=156, T=500, M=1, D=64).D == 64  # 156·500·64 = 4,992,000


def test_over_the_cap_each_array_lowers_its_own_largest_factor():
    config, _, warnings = from_query(
        {"N": "2000", "T": "500", "M": "1", "D": "64", "K": "32", "return_sequences": "1"}
    )
    # X: N (2000) is the largest of N, T, D: 5,000,000 // (500·64) = 156; then y fits
    assert (config.N, config.T, config.D, config.K) == (156, 500, 64, 32)
    assert warnings == [
        "URL parameters N·T·D = 2000·500·64 = 64,000,000 is over the limit of 5,000,000, so N "
        "fell back from 2000 to 156, the largest N that fits (N·T·D = 156·500·64 = 4,992,000)."
    ]
    config, _, warnings = from_query({"N": "100", "T": "200", "M": "256", "D": "64"})
    # h: M = 256 is the largest: 5,000,000 // (100·200) = 250; X = 100·200·64 fits
    assert (config.N, config.T, config.M, config.D) == (100, 200, 250, 64)
    assert len(warnings) == 1 and "so M fell back from 256 to 250" in warnings[0]


@pytest.mark.parametrize("layout", ["keras", "pytorch", "textbook"])
def test_layout_round_trips_through_the_url(layout):
    """The layout is a view key: it survives a link next to any config, changes no field,
    and its text is read case-blind, as the cell's is."""
    config = RNNConfig(cell="lstm", layers=2, M=4)
    again, view, warnings = from_query({**config.to_query(), "layout": layout})
    assert (again, view, warnings) == (config, {"layout": layout}, [])
    assert from_query({"layout": f" {layout.upper()} "})[1] == {"layout": layout}


@pytest.mark.parametrize(
    "raw, value, written",
    [
        ("1", 1.0, "1"),
        (" 0.5 ", 0.5, "0.5"),
        ("3", 3.0, "3"),
        ("0.10", 0.1, "0.1"),
        ("2.25", 2.25, "2.25"),
        (".5", 0.5, "0.5"),
        ("1.", 1.0, "1"),
    ],
)
def test_whh_scale_reads_plain_decimals_and_writes_one_spelling(raw, value, written):
    from rnnviz.config import as_text

    assert FIELDS["whh_scale"].read(raw) == value
    assert as_text(RNNConfig(whh_scale=value).whh_scale) == written


@pytest.mark.parametrize(
    "raw, problem",
    [
        ("abc", "is not a number"),
        ("nan", "is not a number"),
        ("-inf", "is not a number"),
        ("1e-1", "is not a plain number (no exponent)"),
        ("+1", "is not a plain number (no + sign)"),
        ("1,5", "is not a plain number (no _ or , in it; the decimal mark is a point)"),
        ("١.٥", "is not a plain number (only the ASCII digits 0-9 are read)"),
        ("0.125", "has more than 2 decimals"),
        ("0.05", "is out of range"),
        ("3.01", "is out of range"),
        ("-1", "is out of range"),
        ("", "is empty"),
        (" ", "is only whitespace"),
        ("1" * 5000, "is too long for a number"),
    ],
)
def test_each_bad_whh_scale_says_what_is_wrong_and_what_is_allowed(raw, problem):

    with pytest.raises(ConfigError) as err:
        FIELDS["whh_scale"].read(raw)
    assert str(err.value).endswith(
        f" {problem}; whh_scale (recurrent kernel scale) must be a number between 0.1 and 3, "
        "with at most 2 decimals"
    ), str(err.value)


def test_float_never_sees_an_over_long_scale(monkeypatch):
    import builtins

    seen = []
    real = builtins.float
    monkeypatch.setattr(builtins, "float", lambda x: seen.append(x) or real(x))
    with pytest.raises(ConfigError, match="too long"):
        FIELDS["whh_scale"].read("0." + "1" * 100_000)
    assert seen == []


@pytest.mark.parametrize("bad", [0.05, 3.5, 0.123, float("nan"), True, "1"])
def test_the_config_refuses_a_bad_scale(bad):
    with pytest.raises(ConfigError, match=r"^whh_scale \(recurrent kernel scale\) must be"):
        RNNConfig(whh_scale=bad)


def test_the_pulse_must_fit_t_and_d():
    RNNConfig(T=5, D=2, input="pulse", pulse_t=5, pulse_d=1)
    with pytest.raises(ConfigError, match=r"pulse_t \(t0, the step of the pulse\) must be "):
        RNNConfig(T=5, input="pulse", pulse_t=6)
    with pytest.raises(ConfigError, match=r"pulse_d .* must be between 0 and 1, got 2"):
        RNNConfig(D=2, input="step", pulse_d=2)


@pytest.mark.parametrize(
    "params, warning",
    [
        (
            {"whh_scale": "abc"},
            "URL parameter whh_scale='abc' is not a number; whh_scale (recurrent kernel scale) "
            "must be a number between 0.1 and 3, with at most 2 decimals. Using whh_scale=1.",
        ),
        (
            {"input": "noise"},
            "URL parameter input='noise' is not allowed; input must be one of random, pulse, "
            "step. Using input=random.",
        ),
        (
            {"input": "pulse", "pulse_t": "0"},
            "URL parameter pulse_t='0' is out of range; pulse_t (t0, the step of the pulse) must "
            "be a whole number between 1 and 500. Using pulse_t=1.",
        ),
        (
            {"input": "pulse", "T": "5", "pulse_t": "8"},
            "URL parameter pulse_t=8 is out of range for this model; pulse_t (t0, the step of "
            "the pulse) must be a whole number between 1 and 5. Using pulse_t=1.",
        ),
        (
            {"input": "step", "D": "2", "pulse_d": "2"},
            "URL parameter pulse_d=2 is out of range for this model; pulse_d (d0, the feature of "
            "the pulse) must be a whole number between 0 and 1. Using pulse_d=0.",
        ),
    ],
)
def test_bad_what_if_values_in_the_url_warn_and_fall_back(params, warning):
    config, _, warnings = from_query(params)
    assert warnings == [warning]
    assert (config.whh_scale, config.pulse_t, config.pulse_d) == (1.0, 1, 0)


def test_what_if_values_round_trip_through_the_url():
    c = RNNConfig(T=7, D=4, whh_scale=0.5, input="pulse", pulse_t=7, pulse_d=3)
    query = c.to_query()
    assert (query["whh_scale"], query["input"], query["pulse_t"], query["pulse_d"]) == (
        "0.5",
        "pulse",
        "7",
        "3",
    )
    assert from_query(query) == (c, {}, [])
    # random X has no pulse: the place is not read, and not warned about
    config, _, warnings = from_query({"pulse_t": "400", "pulse_d": "60"})
    assert (config.pulse_t, config.pulse_d, warnings) == (1, 0, [])
