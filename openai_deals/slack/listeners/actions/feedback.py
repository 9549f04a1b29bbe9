"""👍 / 👎 under an answer: log the vote with the question and the cited sentences."""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.slack.answerer import LOG_TEXT_MAX_CHARS, Answerer, Work, for_log, read_button
from openai_deals.slack.buttons import ACTION_FEEDBACK_UP
from openai_deals.slack.render import render_notice

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Work:
    """The work of the feedback buttons (both votes), run after the acknowledgement."""

    def record_feedback(body: dict, client: WebClient, context: BoltContext) -> None:
        action = body["actions"][0]
        user = (body.get("user") or {}).get("id")
        where = {"channel": (body.get("channel") or {}).get("id"), "user": user}
        ref = read_button(answerer, body, where)
        if ref is None:
            return
        vote = "up" if action["action_id"] == ACTION_FEEDBACK_UP else "down"
        logger.info(
            "Feedback vote=%s user=%s question=%s offset=%d sentence_ids=%s",
            vote,
            user,
            for_log(ref.question),
            ref.offset,
            ",".join(ref.sentence_ids)[:LOG_TEXT_MAX_CHARS],
        )
        answerer.respond(
            body.get("response_url"),
            where,
            response_type="ephemeral",
            replace_original=False,
            **render_notice(m.FEEDBACK_THANKS).as_kwargs(),
        )

    return record_feedback
