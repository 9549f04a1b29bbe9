"""``@openai-deals question`` in a channel: answer in the thread of the mention."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals.questions import clean_question
from openai_deals.slack.answerer import Answerer
from openai_deals.slack.questions import is_from_a_person

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Callable[..., None]:
    """The ``app_mention`` listener, bound to ``answerer``."""

    def handle_app_mention(
        body: dict, event: dict, context: BoltContext, client: WebClient
    ) -> None:
        if not is_from_a_person(event, context.bot_user_id):
            return
        answerer.reply_in_thread(
            client,
            channel=event["channel"],
            ts=event["ts"],
            thread_ts=event.get("thread_ts") or event["ts"],
            question=clean_question(event.get("text", "")),
            event_id=body.get("event_id"),
        )

    return handle_app_mention
