"""Text tasks: the texts and their windows, the hypotheses worked by hand, bits per character,
connectivity against Keras' tf.GradientTape, and generation against Keras' probabilities.

The independent references: hand-worked strings for every hypothesis and the bracket depth,
``np.corrcoef`` for Pearson's r, ``inspect.getsource`` for the python task's text, Keras'
``SparseCategoricalCrossentropy`` for the per-step loss, tf.GradientTape for ‖∂logit/∂x_τ‖, and
the Keras model's own logits over the generated text for every step of generation.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import math
import platform

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.keras_side import training
from rnnviz.recurrence.network import numpy_forward
from rnnviz.tasks import TASKS, VAL_FRACTION, n_val
from rnnviz.text import corpus, generate, hypotheses, reading
from rnnviz.views.gradients import connectivity

CELLS = [("simple", True), ("lstm", True), ("gru", True), ("gru", False)]
CELL_IDS = ["simple", "lstm", "gru", "gru-reset-before"]


# ---- the texts ----


def test_depth_by_hand():
    text = "a (b [c] {d (e)}) f\n)x"
    #       a   ( b   [ c ] { d   ( e ) } ) f \n ) x
    want = [0, 0, 1, 1, 1, 2, 2, 1, 1, 2, 2, 2, 3, 3, 2, 1, 0, 0, 0, 0, 0, 0]
    np.testing.assert_array_equal(corpus.depth_of(text), want)


def test_brackets_is_drawn_from_the_seed_and_nests_at_least_six_deep():
    text, depth = corpus.brackets(seed=3)
    again, _ = corpus.brackets(seed=3)
    other, _ = corpus.brackets(seed=4)
    assert text == again and text != other and len(text) == corpus.BRACKETS_CHARS
    np.testing.assert_array_equal(depth, corpus.depth_of(text))
    assert depth.max() >= 6 and (depth >= 6).sum() > 100
    assert set(text) <= set(corpus.BRACKETS_ALPHABET)
    # an indented line starts with two spaces per level of the depth it opens at
    for line_start in corpus.line_starts(text)[1:200]:
        indent = len(text[line_start:]) - len(text[line_start:].lstrip(" "))
        assert indent == 2 * depth[line_start - 1], text[line_start - 40 : line_start + 10]


def test_python_is_the_running_standard_library_read_at_run_time():
    source = corpus.python()
    assert source.python == platform.python_version() and source.modules
    assert source.title.startswith(f"Python {platform.python_version()} standard library: ")
    expected = "".join(inspect.getsource(importlib.import_module(m)) for m in source.modules)
    assert source.text == expected[: corpus.PYTHON_CHARS]
    text = corpus.of_task("python", 0)
    assert text.alphabet.size == corpus.ALPHABET_MAX == TASKS["python"].D
    assert text.alphabet.symbols[-1] == corpus.OTHER and text.others > 0


def test_the_alphabet_keeps_the_most_common_and_names_the_rest_other():
    a = corpus.Alphabet.of("aaaabbbccd", most=3)
    assert a.symbols == "ab" + corpus.OTHER  # c and d become ¤
    np.testing.assert_array_equal(a.encode("abcd"), [0, 1, 2, 2])
    assert a.others("abcdx") == 3 and a.decode([1, 0, 2]) == "ba¤"
    b = corpus.Alphabet.of("cab", most=3)
    assert b.symbols == "abc" and b.size == 3  # ties by code point, nothing left out
    with pytest.raises(ValueError, match="no place"):
        b.encode("z")


@pytest.mark.parametrize("key", ["brackets", "python"])
def test_windows_predict_the_next_character_and_validation_is_held_out_text(key):
    N, T = 50, 30
    task, text = TASKS[key], corpus.of_task(key, 0)
    X, y = task.make(N, T, None, None, 0)
    ids = X.argmax(axis=2)  # (N, T)
    starts = corpus.starts(len(text.ids), N, T, n_val(N), VAL_FRACTION, text.anchors)
    cut = corpus.held_out_start(len(text.ids), VAL_FRACTION)
    for n, s in enumerate(starts):
        np.testing.assert_array_equal(ids[n], text.ids[s : s + T])
        np.testing.assert_array_equal(y[n], text.ids[s + 1 : s + T + 1])
        assert (s >= cut) == (n >= N - n_val(N)), (n, s, cut)  # the last n_val: held out
        assert s == 0 or text.text[s - 1] == "\n"  # each window starts a line
    assert len(set(starts.tolist())) == N


def test_a_text_too_short_for_T_is_refused_with_the_largest_T_that_fits():
    ids = np.zeros(100, dtype=np.int32)
    with pytest.raises(ValueError, match=r"T \(time steps\) must be at most 19 .* got 30"):
        corpus.samples(ids, 4, 30, 2, 1, VAL_FRACTION)


# ---- hypotheses ----

TEXT = 'x = "a#b" # it\'s\ny = (1 [2])\n'


def test_every_hypothesis_by_hand():
    assert list(TEXT) == [*'x = "a#b" # it\'s', "\n", *"y = (1 [2])", "\n"]
    want = {
        "depth": [0] * 17 + [0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 0, 0],
        # the opening quote is inside, the closing one outside; the # in the string is text,
        # the one after it starts a comment, whose ' opens nothing
        "in_quotes": [0, 0, 0, 0, 1, 1, 1, 1, 0] + [0] * 8 + [0] * 12,
        "line_position": list(range(1, 17)) + [0] + list(range(1, 12)) + [0],
        "after_space": [0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]
        + [0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0],
        "digit": [0] * 17 + [0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0],
        "word_start": [1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0]
        + [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    }
    assert set(want) == set(hypotheses.HYPOTHESES)
    for key, values in want.items():
        got = hypotheses.HYPOTHESES[key].of(TEXT)
        assert len(got) == len(TEXT)
        np.testing.assert_array_equal(got, values, err_msg=key)


def test_strings_in_python_source_escapes_and_triple_quotes():
    text = "s = 'it\\'s' + \"\"\"a\nb\"\"\" # 'c'\nt = 'open\nu"
    got = hypotheses.in_quotes(text)
    inside = "".join(ch if v else "_" for ch, v in zip(text, got, strict=True))
    # the opening quotes are inside, the closing ones (and the line end) outside
    assert inside == "____'it\\'s____\"\"\"a\nb______________'open__"
    assert got[text.index("a\nb") + 1] == 1  # a triple-quoted string spans lines
    assert got[text.index("u")] == 0  # a one-quote string ends with its line
    assert got[text.index("'c'") + 1] == 0  # in a comment, quotes open nothing


def test_pearson_is_numpys_and_a_constant_says_nothing():
    rng = np.random.default_rng(0)
    S = rng.standard_normal((200, 6))  # (L, M)
    v = S[:, 2] * 3 + rng.standard_normal(200)  # (L,)
    S[:, 4] = 7.0  # a unit that never moves
    r = hypotheses.pearson(S, v)
    for m in (0, 1, 2, 3, 5):
        assert r[m] == pytest.approx(np.corrcoef(S[:, m], v)[0, 1], abs=1e-12)
    assert r[4] == 0.0 and hypotheses.ranked(r)[0] == 2
    assert (hypotheses.pearson(S, np.ones(200)) == 0).all()


def test_contrast_of_a_selection_by_hand():
    S = np.array([[1.0, 0.0], [3.0, 0.0], [5.0, 0.0], [7.0, 0.0]])  # (L, M)
    inside = np.array([False, False, True, True])
    # inside mean 6, outside 2; variances 1 and 1, pooled 1: d = 4; unit 1 is constant: 0
    np.testing.assert_allclose(hypotheses.contrast(S, inside), [4.0, 0.0])
    with pytest.raises(ValueError, match="inside it and outside it"):
        hypotheses.contrast(S, np.ones(4, bool))


# ---- the model over a text ----


def _text_config(cell: str, reset_after: bool = True, **sizes) -> RNNConfig:
    values = dict(N=8, T=12, D=6, M=4, K=6, seed=5, layers=1) | sizes
    return RNNConfig(cell=cell, reset_after=reset_after, return_sequences=True, **values)


@functools.cache
def _net(c: RNNConfig):
    """The Keras model of ``c`` with seeded weights N(0, 0.5²), and the weights: both sides
    get the same."""
    from rnnviz.keras_side.model import build

    net = build(c)
    rng = np.random.default_rng(c.seed)
    W = {k: rng.normal(0, 0.5, v.shape).astype(c.dtype) for k, v in net.weights().items()}
    net.set_weights(W)
    return net, W


def test_bits_per_character_by_hand_and_the_unigram_baseline():
    logits = np.log(np.array([[0.5, 0.25, 0.25], [0.125, 0.125, 0.75]]))  # (L, K)
    # −log2 0.25 = 2, −log2 0.125 = 3: mean 2.5
    assert reading.bits_per_char(logits, np.array([1, 0])) == pytest.approx(2.5)
    # frequencies 1/2, 1/4, 1/4: entropy 1.5 bits
    assert reading.unigram_bits(np.array([0, 0, 1, 2]), 3) == pytest.approx(1.5)


def test_the_per_step_loss_is_keras_cross_entropy_averaged_over_steps():
    import keras

    c = _text_config("lstm")
    net, _ = _net(c)
    rng = np.random.default_rng(1)
    X = np.eye(c.D, dtype=np.float32)[rng.integers(0, c.D, (c.N, c.T))]  # (N, T, D)
    y = rng.integers(0, c.K, (c.N, c.T)).astype(np.int32)  # (N, T)
    loss, accuracy = training._evaluate(net, X, y, "sequence")
    want = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, net(X))
    assert loss == pytest.approx(float(want), rel=1e-5)
    assert accuracy == pytest.approx(float((net(X).argmax(axis=2) == y).mean()))
    with pytest.raises(training.TrainingError, match="return_sequences on"):
        training.train(c.replace(return_sequences=False), X, y, "sequence", 1)


def test_reading_over_a_text_is_the_network_over_one_long_sequence():
    c = _text_config("gru", layers=2)
    _, W = _net(c)
    ids = np.random.default_rng(2).integers(0, c.D, 40)  # (L,)
    got = reading.over(c, W, ids)
    traces, y = numpy_forward(c, reading.one_hot(ids, c.D), W)
    np.testing.assert_array_equal(got.states["h"], traces[(2, "fwd")]["h"][0])
    np.testing.assert_array_equal(got.logits, y[0])
    assert set(got.states) == {"h", "z", "r", "hh"}


# ---- connectivity against tf.GradientTape ----


def _tape_connectivity(net, X: np.ndarray, t: int, k: int) -> np.ndarray:
    """‖∂logit_(t, k)/∂x_τ‖ for every τ of X (1, T, D), by Keras' own gradient."""
    import tensorflow as tf

    X = tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch(X)
        logit = net.model(X, training=False)[0, t, k]
    return np.linalg.norm(tape.gradient(logit, X).numpy()[0], axis=1)  # (T,)


