"""The "Partager dans le canal" button: post an ephemeral answer for the whole channel."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from openai_deals import messages as m
from openai_deals.slack.answerer import (
    SLACK_CALL_ERRORS,
    Answerer,
    read_button,
    safe_respond,
    slack_error,
)
from openai_deals.slack.buttons import AnswerRef, Surface
from openai_deals.slack.render import render_notice

logger = logging.getLogger(__name__)

# Slack's answers when the bot may not post in a conversation: it has to be invited.
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})


def build(answerer: Answerer) -> Callable[..., None]:
    """The share button listener, bound to ``answerer``."""

    def handle_share_button(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond
    ) -> None:
        ack()
        channel, user = body["channel"]["id"], body["user"]["id"]
        where = {"channel": channel, "user": user}
        ref = read_button(action, respond, where)
        if ref is None:
            return
        shared = AnswerRef(ref.question, ref.offset, Surface.SHARED, shared_by=user)
        message = answerer.render(shared, where)
        try:
            client.chat_postMessage(channel=channel, **message.as_kwargs())
        except SLACK_CALL_ERRORS as exc:
            error = slack_error(exc)
            if isinstance(exc, SlackApiError) and error in NOT_A_MEMBER:
                logger.info("Cannot share, the bot is not in the channel (%s)", where)
                reply = m.NOT_IN_CHANNEL
            else:
                logger.exception(
                    "Sharing failed: %s (channel=%s, user=%s, question=%r)",
                    error,
                    channel,
                    user,
                    ref.question,
                )
                reply = m.SLACK_FAILED
            safe_respond(
                respond,
                where,
                response_type="ephemeral",
                replace_original=False,
                **render_notice(reply).as_kwargs(),
            )
            return
        safe_respond(respond, where, delete_original=True)

    return handle_share_button
