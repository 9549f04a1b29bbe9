"""How the bot retries Slack calls: transient failures again, never a post that may have landed.

slack_sdk's retry handlers, configured for one rule:

* **Server errors** (HTTP 500, 503): up to 2 more tries, after ``SLACK_RETRY_BACKOFF``
  seconds (0.5), then twice that, each plus up to as much again of random jitter.
* **Rate limits**: HTTP 429, and also HTTP 200 ``{"ok": false, "error": "ratelimited"}``: up to
  3 more tries, each after the ``Retry-After`` seconds Slack asks for (the backoff when it says
  none), plus jitter.
* **Connection errors** raised while *sending* (refused, unreachable, reset or timed out before
  the whole request left): up to 2 more tries — Slack cannot have acted on a request it did
  not receive. urllib wraps exactly these in ``URLError``.
* **Never**: a timeout, reset or disconnection while *waiting for the answer*. Slack may have
  posted the message already, and a retry could post it twice (``chat.postMessage`` has no
  idempotency key). The caller logs it as "may have been posted".
"""

from __future__ import annotations

import random
import time
from urllib.error import URLError

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

SERVER_ERROR_RETRIES = 2
RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2


DEFAULT_BACKOFF_SECONDS = 0.5


class ProportionalJitter(Jitter):
    """Adds up to 100 % of the wait at random, so that retries from many threads spread out."""

    def recalculate(self, duration: float) -> float:
        return duration * (1 + random.random())


class RateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Rate limits as HTTP 429 *or* as ``ok: false, error: ratelimited``; waits ``Retry-After``
    (or ``backoff`` seconds when Slack gives none), plus up to ``backoff`` of jitter."""

    def __init__(self, max_retry_count: int, backoff: float) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.backoff = backoff

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None:
            return False
        if response.status_code == 429:
            return True
        body = response.body if isinstance(response.body, dict) else {}
        return body.get("ok") is False and body.get("error") == "ratelimited"

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = self.backoff
        for name, values in (response.headers if response else {}).items():
            if name.lower() == "retry-after" and values and str(values[0]).strip().isdigit():
                wait = int(str(values[0]).strip())
        time.sleep(wait + random.random() * self.backoff)
        state.next_attempt_requested = True
        state.increment_current_attempt()


def retry_handlers(backoff: float = DEFAULT_BACKOFF_SECONDS) -> list[RetryHandler]:
    """The retry handlers of every Web API and response_url client of the bot.

    Args:
        backoff: ``SLACK_RETRY_BACKOFF``, the first wait in seconds before retrying.
    """
    interval = BackoffRetryIntervalCalculator(backoff_factor=backoff, jitter=ProportionalJitter())
    return [
        ServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES, interval_calculator=interval),
        RateLimitRetryHandler(max_retry_count=RATE_LIMIT_RETRIES, backoff=backoff),
        # URLError only: urllib raises it for failures before the request was fully sent;
        # errors while reading the answer come raw (TimeoutError, RemoteDisconnected…).
        ConnectionErrorRetryHandler(
            max_retry_count=CONNECTION_RETRIES, interval_calculator=interval, error_types=[URLError]
        ),
    ]


def may_have_been_delivered(error: BaseException) -> bool:
    """True when a failed call may still have reached Slack: the request was sent, then the
    connection failed or timed out while waiting for the answer."""
    return isinstance(error, OSError) and not isinstance(error, URLError)
