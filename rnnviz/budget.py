"""Caches bounded by bytes, not by entries: what keeps a hosted demo's memory flat.

A run at the work cap holds ~150 MB and a notebook-sized one ~10 kB, so a bound on the
number of entries says nothing about memory. A ``Budget`` is a least-recently-used cache
(``cachetools.LRUCache``) whose entries are weighed by ``sizeof`` in bytes; the oldest
go when a new one would pass the budget. It is shared by every thread: one lock guards
the cache, a value is computed outside it, and a key already being computed is waited
for rather than computed twice (cachetools' ``condition``). A value larger than the
whole budget is returned but not kept.

The budgets are settings: ``RNNVIZ_RUN_CACHE_MB=512 make serve``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import cachetools

try:  # glibc: hand freed heap memory back to the system (a no-op elsewhere)
    import ctypes
    import ctypes.util

    _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _malloc_trim = _libc.malloc_trim
except (OSError, AttributeError):
    _malloc_trim = None

MB = 2**20
_log = logging.getLogger(__name__)


def megabytes(variable: str, default: int, environ: dict[str, str] | None = None) -> int:
    """A budget in MB from the environment variable ``variable``, else ``default``.

    A value that is not a whole number of MB from 1 to 1,000,000 is named in a warning in
    the server's log and the default is used: a typo must not stop the server.
    """
    text = (os.environ if environ is None else environ).get(variable)
    if text is None:
        return default
    digits = text.strip()
    if digits.isascii() and digits.isdigit() and len(digits) <= 7 and 1 <= int(digits) <= 10**6:
        return int(digits)
    _log.warning(
        "%s=%r is not a whole number of MB from 1 to 1000000; using %d MB.",
        variable,
        text[:40],
        default,
    )
    return default


def give_back() -> None:
    """Return the heap's free memory to the system after a large value has come and gone.

    A run's arrays are freed when the cache drops them, but glibc keeps the freed heap for
    reuse, so the process's resident memory stays at its high-water mark; ``malloc_trim``
    lets it go."""
    if _malloc_trim is not None:
        _malloc_trim(0)


@dataclass(frozen=True)
class Usage:
    entries: int
    nbytes: int
    budget: int  # bytes

    def __str__(self) -> str:
        return f"{self.entries} cached, {self.nbytes / MB:,.1f} MB of {self.budget / MB:,.0f} MB"


class Budget:
    """``function`` memoised in an LRU cache of at most ``budget`` bytes, as ``sizeof``
    weighs its values; called like ``function``, on hashable arguments."""

    def __init__(self, function: Callable, budget: int, sizeof: Callable[[Any], int]) -> None:
        self._cache = cachetools.LRUCache(maxsize=budget, getsizeof=sizeof)
        self._lock = threading.Lock()
        self._call = cachetools.cached(
            self._cache, lock=self._lock, condition=threading.Condition(self._lock)
        )(function)
        self.__wrapped__ = function

    def __call__(self, *args: Hashable) -> Any:
        return self._call(*args)

    def holds(self, *args: Hashable) -> bool:
        """Whether the value for these arguments is cached, so a call is instant."""
        with self._lock:
            return cachetools.keys.hashkey(*args) in self._cache

    def make_room(self, nbytes: int) -> None:
        """Drop the least recently used values until ``nbytes`` more would fit, so that a
        value about to be computed is inside the budget while it is being computed."""
        with self._lock:
            while self._cache and self._cache.currsize + nbytes > self._cache.maxsize:
                self._cache.popitem()

    def usage(self) -> Usage:
        with self._lock:
            return Usage(len(self._cache), int(self._cache.currsize), int(self._cache.maxsize))

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def within(budget: int, sizeof: Callable[[Any], int]) -> Callable[[Callable], Budget]:
    """Decorator: ``@within(512 * MB, lambda run: run.nbytes)``."""
    return lambda function: Budget(function, budget, sizeof)
