"""The Streamlit page, driven headless through AppTest (no browser)."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pytest
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from streamlit.testing.v1 import AppTest

from rnnviz.budget import MB
from rnnviz.config import RNNConfig
from rnnviz.keras_side import model
from rnnviz.pipeline import execute
from rnnviz.ui.cache import RUN_BUDGET
from rnnviz.ui.components.in_view import SEEN
from rnnviz.views import player_data
from rnnviz.views.gradients import backprop

APP = "../app.py"
TIMEOUT = 120  # the first run imports TensorFlow


def open_app(seen: bool = False, **query) -> AppTest:
    """The page of this link; ``seen``: as a reader who has scrolled to every chart (which
    is drawn once its place has come into view: ``rnnviz.ui.components.in_view``)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({k: str(v) for k, v in query.items()})
    if seen:
        for place in PLACES:
            at.session_state[SEEN.format(place)] = True
    return at.run()


PLACES = ("agreement", "memory_horizon", "pulse_memory")  # where charts wait to be seen


def charts(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def html(at: AppTest) -> str:
    return "\n".join(el.proto.body for el in at.get("html"))


def text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.latex]
    parts += [e.value for e in at.success] + [e.value for e in at.error]
    return "\n".join(parts) + html(at)


def payload(at: AppTest, component: str) -> tuple[dict, dict[str, np.ndarray]]:
    """A canvas element's payload: its header and arrays (see rnnviz.views.player_data)."""
    (el,) = [e for e in at.get("bidi_component") if e.proto.component_name == component]
    return player_data.unpack(el.proto.bytes)


def player(at: AppTest) -> tuple[dict, dict[str, np.ndarray]]:
    return payload(at, "rnnviz_player")


def weights(at: AppTest) -> tuple[dict, dict[str, np.ndarray]]:
    return payload(at, "rnnviz_weights")


def weight_titles(at: AppTest) -> str:
    return " | ".join(p["title"] for p in weights(at)[0]["panels"])


def warnings(at: AppTest, about_the_link: bool = False) -> list[str]:
    """The page's warnings as a reader sees them: rendered by an independent Markdown
    parser, each must be plain text (no link, emphasis or code), and is returned as such.
    ``about_the_link``: only those about the URL's values (drawn with the link icon), not
    what the page says of its run (a planted bug's symptom)."""
    md = MarkdownIt("commonmark").enable("strikethrough")
    out = []
    for w in at.warning:
        if about_the_link and w.icon != ":material/link:":
            continue
        text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", w.value)  # undo the backslash escapes
        assert md.renderInline(w.value) == escapeHtml(text), w.value
        out.append(text)
    return out


def test_default_page():
    at = open_app(seen=True)
    assert not at.exception, at.exception
    assert at.metric[0].value == "57"
    assert "45" in text(at) and "5·(3 + 5 + 1)" in text(at) and "2·(5 + 1)" in text(at)
    assert [p["title"] for p in weights(at)[0]["panels"]] == [
        "W_xh (3, 5) — input to hidden",
        "W_hh (5, 5) — hidden to hidden",
        "b_h (5,) — hidden bias",
        "W_o (5, 2) — hidden to output",
        "b_o (2,) — output bias",
    ]
    titles = [c["layout"]["title"]["text"] for c in charts(at)]
    # sections 7 to 9 draw nothing until opened: the spectrum's chart is not there yet
    assert len(titles) == 2 and any("Keras vs NumPy" in t for t in titles)
    assert not any(t.startswith("Eigenvalues") for t in titles)
    header, arrays = player(at)
    assert (header["n"], header["t"]) == (0, 10)
    np.testing.assert_array_equal(arrays["h"], execute(RNNConfig()).h[0])
    assert [h.value for h in at.header if h.value[0].isdigit()] == [
        "1 · Shapes ledger",
        "2 · Model summary",
        "3 · Weights",
        "4 · Hidden states",
        "5 · Step by step",
        "6 · Output agreement",
        "7 · What if the shape is wrong?",
        "8 · Gradients through time",
        "9 · Spectrum of W_hh",
    ]
    assert "Total params: 57" in html(at)
    assert at.success[0].value.startswith("Same output (max |Δ| = ")
    assert not at.warning and not at.error


