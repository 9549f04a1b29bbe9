"""Slash commands."""

from __future__ import annotations

from slack_bolt import App

from bot.answerer import Answerer
from bot.listeners.commands import openai_deals_command
from bot.messages import COMMAND


def register(app: App, answerer: Answerer) -> None:
    """Wire the slash commands, one route per line."""
    app.command(COMMAND)(openai_deals_command.build(answerer))
