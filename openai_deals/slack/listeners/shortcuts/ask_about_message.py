"""« Demander à openai-deals » on any message: its text asked as a question, answered to the
person only (``response_url``), with the share button of the slash command's answers."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.questions import clean_question
from openai_deals.slack.answerer import Answerer, Work, asker_of, tell_privately
from openai_deals.slack.buttons import AnswerRef, Surface
from openai_deals.slack.render import render_notice


def build(answerer: Answerer) -> Work:
    """The work of the message shortcut (run after the acknowledgement)."""

    def answer_message_shortcut(body: dict, client: WebClient, context: BoltContext) -> None:
        channel = (body.get("channel") or {}).get("id")
        user = (body.get("user") or {}).get("id")
        where = {"channel": channel, "user": user, "shortcut": body.get("callback_id")}
        question = clean_question((body.get("message") or {}).get("text") or "")
        if question:
            asker = asker_of(body, context, user, "shortcut")
            message = answerer.render(AnswerRef(question, 0, Surface.EPHEMERAL), where, asker)
        else:
            message = render_notice(m.SHORTCUT_NO_TEXT)
        delivered = answerer.respond(
            body.get("response_url"), where, response_type="ephemeral", **message.as_kwargs()
        )
        if not delivered and channel and user:
            tell_privately(client, m.SLACK_FAILED, channel=channel, user=user)

    return answer_message_shortcut