def test_weights_are_the_runs_on_one_zero_centred_scale():
    at = open_app(seed=3)
    header, arrays = weights(at)
    run = execute(RNNConfig(seed=3))
    for name in ("W_xh", "W_hh", "W_o"):
        np.testing.assert_array_equal(arrays[name], run.weights[name], err_msg=name)
    every = np.concatenate([np.abs(w).ravel() for w in run.weights.values()])
    assert header["zmax"] == pytest.approx(float(np.percentile(every, 99.5)))
    assert all(p["numbers"] for p in header["panels"]), "small blocks print their values"


@pytest.mark.parametrize(
    "key, value, params, shape_text",
    [
        ("N", 3, 57, "(3, 10, 3)"),
        ("T", 4, 57, "(10, 4, 3)"),
        ("D", 4, 62, "(4, 5)"),
        ("M", 8, 114, "(8, 8)"),
        ("K", 3, 63, "(5, 3)"),
        ("seed", 123, 57, None),
    ],
)
def test_each_widget_updates_the_page_and_the_url(key, value, params, shape_text):
    at = open_app()
    before = weights(at)[1]["W_xh"]
    at.number_input(key=key).set_value(value).run()
    assert not at.exception, at.exception
    assert at.metric[0].value == str(params)
    if shape_text:
        assert shape_text in text(at)
    else:  # a new seed: new weights, same shapes
        assert not np.array_equal(weights(at)[1]["W_xh"], before)
    assert at.query_params[key] == str(value)
    assert at.success[0].value.startswith("Same output")


def test_url_is_restored():
    at = open_app(N=4, T=6, D=2, M=8, K=3, seed=9, sample=2, step=6)
    assert not at.exception and not at.warning
    assert at.metric[0].value == str(8 * (2 + 8 + 1) + 3 * (8 + 1))
    assert [at.number_input(key=k).value for k in ("N", "T", "D", "M", "K", "seed")] == [
        4,
        6,
        2,
        8,
        3,
        9,
    ]
    assert at.number_input(key="sample").value == 2 and at.slider(key="step").value == 6
    header, _ = player(at)
    assert (header["n"], header["t"]) == (2, 6), "the player opens at the URL's n and step"
    assert "y = h<sub>T</sub> W<sub>o</sub> + b<sub>o</sub>" in text(at), "t = T shows y"
    assert "data-table='output'" in html(at)


def test_m8_in_the_url_gives_114():
    at = open_app(M=8)
    assert at.metric[0].value == "114"


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"N": "abc"}, "N='abc'"),
        ({"M": "0"}, "M='0' is out of range"),
        ({"M": "٣"}, "M='٣' is not a plain number"),
        ({"T": "9999"}, "between 1 and 500"),
        ({"zzz": "1"}, "Unknown URL parameter 'zzz'"),
        ({"cell": "lstmx"}, "cell must be one of"),
        ({"N": "2000", "T": "500", "M": "256"}, "so N fell back from 2000 to 39"),
    ],
)
def test_bad_url_warns_and_falls_back(query, fragment):
    at = open_app(**query, K=3)
    assert not at.exception, at.exception
    assert any(fragment in w for w in warnings(at)), warnings(at)
    assert at.number_input(key="K").value == 3, "the good parameter is kept"
    assert at.success[0].value.startswith("Same output")


def test_sizes_over_the_cap_show_an_error_and_keep_the_values():
    at = open_app()
    at.number_input(key="N").set_value(2000).run()
    at.number_input(key="T").set_value(500).run()
    at.number_input(key="M").set_value(256).run()
    assert not at.exception
    assert "over the limit of 5,000,000" in at.error[0].value
    assert at.number_input(key="M").value == 256 and at.number_input(key="N").value == 2000
    at.number_input(key="M").set_value(5).run()
    assert not at.error and at.metric[0].value == "57"


def test_changing_n_clamps_the_chosen_sample():
    at = open_app(sample=9)
    at.number_input(key="N").set_value(3).run()
    assert not at.exception
    assert at.number_input(key="sample").value == 2


def test_t_equal_one_has_no_slider():
    at = open_app(T=1)
    assert not at.exception and at.metric[0].value == "57"
    assert [s.key for s in at.slider] == ["whh_scale"]  # the sidebar's; no t slider


