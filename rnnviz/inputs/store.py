"""The one store of what a server holds for its visitors, by key: uploads, edits, trainings.

A config names what it needs beyond the seed by a short key: uploaded weights and data and an
edited sample of X by a digest of their numbers, trained weights by what they were trained
for. Only the server that holds them can give them, so they are kept here, one ``Store`` per
server for all four kinds, under the same rules:

- weighed in bytes: a ``cachetools.LRUCache`` keeps the most recently used items within a
  budget, each weighing its arrays' ``nbytes`` plus ITEM_OVERHEAD for its Python objects;
- ``put`` and ``get`` both make an item the most recent;
- a session keeps what it shows: an item that something else still holds (a session that
  uploaded it, or opened a link to it) stays reachable by its key, whatever the budget let go;
- an item says itself whether it fits a config (``problem``), and ``rnnviz.config.links``
  gives the one reason for a key that is not held.

Thread-safe: every session of a server shares its store.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Hashable
from typing import Protocol

import cachetools

MB = 2**20
ITEM_OVERHEAD = 4 * 1024  # an item's dataclass, dict and array headers, beyond its numbers


class Held(Protocol):
    """What a store holds: weakly referable (a dataclass with ``eq=False``), named by ``key``."""

    @property
    def key(self) -> Hashable: ...

    @property
    def nbytes(self) -> int: ...

    def problem(self, config) -> str | None:
        """Why it cannot serve ``config`` (a warning's end, after "weights=<key> "); None
        where it can."""


class Store:
    """Items by key, the most recently used within ``nbytes``, plus any still held elsewhere."""

    def __init__(self, nbytes: int = 128 * MB):
        self.nbytes = nbytes
        self._recent: cachetools.LRUCache = cachetools.LRUCache(
            maxsize=nbytes, getsizeof=lambda item: item.nbytes + ITEM_OVERHEAD
        )
        self._alive: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self._lock = threading.Lock()

    def put(self, item: Held) -> Held:
        """Hold ``item`` as the most recent; returns the one held under its key (an equal
        upload gets the first one, so that sessions share its arrays)."""
        with self._lock:
            held = self._recent.get(item.key) or self._alive.get(item.key) or item
            self._alive[held.key] = held
            # cachetools evicts the least recently used to make room; an item larger than
            # the whole budget is refused and stays reachable only while something holds it
            if held.nbytes + ITEM_OVERHEAD <= self._recent.maxsize:
                self._recent[held.key] = held
            return held

    def get(self, key: Hashable) -> Held | None:
        """The item under ``key``, now the most recent, or None."""
        with self._lock:
            return self._recent.get(key) or self._alive.get(key)

    def __len__(self) -> int:
        """How many the store itself keeps (the recent ones)."""
        return len(self._recent)

    @property
    def used(self) -> int:
        """Bytes the recent items weigh."""
        return int(self._recent.currsize)