@pytest.mark.parametrize("cell, reset_after", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("layers", [1, 2])
def test_connectivity_equals_gradient_tape(cell, reset_after, layers):
    c = _text_config(cell, reset_after, layers=layers)
    net, W = _net(c)
    ids = np.random.default_rng(3).integers(0, c.D, c.T)  # (T,)
    X = reading.one_hot(ids, c.D)  # (1, T, D)
    traces, _ = numpy_forward(c, X, W)
    for t, k in ((c.T - 1, 2), (7, 0)):
        theirs = _tape_connectivity(net, X, t, k)  # (T,)
        mine = connectivity(c, traces, W, t, k, lookback=t + 1)  # (t + 1,)
        np.testing.assert_allclose(
            mine,
            theirs[: t + 1],
            rtol=1e-5,
            atol=1e-6 * theirs.max(),
            err_msg=f"connectivity at t = {t}, k = {k}\nMine: {mine}\nTheirs: {theirs}",
        )
        assert (theirs[t + 1 :] == 0).all()  # nothing later reaches a prediction at t
        # a shorter look back is the same numbers, not an approximation
        window = connectivity(c, traces, W, t, k, lookback=4)  # (4,)
        np.testing.assert_allclose(window, mine[-4:], rtol=1e-6)


def test_connectivity_refuses_a_model_that_reads_backwards_too():
    c = _text_config("simple").replace(bidirectional=True)
    _, W = _net(c)
    traces, _ = numpy_forward(c, reading.one_hot(np.zeros(c.T, int), c.D), W)
    with pytest.raises(ValueError, match="turn bidirectional off"):
        connectivity(c, traces, W, 3, 0, 2)


# ---- generation against Keras ----


ALPHABET = corpus.Alphabet("abcde\n")


@pytest.mark.parametrize("cell, reset_after", CELLS, ids=CELL_IDS)
@pytest.mark.parametrize("layers", [1, 2])
def test_generation_agrees_with_keras_at_every_step(cell, reset_after, layers):
    from rnnviz.keras_side.model import over_sequence

    c = _text_config(cell, reset_after, layers=layers)
    _, W = _net(c)
    g = generate.generate(c, W, ALPHABET, "ab\nc", 40, τ=0.8, seed=11)
    assert len(g.ids) == 44 and g.prompt == 4 and g.p.shape == (40, c.K)
    keras_logits = over_sequence(c, W, reading.one_hot(g.ids[:-1], c.D))[0]  # (43, K)
    assert keras_logits.shape == (43, c.K)
    assert generate.agreement(g, keras_logits) <= reading.GENERATION_TOLERANCE
    # each drawn distribution is the model's over the text so far, in NumPy too
    R = reading.over(c, W, g.ids[:-1])
    np.testing.assert_allclose(g.p, generate.softmax(R.logits[3:], 0.8), atol=1e-6)


def test_a_seed_writes_the_same_text_twice_and_another_seed_another():
    c = _text_config("lstm")
    _, W = _net(c)
    one = generate.generate(c, W, ALPHABET, "a", 60, 1.0, seed=7)
    two = generate.generate(c, W, ALPHABET, "a", 60, 1.0, seed=7)
    other = generate.generate(c, W, ALPHABET, "a", 60, 1.0, seed=8)
    assert one.text(ALPHABET) == two.text(ALPHABET) != other.text(ALPHABET)
    np.testing.assert_array_equal(one.p, two.p)
    greedy = generate.generate(c, W, ALPHABET, "a", 20, 0.0, seed=1)
    assert (greedy.p.max(axis=1) == 1).all()  # τ = 0: the most likely character, no draw
    assert greedy.text(ALPHABET) == generate.generate(c, W, ALPHABET, "a", 20, 0.0, 2).text(
        ALPHABET
    )


@pytest.mark.parametrize(
    "change, words",
    [
        ({"bidirectional": True}, "turn bidirectional off to generate"),
        ({"G": 0}, "between 1 and 400, got 0"),
        ({"G": 401}, "between 1 and 400, got 401"),
        ({"prompt": ""}, "between 1 and 100 characters, got 0"),
        ({"prompt": "a" * 101}, "between 1 and 100 characters, got 101"),
        ({"prompt": "az"}, "characters the model does not know: 'z'"),
        ({"τ": 5.5}, "between 0 and 5, got 5.5"),
        ({"τ": -1}, "between 0 and 5, got -1"),
    ],
)
def test_what_cannot_be_generated_is_said(change, words):
    c = _text_config("simple")
    _, W = _net(c)
    args = {"prompt": "ab", "G": 5, "τ": 1.0} | {
        k: v for k, v in change.items() if k != "bidirectional"
    }
    if change.get("bidirectional"):
        c = c.replace(bidirectional=True)
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        generate.generate(c, W, ALPHABET, args["prompt"], args["G"], args["τ"])


def test_bits_of_a_uniform_model_are_log2_K():
    logits = np.zeros((10, 37))
    assert reading.bits_per_char(logits, np.arange(10)) == pytest.approx(math.log2(37))


# ---- your own text: every malformed file gets one sentence ----

GOOD = ("The quick brown fox jumps over the lazy dog.\n" * 10).encode()
from rnnviz.inputs import text as text_input  # noqa: E402
from rnnviz.inputs.refusal import DataError  # noqa: E402

MALFORMED = [
    ("x.txt", b"", "is empty (0 bytes)"),
    ("x.txt", b"\x00" * 300, "control character U+0000 at character 0"),
    ("x.txt", bytes(range(256)) * 2, "is not UTF-8: byte 128 (0x80)"),
    ("x.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 400, "is not UTF-8: byte 0 (0x89)"),
    ("x.txt", GOOD + b"\xff", f"is not UTF-8: byte {len(GOOD)} (0xff)"),
    ("x.txt", GOOD + b"\xc3", f"is not UTF-8: byte {len(GOOD)} (0xc3)"),  # cut in a character
    ("x.txt", b"\xed\xa0\x80" + GOOD, "is not UTF-8: byte 0 (0xed)"),  # a surrogate
    ("x.txt", "é".encode("latin-1") + GOOD, "is not UTF-8: byte 0 (0xe9)"),
    ("x.txt", GOOD.decode().encode("utf-16"), "is not UTF-8: byte 0 (0xff)"),
    ("x.txt", b"a" * (text_input.MAX_BYTES + 1), "over the limit of 1,024 kB"),
    ("x.txt", b"a", "has 1 character; a model needs at least 200"),
    ("x.txt", b"abc\n" * 10, "has 40 characters; a model needs at least 200"),
    ("x.txt", b"z" * 500, "one character ('z') repeated"),
    ("x.txt", b"\n" * 500, "one character ('\\n') repeated"),
    ("x.txt", GOOD + b"\x07bell", "control character U+0007"),
    ("x.txt", GOOD + b"\x1b[31mred", "control character U+001B"),
    ("x.txt", GOOD + b"\x7f", "control character U+007F"),
    ("x.txt", GOOD + "\u0085".encode(), "control character U+0085"),
    ("x.csv", GOOD, "is not a .txt file"),
    ("x.npz", b"PK\x03\x04" + b"\x00" * 300, "is not a .txt file"),
    ("notes", GOOD, "is not a .txt file"),
    ("x.TXT.gz", b"\x1f\x8b\x08" + b"\x00" * 300, "is not a .txt file"),
]


@pytest.mark.parametrize(
    "name, payload, words", MALFORMED, ids=[f"{i}-{m[0]}" for i, m in enumerate(MALFORMED)]
)
def test_a_malformed_text_is_refused_in_one_sentence(name, payload, words):
    with pytest.raises(DataError) as refused:
        text_input.read(name, payload)
    message = str(refused.value)
    assert words in message, message
    assert "\n" not in message and message.count(". ") == 0 and len(message) < 300


def test_a_good_text_reads_with_its_line_ends_and_a_bom_dropped():
    payload = "\ufeff".encode() + GOOD.replace(b"\n", b"\r\n") + "naïve ✓\r".encode()
    text = text_input.read("Notes.TXT", payload)
    assert text.text == GOOD.decode() + "naïve ✓\n"
    assert text.title == "your text 'Notes.TXT'" and text.others == 0
    data = text_input.as_data(text, 20, 16, "Notes.TXT")
    assert data.kind == "sequence" and data.X.shape == (20, 16, text.alphabet.size)
    assert data.y.shape == (20, 16) and data.K == text.alphabet.size and data.text is text
    with pytest.raises(DataError, match=r"too short for this T: T \(time steps\) must be at most"):
        text_input.as_data(text, 20, 200, "Notes.TXT")


def test_a_text_of_many_characters_keeps_the_most_common_and_counts_the_rest():
    rare = "".join(chr(0x4E00 + i) for i in range(100))  # 100 characters, once each
    text = text_input.read("x.txt", GOOD + rare.encode())
    assert text.alphabet.size == corpus.ALPHABET_MAX and text.alphabet.symbols[-1] == corpus.OTHER
    kept = corpus.ALPHABET_MAX - 1 - len(set(GOOD.decode()))
    assert text.others == 100 - kept


# ---- the command line ----


def _cli(argv: list[str], capsys) -> tuple[int, str, str]:
    from rnnviz.cli.main import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_trains_on_brackets_and_reports_bits_units_and_generated_text(tmp_path, capsys):
    import json

    path = tmp_path / "run.npz"
    argv = "--task brackets --N 40 --T 32 --M 8 --cell gru --train 2 --json".split()
    argv += ["--generate", "30", "--prompt", "(", "--temperature", "0.5", "--export", str(path)]
    code, out, err = _cli(argv, capsys)
    assert code == 0, err
    got = json.loads(out)
    assert got["config"]["return_sequences"] and (got["config"]["D"], got["config"]["K"]) == (
        37,
        37,
    )
    assert got["text"]["source"] == "brackets drawn from seed 0"
    assert got["text"]["heldout_characters"] == 10_000
    assert got["bits_per_char_before"] > got["bits_per_char_after"] > 0
    assert got["bits_per_char_baseline"] == pytest.approx(
        reading.unigram_bits(corpus.of_task("brackets", 0).ids[:40_000], 37)
    )
    assert set(got["units"]) == set(hypotheses.HYPOTHESES)
    for best in got["units"].values():
        assert 0 <= best["unit"] < 8 and -1 <= best["r"] <= 1 and best["state"] == "h"
    g = got["generated"]
    assert len(g["text"]) == 30 and g["prompt"] == "(" and g["temperature"] == 0.5
    assert g["agree"] and g["max_abs_diff_p"] <= g["tolerance"] == 1e-5
    saved = np.load(path, allow_pickle=False)
    text = str(saved["text_heldout"])
    assert text == corpus.of_task("brackets", 0).text[40_000:]
    np.testing.assert_array_equal(
        saved["text_heldout_ids"], corpus.of_task("brackets", 0).ids[40_000:]
    )
    assert saved["h_heldout"].shape == (10_000, 8)


def test_cli_reads_your_text_and_names_what_is_wrong_with_a_bad_one(tmp_path, capsys):
    import json

    good = tmp_path / "notes.txt"
    good.write_bytes(GOOD * 3)
    code, out, err = _cli(["--text", str(good), "--N", "12", "--T", "20", "--json"], capsys)
    assert code == 0, err
    got = json.loads(out)
    assert got["text"]["source"] == "your text 'notes.txt'" and got["config"]["N"] == 12
    assert got["config"]["D"] == got["config"]["K"] == len(set(GOOD.decode()))
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff" * 300)
    code, out, err = _cli(["--text", str(bad)], capsys)
    assert code == 2 and out == ""
    assert err.startswith("rnnviz: error: --text: ") and "is not UTF-8" in err
    assert err.count("\n") == 1
    code, _, err = _cli(["--generate", "10"], capsys)
    assert code == 2 and "it needs a text model" in err
    code, _, err = _cli(["--task", "brackets", "--prompt", "x"], capsys)
    assert code == 2 and "--prompt applies only with --generate G" in err
    code, _, err = _cli(["--task", "python", "--generate", "5", "--temperature", "9"], capsys)
    assert code == 2 and "--temperature: " in err and "between 0 and 5" in err


def test_a_large_model_reads_as_much_of_the_held_out_text_as_its_traces_allow():
    c = RNNConfig(task="python", D=64, K=64, N=10, T=10, M=256, cell="lstm", return_sequences=True)
    L = reading.readable(c, 24_000)
    assert L == reading.READ_CAP // (256 * 7) and L < 24_000  # h, c, 4 gates (and a), 256 each
    small = c.replace(M=8)
    assert reading.readable(small, 24_000) == 24_000
    text = corpus.of_task("brackets", 0)
    s = reading.study(
        small.replace(task="brackets", D=37, K=37, M=256), text, *_two_weights(), VAL_FRACTION
    )
    assert len(s.text) == len(s.ids) == reading.READ_CAP // (256 * 7)
    assert s.text == text.text[40_000 : 40_000 + len(s.text)]


def _two_weights():
    from rnnviz.recurrence import initial

    c = RNNConfig(
        task="brackets", D=37, K=37, N=10, T=10, M=256, cell="lstm", return_sequences=True
    )
    w = initial.weights_of(c)
    return w, w
