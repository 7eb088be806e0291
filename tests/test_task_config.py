"""The config's task, data, epochs and trained weights: what a task fixes, what a link may
say, and what a cached model or trained weights are keyed on. No TensorFlow."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from rnnviz.config import DEFAULT, FIELDS, SEEDED, TRAINED, ConfigError, RNNConfig, from_query
from rnnviz.config.links import not_here
from rnnviz.keras_side.training import Trained
from rnnviz.tasks import TASKS

ADDING = RNNConfig(task="adding", D=2, K=1)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"task": "adding"}, "D", "D (input features) is fixed at 2 by the adding task"),
        ({"task": "adding", "D": 2}, "K", "K (outputs) is fixed at 1 by the adding task"),
        ({"task": "copy", "D": 5, "K": 4, "T": 1}, "T", "T (time steps) must be at least 2"),
        ({"task": "sine", "D": 1, "K": 1, "input": "pulse"}, "input", "input=pulse sets X by"),
        ({"weights": TRAINED}, "weights", "weights=trained needs something to learn"),
        (
            {"task": "parity", "D": 1, "K": 2, "weights": TRAINED, "return_sequences": True},
            "weights",
            "weights=trained needs return_sequences off",
        ),
        ({"data": "0123456789abcdef", "task": "sine", "D": 1, "K": 1}, "task", "both say"),
    ],
)
def test_the_config_refuses_what_does_not_fit_its_task(changes, field, words):
    with pytest.raises(ConfigError, match=re.escape(words)) as caught:
        RNNConfig(**changes)
    assert caught.value.field == field


def test_each_task_runs_with_the_sizes_it_fixes():
    for key, task in TASKS.items():
        c = RNNConfig(
            task=key,
            D=task.D or 3,
            K=task.K or 2,
            T=max(2, task.T_min),
            return_sequences=task.per_step,
        )
        assert (c.D, c.K) == (task.D or 3, task.K or 2)


def test_a_link_to_a_task_takes_its_sizes_and_says_so_only_where_it_said_otherwise():
    config, _, warnings = from_query({"task": "adding"})
    assert (config.task, config.D, config.K) == ("adding", 2, 1) and warnings == []
    config, _, warnings = from_query({"task": "adding", "D": "7", "T": "1"})
    assert (config.D, config.K, config.T) == (2, 1, 2)
    assert warnings == [
        "URL parameter D (input features) is fixed at 2 by the adding task (a value and its "
        "mark per step in, their sum out), got 7. Using D=2.",
        "URL parameter T (time steps) must be at least 2 for the adding task (one mark in each "
        "half), got 1. Using T=2.",
    ]
    config, _, warnings = from_query({"task": "copy", "input": "pulse"})
    assert (config.input, config.D, config.K) == ("random", 5, 4)
    assert [w.split(";")[0] for w in warnings] == [
        "URL parameter input=pulse sets X by hand, which only task=random without data allows"
    ]


def test_seeded_still_reads_as_the_initial_weights():
    config, _, warnings = from_query({"weights": "seeded"})
    assert config.weights == SEEDED == "initial" and warnings == []


def test_trained_weights_this_server_does_not_hold_fall_back_to_the_initial_ones():
    query = {"task": "sine", "weights": "trained", "epochs": "7"}
    config, _, warnings = from_query(query)
    assert config == RNNConfig(task="sine", D=1, K=1)
    assert config.epochs == FIELDS["epochs"].default, "epochs are read with trained weights only"
    assert warnings == [f"URL parameter weights=trained {not_here('weights', TRAINED)}"]
    assert "names weights this server has not trained" in warnings[0]
    asked = []

    def held(key):
        """A server that trained whatever it is asked for."""
        asked.append(key)
        return Trained(key, {}, None)

    config, _, warnings = from_query(query, held=held)
    assert (config.weights, config.epochs, warnings) == (TRAINED, 7, [])
    assert asked == [RNNConfig(task="sine", D=1, K=1, weights=TRAINED, epochs=7)]


def test_epochs_out_of_range_warn():
    config, _, warnings = from_query({"epochs": "201"})
    assert config == DEFAULT
    assert warnings == [
        "URL parameter epochs='201' is out of range; epochs (epochs of training) must be a "
        "whole number between 1 and 200. Using epochs=20."
    ]


def test_uploaded_data_brings_its_sizes_and_a_link_to_data_not_held_falls_back():
    digest = "00112233445566aa"
    sizes = {"N": 40, "T": 12, "D": 4, "K": 3}
    data = SimpleNamespace(sizes=lambda: sizes)  # what a server holding the upload has
    config, _, warnings = from_query(
        {"data": digest, "T": "9", "M": "6"}, held=lambda d: data if d == digest else None
    )
    assert (config.data, config.N, config.T, config.D, config.K, config.M) == (
        digest,
        40,
        12,
        4,
        3,
        6,
    )
    assert warnings == [
        "URL parameter T=9 does not fit the uploaded data, whose T is 12. Using T=12."
    ]
    config, _, warnings = from_query({"data": digest})
    assert config == DEFAULT
    assert warnings[0].startswith(f"URL parameter data={digest} is not on this server")


def test_a_model_is_keyed_on_what_its_weights_depend_on():
    initial = ADDING.replace(N=300, seed=4)
    # the initial weights depend on neither N nor the task: one model serves them all
    assert initial.model_config == RNNConfig(N=1, seed=4, D=2, K=1)
    trained = initial.replace(weights=TRAINED, epochs=9)
    # trained weights depend on the N samples of the task they were trained on, not on a
    # planted bug, the precision or the what-if, which view them
    assert trained.model_config.N == 300 and trained.model_config.task == "adding"
    viewed = trained.replace(dtype="float64", whh_scale=0.5, bug="h0_ones")
    assert viewed.training_key == trained.training_key == trained.replace(dtype="float32")
    assert trained.replace(epochs=10).training_key != trained.training_key
    assert initial.replace(weights=TRAINED, epochs=9, N=301).training_key != trained.training_key


def test_task_data_epochs_and_trained_weights_round_trip_through_the_url():
    c = ADDING.replace(weights=TRAINED, epochs=33, N=64)
    query = c.to_query()
    assert (query["task"], query["weights"], query["epochs"]) == ("adding", "trained", "33")
    config, _, warnings = from_query(query, held=lambda key: Trained(key, {}, None))
    assert config == c and warnings == []
