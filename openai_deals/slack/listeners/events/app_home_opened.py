"""The App Home tab: what the bot knows, how to ask, example questions."""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals.slack.answerer import SLACK_CALL_ERRORS, Answerer, Work, slack_error
from openai_deals.slack.render import render_home

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Work:
    """The work of ``app_home_opened`` (run after the acknowledgement), bound to ``answerer``."""

    def publish_app_home(body: dict, client: WebClient, context: BoltContext) -> None:
        event = body["event"]
        if event.get("tab") != "home":
            return  # the Messages tab needs nothing published
        try:
            client.views_publish(user_id=event["user"], view=render_home(answerer.engine.articles))
        except SLACK_CALL_ERRORS as exc:
            logger.exception("views.publish failed: %s (user=%s)", slack_error(exc), event["user"])

    return publish_app_home
