"""A reply, without a mention, in a channel thread the bot answered in: a follow-up.

It is answered in the same thread, read with the thread's previous question (« Et Google ? »).
Only threads the bot took part in (``Answerer.threads``): anywhere else the bot stays silent. A
reply that also mentions the bot arrives a second time as ``app_mention``; the memory of
answered messages (``dedup``) makes sure it is answered once.
"""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals.questions import clean_question
from openai_deals.slack.answerer import Answerer, Work, asker_of
from openai_deals.slack.questions import is_from_a_person

logger = logging.getLogger(__name__)

#: ``channel_type`` of the conversations whose threads the bot follows (message.channels,
#: message.groups); DMs have their own listener.
CHANNEL_TYPES = frozenset({"channel", "group"})


def is_thread_reply(body: dict) -> bool:
    """True for a message event in a channel or private channel thread (not its parent)."""
    event = body.get("event") or {}
    thread_ts = event.get("thread_ts")
    return (
        event.get("channel_type") in CHANNEL_TYPES
        and bool(thread_ts)
        and thread_ts != event.get("ts")
    )


def build(answerer: Answerer) -> Work:
    """The work of a thread reply (run after the acknowledgement), bound to ``answerer``."""

    def answer_thread_reply(body: dict, client: WebClient, context: BoltContext) -> None:
        event = body["event"]
        channel, thread_ts = event["channel"], event["thread_ts"]
        if not is_from_a_person(event, context.bot_user_id):
            logger.debug(
                "Ignoring thread message (subtype=%s, bot_id=%s, user=%s)",
                event.get("subtype"),
                event.get("bot_id"),
                event.get("user"),
            )
            return
        if not answerer.threads.took_part(channel, thread_ts):
            logger.debug(
                "Not our thread, staying out (channel=%s, thread_ts=%s)", channel, thread_ts
            )
            return
        text = clean_question(event.get("text", ""))
        if not text:
            return
        answerer.reply_in_thread(
            client,
            channel=channel,
            ts=event["ts"],
            thread_ts=thread_ts,
            question=text,
            user=event.get("user"),
            event_id=body.get("event_id"),
            asker=asker_of(body, context, event.get("user"), "thread"),
        )

    return answer_thread_reply
