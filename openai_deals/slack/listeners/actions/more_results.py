"""The "Plus de résultats" button: the next snippets for the same question, in place."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from openai_deals.slack.answerer import (
    SLACK_CALL_ERRORS,
    Answerer,
    read_button,
    safe_respond,
    slack_error,
)
from openai_deals.slack.buttons import Surface

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Callable[..., None]:
    """The "more results" button listener, bound to ``answerer``."""

    def handle_more_results(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond
    ) -> None:
        ack()
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        ts = container.get("message_ts")
        where = {"channel": channel, "ts": ts, "user": (body.get("user") or {}).get("id")}
        ref = read_button(action, respond, where)
        if ref is None:
            return
        message = answerer.render(ref, where)
        if container.get("is_ephemeral") or ref.surface is Surface.EPHEMERAL or not ts:
            # An ephemeral message can only be replaced through its response_url.
            safe_respond(respond, where, replace_original=True, **message.as_kwargs())
            return
        try:
            client.chat_update(channel=channel, ts=ts, **message.as_kwargs())
        except SLACK_CALL_ERRORS as exc:
            logger.exception(
                "chat.update failed: %s (channel=%s, ts=%s, question=%r, offset=%d)",
                slack_error(exc),
                channel,
                ts,
                ref.question,
                ref.offset,
            )

    return handle_more_results
