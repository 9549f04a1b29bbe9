"""Shortcuts (the message shortcut « Demander à openai-deals »)."""

from __future__ import annotations

from slack_bolt import App

from openai_deals.messages import BUSY
from openai_deals.slack.answerer import Answerer
from openai_deals.slack.buttons import SHORTCUT_ASK
from openai_deals.slack.listeners.shortcuts import ask_about_message


def register(app: App, answerer: Answerer) -> None:
    """Wire the shortcuts, one route per line; each acknowledges, then works."""
    app.shortcut(SHORTCUT_ASK)(
        answerer.acknowledge_then(ask_about_message.build(answerer), busy=BUSY)
    )
