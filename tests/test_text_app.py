"""The text tasks on the page (Streamlit's AppTest): a text task locks return_sequences and
starts at its sizes, trains one prediction per step, and reads its units; a .txt upload becomes
the run's text; and every malformed .txt is refused in one sentence with nothing lost."""

from __future__ import annotations

import pytest

from rnnviz.tasks import TEXT_SIZES
from tests.test_app import open_app
from tests.test_app_train import DATA_UPLOADER, attach, notes, npz_of, train
from tests.test_text import GOOD, MALFORMED

SMALL = dict(task="brackets", D=37, K=37, N=40, T=32, M=6, return_sequences=1)


def test_a_text_task_locks_return_sequences_and_starts_at_its_sizes():
    at = open_app(**SMALL)
    toggle = at.toggle(key="return_sequences")
    assert toggle.value and toggle.disabled
    assert any(h.value == "10 · Reading the units" for h in at.header)
    at.selectbox(key="task").set_value("sine").run()
    assert not at.toggle(key="return_sequences").disabled
    assert not any(h.value == "10 · Reading the units" for h in at.header)
    at.selectbox(key="task").set_value("python").run()
    sizes = dict(TEXT_SIZES)
    assert (at.number_input(key="N").value, at.number_input(key="T").value) == (
        sizes["N"],
        sizes["T"],
    )
    assert at.query_params["return_sequences"] == "true" and at.query_params["D"] == "64"


def test_a_text_task_trains_at_every_step_and_its_bits_fall():
    at = open_app(**SMALL)
    before = [m.value for m in at.markdown if m.value.startswith("**Bits per character")]
    at = train(at, epochs=3)
    assert at.query_params["weights"] == "trained"
    after = [m.value for m in at.markdown if m.value.startswith("**Bits per character")]
    assert after and after != before and "with the trained weights" in after[0]
    assert not at.exception


def test_an_uploaded_text_becomes_the_run_and_the_reading_section_reads_it():
    at = attach(open_app(M=4), DATA_UPLOADER, "notes.txt", GOOD * 20)
    assert not at.exception, at.exception
    (loaded,) = [n for n in notes(at) if n.startswith("Loaded notes.txt: ")]
    assert f"{len(GOOD) * 20:,} characters" in loaded
    sizes = dict(TEXT_SIZES)
    assert (at.number_input(key="N").value, at.number_input(key="T").value) == (
        sizes["N"],
        sizes["T"],
    )
    assert at.toggle(key="return_sequences").value
    assert any("The text: your text 'notes.txt'" in c.value for c in at.caption)
    X = npz_of(at)["X"]
    assert X.shape == (sizes["N"], sizes["T"], len(set(GOOD.decode())))


TEXTS = [m for m in MALFORMED if m[0].endswith(".txt")][::2]  # the uploader's own type


@pytest.mark.parametrize("name, payload, words", TEXTS)
def test_a_malformed_text_is_refused_and_the_text_the_page_had_stays(name, payload, words):
    at = attach(open_app(M=4), DATA_UPLOADER, "notes.txt", GOOD * 20)
    digest, X = at.query_params["data"], npz_of(at)["X"]
    at = attach(at, DATA_UPLOADER, name, payload)
    (error,) = [e.value.replace("\\", "") for e in at.error]
    assert error.startswith(f"{name} was not loaded: ")
    assert error.endswith("Your data is as it was.") and "Traceback" not in error
    assert words.replace("\\", "") in error, error
    assert at.query_params["data"] == digest
    assert (npz_of(at)["X"] == X).all()


def test_compare_cells_trains_the_three_and_draws_their_connectivity_on_one_chart():
    import base64
    import json

    import numpy as np

    from rnnviz.recurrence.cells import CELLS
    from rnnviz.ui import cache

    at = open_app(**SMALL)
    at.number_input(key="text_compare_epochs").set_value(2).run()
    at.button(key="text_compare").click().run()
    assert not at.exception, at.exception
    for ticket in cache.TRAINER.tickets():
        assert ticket.wait(120)
    at = at.run()
    assert not at.exception, at.exception
    charts = [c for c in at.get("plotly_chart") if "text_compare_chart" in str(c.proto.id)]
    assert len(charts) == 1
    figure = json.loads(charts[0].proto.spec)
    titles = [CELLS[cell].title for cell in ("simple", "lstm", "gru")]
    assert [trace["name"] for trace in figure["data"]] == titles
    for trace in figure["data"]:  # y as Plotly sends it: a typed array, base64
        y = np.frombuffer(base64.b64decode(trace["y"]["bdata"]), trace["y"]["dtype"])
        assert y.shape == (120,) and (y > 0).all()  # 120 characters back, on a log axis
    (table,) = [d for d in at.dataframe if "bits per character" in d.value.columns]
    assert list(table.value["cell"]) == titles
    assert list(table.value["epochs"]) == [2, 2, 2]


def test_a_hypothesis_ranks_every_unit_with_the_initial_weights_beside():
    at = open_app(**SMALL)
    (button,) = [b for b in at.button if b.key == "text_best_depth"]
    at = button.click().run()
    assert not at.exception, at.exception
    rankings = [d.value for d in at.dataframe if list(d.value.columns) == ["unit", "r"]]
    assert len(rankings) == 2  # these weights, the initial ones (the same, untrained)
    after, before = rankings
    assert list(after["unit"]) == list(before["unit"]) and len(after) == 6  # M = 6 units of h
    assert (after["r"].abs().diff().dropna() <= 0).all()  # largest |r| first
    state, unit = at.session_state["text_state"], at.session_state["text_unit"]
    assert after["unit"][0] == f"{state}_t[{unit}]"
    at.toggle(key="text_beside").set_value(True).run()
    assert not at.exception, at.exception


def test_a_prompt_the_model_cannot_read_is_named_and_nothing_is_lost():
    at = open_app(**SMALL)
    at.text_area(key="text_prompt").set_value("(Q)")  # a form: sent with its Write
    (write,) = [b for b in at.button if b.label == "Write"]
    at = write.click().run()
    assert not at.exception, at.exception
    (warning,) = [w.value for w in at.warning if w.value.startswith("Nothing written")]
    assert "characters the model does not know: 'Q'" in warning
    assert not any(c.language is None and c.value.startswith("(Q") for c in at.code)
    assert at.text_area(key="text_prompt").value == "(Q)"  # what the reader typed stays
    at.text_area(key="text_prompt").set_value("(ka")
    (write,) = [b for b in at.button if b.label == "Write"]
    at = write.click().run()
    assert not at.exception, at.exception
    assert any(m.value.startswith("Keras' next-character probabilities") for m in at.markdown)
