"""Remember which Slack events were already handled, so a retry never answers twice."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class SeenKeys:
    """A bounded, thread-safe set of recently seen keys that forget themselves after a TTL.

    It lives in memory, so it is per process: run a single process (threads are fine) for the
    guarantee to hold across all requests. Slack retries an event at most three times within
    about five minutes, so the default one-hour TTL covers every retry.
    """

    def __init__(
        self,
        ttl_seconds: float = 3600.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0 or max_keys <= 0:
            raise ValueError("ttl_seconds and max_keys must be positive")
        self._ttl = ttl_seconds
        self._max = max_keys
        self._clock = clock
        self._seen: OrderedDict[Hashable, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, *keys: Hashable) -> bool:
        """Record ``keys``; return False if any of them was already seen within the TTL."""
        now = self._clock()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) <= now - self._ttl:
                self._seen.popitem(last=False)
            if any(key in self._seen for key in keys):
                return False
            for key in keys:
                self._seen[key] = now
            while len(self._seen) > self._max:
                self._seen.popitem(last=False)
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)
