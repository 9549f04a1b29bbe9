"""Events API listeners (other than messages)."""

from __future__ import annotations

from slack_bolt import App

from openai_deals.slack.answerer import Answerer
from openai_deals.slack.listeners.events import app_home_opened, app_mention, uninstall


def register(app: App, answerer: Answerer) -> None:
    """Wire the event listeners, one route per line; each acknowledges, then works."""
    app.event("app_mention")(answerer.acknowledge_then(app_mention.build(answerer)))
    app.event("app_home_opened")(answerer.acknowledge_then(app_home_opened.build(answerer)))
    purge = answerer.acknowledge_then(uninstall.build(answerer))
    app.event("app_uninstalled")(purge)
    app.event("tokens_revoked")(purge)
