"""Caches bounded by bytes, not by entries: what keeps a hosted demo's memory flat.

A run at the work cap holds ~150 MB and a notebook-sized one ~10 kB, so a bound on the
number of entries says nothing about memory. A ``Budget`` is a least-recently-used cache
(``cachetools.LRUCache``) whose entries are weighed by ``sizeof`` in bytes; the oldest
go when a new one would pass the budget. It is shared by every thread: one lock guards
the cache, a value is computed outside it, and a key already being computed is waited
for rather than computed twice (cachetools' ``condition``). A value larger than the
whole budget is returned but not kept.

A cache of values derived from another's (a view of a run) can *follow* it: when the
other drops a key, the follower drops every value computed from the same first argument.
A view is then kept no longer than what it shows, so however many views fit in their
budget, they are of the runs in memory, not of runs long gone.

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
    _malloc_trim, _mallopt = _libc.malloc_trim, _libc.mallopt
except (OSError, AttributeError):
    _malloc_trim = _mallopt = None
M_ARENA_MAX = -8  # glibc's <malloc.h>

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


def limit_arenas(count: int = 2) -> None:
    """At most ``count`` glibc heaps (arenas) for the whole process, as MALLOC_ARENA_MAX=2
    would set; unless the environment sets MALLOC_ARENA_MAX itself.

    glibc gives threads up to 8 heaps per core, and a server's threads (Streamlit's, and
    TensorFlow's pools) each keep freed memory in their own, which the process then holds
    without using it. Called before the threads allocate, it holds for every way the app is started.
    """
    if _mallopt is not None and "MALLOC_ARENA_MAX" not in os.environ:
        _mallopt(M_ARENA_MAX, count)


@dataclass(frozen=True)
class Usage:
    entries: int
    nbytes: int
    budget: int  # bytes

    def __str__(self) -> str:
        return f"{self.entries} cached, {self.nbytes / MB:,.1f} MB of {self.budget / MB:,.0f} MB"


class _LRUCache(cachetools.LRUCache):
    """cachetools' LRU cache that reports each key it evicts to make room."""

    def __init__(self, maxsize: int, getsizeof: Callable, dropped: Callable[[Any], None]):
        super().__init__(maxsize=maxsize, getsizeof=getsizeof)
        self._dropped = dropped

    def popitem(self):
        key, value = super().popitem()
        self._dropped(key)
        return key, value


class Budget:
    """``function`` memoised in an LRU cache of at most ``budget`` bytes, as ``sizeof``
    weighs its values; called like ``function``, on hashable arguments. With ``follows``,
    its values go when ``follows`` drops the value of the same first argument."""

    def __init__(
        self,
        function: Callable,
        budget: int,
        sizeof: Callable[[Any], int],
        follows: Budget | None = None,
    ) -> None:
        self._cache = _LRUCache(budget, sizeof, self._dropped)
        self._followers: list[Budget] = []
        if follows is not None:
            follows._followers.append(self)
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

    def make_room(self, nbytes: int) -> int:
        """Drop the least recently used values until ``nbytes`` more would fit, so that a
        value about to be computed is inside the budget while it is being computed; return
        how many bytes were dropped."""
        with self._lock:
            before = self._cache.currsize
            while self._cache and self._cache.currsize + nbytes > self._cache.maxsize:
                self._cache.popitem()
            return int(before - self._cache.currsize)

    def forget(self, first: Hashable) -> None:
        """Drop every value whose first argument is ``first``."""
        with self._lock:
            for key in [key for key in self._cache if key[0] == first]:
                del self._cache[key]

    def _dropped(self, key: tuple) -> None:
        # Called with this cache's lock held; a follower never holds its own lock while it
        # waits for this one (it computes its values outside it), so the order is safe.
        for follower in self._followers:
            follower.forget(key[0])

    def usage(self) -> Usage:
        with self._lock:
            return Usage(len(self._cache), int(self._cache.currsize), int(self._cache.maxsize))

    def clear(self) -> None:
        with self._lock:
            keys = list(self._cache)
            self._cache.clear()
            for key in keys:
                self._dropped(key)


def within(
    budget: int, sizeof: Callable[[Any], int], follows: Budget | None = None
) -> Callable[[Callable], Budget]:
    """Decorator: ``@within(512 * MB, lambda run: run.nbytes)``."""
    return lambda function: Budget(function, budget, sizeof, follows)
