"""A direct message to the bot: answer it in the DM (in its thread if it was in one)."""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals.questions import clean_question
from openai_deals.slack.answerer import Answerer, Work, asker_of
from openai_deals.slack.conversations import DM_CONVERSATION
from openai_deals.slack.questions import is_from_a_person

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Work:
    """The work of a ``message`` event (run after the acknowledgement), bound to ``answerer``."""

    def answer_direct_message(body: dict, client: WebClient, context: BoltContext) -> None:
        event = body["event"]
        # Edits (message_changed), deletions, joins, bot posts and our own replies all arrive
        # here too: only a plain message typed by a person in a DM gets an answer.
        if event.get("channel_type") != "im" or not is_from_a_person(event, context.bot_user_id):
            logger.debug(
                "Ignoring message event (channel_type=%s, subtype=%s, bot_id=%s, user=%s)",
                event.get("channel_type"),
                event.get("subtype"),
                event.get("bot_id"),
                event.get("user"),
            )
            return
        if not event.get("text", "").strip():
            logger.debug("Ignoring message event without text (ts=%s)", event.get("ts"))
            return  # a file or an attachment alone: nothing to answer
        answerer.reply_in_thread(
            client,
            channel=event["channel"],
            ts=event["ts"],
            thread_ts=event.get("thread_ts"),
            question=clean_question(event["text"]),
            user=event.get("user"),
            event_id=body.get("event_id"),
            asker=asker_of(body, context, event.get("user"), "dm"),
            # Outside threads, the whole DM is one conversation: « Et Google ? » follows the
            # question before it.
            conversation=event.get("thread_ts") or DM_CONVERSATION,
        )

    return answer_direct_message