@pytest.mark.parametrize(
    "query, total, titles",
    [
        (
            {"cell": "lstm"},
            "192",
            [
                "forget gate f",
                "input gate i",
                "output gate o",
                "candidate g (Keras: c)",
            ],
        ),
        ({"cell": "gru"}, "162", ["update gate z", "reset gate r", "candidate h̃"]),
        ({"cell": "gru", "reset_after": "false"}, "147", ["update gate z", "reset gate r"]),
    ],
)
def test_each_cell_shows_its_gates(query, total, titles):
    at = open_app(**query)
    assert not at.exception, at.exception
    assert at.metric[0].value == total
    shown = weight_titles(at)
    for title in titles:
        assert title in shown, (title, shown)
    assert at.success[0].value.startswith("Same output")
    note = " ".join(c.value for c in at.caption)
    assert query["cell"] != "gru" or "reset_after" in note
    header, _ = player(at)
    cell = {"lstm": ["h", "c", "i", "f", "g", "o"], "gru": ["h", "z", "r", "hh"]}
    assert [p["key"] for p in header["panels"]] == cell[query["cell"]]


def test_gru_bias_is_split_into_input_and_recurrent_rows():
    at = open_app(cell="gru")
    header, arrays = weights(at)
    bias = next(p for p in header["panels"] if p["title"].startswith("b_h · z (2, 5)"))
    assert bias["row_labels"] == ["input b", "recurrent b'"]
    b_h = execute(RNNConfig(cell="gru")).weights["b_h"]  # (2, 3M), gates z, r, h̃
    np.testing.assert_array_equal(arrays["b_h · z"], b_h[:, :5])


def test_switching_the_cell_in_the_sidebar():
    at = open_app()
    at.selectbox(key="cell").set_value("lstm").run()
    assert at.metric[0].value == "192" and at.query_params["cell"] == "lstm"
    at.selectbox(key="cell").set_value("gru").run()
    assert at.metric[0].value == "162"
    at.toggle(key="reset_after").set_value(False).run()
    assert at.metric[0].value == "147" and at.query_params["reset_after"] == "false"
    assert not at.exception


def test_stacked_bidirectional_sequences():
    at = open_app(
        cell="lstm",
        layers=2,
        bidirectional="true",
        return_sequences="true",
        view_layer=2,
        view_direction="bwd",
        step=3,
        seen=True,
    )
    assert not at.exception, at.exception
    assert at.metric[0].value == "1,022"  # 2·180 + 2·4·5·(10 + 5 + 1) + 2·(10 + 1)
    assert "W_xh [2] backward · f (10, 5)" in weight_titles(at)  # layer 2 reads 2M = 10
    shown = " | ".join(c["layout"]["title"]["text"] for c in charts(at))
    assert "Largest difference per time step" in shown
    header, arrays = player(at)
    assert (header["label"], header["carried"], header["t"]) == ("layer 2, backward", "t+1", 3)
    run = execute(RNNConfig(cell="lstm", layers=2, bidirectional=True, return_sequences=True))
    np.testing.assert_array_equal(arrays["c"], run.path(2, "bwd").trace["c"][0])
    assert "(N, T, 2M)" in html(at) and "(2M, 4M)" in html(at)
    assert at.segmented_control(key="view_direction").value == "bwd"
    assert "y<sub>t</sub> = h<sub>t</sub> W<sub>o</sub> + b<sub>o</sub>" in text(at)


def test_layers_in_the_sidebar_update_the_total():
    at = open_app()
    at.number_input(key="layers").set_value(2).run()
    assert at.metric[0].value == str(45 + 5 * (5 + 5 + 1) + 12)
    at.toggle(key="bidirectional").set_value(True).run()
    assert at.metric[0].value == str(2 * 45 + 2 * 5 * (10 + 5 + 1) + 2 * 11)
    assert at.query_params["bidirectional"] == "true"
    assert not at.exception


def test_large_counts_have_thousands_separators_and_the_title_names_the_model():
    at = open_app(cell="lstm", N=39, T=500, D=64, M=256, K=32, step=1)
    assert not at.exception, at.exception
    assert at.metric[0].value == "336,928"  # 4·256·(64 + 256 + 1) + 32·(256 + 1)
    assert "328,704 + 8,224" in html(at)
    assert at.title[0].value == "rnnviz — LSTM(256) → Dense(32)"


