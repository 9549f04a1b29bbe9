"""``@openai-deals question`` in a channel: answer in the thread of the mention."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals.questions import clean_question
from openai_deals.slack.answerer import Answerer, Work, asker_of
from openai_deals.slack.questions import is_from_a_person


def build(answerer: Answerer) -> Work:
    """The work of an ``app_mention`` (run after the acknowledgement), bound to ``answerer``."""

    def answer_app_mention(body: dict, client: WebClient, context: BoltContext) -> None:
        event = body["event"]
        if not is_from_a_person(event, context.bot_user_id):
            return
        answerer.reply_in_thread(
            client,
            channel=event["channel"],
            ts=event["ts"],
            thread_ts=event.get("thread_ts") or event["ts"],
            question=clean_question(event.get("text", "")),
            user=event.get("user"),
            event_id=body.get("event_id"),
            asker=asker_of(body, context, event.get("user"), "mention"),
        )

    return answer_app_mention
