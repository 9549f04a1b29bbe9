"""The bot's short-lived memory shared by every process, on Redis (``REDIS_URL``).

Four stores, the same rules as their in-memory counterparts (``dedup.SeenKeys``,
``threads.KnownThreads`` and ``conversations.KnownQuestions``), so that a Slack retry, or a
follow-up, reaching another worker or another dyno is recognised:

* :class:`RedisSeenKeys`: ``SET openai-deals:message:<channel>:<ts> 1 NX EX 600``, one round
  trip; the reply says whether the key was new. Atomic across processes.
* :class:`RedisThreads`: ``SET openai-deals:thread:<channel>:<thread_ts> 1 EX 604800`` (each
  answer renews the week) and ``EXISTS``.
* :class:`RedisAssistantThreads`: the same for the assistant threads the bot saw start
  (``openai-deals:assistant:<channel>:<thread_ts>``).
* :class:`RedisQuestions`: ``SET openai-deals:question:<channel>:<thread_ts> <question> EX
  604800`` and ``GET``: a conversation's last question, to read a follow-up with.

Redis is a convenience, never a reason to lose an answer: when it cannot be reached (down,
restarting, a timeout), ``seen_before`` says "not seen" and the bot answers — a Slack retry
may then get a second answer, which beats no answer. ``took_part`` says "no" (the person can
still mention the bot), ``remember`` is skipped, and a follow-up is read on its own. Each
outage is logged as a warning naming the server (never its password) and what was done
instead, then at most once a minute while it lasts, and once more when Redis answers again.
The client reconnects by itself.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from openai_deals.slack import conversations, dedup, threads
from openai_deals.slack.conversations import ThreadQuestions, question_key
from openai_deals.slack.dedup import DuplicateMemory
from openai_deals.slack.threads import BotThreads, thread_key

logger = logging.getLogger(__name__)

T = TypeVar("T")

KEY_PREFIX = "openai-deals:"  # one Redis may serve other apps too
# Seconds to connect to Redis and to wait for a reply. It answers in well under a
# millisecond on a LAN: past half a second it is as good as down, and the answer must not wait.
SOCKET_TIMEOUT_SECONDS = 0.5
WARN_EVERY_SECONDS = 60.0


def safe_url(url: str) -> str:
    """``url`` without its password (``redis://:secret@host:6379/0`` -> ``redis://host:6379/0``),
    for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def redis_client(url: str) -> redis.Redis:
    """A Redis client (with its connection pool) for ``url``, with short timeouts.

    One immediate retry, on a connection error only: after a Redis restart the pooled
    connections are dead, and the first command on each fails before Redis saw it. A timeout
    is not retried: Redis may have run the ``SET NX``, and a retry would read its own key as
    "seen" and drop the answer.
    """
    return redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT_SECONDS,
        socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    )


class _Outages:
    """Rate-limited logging of Redis failures, shared by the stores of one client."""

    def __init__(
        self,
        where: str,
        clock: Callable[[], float] = time.monotonic,
        every: float = WARN_EVERY_SECONDS,
    ) -> None:
        self._where = where
        self._clock = clock
        self._every = every
        self._lock = threading.Lock()
        self._failures = 0  # since the last success
        self._unlogged = 0  # failures not yet counted in a log line
        self._last_warning = -math.inf

    def failed(self, operation: str, key: str, error: Exception, instead: str) -> None:
        now = self._clock()
        with self._lock:
            self._failures += 1
            self._unlogged += 1
            if now - self._last_warning < self._every:
                return
            self._last_warning, unlogged, self._unlogged = now, self._unlogged, 0
        logger.warning(
            "Redis unreachable (%s, %s %s: %s: %s): %s; %d failed call(s) since the last warning",
            self._where,
            operation,
            key,
            type(error).__name__,
            str(error)[:200],
            instead,
            unlogged,
        )

    def succeeded(self) -> None:
        if not self._failures:  # the common case: no lock, no log
            return
        with self._lock:
            failures, self._failures, self._unlogged = self._failures, 0, 0
            self._last_warning = -math.inf  # the next outage is reported at once
        if failures:
            logger.warning(
                "Redis reachable again (%s) after %d failed call(s)", self._where, failures
            )


class _RedisStore:
    """One memory on a Redis client: keys live ``ttl_seconds`` (default ``default_ttl``);
    failures go to an outage log shared by the stores of one client."""

    default_ttl: float

    def __init__(
        self,
        client: redis.Redis,
        ttl_seconds: float | None = None,
        *,
        where: str = "redis",
        outages: _Outages | None = None,
    ) -> None:
        ttl = self.default_ttl if ttl_seconds is None else ttl_seconds
        if ttl <= 0:
            raise ValueError("ttl_seconds must be positive")
        self._client = client
        self._ttl = math.ceil(ttl)
        self._outages = outages or _Outages(where)

    def _call(
        self, operation: str, name: str, instead: str, fallback: T, call: Callable[[], T]
    ) -> T:
        """``call()``; when Redis cannot be reached, log the outage (``operation`` on ``name``,
        and what is done ``instead``) and return ``fallback``."""
        try:
            result = call()
        except redis.RedisError as error:
            self._outages.failed(operation, name, error, instead)
            return fallback
        self._outages.succeeded()
        return result


