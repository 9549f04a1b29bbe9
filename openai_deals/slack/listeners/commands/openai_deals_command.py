"""``/openai-deals question``: an answer only the asker sees, which they can share."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, Respond

from openai_deals.questions import clean_question, is_help_request
from openai_deals.slack.answerer import Answerer, safe_respond
from openai_deals.slack.buttons import AnswerRef, Surface
from openai_deals.slack.render import render_help


def build(answerer: Answerer) -> Callable[..., None]:
    """The ``/openai-deals`` listener, bound to ``answerer``."""

    def handle_openai_deals_command(ack: Ack, command: dict, respond: Respond) -> None:
        ack()  # within Slack's 3 seconds; the answer follows on the response_url
        question = clean_question(command.get("text", ""))
        where = {"channel": command.get("channel_id"), "user": command.get("user_id")}
        if is_help_request(question):
            message = render_help()
        else:
            message = answerer.render(AnswerRef(question, 0, Surface.EPHEMERAL), where)
        safe_respond(respond, where, response_type="ephemeral", **message.as_kwargs())

    return handle_openai_deals_command
