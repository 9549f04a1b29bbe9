"""Build the Bolt app: a thin factory, no network call until the first request."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from openai_deals.settings import Settings, SettingsError
from openai_deals.slack.answerer import AnswerEngine, Answerer
from openai_deals.slack.dedup import DuplicateMemory, SeenKeys
from openai_deals.slack.listeners import register_listeners

logger = logging.getLogger(__name__)

WEB_API_TIMEOUT_SECONDS = 10


def create_web_client(settings: Settings) -> WebClient:
    """A Web API client for ``SLACK_API_BASE_URL`` that waits out one rate limit (HTTP 429).

    Raises:
        SettingsError: ``SLACK_BOT_TOKEN`` is missing.
    """
    if not settings.slack_bot_token:
        raise SettingsError(
            "SLACK_BOT_TOKEN: missing; copy the Bot User OAuth Token (xoxb-…) from the app's "
            "OAuth & Permissions page into .env"
        )
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_base_url,
        timeout=WEB_API_TIMEOUT_SECONDS,
    )
    # Server errors (5xx) are not retried: Slack may have posted the message already.
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    return client


def create_app(
    settings: Settings,
    engine: AnswerEngine,
    *,
    client: WebClient | None = None,
    seen: DuplicateMemory | None = None,
) -> App:
    """Build the Slack app around ``engine``.

    Args:
        settings: needs ``SLACK_BOT_TOKEN``; ``SLACK_SIGNING_SECRET`` for HTTP mode.
        engine: answers questions (``retrieval.engine.Engine`` or anything alike).
        client: the Web API client; default ``create_web_client(settings)``.
        seen: the memory of answered messages; default a fresh in-memory ``SeenKeys``.

    Raises:
        SettingsError: ``SLACK_BOT_TOKEN`` is missing.
    """
    app = App(
        name="openai-deals",
        client=client or create_web_client(settings),
        signing_secret=settings.slack_signing_secret or "",
        # auth.test is then called on the first request instead of here.
        token_verification_enabled=False,
        # The listeners filter out the bot's own messages themselves (and log each one they
        # skip), along with edits and other bots: one rule, visible in slack/questions.py.
        ignoring_self_events_enabled=False,
    )
    register_listeners(app, Answerer(engine, k=settings.top_k, seen=seen or SeenKeys()))
    app.error(log_unexpected_error)
    return app


def log_unexpected_error(error: Exception, body: dict) -> None:
    """Last resort for an error no listener expected: log it with what Slack sent."""
    event = body.get("event") or {}
    logger.error(
        "Unhandled error (type=%s, event=%s, channel=%s, ts=%s, command=%s)",
        body.get("type"),
        event.get("type"),
        event.get("channel") or (body.get("channel") or {}).get("id"),
        event.get("ts"),
        body.get("command"),
        exc_info=error,
    )
