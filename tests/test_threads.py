"""The Keras side as the app uses it: one cached model shared by many threads.

Streamlit serves every browser tab from its own thread and ``st.cache_resource`` hands
them all the same ``KerasRNN``; TensorFlow's ``predict`` is not thread-safe, so each model
is called under its own lock. Here eight threads run different Ns through one model at
once and each must get what a lone call gives; different models build and run at the
same time, each equal to itself built alone; and a busy model holds up its own callers
only, never another model's.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from rnnviz.config import RNNConfig
from rnnviz.keras_side import model
from rnnviz.pipeline import execute


def test_one_shared_model_from_many_threads():
    base = RNNConfig(cell="lstm", T=12, M=6, seed=5)
    shared = model.build(base.model_config)
    configs = [base.replace(N=n) for n in (1, 2, 3, 5, 8, 13, 21, 34)]
    alone = {c.N: execute(c, shared).y_keras for c in configs}
    with ThreadPoolExecutor(max_workers=8) as pool:
        runs = list(pool.map(lambda c: execute(c, shared), configs * 3))
    for run in runs:
        np.testing.assert_array_equal(
            run.y_keras, alone[run.config.N], err_msg=f"N = {run.config.N}: threaded vs alone"
        )
        assert run.agreement.agree, run.agreement.verdict


def test_first_eager_call_and_traced_calls_give_the_same_y():
    """A short model's first call skips tracing; the compiled calls after it must agree."""
    from rnnviz.tasks import make_X

    c = RNNConfig(cell="gru", T=5, M=4, seed=2)
    assert c.T * c.layers * c.directions <= model.EAGER_MAX_STEPS
    km = model.build(c.model_config)
    X = make_X(6, c.T, c.D, 1)  # (N, T, D)
    first = km(X)  # eager
    np.testing.assert_allclose(km(X), first, rtol=0, atol=1e-6, err_msg="traced vs eager")
    np.testing.assert_allclose(km.predict(X), first, rtol=0, atol=1e-6, err_msg="predict")


def test_different_models_build_and_run_at_once_each_as_if_alone():
    """Keras keeps its model-building state per thread: nothing is shared between builds."""
    from rnnviz.tasks import make_X

    configs = [
        RNNConfig(cell="simple", T=7, M=5, seed=1),
        RNNConfig(cell="lstm", T=9, M=4, seed=2, layers=2),
        RNNConfig(cell="gru", T=6, M=3, seed=3, bidirectional=True),
        RNNConfig(cell="gru", T=8, M=6, seed=4, reset_after=False, return_sequences=True),
    ]

    def build_and_call(c: RNNConfig) -> tuple[dict[str, np.ndarray], np.ndarray]:
        km = model.build(c)
        return km.weights(), km(make_X(4, c.T, c.D, c.seed))  # (4, [T,] K)

    alone = [build_and_call(c) for c in configs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(build_and_call, configs * 2))
    for i, (weights, y) in enumerate(together):
        c = configs[i % len(configs)]
        want_weights, want_y = alone[i % len(configs)]
        assert weights.keys() == want_weights.keys(), c
        for name, value in weights.items():
            np.testing.assert_array_equal(value, want_weights[name], err_msg=f"{c}: {name}")
        np.testing.assert_allclose(y, want_y, rtol=0, atol=1e-6, err_msg=f"{c}: y together")


def test_a_busy_model_holds_up_its_own_callers_only():
    """While model A is in a call (its lock held), B answers and A's next caller waits."""
    from rnnviz.tasks import make_X

    a = model.build(RNNConfig(cell="lstm", T=5, M=4, seed=6))
    b = model.build(RNNConfig(cell="simple", T=5, M=4, seed=7))
    X = make_X(3, 5, 3, 0)  # (N, T, D)
    a(X), b(X)  # both traced already
    answered = {"a": threading.Event(), "b": threading.Event()}

    def call(name, km):
        km(X)
        answered[name].set()

    with a.lock:  # what a long call into A does
        callers = [threading.Thread(target=call, args=item) for item in (("a", a), ("b", b))]
        for caller in callers:
            caller.start()
        assert answered["b"].wait(timeout=60), "B waited for A's lock"
        # a second is long enough for an unlocked call (~2 ms) to have answered
        assert not answered["a"].wait(timeout=1), "A was called while its lock was held"
    assert answered["a"].wait(timeout=60), "A never answered after its lock was released"
    for caller in callers:
        caller.join()
