"""◀ / ▶ under the deals timeline: show another page, in the message or in the App Home."""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.slack.answerer import SLACK_CALL_ERRORS, Answerer, Work, slack_error
from openai_deals.slack.buttons import DealsPage, InvalidButtonValue
from openai_deals.slack.deals_view import render_home_timeline, render_timeline
from openai_deals.slack.render import render_notice

logger = logging.getLogger(__name__)


def build(answerer: Answerer) -> Work:
    """The work of the timeline page buttons (run after the acknowledgement)."""

    def show_deals_page(body: dict, client: WebClient, context: BoltContext) -> None:
        container = body.get("container") or {}
        user = (body.get("user") or {}).get("id")
        where = {"container": container.get("type"), "user": user}
        response_url = body.get("response_url")
        action = (body.get("actions") or [{}])[0]
        try:
            page = DealsPage.decode(action.get("value", "")).page
        except InvalidButtonValue:
            logger.warning("Unreadable page button value, ignored (%s)", where, exc_info=True)
            notice = render_notice(m.BUTTON_EXPIRED).as_kwargs()
            answerer.respond(
                response_url, where, response_type="ephemeral", replace_original=False, **notice
            )
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
        answerer.respond(response_url, where, replace_original=True, **message.as_kwargs())

    return show_deals_page
