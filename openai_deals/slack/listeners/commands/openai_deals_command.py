"""``/openai-deals question``: an answer only the asker sees, which they can share.
``/openai-deals`` alone or with a sub-command (deals, sources, aide): see ``subcommands``;
``/openai-deals ajouter <url>`` (admins): see ``slack/add_article``; ``/openai-deals retirer
<id>`` (admins): see ``slack/remove_article``. The timeline asked in a direct message with the
bot is followed by its chart (``build_after``)."""

from __future__ import annotations

import logging

from slack_bolt import BoltContext
from slack_sdk import WebClient

from openai_deals import messages as m
from openai_deals.questions import clean_question
from openai_deals.slack.answerer import Answerer, AtOnce, Work, asker_of, tell_privately
from openai_deals.slack.buttons import AnswerRef, Surface
from openai_deals.slack.deals_chart import in_direct_message, upload_chart
from openai_deals.slack.subcommands import is_timeline_request, subcommand_reply

logger = logging.getLogger(__name__)


def build_at_once(answerer: Answerer) -> AtOnce:
    """The reply to a sub-command, sent in the acknowledgement itself.

    The timeline, the articles and the help are rendered from what ``answerer.overview``
    holds in memory (read once at start-up): no call to Slack or to the engine, so they need
    no slot on the answer pool and are never refused as busy. So is the refusal of an
    ``ajouter`` command (not an admin, no address, no ``CORPUS_DIR``). A question, or an
    addition that goes ahead, returns None and goes to the pool (``build``).
    """

    def reply_to_subcommand(body: dict) -> dict | None:
        if answerer.adder is not None and answerer.adder.wants(body):
            # ``ajouter``: a refusal known at once is the acknowledgement; an addition that
            # goes ahead returns None and continues on the pool (``build``).
            return answerer.adder.reply_at_once(body)
        if answerer.remover is not None and answerer.remover.wants(body):
            return answerer.remover.reply_at_once(body)  # ``retirer``: the same way
        message = subcommand_reply(clean_question(body.get("text", "")), answerer.overview)
        if message is None:
            return None
        return {"response_type": "ephemeral", **message.as_kwargs()}

    return reply_to_subcommand


def build_after(answerer: Answerer) -> Work:
    """What follows an at-once reply: the timeline's chart, uploaded when the timeline was
    asked in a direct message with the bot (see ``slack/deals_chart``)."""

    def post_timeline_chart(body: dict, client: WebClient, context: BoltContext) -> None:
        if not is_timeline_request(clean_question(body.get("text", ""))):
            return
        channel = body.get("channel_id")
        if not in_direct_message(channel):
            logger.info("Timeline chart not uploaded in %s: not a direct message", channel)
            return
        upload_chart(client, channel, answerer.overview.timeline)

    return post_timeline_chart


def build(answerer: Answerer) -> Work:
    """The work of ``/openai-deals`` (run after the acknowledgement), bound to ``answerer``."""

    def answer_openai_deals_command(body: dict, client: WebClient, context: BoltContext) -> None:
        if answerer.adder is not None and answerer.adder.start(body):
            return  # ``ajouter <url>``: the addition runs on the adder's own thread
        if answerer.remover is not None and answerer.remover.start(body):
            return  # ``retirer <id>``: on the adder's thread too
        question = clean_question(body.get("text", ""))
        channel, user = body.get("channel_id"), body.get("user_id")
        where = {"channel": channel, "user": user}
        # Sub-commands are normally answered in the acknowledgement (``build_at_once``); the
        # work still knows them, so that it is complete on its own.
        message = subcommand_reply(question, answerer.overview)
        if message is None:
            asker = asker_of(body, context, user, "command")
            message = answerer.render(AnswerRef(question, 0, Surface.EPHEMERAL), where, asker)
        delivered = answerer.respond(
            body.get("response_url"), where, response_type="ephemeral", **message.as_kwargs()
        )
        if not delivered and channel and user:
            # The response_url is gone: try the one other way to reach only the asker.
            tell_privately(client, m.SLACK_FAILED, channel=channel, user=user)

    return answer_openai_deals_command
