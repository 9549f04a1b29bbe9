"""Message events (the app subscribes to ``message.im`` only)."""

from __future__ import annotations

from slack_bolt import App

from openai_deals.slack.answerer import Answerer
from openai_deals.slack.listeners.messages import direct_message


def register(app: App, answerer: Answerer) -> None:
    """Wire the message listeners, one route per line.

    Every ``message`` event is routed here, edits and bot posts included, so that Slack always
    gets its acknowledgement; the work decides what deserves an answer.
    """
    app.event("message")(answerer.acknowledge_then(direct_message.build(answerer)))
