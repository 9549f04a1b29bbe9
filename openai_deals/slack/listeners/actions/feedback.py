"""👍 / 👎 under an answer: log the vote with the question and the cited sentences."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, Respond

from openai_deals import messages as m
from openai_deals.slack.answerer import Answerer, read_button, safe_respond
from openai_deals.slack.buttons import ACTION_FEEDBACK_UP
from openai_deals.slack.render import render_notice

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Callable[..., None]:
    """The feedback buttons listener (both votes)."""

    def handle_feedback(ack: Ack, body: dict, action: dict, respond: Respond) -> None:
        ack()
        user = (body.get("user") or {}).get("id")
        where = {"channel": (body.get("channel") or {}).get("id"), "user": user}
        ref = read_button(action, respond, where)
        if ref is None:
            return
        vote = "up" if action["action_id"] == ACTION_FEEDBACK_UP else "down"
        logger.info(
            "Feedback vote=%s user=%s question=%r offset=%d sentence_ids=%s",
            vote,
            user,
            ref.question,
            ref.offset,
            ",".join(ref.sentence_ids),
        )
        safe_respond(
            respond,
            where,
            response_type="ephemeral",
            replace_original=False,
            **render_notice(m.FEEDBACK_THANKS).as_kwargs(),
        )

    return handle_feedback
