"""◀ / ▶ under the deals timeline: show another page, in the message or in the App Home."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.slack.answerer import SLACK_CALL_ERRORS, Answerer, safe_respond, slack_error
from openai_deals.slack.buttons import DealsPage, InvalidButtonValue
from openai_deals.slack.deals_view import render_home_timeline, render_timeline
from openai_deals.slack.render import render_notice

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Callable[..., None]:
    """The timeline page buttons' listener, bound to ``answerer``."""

    def handle_deals_page(
        ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond
    ) -> None:
        ack()
        container = body.get("container") or {}
        user = (body.get("user") or {}).get("id")
        where = {"container": container.get("type"), "user": user}
        try:
            page = DealsPage.decode(action.get("value", "")).page
        except InvalidButtonValue:
            logger.warning("Unreadable page button value, ignored (%s)", where, exc_info=True)
            notice = render_notice(m.BUTTON_EXPIRED).as_kwargs()
            safe_respond(respond, where, response_type="ephemeral", **notice)
            return
        timeline = answerer.overview.timeline
        if container.get("type") == "view":  # the App Home: publish it again at that page
            view = render_home_timeline(answerer.engine.articles, timeline, page)
            try:
                client.views_publish(user_id=user, view=view)
            except SLACK_CALL_ERRORS as exc:
                logger.exception("views.publish failed: %s (user=%s)", slack_error(exc), user)
            return
        message = render_timeline(timeline, page)
        safe_respond(respond, where, replace_original=True, **message.as_kwargs())

    return handle_deals_page
