"""A bounded, thread-safe map whose entries expire: the in-memory twin of a Redis key with a
TTL, shared by the per-process memories of threads (``threads.py``) and questions
(``conversations.py``)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class ExpiringMap(Generic[V]):
    """Keys with a value and the time it was put; a key is gone ``ttl_seconds`` after its
    last ``put``, and past ``max_entries`` the least recently put goes first.

    Raises:
        ValueError: ``ttl_seconds`` or ``max_entries`` is not positive.
    """

    def __init__(
        self,
        ttl_seconds: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0 or max_entries <= 0:
            raise ValueError("ttl_seconds and max_entries must be positive")
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()  # least recent first
        self._lock = threading.Lock()

    def put(self, key: str, value: V) -> None:
        """Store ``value`` under ``key`` (renews its time window)."""
        with self._lock:
            self._entries[key] = (self._clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def get(self, key: str) -> V | None:
        """The value put under ``key`` less than ``ttl_seconds`` ago, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock() - self._ttl:
                del self._entries[key]
                return None
            return entry[1]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
