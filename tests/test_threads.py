"""The Keras side as the app uses it: one cached model shared by many threads.

Streamlit serves every browser tab from its own thread and ``st.cache_resource`` hands
them all the same ``KerasRNN``; TensorFlow's ``predict`` is not thread-safe, so rnnviz
calls a compiled function under one lock. Here eight threads run different Ns through
one model at once and each must get what a lone call gives.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from rnnviz import model
from rnnviz.config import RNNConfig
from rnnviz.run import execute


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
    from rnnviz.data import make_X

    c = RNNConfig(cell="gru", T=5, M=4, seed=2)
    assert c.T * c.layers * c.directions <= model.EAGER_MAX_STEPS
    km = model.build(c.model_config)
    X = make_X(6, c.T, c.D, 1)  # (N, T, D)
    first = km(X)  # eager
    np.testing.assert_allclose(km(X), first, rtol=0, atol=1e-6, err_msg="traced vs eager")
    np.testing.assert_allclose(km.predict(X), first, rtol=0, atol=1e-6, err_msg="predict")
