"""Remember the threads the bot answered in, so that a reply there is a follow-up for it.

The bot answers a message without a mention only in a thread it took part in (a channel
thread it answered in, a DM, the assistant pane). Slack does not say so in the event; the bot
keeps the list itself, behind :class:`BotThreads`:

* **What is remembered**: one key per thread, ``thread:<channel>:<thread_ts>``.
* **For how long**: ``TTL_SECONDS`` = 7 days after the bot's last answer there (each answer
  renews it): a conversation picked up a week later starts again with a mention.
* **How many**: at most ``MAX_THREADS`` in memory, oldest first out.

The in-memory :class:`KnownThreads` is per process; a store shared between processes (Redis:
``SET key 1 EX ttl`` and ``EXISTS key``) implements the same two methods.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

TTL_SECONDS = 7 * 24 * 3600.0
MAX_THREADS = 100_000


class BotThreads(Protocol):
    """What the bot needs from a memory of the threads it answered in."""

    def remember(self, channel: str, thread_ts: str) -> None:
        """Record that the bot answered in this thread (renews its time window)."""
        ...

    def took_part(self, channel: str, thread_ts: str) -> bool:
        """True if the bot answered in this thread within the time window."""
        ...


def thread_key(channel: str, thread_ts: str, kind: str = "thread") -> str:
    """The key of one thread, shared by every store; ``kind`` keeps apart two memories of
    threads on one server ("thread": answered in; "assistant": assistant threads)."""
    return f"{kind}:{channel}:{thread_ts}"


class KnownThreads:
    """The in-memory :class:`BotThreads`: bounded, thread-safe, entries expire after a TTL."""

    def __init__(
        self,
        ttl_seconds: float = TTL_SECONDS,
        max_threads: int = MAX_THREADS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0 or max_threads <= 0:
            raise ValueError("ttl_seconds and max_threads must be positive")
        self._ttl = ttl_seconds
        self._max = max_threads
        self._clock = clock
        self._threads: OrderedDict[str, float] = OrderedDict()  # least recently answered first
        self._lock = threading.Lock()

    def remember(self, channel: str, thread_ts: str) -> None:
        key = thread_key(channel, thread_ts)
        with self._lock:
            self._threads[key] = self._clock()
            self._threads.move_to_end(key)
            while len(self._threads) > self._max:
                self._threads.popitem(last=False)

    def took_part(self, channel: str, thread_ts: str) -> bool:
        key = thread_key(channel, thread_ts)
        with self._lock:
            answered = self._threads.get(key)
            if answered is None:
                return False
            if answered <= self._clock() - self._ttl:
                del self._threads[key]
                return False
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._threads)
