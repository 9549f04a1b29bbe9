"""Remember each conversation's last question, so that a follow-up is read with it.

« Et Google ? » in a thread (or a DM, or the assistant pane) means something only after
« Combien Microsoft a-t-il investi dans OpenAI ? ». The bot keeps, per conversation, the last
question as it read it (``retrieval.answering.followup.contextualise``), behind
:class:`ThreadQuestions`:

* **Key**: ``question:<channel>:<thread_ts>`` (a DM outside threads uses ``DM_CONVERSATION``
  as its ``thread_ts``: the whole DM is one conversation).
* **For how long**: ``TTL_SECONDS`` = 7 days after the last question, like the memory of the
  threads the bot answered in (``threads.py``).
* **How many**: at most ``MAX_CONVERSATIONS`` in memory, least recently asked first out.

:class:`KnownQuestions` is per process; a store shared between processes (Redis:
``SET key question EX ttl`` and ``GET key``) implements the same two methods.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from openai_deals.slack.expiring import ExpiringMap

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
        self._questions: ExpiringMap[str] = ExpiringMap(ttl_seconds, max_conversations, clock)

    def last_question(self, channel: str, thread_ts: str) -> str | None:
        return self._questions.get(question_key(channel, thread_ts))

    def remember_question(self, channel: str, thread_ts: str, question: str) -> None:
        self._questions.put(question_key(channel, thread_ts), question)

    def __len__(self) -> int:
        return len(self._questions)
