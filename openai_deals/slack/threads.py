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

import time
from collections.abc import Callable
from typing import Protocol

from openai_deals.slack.expiring import ExpiringMap

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
        self._threads: ExpiringMap[bool] = ExpiringMap(ttl_seconds, max_threads, clock)

    def remember(self, channel: str, thread_ts: str) -> None:
        self._threads.put(thread_key(channel, thread_ts), True)

    def took_part(self, channel: str, thread_ts: str) -> bool:
        return self._threads.get(thread_key(channel, thread_ts)) is not None

    def __len__(self) -> int:
        return len(self._threads)
