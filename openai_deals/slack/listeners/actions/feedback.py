"""Slack's native 👍 / 👎 under an answer: stored with the question and the cited sentences.

A 👍 is stored and thanked. A 👎 is stored too, then opens a small form (``views.open``, with
the click's ``trigger_id``) asking what was wrong; its submission completes the same row
(``listeners/views/feedback_reason.py``). A vote that cannot be stored is logged, and the
person is thanked all the same: feedback never fails in front of them.
"""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.slack.answerer import (
    LOG_TEXT_MAX_CHARS,
    SLACK_CALL_ERRORS,
    Answerer,
    Work,
    asker_of,
    for_log,
    read_button,
    slack_error,
)
from openai_deals.slack.buttons import VOTE_DOWN, VOTE_UP
from openai_deals.slack.render import render_feedback_form, render_notice

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Work:
    """The work of a click on 👍 or 👎, run after the acknowledgement."""

    def record_feedback(body: dict, client: WebClient, context: BoltContext) -> None:
        user = (body.get("user") or {}).get("id")
        where = {"channel": (body.get("channel") or {}).get("id"), "user": user}
        ref = read_button(answerer, body, where)
        if ref is None:
            return
        vote = ref.vote if ref.vote in (VOTE_UP, VOTE_DOWN) else VOTE_UP
        logger.info(
            "Feedback vote=%s user=%s question=%s offset=%d sentence_ids=%s",
            vote,
            user,
            for_log(ref.question),
            ref.offset,
            ",".join(ref.sentence_ids)[:LOG_TEXT_MAX_CHARS],
        )
        feedback_id = None
        if answerer.outcomes is not None:
            feedback_id = answerer.outcomes.record_vote(
                outcome_id=ref.outcome,
                asker=asker_of(body, context, user, ref.surface.name.lower()),
                vote=vote,
                question=ref.question,
                sentence_ids=ref.sentence_ids,
            )
        if vote == VOTE_DOWN and body.get("trigger_id"):
            try:
                client.views_open(
                    trigger_id=body["trigger_id"], view=render_feedback_form(ref, feedback_id)
                )
                return
            except SLACK_CALL_ERRORS as exc:
                # The trigger lasts 3 seconds: a slow Slack loses the form, not the vote.
                logger.warning("views.open failed: %s (%s)", slack_error(exc), where)
        answerer.respond(
            body.get("response_url"),
            where,
            response_type="ephemeral",
            replace_original=False,
            **render_notice(m.FEEDBACK_THANKS).as_kwargs(),
        )

    return record_feedback
