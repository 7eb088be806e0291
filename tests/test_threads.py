"""One cached Keras model shared by many threads, as Streamlit shares it between tabs.

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
