"""Wire every Slack input the app handles, one folder per kind of input."""

from __future__ import annotations

from slack_bolt import App

from openai_deals.slack.answerer import Answerer
from openai_deals.slack.listeners import actions, commands, events, messages


def register_listeners(app: App, answerer: Answerer) -> None:
    """Register all listeners on ``app``; they share ``answerer``."""
    events.register(app, answerer)
    messages.register(app, answerer)
    commands.register(app, answerer)
    actions.register(app, answerer)
