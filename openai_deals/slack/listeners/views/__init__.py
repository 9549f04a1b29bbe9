"""Form submissions (``view_submission``)."""

from __future__ import annotations

from slack_bolt import App

from openai_deals.slack.answerer import Answerer
from openai_deals.slack.buttons import VIEW_FEEDBACK_REASON
from openai_deals.slack.listeners.views import feedback_reason


def register(app: App, answerer: Answerer) -> None:
    """Wire the form listeners, one route per line; each acknowledges (closing the form),
    then works."""
    app.view(VIEW_FEEDBACK_REASON)(answerer.acknowledge_then(feedback_reason.build(answerer)))