def test_quiz_hides_the_numbers_until_clicked():
    at = open_app(quiz=1, cell="gru")
    assert not at.exception, at.exception
    assert not at.metric, "the total is a question, not a metric"
    page = html(at)
    assert "<details><summary>?</summary>(10, 10, 3)</details>" in page  # X: (N, T, D)
    assert "<details><summary>?</summary><b>162</b>" in page
    for key in ("axes", "time", "gates", "reset_after"):
        assert f"data-question='{key}'" in page
    assert "3M(D + M + 2) = 150" in page and "4·5·(3 + 5 + 1) = 180" in page  # layer only
    assert at.query_params["quiz"] == "1"


def test_lecture_mode_shows_one_section_and_keeps_it_in_the_url():
    at = open_app(present=1, section="time", step=4)
    assert not at.exception, at.exception
    headers = [h.value for h in at.header if h.value[0].isdigit()]
    assert headers == ["4 · Hidden states", "5 · Step by step"]
    assert at.query_params["present"] == "1" and at.query_params["section"] == "time"
    assert player(at)[0]["t"] == 4
    at.segmented_control(key="section").set_value("shapes").run()
    assert [h.value for h in at.header if h.value[0].isdigit()] == ["1 · Shapes ledger"]
    assert at.query_params["section"] == "shapes" and at.query_params["step"] == "4"
    at.segmented_control(key="section").set_value("time").run()
    assert at.slider(key="step").value == 4, "t survives a section where it is not drawn"
    at.toggle(key="present").set_value(False).run()
    assert len([h for h in at.header if h.value[0].isdigit()]) == 9
    assert "present" not in at.query_params


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"present": "maybe"}, "present='maybe' is not a switch; present must be true or false"),
        ({"section": "nope", "present": "1"}, "section must be one of training, shapes, summary"),
        ({"step": "9" * 5000}, "(5,000 characters) is too long for a number; step (t, the"),
        ({"N": "1" * 5000}, "N (samples) must be a whole number"),
    ],
)
def test_bad_view_values_in_the_url_warn(query, fragment):
    at = open_app(**query)
    assert not at.exception, at.exception
    assert any(fragment in w for w in warnings(at)), [w[:200] for w in warnings(at)]
    if "present" not in query:  # lecture mode shows one section, not the agreement
        assert at.success[0].value.startswith("Same output")


def test_a_step_from_the_player_moves_the_step_panel_and_the_url():
    """The player's t comes back as session_state["step"] (sections.time._follow_player); the
    step panel and the URL follow, and the step's derivation, which carries the player's t
    sync, announces it back to the player."""

    def synced_t(at: AppTest) -> int:
        (step,) = [
            e for e in at.get("bidi_component") if e.proto.component_name == "rnnviz_derivation"
        ]
        return json.loads(step.proto.json)["t"]

    at = open_app(step=2)
    assert synced_t(at) == 2
    assert not [e for e in at.get("bidi_component") if e.proto.component_name == "rnnviz_t_sync"]
    at.session_state["step"] = 7
    at.run()
    assert at.slider(key="step").value == 7 and at.query_params["step"] == "7"
    assert "step <strong>t = 7</strong> of T = 10" in text(at)
    assert synced_t(at) == 7


