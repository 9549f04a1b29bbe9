"""The App Home tab: the deals timeline, how to ask, example questions, the articles."""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals.slack.answerer import SLACK_CALL_ERRORS, Answerer, Work, slack_error
from openai_deals.slack.deals_view import render_home_timeline

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Work:
    """The work of ``app_home_opened`` (run after the acknowledgement), bound to ``answerer``."""

    def publish_app_home(body: dict, client: WebClient, context: BoltContext) -> None:
        event = body["event"]
        if event.get("tab") != "home":
            return  # the Messages tab needs nothing published
        try:
            view = render_home_timeline(answerer.engine.articles, answerer.overview.timeline)
            client.views_publish(user_id=event["user"], view=view)
        except SLACK_CALL_ERRORS as exc:
            logger.exception("views.publish failed: %s (user=%s)", slack_error(exc), event["user"])

    return publish_app_home
