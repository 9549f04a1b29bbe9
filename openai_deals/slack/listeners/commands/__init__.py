"""Slash commands."""

from __future__ import annotations

from slack_bolt import App

from openai_deals.messages import BUSY, COMMAND
from openai_deals.slack.answerer import Answerer
from openai_deals.slack.listeners.commands import openai_deals_command


def register(app: App, answerer: Answerer) -> None:
    """Wire the slash commands, one route per line; each acknowledges, then works (a
    sub-command's reply, known at once, is the acknowledgement itself, and what completes
    it, such as the timeline's chart, follows on the pool)."""
    app.command(COMMAND)(
        answerer.acknowledge_then(
            openai_deals_command.build(answerer),
            busy=BUSY,
            at_once=openai_deals_command.build_at_once(answerer),
            after=openai_deals_command.build_after(answerer),
        )
    )
