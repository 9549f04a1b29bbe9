"""A person's message in an assistant thread: status, answer in the thread, title."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.questions import clean_question
from openai_deals.retrieval.text import shorten
from openai_deals.slack.answerer import SLACK_CALL_ERRORS, Answerer, Work, asker_of, slack_error
from openai_deals.slack.questions import is_from_a_person
from openai_deals.slack.threads import BotThreads

logger = logging.getLogger(__name__)

TITLE_MAX_CHARS = 100


def in_known_thread(assistant_threads: BotThreads) -> Callable[[dict], bool]:
    """A matcher: the message is in an assistant thread the bot saw start. Other DM threads
    fall through to the ordinary DM listener."""

    def known(body: dict) -> bool:
        event = body.get("event") or {}
        return assistant_threads.took_part(event.get("channel", ""), event.get("thread_ts", ""))

    return known


def build(answerer: Answerer) -> Work:
    """The work of a message in an assistant thread (run after the acknowledgement)."""

    def answer_in_assistant_thread(body: dict, client: WebClient, context: BoltContext) -> None:
        event = body["event"]
        channel, thread_ts, user = event["channel"], event["thread_ts"], event.get("user")
        if not is_from_a_person(event, context.bot_user_id):
            return
        question = clean_question(event.get("text", ""))
        if not question:
            return
        first = answerer.questions.last_question(channel, thread_ts) is None
        _call(
            client.assistant_threads_setStatus,
            channel_id=channel,
            thread_ts=thread_ts,
            status=m.ASSISTANT_STATUS,
        )
        answered = answerer.reply_in_thread(
            client,
            channel=channel,
            ts=event["ts"],
            thread_ts=thread_ts,
            question=question,
            user=user,
            event_id=body.get("event_id"),
            asker=asker_of(body, context, user, "assistant"),
        )
        if answered and first:
            _call(
                client.assistant_threads_setTitle,
                channel_id=channel,
                thread_ts=thread_ts,
                title=shorten(question, TITLE_MAX_CHARS),
            )

    return answer_in_assistant_thread


def _call(method: Callable[..., object], **kwargs: str) -> None:
    # Status and title are niceties: their failure is logged, the answer goes on. (Posting
    # the answer clears the status, so there is nothing to undo.)
    try:
        method(**kwargs)
    except SLACK_CALL_ERRORS as exc:
        logger.warning(
            "%s failed: %s (channel=%s, thread_ts=%s)",
            getattr(method, "__name__", "assistant call"),
            slack_error(exc),
            kwargs.get("channel_id"),
            kwargs.get("thread_ts"),
        )
