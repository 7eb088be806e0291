"""One sample's X edited on the page: validation, its digest in the config, the run and the
page, and links to an edit this server does not hold."""

from __future__ import annotations

import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from rnnviz.config import RNNConfig, from_query
from rnnviz.inputs import x_edits
from rnnviz.pipeline import execute
from rnnviz.tasks import make_X
from rnnviz.ui import cache
from tests.test_app import open_app, warnings


def test_an_edit_changes_only_the_cells_given_and_returns_a_new_float32_array():
    X_n = np.zeros((3, 2), np.float32)
    got = x_edits.apply(X_n, {1: {"d = 1": 2.5}, "2": {"d = 0": -1}})
    want = np.array([[0, 0], [0, 2.5], [-1, 0]], np.float32)
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.float32 and not X_n.any()  # the shown X is untouched


@pytest.mark.parametrize(
    "changes, message",
    [
        ({0: {"d = 0": None}}, "x_1[0] = 'None' is not a number; X takes finite numbers"),
        ({1: {"d = 1": math.inf}}, "x_2[1] = inf is not finite"),
        ({1: {"d = 0": math.nan}}, "x_2[0] = nan is not finite"),
        ({2: {"d = 1": 1e39}}, "x_3[1] = 1e+39 is not finite"),  # over float32's range
        ({0: {"d = 0": "abc"}}, "x_1[0] = 'abc' is not a number"),
        ({0: {"d = 0": True}}, "x_1[0] = 'True' is not a number"),
        ({3: {"d = 0": 1.0}}, "row 3 is not a step of X (T = 3)"),
        ({0: {"d = 7": 1.0}}, "column 'd = 7' is not a feature of X (D = 2)"),
    ],
)
def test_an_edit_that_is_not_finite_numbers_is_refused_by_cell(changes, message):
    with pytest.raises(x_edits.EditError) as err:
        x_edits.apply(np.zeros((3, 2), np.float32), changes)
    assert str(err.value).startswith(message)


def test_the_digest_names_the_sample_and_its_values():
    X_n = np.arange(6, dtype=np.float32).reshape(3, 2)
    a = x_edits.make(1, X_n)
    assert a.digest == x_edits.make(1, X_n.copy()).digest and len(a.digest) == 16
    assert a.digest != x_edits.make(2, X_n).digest
    assert a.digest != x_edits.make(1, X_n + 1).digest
    assert not a.X.flags.writeable


def test_keras_and_numpy_both_read_the_edited_sample():
    c = RNNConfig(cell="gru", N=4, T=5, D=2)
    X_n = np.full((5, 2), 0.5, np.float32)
    edit = x_edits.make(2, X_n)
    r = execute(c.replace(x_edit=edit.digest), edit=edit)
    np.testing.assert_array_equal(r.X[2], X_n)
    np.testing.assert_array_equal(np.delete(r.X, 2, axis=0), np.delete(make_X(4, 5, 2, 0), 2, 0))
    assert r.agreement.agree, r.agreement.verdict
    drawn = execute(c)
    assert not np.allclose(r.y_keras[2], drawn.y_keras[2])  # the edit moved sample 2's y
    np.testing.assert_array_equal(r.y_keras[[0, 1, 3]], drawn.y_keras[[0, 1, 3]])
    with pytest.raises(ValueError, match="names x_edit="):
        execute(c.replace(x_edit=edit.digest))  # the config names an edit not given
    with pytest.raises(ValueError, match="names x_edit=none"):
        execute(c, edit=edit)


def test_a_link_to_an_edit_not_held_or_malformed_warns_and_uses_x_as_drawn():
    config, _, warnings_ = from_query({"x_edit": "0123456789abcdef"})
    assert config.x_edit == "none"
    assert warnings_ == [
        "URL parameter x_edit=0123456789abcdef is not on this server (X was edited in another "
        "session or before a restart); using X as drawn. Edit it again to use it."
    ]
    _, _, warnings_ = from_query({"x_edit": "xyz"})
    assert warnings_[0].startswith("URL parameter x_edit='xyz' is not allowed; x_edit must be")


def _edit_app():
    """The data editor's callback as the editor calls it, with the changes the test puts in
    the session."""
    import numpy as np
    import streamlit as st

    from rnnviz.ui.sections.time import _taken

    st.session_state["x_editor_0"] = {"edited_rows": st.session_state["changes"]}
    _taken("x_editor_0", 1, np.zeros((3, 2), np.float32))


def test_the_editor_callback_takes_finite_numbers_and_keeps_x_otherwise():
    at = AppTest.from_function(_edit_app)
    at.session_state["changes"] = {0: {"d = 1": 4.0}}
    at.run()
    assert not at.exception, at.exception
    edit = at.session_state["_x_edit"]
    assert edit.n == 1 and edit.X[0, 1] == 4.0 and cache.STORE.get(edit.digest) is edit
    ok, message = at.session_state["_x_edit_note"]
    assert ok and message == f"Sample n = 1 edited: x_edit={edit.digest}."
    at.session_state["changes"] = {2: {"d = 0": None}}
    at.run()
    ok, message = at.session_state["_x_edit_note"]
    assert not ok and message.startswith("Not taken: x_3[0] = 'None' is not a number")
    assert at.session_state["_x_edit"] is edit  # the previous X stays


def test_the_page_runs_a_held_edit_and_falls_back_where_it_does_not_fit():
    X_n = np.zeros((10, 3), np.float32)
    X_n[4, 1] = 5.0
    edit = cache.STORE.put(x_edits.make(2, X_n))
    at = open_app(x_edit=edit.digest, sample=2)
    assert not at.exception, at.exception
    assert not warnings(at)
    assert at.query_params["x_edit"] == edit.digest
    r = cache.run_of(RNNConfig(x_edit=edit.digest))
    np.testing.assert_array_equal(r.X[2], X_n)
    at.number_input(key="T").set_value(5).run()  # its (T, D) no longer: X as drawn
    assert not at.exception and at.query_params["x_edit"] == "none"
    at.number_input(key="T").set_value(10).run()  # and back: the session kept it
    assert at.query_params["x_edit"] == edit.digest
    at.button(key="_as_drawn").click().run()
    assert at.query_params["x_edit"] == "none"
