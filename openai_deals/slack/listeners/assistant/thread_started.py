"""``assistant_thread_started``: a welcome and suggested prompts drawn from the corpus."""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.slack.answerer import SLACK_CALL_ERRORS, Answerer, Work, post_message, slack_error
from openai_deals.slack.assistant import AssistantContexts, suggested_prompts
from openai_deals.slack.render import render_notice
from openai_deals.slack.threads import BotThreads

logger = logging.getLogger(__name__)


def build(answerer: Answerer, assistant_threads: BotThreads, contexts: AssistantContexts) -> Work:
    """The work of a new assistant thread (run after the acknowledgement)."""

    def start_assistant_thread(body: dict, client: WebClient, context: BoltContext) -> None:
        thread = body["event"]["assistant_thread"]
        channel, thread_ts = thread["channel_id"], thread["thread_ts"]
        assistant_threads.remember(channel, thread_ts)
        contexts.save(channel, thread_ts, thread.get("context") or {})
        if post_message(
            client, render_notice(m.ASSISTANT_WELCOME), channel=channel, thread_ts=thread_ts
        ):
            answerer.threads.remember(channel, thread_ts)
        prompts = suggested_prompts(answerer.overview.timeline)
        if not prompts:
            return
        try:
            client.assistant_threads_setSuggestedPrompts(
                channel_id=channel,
                thread_ts=thread_ts,
                prompts=prompts,
                title=m.ASSISTANT_PROMPTS_TITLE,
            )
        except SLACK_CALL_ERRORS as exc:
            logger.warning(
                "assistant.threads.setSuggestedPrompts failed: %s (channel=%s, thread_ts=%s)",
                slack_error(exc),
                channel,
                thread_ts,
            )

    return start_assistant_thread
