"""``assistant_thread_context_changed``: the person now looks at another channel; keep it."""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals.slack.answerer import Work
from openai_deals.slack.assistant import AssistantContexts

logger = logging.getLogger(__name__)


def build(contexts: AssistantContexts) -> Work:
    """The work of a context change (run after the acknowledgement)."""

    def save_assistant_context(body: dict, client: WebClient, context: BoltContext) -> None:
        thread = body["event"]["assistant_thread"]
        new = thread.get("context") or {}
        contexts.save(thread["channel_id"], thread["thread_ts"], new)
        logger.debug(
            "Assistant thread context changed (channel=%s, thread_ts=%s, viewing=%s)",
            thread["channel_id"],
            thread["thread_ts"],
            new.get("channel_id"),
        )

    return save_assistant_context
