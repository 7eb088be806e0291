"""The one store (``rnnviz.inputs.store``): uploaded weights and data, edited samples and trained
weights, all by key under the same rules. The references are hand-worked: byte counts summed
here, recency followed by hand, and the garbage collector as the judge of what is held."""

from __future__ import annotations

import gc
import subprocess
import threading

import numpy as np
import pytest

from rnnviz.config import RNNConfig
from rnnviz.inputs import imported, userdata, x_edits
from rnnviz.inputs.store import ITEM_OVERHEAD, Store
from rnnviz.keras_side.training import History, Trained

KB = 1024


def weights(name: str, numbers: int) -> imported.Imported:
    """Imported weights of ``numbers`` float32s, named after ``name``."""
    w = {"W_o": np.full(numbers, float(len(name)), np.float32)}  # (numbers,)
    return imported.Imported(imported.digest(w | {name: w["W_o"][:1]}), w, "a model", name)


def every_kind(numbers: int) -> list:
    """One item of each kind the store holds, each of about ``numbers`` float32s."""
    X = np.arange(numbers, dtype=np.float32).reshape(numbers, 1, 1)  # (N, T, D), N = numbers
    history = History((1.0,), (1.0,), 2.0, 2.0, 1, None, 0.1, "MSE")
    key = RNNConfig(task="sine", D=1, K=1, weights="trained", epochs=1, seed=numbers).training_key
    return [
        weights("w", numbers),
        userdata.from_arrays(X, name="x.npy"),
        x_edits.make(0, X[:, 0]),  # (T, D) = (numbers, 1)
        Trained.of(key, {"W_o": np.zeros(numbers, np.float32)}, history),
    ]


def weight(item) -> int:
    return item.nbytes + ITEM_OVERHEAD


def test_every_kind_is_found_by_its_key_and_gives_back_the_first_of_equals():
    store = Store()
    items = every_kind(100)
    for item in items:
        assert store.put(item) is item
        assert store.get(item.key) is item
    assert len({item.key for item in items}) == 4, "no two kinds share a key"
    twin = weights("w", 100)  # the same numbers uploaded again
    assert twin is not items[0] and twin.key == items[0].key
    assert store.put(twin) is items[0], "an equal upload shares the arrays already held"
    assert store.used == sum(map(weight, items))


@pytest.mark.parametrize("kind", range(4))
def test_the_least_recently_used_goes_first_and_get_counts_as_use(kind):
    a, b, c = (every_kind(n)[kind] for n in (1000, 1001, 1002))
    store = Store(nbytes=weight(a) + weight(b) + weight(c) - 1)  # room for two of the three
    keys = [store.put(item).key for item in (a, b)]
    assert store.get(keys[0]) is a  # a is now the most recent: b is the least
    del a, b  # only the store holds them now
    store.put(c)
    gc.collect()
    assert store.get(keys[1]) is None, "b was the least recently used"
    assert store.get(keys[0]) is not None and len(store) == 2


@pytest.mark.parametrize("kind", range(4))
def test_a_session_keeps_what_it_shows_whatever_the_budget_lets_go(kind):
    shown = every_kind(2000)[kind]  # a session's own: it keeps this reference
    others = [weights(f"other{n}", 2000) for n in range(3)]  # as heavy as shown
    assert weight(others[0]) == weight(shown)
    store = Store(nbytes=2 * weight(shown) - 1)  # room for one
    store.put(shown)
    for other in others:
        store.put(other)  # shown is pushed out of the budget by the first
    assert len(store) == 1 and store.used <= store.nbytes
    assert store.get(shown.key) is shown, "still found by its key while a session holds it"
    key = shown.key
    del shown
    gc.collect()
    assert store.get(key) is None, "nobody holds it, and it is not recent"


def test_an_item_larger_than_the_budget_is_held_only_while_someone_holds_it():
    store = Store(nbytes=10 * KB)
    small = store.put(weights("small", 100))
    big = weights("big", 10_000)  # 40 kB
    assert store.put(big) is big and store.get(big.key) is big
    assert len(store) == 1 and store.get(small.key) is small, "it pushed nothing out"
    key = big.key
    del big
    gc.collect()
    assert store.get(key) is None


def test_the_store_from_many_threads():
    made = [weights(f"x{i}", 250) for i in range(40)]  # 1,000 bytes each
    store = Store(nbytes=4 * weight(made[0]))

    def work(i: int) -> None:
        for w in made[i::4]:
            assert store.put(w) is w or store.get(w.key) is not None

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store) == 4 and store.used == 4 * weight(made[0])


def test_one_eviction_rule_for_everything_held(root):
    """Uploaded weights, data, edits and trainings are held by the one store: no other
    module keeps its own LRU order (OrderedDict) or pops its own oldest entries."""
    found = subprocess.run(
        ["git", "grep", "-n", "-e", "OrderedDict", "-e", "popitem(last=False)", "--", "rnnviz"],
        cwd=root,
        capture_output=True,
        text=True,
    ).stdout
    assert found == "", found
