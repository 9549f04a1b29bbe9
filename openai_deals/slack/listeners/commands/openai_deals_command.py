"""``/openai-deals question``: an answer only the asker sees, which they can share.
``/openai-deals`` alone or with a sub-command (deals, sources, aide): see ``subcommands``;
``/openai-deals ajouter <url>`` (admins): see ``slack/add_article``."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, Respond

from openai_deals.slack.answerer import Answerer, safe_respond
from openai_deals.slack.buttons import AnswerRef, Surface
from openai_deals.slack.questions import clean_question
from openai_deals.slack.subcommands import subcommand_reply


def build(answerer: Answerer) -> Callable[..., None]:
    """The ``/openai-deals`` listener, bound to ``answerer``."""

    def handle_openai_deals_command(ack: Ack, command: dict, respond: Respond) -> None:
        ack()  # within Slack's 3 seconds; the answer follows on the response_url
        if answerer.adder and answerer.adder.handle(command, respond):
            return
        question = clean_question(command.get("text", ""))
        where = {"channel": command.get("channel_id"), "user": command.get("user_id")}
        message = subcommand_reply(question, answerer.overview)
        if message is None:
            message = answerer.render(AnswerRef(question, 0, Surface.EPHEMERAL), where)
        safe_respond(respond, where, response_type="ephemeral", **message.as_kwargs())

    return handle_openai_deals_command
