"""The built-in tasks: shapes and dtypes, one seed one draw, and every label recomputed here
from X alone (adding, parity, copy) or from the sine formula written out in plain Python."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnviz.tasks import BRACKETS_D, COPY_S, DEFAULT, PYTHON_D, SINE_NOISE, SINES, TASKS, make_X
from rnnviz.text.corpus import ALPHABET_MAX, BRACKETS_ALPHABET

SIZES = [(1, 2), (3, 7), (16, 20), (5, 101)]  # (N, T)
FIXED = {
    "sine": (1, 1),
    "adding": (2, 1),
    "parity": (1, 2),
    "copy": (COPY_S + 1, COPY_S),
    "brackets": (37, 37),  # 13 letters, 10 digits, 6 brackets, quote, space, newline
    "python": (64, 64),  # the 63 most common characters and one for the rest
}
READ_NOT_DRAWN = {"python"}  # the text is the running Python's: no seed draws it


def draw(key: str, N: int, T: int, seed: int = 0, D: int | None = None):
    return TASKS[key].make(N, T, D if TASKS[key].D is None else None, None, seed)


def test_every_task_fixes_the_sizes_it_needs_and_says_why():
    assert set(TASKS) == {"random", *FIXED} and DEFAULT == "random"
    for key, (D, K) in FIXED.items():
        task = TASKS[key]
        assert (task.D, task.K) == (D, K), key
        assert task.why_fixed and task.description and "\n" not in task.description
    assert (TASKS["random"].D, TASKS["random"].K, TASKS["random"].kind) == (None, None, "none")
    assert {TASKS[k].kind for k in ("sine", "adding")} == {"regression"}
    assert {TASKS[k].kind for k in ("parity", "copy")} == {"classification"}
    assert {TASKS[k].kind for k in ("brackets", "python")} == {"sequence"}
    assert (BRACKETS_D, PYTHON_D) == (len(BRACKETS_ALPHABET), ALPHABET_MAX)
    assert [k for k, t in TASKS.items() if t.per_step] == ["brackets", "python"]


@pytest.mark.parametrize("key", list(FIXED))
@pytest.mark.parametrize("N, T", SIZES)
def test_shapes_and_dtypes(key, N, T):
    task = TASKS[key]
    X, y = draw(key, N, T, seed=3)
    assert X.shape == (N, T, task.D) and X.dtype == np.float32
    if task.kind == "regression":
        assert y.shape == (N, 1) and y.dtype == np.float32
    elif task.per_step:  # the next character at every step
        assert y.shape == (N, T) and y.dtype == np.int32
        assert ((0 <= y) & (y < task.K)).all()
        np.testing.assert_array_equal(X[:, 1:].argmax(axis=2), y[:, :-1])  # y_t = x_(t+1)
        np.testing.assert_array_equal(X.sum(axis=2), 1.0)  # one-hot rows
    else:  # class indices for SparseCategoricalCrossentropy
        assert y.shape == (N,) and y.dtype == np.int32
        assert ((0 <= y) & (y < task.K)).all()
    # a fixed D or K may be given, as long as it is the fixed one
    X2, y2 = task.make(N, T, task.D, task.K, 3)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


@pytest.mark.parametrize("key", list(TASKS))
def test_same_seed_same_arrays_other_seed_other_arrays_whatever_the_global_state(key):
    N, T, D = 8, 12, 3
    np.random.seed(0)
    X, y = draw(key, N, T, seed=11, D=D)
    np.random.seed(1)
    np.random.random(5)  # the legacy global state moves; the task must not notice
    X_again, y_again = draw(key, N, T, seed=11, D=D)
    np.testing.assert_array_equal(X_again, X, err_msg=f"{key}: X drawn twice from seed 11")
    if y is not None:
        np.testing.assert_array_equal(y_again, y, err_msg=f"{key}: y drawn twice from seed 11")
    X_other, _ = draw(key, N, T, seed=12, D=D)
    if key in READ_NOT_DRAWN:
        np.testing.assert_array_equal(X_other, X, err_msg=f"{key}: a seed changed a read text")
    else:
        assert not np.array_equal(X_other, X), f"{key}: seeds 11 and 12 gave the same X"


def test_random_is_todays_x_and_has_no_target():
    X, y = TASKS["random"].make(4, 6, 3, None, 9)
    assert y is None
    np.testing.assert_array_equal(X, make_X(4, 6, 3, 9))
    want = np.random.default_rng(9).standard_normal((4, 6, 3), dtype=np.float32)
    np.testing.assert_array_equal(X, want)
    with pytest.raises(ValueError, match="D \\(input features\\) must be given"):
        TASKS["random"].make(4, 6, None, None, 9)


@pytest.mark.parametrize("N, T", SIZES)
def test_adding_target_is_the_sum_of_the_two_marked_values_one_in_each_half(N, T):
    X, y = draw("adding", N, T, seed=N + T)
    u, marks = X[:, :, 0], X[:, :, 1]  # (N, T) each
    assert ((0 <= u) & (u < 1)).all()
    assert set(np.unique(marks)) <= {0.0, 1.0}
    for n in range(N):
        where = [t for t in range(T) if marks[n, t] == 1.0]  # 0-based steps
        assert len(where) == 2, f"sample {n}: marks at {where}"
        i, j = where
        assert i < T // 2 <= j, f"sample {n}: marks at {i}, {j} with T = {T}"
        want = float(u[n, i]) + float(u[n, j])
        np.testing.assert_allclose(y[n, 0], want, rtol=1e-6, err_msg=f"sample {n}: y vs u_i + u_j")


def test_adding_by_hand():
    """N = 1, T = 4, seed 7: marks at t = 2 (first half, t ≤ 2) and t = 4 (second half)."""
    X, y = TASKS["adding"].make(1, 4, None, None, 7)
    want_X = [[0.9449049, 0.0], [0.6250954, 1.0], [0.6841799, 0.0], [0.89721376, 1.0]]
    np.testing.assert_allclose(X[0], want_X, atol=1e-7, err_msg="X, mine vs the written one")
    np.testing.assert_allclose(y, [[0.6250954 + 0.89721376]], atol=1e-6)  # 1.5223092


@pytest.mark.parametrize("key", ["adding", "copy"])
@pytest.mark.parametrize("T", [0, 1])
def test_too_few_steps_are_refused_naming_T(key, T):
    with pytest.raises(ValueError, match=f"T \\(time steps\\) must be at least 2.*got {T}"):
        TASKS[key].make(3, T, None, None, 0)


@pytest.mark.parametrize("key", list(FIXED))
def test_a_fixed_size_given_otherwise_is_refused_naming_it(key):
    task = TASKS[key]
    with pytest.raises(ValueError, match=f"D \\(input features\\) is fixed at {task.D}.*got 9"):
        task.make(2, 5, 9, None, 0)
    with pytest.raises(ValueError, match=f"K \\(outputs\\) is fixed at {task.K}.*got 9"):
        task.make(2, 5, None, 9, 0)
    with pytest.raises(ValueError, match="N \\(samples\\) must be at least 1, got 0"):
        task.make(0, 5, None, None, 0)


@pytest.mark.parametrize("N, T", SIZES)
def test_parity_is_the_count_of_ones_mod_2(N, T):
    X, y = draw("parity", N, T, seed=T)
    assert set(np.unique(X)) <= {0.0, 1.0}
    want = [sum(int(b) for b in X[n, :, 0]) % 2 for n in range(N)]
    np.testing.assert_array_equal(y, want, err_msg="parity: mine vs the count of ones mod 2")


def test_parity_sees_both_classes():
    _, y = draw("parity", 200, 9, seed=0)
    assert 50 < y.sum() < 150


@pytest.mark.parametrize("N, T", SIZES)
def test_copy_target_is_the_symbol_at_step_1_then_blanks_then_the_delimiter(N, T):
    X, y = draw("copy", N, T, seed=T)
    S = COPY_S
    assert (X[:, 0, :S].sum(axis=1) == 1).all() and (X[:, 0, S] == 0).all()  # one-hot symbol
    np.testing.assert_array_equal(y, X[:, 0, :S].argmax(axis=1), err_msg="y vs argmax x_1")
    assert (X[:, 1 : T - 1] == 0).all()  # blanks
    assert (X[:, T - 1, S] == 1).all() and (X[:, T - 1, :S] == 0).all()  # the delimiter
    assert (X[:, : T - 1, S] == 0).all()  # and only at T


def sine_by_hand(N: int, T: int, seed: int) -> list[list[float]]:
    """x_t = Σ_j a_j sin(2π t / P_j + φ_nj) + σ ε_nt, t = 1..T+1, in plain Python, with the
    draws in the order the docstring gives: φ (N, J), then ε time-major (T + 1, N)."""
    rng = np.random.default_rng(seed)
    φ = rng.uniform(0.0, 2 * math.pi, (N, len(SINES))).tolist()
    ε = rng.standard_normal((T + 1, N)).tolist()
    return [
        [
            sum(a * math.sin(2 * math.pi * t / P + φ[n][j]) for j, (a, P) in enumerate(SINES))
            + SINE_NOISE * ε[t - 1][n]
            for t in range(1, T + 2)
        ]
        for n in range(N)
    ]


@pytest.mark.parametrize("N, T", SIZES)
def test_sine_is_the_written_formula_and_y_is_its_next_value(N, T):
    X, y = draw("sine", N, T, seed=5)
    x = np.array(sine_by_hand(N, T, seed=5))  # (N, T + 1)
    np.testing.assert_allclose(X[:, :, 0], x[:, :T], rtol=1e-6, atol=1e-6, err_msg="X vs hand")
    np.testing.assert_allclose(y[:, 0], x[:, T], rtol=1e-6, atol=1e-6, err_msg="y vs x_{T+1}")


@pytest.mark.parametrize("N, T", SIZES)
def test_sine_y_is_the_next_step_of_the_same_series_one_step_longer(N, T):
    X, y = draw("sine", N, T, seed=2)
    X_longer, _ = draw("sine", N, T + 1, seed=2)
    np.testing.assert_array_equal(X_longer[:, :T], X, err_msg="a longer T changed the past")
    np.testing.assert_array_equal(X_longer[:, T], y, err_msg="y vs the next x")


def test_sine_noise_is_small_next_to_the_signal():
    X, _ = draw("sine", 1, 400, seed=0)
    x = X[0, :, 0].astype(np.float64)  # (T,)
    rng = np.random.default_rng(0)
    φ = rng.uniform(0.0, 2 * math.pi, (1, len(SINES)))[0]
    t = np.arange(1, 401)
    clean = sum(a * np.sin(2 * np.pi * t / P + φ[j]) for j, (a, P) in enumerate(SINES))
    assert np.std(x - clean) == pytest.approx(SINE_NOISE, rel=0.15)
