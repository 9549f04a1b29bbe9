"""The "Partager dans le canal" button: post an ephemeral answer for the whole channel."""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from openai_deals import messages as m
from openai_deals.slack.answerer import (
    SLACK_CALL_ERRORS,
    Answerer,
    Work,
    for_log,
    read_button,
    slack_error,
)
from openai_deals.slack.buttons import AnswerRef, Surface
from openai_deals.slack.render import render_notice
from openai_deals.slack.retries import may_have_been_delivered

logger = logging.getLogger(__name__)

# Slack's answers when the bot may not post in a conversation: it has to be invited.
NOT_A_MEMBER = frozenset({"not_in_channel", "channel_not_found"})


def build(answerer: Answerer) -> Work:
    """The work of the share button (run after the acknowledgement), bound to ``answerer``."""

    def share_answer(body: dict, client: WebClient, context: BoltContext) -> None:
        channel, user = body["channel"]["id"], body["user"]["id"]
        where = {"channel": channel, "user": user}
        ref = read_button(answerer, body, where)
        if ref is None:
            return
        shared = AnswerRef(ref.question, ref.offset, Surface.SHARED, shared_by=user)
        message = answerer.render(shared, where)
        response_url = body.get("response_url")
        try:
            client.chat_postMessage(channel=channel, **message.as_kwargs())
        except SLACK_CALL_ERRORS as exc:
            error = slack_error(exc)
            if may_have_been_delivered(exc):
                logger.warning(
                    "Shared answer may have been posted, not retried (%s; channel=%s, user=%s)",
                    error,
                    channel,
                    user,
                )
                return
            if isinstance(exc, SlackApiError) and error in NOT_A_MEMBER:
                logger.info("Cannot share, the bot is not in the channel (%s)", where)
                reply = m.NOT_IN_CHANNEL
            else:
                logger.exception(
                    "Sharing failed: %s (channel=%s, user=%s, question=%s)",
                    error,
                    channel,
                    user,
                    for_log(ref.question),
                )
                reply = m.SLACK_FAILED
            answerer.respond(
                response_url,
                where,
                response_type="ephemeral",
                replace_original=False,
                **render_notice(reply).as_kwargs(),
            )
            return
        answerer.respond(response_url, where, delete_original=True)

    return share_answer