def test_the_url_is_rewritten_to_the_effective_state():
    """A shared link never carries a bad or unknown value forward: the URL after the first
    run holds the values in use, each key once, and the warnings name what was dropped."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(
        {
            "M": ["8", "x", "1" * 5000],  # repeated: the last valid one, 8, wins
            "N": "2000",
            "T": "500",  # with M = 8: N·T·M over the cap, so N (the largest) falls back
            "K": "٣",
            "step": ["3", "0"],
            "unit": "8",  # M = 8: units 0..7
            "utm_source": "mail",
            "zzz": "",
        }
    )
    at.run()
    assert not at.exception, at.exception
    shown = warnings(at)
    assert shown[0].startswith("Unknown URL parameters 'utm_source', 'zzz' ignored")
    assert any(w.startswith("URL parameter M='x' is not a number") for w in shown)
    assert any(
        w.startswith("URL parameter M='" + "1" * 40 + "…' (5,000 characters)") for w in shown
    )
    assert any(w.startswith("URL parameter K='٣' is not a plain number") for w in shown)
    assert any(w.startswith("URL parameter step='0' is out of range") for w in shown)
    assert any("so N fell back from 2000 to 1250" in w for w in shown)  # 5e6 // (500·8)
    assert any(w.startswith("URL parameter unit='8' is out of range") for w in shown)
    assert len(shown) == 7
    assert dict(at.query_params) == {
        **RNNConfig(N=1250, T=500, M=8).to_query(),
        "sample": "0",
        "step": "3",
        "unit": "0",
    }
    # the next run (any widget) keeps the link clean and the warnings go once the config moves
    at.number_input(key="D").set_value(4).run()
    assert at.query_params["M"] == "8" and "zzz" not in at.query_params
    assert not at.warning


def test_a_link_in_the_url_is_shown_as_text():
    """A crafted key or value cannot put a link, emphasis or math into the page's warnings."""
    at = open_app(**{"[Log in](https://evil.example)": "1", "M": "**$x$** :red[y]"})
    assert not at.exception, at.exception
    shown = warnings(at)  # each checked to render as plain text
    assert shown[0].startswith("Unknown URL parameter '[Log in](https://evil.example)' ignored")
    assert shown[1].startswith("URL parameter M='**$x$** :red[y]' is not a number")


def test_the_run_reports_its_size_and_the_run_cache(fresh_caches):
    at = open_app(N=4, T=6, D=2, M=3, K=1, seed=11)
    (caption,) = [c.value for c in at.caption if c.value.startswith("This run holds ")]
    # X 4·6·2, y twice 4·1, 3·(2 + 3 + 1) + 1·(3 + 1) weights, a and h 2·4·6·3: float32;
    # the largest |Δ| per sample and per output (4 + 1): float64
    nbytes = 4 * (48 + 8 + 22 + 144) + 8 * 5
    assert caption.startswith(f"This run holds {nbytes:,} B of arrays. ")
    cached = re.search(
        r"The server's run cache: (\d+) cached, ([\d.,]+) MB of (\d+) MB\.$", caption
    )
    assert cached, caption
    # the caches were empty: this page's run is the one cached, its bytes the MB shown
    assert int(cached[1]) == 1 and int(cached[3]) == RUN_BUDGET // MB
    assert float(cached[2]) == round(nbytes / MB, 1)


def test_a_session_holds_no_run_once_the_cache_lets_it_go(fresh_caches):
    """Streamlit keeps a session's fragment arguments and its download button's callable;
    if either held the run, every run a visitor saw would outlive the cache's byte budget."""
    import gc

    from rnnviz.pipeline import Run
    from rnnviz.ui import cache

    config = RNNConfig(N=3, T=5, D=2, M=4, K=1, seed=4321)
    at = open_app(**config.to_query())
    assert not at.exception, at.exception
    at.slider[0].set_value(2).run()  # a fragment rerun too
    assert not at.exception, at.exception
    cache._runs.clear()  # what the budget does to the least recently used runs
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, Run) and o.config == config]
    assert not alive, [gc.get_referrers(o)[:3] for o in alive]


def test_the_pytorch_weights_are_offered_where_pytorch_has_the_cell():
    from rnnviz.ui import cache

    at = open_app(cell="gru", layers="2")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:2] == ["Download this run (.npz)", "Weights for PyTorch (.npz)"]
    config = RNNConfig(cell="gru", layers=2)
    with np.load(io.BytesIO(cache.torch_npz_bytes(config)), allow_pickle=False) as archive:
        assert archive["weight_hh_l1"].shape == (15, 5)  # (3M, M): r, z, n
        assert archive["bias_hh_l0"].shape == (15,)  # Keras' b', the second bias row

    at = open_app(cell="gru", reset_after="false")
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download this run (.npz)" in labels and "Weights for PyTorch (.npz)" not in labels
    assert any("reset_after=False has no PyTorch equivalent" in c.value for c in at.caption)


def test_the_weights_section_maps_every_block_to_pytorch():
    at = open_app(cell="gru")
    assert not at.exception, at.exception
    table = next(m.value for m in at.markdown if "| Keras | PyTorch |" in m.value)
    assert "| `W_xh (D, 3M)` | `weight_ih_l0 (3M, D)` | transposed; gate blocks z, r, h̃ " in table
    assert "`bias_hh_l0 (3M,)`" in table and "`head.weight (K, M)`" in table
    at = open_app(cell="gru", reset_after="false")
    assert any("no PyTorch equivalent" in c.value for c in at.caption)


