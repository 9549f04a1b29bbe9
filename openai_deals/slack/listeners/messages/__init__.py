"""Message events: ``message.im`` (DMs) and ``message.channels`` / ``message.groups`` (replies
in the threads the bot answered in)."""

from __future__ import annotations

from slack_bolt import App

from openai_deals.slack.answerer import Answerer
from openai_deals.slack.listeners.messages import direct_message, thread_reply


def register(app: App, answerer: Answerer) -> None:
    """Wire the message listeners, one route per line (the first that matches runs).

    Every ``message`` event is routed here, edits and bot posts included, so that Slack always
    gets its acknowledgement; the work decides what deserves an answer.
    """
    app.event("message", matchers=[thread_reply.is_thread_reply])(
        answerer.acknowledge_then(thread_reply.build(answerer))
    )
    app.event("message")(answerer.acknowledge_then(direct_message.build(answerer)))
