"""Remember which Slack messages were already answered, so a redelivery never answers twice.

The rule, in one place:

* **What is remembered**: one key per message, ``message:<channel>:<ts>``. Slack's retries of an
  event, and the same message arriving both as ``app_mention`` and ``message.im``, share it.
  And one key per interaction (slash command, click, form submission, shortcut),
  ``interaction:<trigger_id>``: Slack never sends one twice, so a second sighting is a
  replay of the signed request (``Answerer.acknowledge_then`` ignores it).
* **For how long**: ``TTL_SECONDS`` = 10 minutes after the first sighting. Slack retries an
  event it thinks went unanswered three times: at once, after 1 minute and after 5 minutes
  (Events API) — all within 6 minutes, inside the window with room to spare. A signed
  request is accepted while its timestamp is less than 5 minutes off, either way: a replay
  comes within 10 minutes of the first sighting, or is refused by the gate.
* **How many**: at most ``MAX_KEYS`` = 100,000 keys (about 20 MB), i.e. the whole window at
  up to 166 messages a second. Above that rate the oldest keys are forgotten before their
  10 minutes, and a warning says so: the guarantee then shrinks, memory does not grow.

The memory is per process (run one process with threads). It sits behind
:class:`DuplicateMemory`, whose one method maps onto Redis's ``SET key 1 NX EX ttl`` for a
memory shared between processes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

logger = logging.getLogger(__name__)

TTL_SECONDS = 600.0
MAX_KEYS = 100_000
_WARN_EVERY_SECONDS = 60.0


class DuplicateMemory(Protocol):
    """What the bot needs from a memory of handled messages."""

    def seen_before(self, key: str) -> bool:
        """Record ``key``; True if it was already recorded within the time window.

        Atomic: of several callers racing with the same key, exactly one gets False.
        """
        ...

    def forget(self, key: str) -> None:
        """Drop ``key``: what it stood for was refused (busy), not handled, so the same
        request sent again must be handled."""
        ...


def message_key(channel: str, ts: str) -> str:
    """The key of one Slack message: a retry, or the same message as a mention and as a DM,
    has the same one."""
    return f"message:{channel}:{ts}"


def interaction_key(trigger_id: str) -> str:
    """The key of one interaction (command, click, submission, shortcut): its trigger id,
    which Slack makes anew for each."""
    return f"interaction:{trigger_id}"


class SeenKeys:
    """The in-memory :class:`DuplicateMemory`: bounded, thread-safe, keys expire after a TTL."""

    def __init__(
        self,
        ttl_seconds: float = TTL_SECONDS,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds <= 0 or max_keys <= 0:
            raise ValueError("ttl_seconds and max_keys must be positive")
        self._ttl = ttl_seconds
        self._max = max_keys
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # oldest first
        self._lock = threading.Lock()
        self._last_warning = -float("inf")

    def seen_before(self, key: str) -> bool:
        """Record ``key``; True if it was already recorded less than ``ttl_seconds`` ago."""
        now = self._clock()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) <= now - self._ttl:
                self._seen.popitem(last=False)
            if key in self._seen:
                return True
            self._seen[key] = now
            if len(self._seen) > self._max:
                _, recorded = self._seen.popitem(last=False)
                self._warn_early_forgetting(now, now - recorded)
            return False

    def forget(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)

    def _warn_early_forgetting(self, now: float, age: float) -> None:
        if now - self._last_warning >= _WARN_EVERY_SECONDS:
            self._last_warning = now
            logger.warning(
                "Duplicate memory full (%d keys): forgetting keys after %.0f s instead of %.0f s; "
                "a late Slack retry may be answered twice",
                self._max,
                age,
                self._ttl,
            )

    def __len__(self) -> int:
        with self._lock:
            return len(self._seen)
