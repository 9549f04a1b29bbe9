"""The form a 👎 opens: store the reason picked and the optional comment."""

from __future__ import annotations

import json
import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.slack.answerer import Answerer, Work, asker_of, for_log
from openai_deals.slack.buttons import AnswerRef, InvalidButtonValue

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Work:
    """The work of the feedback form's submission, run after the acknowledgement."""

    def store_feedback_reason(body: dict, client: WebClient, context: BoltContext) -> None:
        view = body.get("view") or {}
        user = (body.get("user") or {}).get("id")
        values = (view.get("state") or {}).get("values") or {}
        option = ((values.get("reason") or {}).get("reason") or {}).get("selected_option") or {}
        reason = option.get("value")
        if reason not in m.FEEDBACK_REASONS:
            reason = None
        comment = ((values.get("comment") or {}).get("comment") or {}).get("value") or ""
        try:
            metadata = json.loads(view.get("private_metadata") or "{}")
            ref = AnswerRef.decode(metadata.get("ref", ""))
            feedback_id = metadata.get("fb") or None
        except (ValueError, AttributeError, InvalidButtonValue):
            logger.warning("Unreadable feedback form, ignored (user=%s)", user, exc_info=True)
            return
        logger.info(
            "Feedback reason=%s user=%s question=%s comment=%s",
            reason,
            user,
            for_log(ref.question),
            bool(comment.strip()),
        )
        if answerer.outcomes is None or reason is None:
            return
        answerer.outcomes.record_reason(
            feedback_id,
            reason=reason,
            comment=comment,
            outcome_id=ref.outcome,
            asker=asker_of(body, context, user, ref.surface.name.lower()),
            question=ref.question,
            sentence_ids=ref.sentence_ids,
        )

    return store_feedback_reason