class RedisSeenKeys(_RedisStore):
    """The :class:`~openai_deals.slack.dedup.DuplicateMemory` shared by every process."""

    default_ttl = dedup.TTL_SECONDS

    def seen_before(self, key: str) -> bool:
        """Record ``key`` for ``ttl_seconds``; True if it was already there.

        False, too, when Redis cannot be reached: then the message is answered (a possible
        second answer to a retry beats a lost one), and the outage is logged.
        """
        name = KEY_PREFIX + key
        created = self._call(
            "SET NX",
            name,
            "answering as if new (a retry may get a second answer)",
            True,
            lambda: self._client.set(name, 1, nx=True, ex=self._ttl),
        )
        return not created

    def forget(self, key: str) -> None:
        """Drop ``key`` (a refused request); on an outage it stays until its TTL, logged."""
        name = KEY_PREFIX + key
        self._call(
            "DEL", name, "a refused request sent again will be ignored", None,
            lambda: self._client.delete(name),
        )


class RedisThreads(_RedisStore):
    """The :class:`~openai_deals.slack.threads.BotThreads` shared by every process."""

    default_ttl = threads.TTL_SECONDS
    kind = "thread"

    def remember(self, channel: str, thread_ts: str) -> None:
        """Record the thread for ``ttl_seconds`` from now (renewed by each answer there)."""
        name = KEY_PREFIX + thread_key(channel, thread_ts, self.kind)
        self._call(
            "SET",
            name,
            "the thread is not remembered",
            None,
            lambda: self._client.set(name, 1, ex=self._ttl),
        )

    def took_part(self, channel: str, thread_ts: str) -> bool:
        """True if the bot answered in the thread within ``ttl_seconds``; False when Redis
        cannot be reached (a mention still gets an answer)."""
        name = KEY_PREFIX + thread_key(channel, thread_ts, self.kind)
        found = self._call(
            "EXISTS",
            name,
            "taken as a thread the bot is not in",
            0,
            lambda: self._client.exists(name),
        )
        return bool(found)


class RedisAssistantThreads(RedisThreads):
    """The assistant threads the bot saw start (``slack/assistant.py``), shared by every
    process: a message in one reaching another worker is still answered as the assistant."""

    kind = "assistant"


class RedisQuestions(_RedisStore):
    """The :class:`~openai_deals.slack.conversations.ThreadQuestions` shared by every
    process."""

    default_ttl = conversations.TTL_SECONDS

    def remember_question(self, channel: str, thread_ts: str, question: str) -> None:
        """Record the conversation's last question for ``ttl_seconds`` from now."""
        name = KEY_PREFIX + question_key(channel, thread_ts)
        self._call(
            "SET",
            name,
            "the question is not remembered",
            None,
            lambda: self._client.set(name, question.encode("utf-8"), ex=self._ttl),
        )

    def last_question(self, channel: str, thread_ts: str) -> str | None:
        """The conversation's last question; None when there is none or Redis cannot be
        reached (the follow-up is then read on its own)."""
        name = KEY_PREFIX + question_key(channel, thread_ts)
        found = self._call(
            "GET", name, "the follow-up is read on its own", None, lambda: self._client.get(name)
        )
        return found.decode("utf-8", errors="replace") if isinstance(found, bytes) else found


@dataclass(frozen=True)
class SharedState:
    """The memories of the bot on one Redis server."""

    seen: DuplicateMemory
    threads: BotThreads
    questions: ThreadQuestions
    assistant_threads: BotThreads


def shared_state(url: str) -> SharedState:
    """The four stores on one Redis client (and one outage log) for ``REDIS_URL``.

    No connection is made here: the first event does it, and a Redis down at start-up delays
    nothing (it is logged on first use).
    """
    where = safe_url(url)
    client = redis_client(url)
    outages = _Outages(where)
    logger.info(
        "Shared state (handled messages, threads answered in, last questions) on Redis at %s",
        where,
    )
    return SharedState(
        RedisSeenKeys(client, where=where, outages=outages),
        RedisThreads(client, where=where, outages=outages),
        RedisQuestions(client, where=where, outages=outages),
        RedisAssistantThreads(client, where=where, outages=outages),
    )


_warned_not_shared = False


def warn_if_not_shared(workers: int, redis_url: str | None, source: str) -> bool:
    """Warn when several processes serve the app but each keeps its own memory.

    Args:
        workers: how many worker processes serve it (gunicorn's ``--workers``,
            ``WEB_CONCURRENCY``).
        redis_url: ``REDIS_URL``, or None.
        source: where ``workers`` was read, for the log line.

    Returns:
        True if the warning was logged.
    """
    global _warned_not_shared
    if workers <= 1 or redis_url or _warned_not_shared:
        return False
    _warned_not_shared = True  # wsgi.py and the gunicorn hook may both see it: say it once
    logger.warning(
        "%d worker processes (%s) without REDIS_URL: each remembers handled messages on its "
        "own, so a Slack retry reaching another worker is answered twice. Set REDIS_URL "
        "(redis://host:6379/0) to share that memory.",
        workers,
        source,
    )
    return True


def web_concurrency() -> int:
    """``WEB_CONCURRENCY`` (the worker count Heroku-like platforms give gunicorn), or 1."""
    value = os.environ.get("WEB_CONCURRENCY", "").strip()
    return int(value) if value.isdigit() else 1