# One model per bug that has it; the first step each shows at, worked out in test_debugger.
BUG_PAGES = {
    "whh_transposed": ({"cell": "lstm"}, 2),
    "bias_dropped": ({}, 1),
    "h0_ones": ({"cell": "gru", "reset_after": "false"}, 1),
    "h_t_for_h_prev": ({"cell": "simple", "layers": 2}, 2),
    "torch_gate_order": ({"cell": "gru"}, 1),
    "activations_swapped": ({"cell": "lstm"}, 1),
    "reset_before": ({"cell": "gru"}, 1),
    "time_reversed": ({"return_sequences": "true"}, 1),
    "bwd_last_index": ({"cell": "gru", "bidirectional": "true"}, 1),
}


@pytest.mark.parametrize("bug", BUG_PAGES)
def test_a_planted_bug_shows_where_it_starts_on_the_page(bug):
    from rnnviz.recurrence.bugs import BUGS

    query, t = BUG_PAGES[bug]
    at = open_app(bug=bug, present="true", section="agreement", **query)
    assert not at.exception
    assert at.query_params["bug"] == bug  # kept in the link
    assert at.error[0].value.startswith("Different output")
    (sentence,) = [w.value for w in at.warning if "planted" in w.value]
    assert f"diverges from t = {t}, {BUGS[bug].symptom}" in sentence
    assert any(key == "divergence" for key in (c.key for c in at.get("plotly_chart")))
    if bug != "bwd_last_index":  # every h_t agrees there: no step to go to
        at.button(key="first_difference").click().run()
        assert at.session_state["step"] == t
        at.query_params["section"] = "time"
        at.segmented_control(key="section").set_value("time").run()
        assert "rnnviz-first" in html(at)  # the first unit that differs, highlighted
        assert "First difference: unit m" in text(at)


def test_float64_shows_a_gap_under_1e_12():
    at = open_app(dtype="float64", cell="lstm", present="true", section="agreement")
    assert not at.exception
    verdict = at.success[0].value
    assert verdict.startswith("Same output") and verdict.endswith("≤ 1e-12)")
    assert float(verdict.split("= ")[1].split(" ")[0]) < 1e-14
    (caption,) = [c.value for c in at.caption if c.value.startswith("Both sides in float64")]
    narrow = execute(RNNConfig(cell="lstm")).agreement.max_abs_diff  # the float32 run's gap
    assert f"float32 {narrow:.1e} → float64 " in caption and narrow > 1e-9


