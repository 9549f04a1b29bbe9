"""The App Home tab: what the bot knows, how to ask, example questions."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk import WebClient

from openai_deals.slack.answerer import SLACK_CALL_ERRORS, Answerer, slack_error
from openai_deals.slack.render import render_home

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Callable[..., None]:
    """The ``app_home_opened`` listener, bound to ``answerer``."""

    def handle_app_home_opened(event: dict, client: WebClient) -> None:
        if event.get("tab") != "home":
            return  # the Messages tab needs nothing published
        try:
            client.views_publish(user_id=event["user"], view=render_home(answerer.engine.articles))
        except SLACK_CALL_ERRORS as exc:
            logger.exception("views.publish failed: %s (user=%s)", slack_error(exc), event["user"])

    return handle_app_home_opened
