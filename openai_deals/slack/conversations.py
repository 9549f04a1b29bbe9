"""Remember each conversation's last question, so that a follow-up is read with it.

« Et Google ? » in a thread (or a DM, or the assistant pane) means something only after
« Combien Microsoft a-t-il investi dans OpenAI ? ». The bot keeps, per conversation, the last
question as it read it (``retrieval.followup.contextualise``), behind :class:`ThreadQuestions`:

* **Key**: ``question:<channel>:<thread_ts>`` (a DM outside threads uses ``DM_CONVERSATION``
  as its ``thread_ts``: the whole DM is one conversation).
* **For how long**: ``TTL_SECONDS`` = 7 days after the last question, like the memory of the
  threads the bot answered in (``threads.py``).
* **How many**: at most ``MAX_CONVERSATIONS`` in memory, least recently asked first out.

:class:`KnownQuestions` is per process; a store shared between processes (Redis:
``SET key question EX ttl`` and ``GET key``) implements the same two methods.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

TTL_SECONDS = 7 * 24 * 3600.0
MAX_CONVERSATIONS = 100_000
DM_CONVERSATION = "dm"


class ThreadQuestions(Protocol):
    """What the bot needs from a memory of each conversation's last question."""

    def last_question(self, channel: str, thread_ts: str) -> str | None:
        """The conversation's last question, or None (never asked, or forgotten)."""
        ...

    def remember_question(self, channel: str, thread_ts: str, question: str) -> None:
        """Record the conversation's last question (renews its time window)."""
        ...


def question_key(channel: str, thread_ts: str) -> str:
    """The key of one conversation, shared by every store."""
    return f"question:{channel}:{thread_ts}"


class KnownQuestions:
    """The in-memory :class:`ThreadQuestions`: bounded, thread-safe, entries expire."""

    def __init__(
        self,
        ttl_seconds: float = TTL_SECONDS,
        max_conversations: int = MAX_CONVERSATIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0 or max_conversations <= 0:
            raise ValueError("ttl_seconds and max_conversations must be positive")
        self._ttl = ttl_seconds
        self._max = max_conversations
        self._clock = clock
        self._questions: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def last_question(self, channel: str, thread_ts: str) -> str | None:
        key = question_key(channel, thread_ts)
        with self._lock:
            entry = self._questions.get(key)
            if entry is None:
                return None
            if entry[0] <= self._clock() - self._ttl:
                del self._questions[key]
                return None
            return entry[1]

    def remember_question(self, channel: str, thread_ts: str, question: str) -> None:
        key = question_key(channel, thread_ts)
        with self._lock:
            self._questions[key] = (self._clock(), question)
            self._questions.move_to_end(key)
            while len(self._questions) > self._max:
                self._questions.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._questions)