def test_the_gradient_section_draws_each_cell_on_the_same_axes():
    at = open_app(present="true", section="gradients", T=12)
    assert not at.exception, at.exception
    specs = {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    assert set(specs) == {"grad_x", "grad_h", "grad_map"}
    assert [tr["name"] for tr in specs["grad_x"]["data"]] == ["SimpleRNN(5) → Dense(2)"]
    assert specs["grad_x"]["layout"]["yaxis"]["type"] == "log"
    at.toggle(key="compare_cells").set_value(True).run()
    assert not at.exception
    specs = {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    names = [tr["name"] for tr in specs["grad_h"]["data"]]
    assert [n.split("(")[0] for n in names] == ["SimpleRNN", "LSTM", "GRU"]


def test_charts_below_the_fold_are_drawn_once_their_place_is_seen():
    """A new visitor's page sends no Plotly chart until the agreement's place has come into
    view: it holds the place (the height of its charts); the session then draws them there,
    for every config after, at once."""
    at = open_app(cell="lstm")
    assert not at.exception, at.exception
    assert charts(at) == []
    (place,) = [
        el.proto for el in at.get("bidi_component") if el.proto.id.endswith("in_view_agreement")
    ]
    assert place.component_name == "rnnviz_in_view"
    assert json.loads(place.json)["height"] == 532, "its charts (460 px) and their descriptions"
    at.session_state[SEEN.format("agreement")] = True  # what the place's trigger does
    at.run()
    titles = [c["layout"]["title"]["text"] for c in charts(at)]
    assert any("Keras vs NumPy" in t for t in titles), titles
    assert not any(t.startswith("Memory horizon") for t in titles), "the memory's is not seen"
    at.number_input(key="M").set_value(6).run()  # a new config: drawn at once where seen
    assert any("Keras vs NumPy" in c["layout"]["title"]["text"] for c in charts(at))


def test_the_gradient_section_says_what_tf_gradient_tape_says():
    """The page's line is Keras' own check: the hand-written gradients against tf.GradientTape
    on the same model and X, as ``--grad`` computes it (``views.gradients.backprop``)."""
    at = open_app(present="true", section="gradients", cell="gru", T=7, seed=4)
    assert not at.exception, at.exception
    c = RNNConfig(cell="gru", T=7, seed=4)
    reference = backprop(execute(c), model.build(c)).check  # an independent model and run
    (line,) = [s.value for s in at.success if "tf.GradientTape" in s.value]
    assert line.startswith("Keras' tf.GradientTape agrees: the largest difference is ")
    assert f"{reference.grad_max_rel_err:.1e} of the largest gradient" in line, line
    assert f"(tolerance {reference.tolerance:.0e})" in line


def test_the_full_page_computes_no_gradient_until_asked():
    at = open_app()
    assert not at.exception
    assert not [c for c in at.get("plotly_chart") if c.proto.spec and "grad_" in c.key]
    at.expander(key="gradients_open")  # there, closed
    at.toggle(key="backward").set_value(True).run()  # the step panel's backward mode
    assert not at.exception
    shown = text(at)
    assert r"\delta^{\text{rec}}_{t-1}" in shown and r"W_{hh}^\top" in shown


def test_the_link_keeps_the_unit_whose_arithmetic_is_open():
    """unit= opens a unit of the step panel's derivation; over the grid's limit it is picked
    with an input, and fewer units bring it within them."""
    at = open_app(unit="3")
    assert not at.exception, at.exception
    assert at.query_params["unit"] == "3"
    assert "data-rnnviz-open='h:3'" in html(at)  # the step table's numbers open their unit
    at = open_app(unit="33", M="40")
    assert at.number_input(key="unit_pick").value == 33
    at.number_input(key="unit_pick").set_value(12).run()
    assert at.query_params["unit"] == "12"
    at.number_input(key="M").set_value(10).run()
    assert at.query_params["unit"] == "9" and not at.exception


def theme_asked(at: AppTest) -> str:
    """The theme the page asks the browser for: the data of its theme element
    (``rnnviz.ui.components.theme``), which reloads the page into it where it differs."""
    (el,) = [e for e in at.get("bidi_component") if e.proto.component_name == "rnnviz_theme"]
    return json.loads(el.proto.json)["theme"]


def test_the_dark_theme_is_kept_in_the_link_and_switched_back():
    """?theme=dark (any case): the sidebar's switch is on, the page asks the browser for the
    dark theme, and the link keeps it through a change of section; switched off, the link
    drops it (light is the default) and the page asks for light; on again, dark again."""
    at = open_app(theme="DARK", present=1, section="shapes")
    assert not at.exception, at.exception
    assert at.toggle(key="dark_theme").value is True
    assert theme_asked(at) == "dark" and at.query_params["theme"] == "dark"
    at.segmented_control(key="section").set_value("weights").run()
    assert at.query_params["theme"] == "dark" and theme_asked(at) == "dark"
    at.toggle(key="dark_theme").set_value(False).run()
    assert "theme" not in at.query_params and theme_asked(at) == "light"
    at.toggle(key="dark_theme").set_value(True).run()
    assert at.query_params["theme"] == "dark" and theme_asked(at) == "dark"
    assert not at.exception and at.query_params["section"] == "weights"


@pytest.mark.parametrize("value", ["blue", "", " ", "darker", "1", "t" * 80])
def test_a_bad_theme_in_the_link_is_named_with_what_is_allowed(value):
    at = open_app(theme=value)
    assert not at.exception, at.exception
    lines = [w for w in warnings(at) if w.startswith("URL parameter theme=")]
    assert len(lines) == 1, warnings(at)
    assert "theme must be one of light, dark" in lines[0], lines[0]
    assert lines[0].endswith("Using theme=light."), lines[0]
    assert at.toggle(key="dark_theme").value is False and theme_asked(at) == "light"
    assert "theme" not in at.query_params, "a bad value never survives into the link"
