"""Database reads kept in memory and read again behind the requests that use them.

A value younger than `fresh_for` is answered as it is; an older one, up to `max_age`, is still
answered at once while one background thread reads it again (stale while revalidate). Past
`max_age` (nobody asked for a while) the caller reads it itself. Whatever is answered was read
at most `max_age` ago, so a change (a revoked token, a finished run) is seen within `max_age`;
under steady traffic no request ever waits for a read. The clock is a parameter: tests move
time by hand and wait for the background reads with `settle`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Revalidating(Generic[K, V]):
    def __init__(self, read: Callable[[K], V], fresh_for: float, max_age: float,
                 clock: Callable[[], float] = time.monotonic, limit: int = 10_000):
        if not 0 <= fresh_for < max_age:
            raise ValueError("fresh_for must be at least 0 and below max_age")
        self.read, self.fresh_for, self.max_age = read, fresh_for, max_age
        self.clock, self.limit = clock, limit
        self._entries: dict[K, tuple[float, V]] = {}  # key -> (when its read started, value)
        self._pending: set[K] = set()
        self._lock = threading.Lock()
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="revalidate")

    def peek(self, key: K) -> tuple[bool, V | None]:
        """(True, value) if a value read within `max_age` is kept, starting a background read
        when it is older than `fresh_for`; (False, None) if the caller must `get` it. Never
        waits for the database, so it may run on the event loop."""
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or now - entry[0] > self.max_age:
                return False, None
            if now - entry[0] > self.fresh_for and key not in self._pending:
                self._pending.add(key)
                self._reader.submit(self._read, key)
            return True, entry[1]

    def get(self, key: K) -> V:
        """The kept value, or one read now (in the calling thread) when none is usable."""
        found, value = self.peek(key)
        return value if found else self._read(key)  # type: ignore[return-value]

    def settle(self) -> None:
        """Wait until the background reads started so far have finished."""
        self._reader.submit(lambda: None).result()

    def _read(self, key: K) -> V:
        at = self.clock()  # taken before the read: a change made before it is seen in it
        try:
            value = self.read(key)
        finally:
            with self._lock:
                self._pending.discard(key)
        with self._lock:
            if key not in self._entries and len(self._entries) >= self.limit:
                self._entries.clear()
            kept = self._entries.get(key)
            if kept is None or kept[0] <= at:
                self._entries[key] = (at, value)
        return value
