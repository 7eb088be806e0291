"""The URL fuzz through the real page: seeded bad links never reach a traceback.

Every state from ``tests/urlfuzz.py`` opens the app in a fresh AppTest session. The
property: no exception on the page, every invalid value named in a warning (and nothing
else warned about), the config the rules of docs/links.md give, and a URL rewritten so that no
bad or unknown value survives into a shared link. The first ``len(CLASSES)`` states cover
every class of bad input and run with the normal suite; the full run is marked ``fuzz``
(``make fuzz``; pytest runs it with ``--fuzz``).
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests import urlfuzz, urlfuzz_expected
from tests.test_app import warnings

APP = "../app.py"
TIMEOUT = 120  # the first run imports TensorFlow
SEED = 2026
FULL = 320
STATES = urlfuzz.states(SEED, FULL)
FAST = len(urlfuzz.CLASSES)
LINK = ":material/link:"  # the icon of the sidebar's warnings about the link's values


def open_state(state: urlfuzz.State) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(state.as_params())
    return at.run()


def check_page(state: urlfuzz.State) -> None:
    at = open_state(state)
    assert not at.exception, f"{at.exception}\nstate: {state.pairs[:8]!r}"
    fields = [*urlfuzz.SIZES, "cell", *urlfuzz.SWITCHES, *urlfuzz.CHOICES, *urlfuzz.WHAT_IF]
    config = {name: at.session_state[name] for name in [*fields, "task"] if name != "x_edit"}
    for name in ("weights", "x_edit", "data"):  # not widgets: the page's link says them
        config[name] = at.query_params[name]
    config["epochs"] = int(at.query_params["epochs"])
    urlfuzz_expected.check(state, config, warnings(at, about_the_link=True), dict(at.query_params))


@pytest.mark.parametrize("i", range(FAST))
def test_url_fuzz_fast(i):
    check_page(STATES[i])


@pytest.mark.fuzz
@pytest.mark.parametrize("i", range(FAST, FULL))
def test_url_fuzz_full(i):
    check_page(STATES[i])
