"""The "Plus de résultats" button: the next snippets for the same question, in place."""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.slack.answerer import (
    SLACK_CALL_ERRORS,
    Answerer,
    Work,
    for_log,
    read_button,
    slack_error,
)
from openai_deals.slack.buttons import Surface
from openai_deals.slack.render import render_notice
from openai_deals.slack.retries import may_have_been_delivered

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Work:
    """The work of the "more results" button (run after the acknowledgement)."""

    def show_more_results(body: dict, client: WebClient, context: BoltContext) -> None:
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        ts = container.get("message_ts")
        where = {"channel": channel, "ts": ts, "user": (body.get("user") or {}).get("id")}
        ref = read_button(answerer, body, where)
        if ref is None:
            return
        message = answerer.render(ref, where)
        response_url = body.get("response_url")
        if container.get("is_ephemeral") or ref.surface is Surface.EPHEMERAL or not ts:
            # An ephemeral message can only be replaced through its response_url.
            answerer.respond(response_url, where, replace_original=True, **message.as_kwargs())
            return
        try:
            client.chat_update(channel=channel, ts=ts, **message.as_kwargs())
        except SLACK_CALL_ERRORS as exc:
            logger.exception(
                "chat.update failed: %s (channel=%s, ts=%s, question=%s, offset=%d)",
                slack_error(exc),
                channel,
                ts,
                for_log(ref.question),
                ref.offset,
            )
            if not may_have_been_delivered(exc):
                answerer.respond(
                    response_url,
                    where,
                    response_type="ephemeral",
                    replace_original=False,
                    **render_notice(m.SLACK_FAILED).as_kwargs(),
                )

    return show_more_results
