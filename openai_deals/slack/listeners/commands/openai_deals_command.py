"""``/openai-deals question``: an answer only the asker sees, which they can share."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.slack.answerer import Answerer, Work, tell_privately
from openai_deals.slack.buttons import AnswerRef, Surface
from openai_deals.slack.questions import clean_question, is_help_request
from openai_deals.slack.render import render_help


def build(answerer: Answerer) -> Work:
    """The work of ``/openai-deals`` (run after the acknowledgement), bound to ``answerer``."""

    def answer_openai_deals_command(body: dict, client: WebClient, context: BoltContext) -> None:
        question = clean_question(body.get("text", ""))
        channel, user = body.get("channel_id"), body.get("user_id")
        where = {"channel": channel, "user": user}
        if is_help_request(question):
            message = render_help()
        else:
            message = answerer.render(AnswerRef(question, 0, Surface.EPHEMERAL), where)
        delivered = answerer.respond(
            body.get("response_url"), where, response_type="ephemeral", **message.as_kwargs()
        )
        if not delivered and channel and user:
            # The response_url is gone: try the one other way to reach only the asker.
            tell_privately(client, m.SLACK_FAILED, channel=channel, user=user)

    return answer_openai_deals_command
