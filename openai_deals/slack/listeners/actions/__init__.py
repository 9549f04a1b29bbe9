"""Buttons under answers."""

from __future__ import annotations

from slack_bolt import App

from openai_deals.slack.answerer import Answerer
from openai_deals.slack.buttons import (
    ACTION_FEEDBACK,
    ACTION_MORE,
    ACTION_SHARE,
    DEALS_PAGE_ACTIONS,
)
from openai_deals.slack.listeners.actions import deals_page, feedback, more_results, share_button


def register(app: App, answerer: Answerer) -> None:
    """Wire the button listeners, one route per line; each acknowledges, then works."""
    app.action(ACTION_SHARE)(answerer.acknowledge_then(share_button.build(answerer)))
    app.action(ACTION_MORE)(answerer.acknowledge_then(more_results.build(answerer)))
    app.action(ACTION_FEEDBACK)(answerer.acknowledge_then(feedback.build(answerer)))
    for action_id in DEALS_PAGE_ACTIONS:
        app.action(action_id)(answerer.acknowledge_then(deals_page.build(answerer)))
