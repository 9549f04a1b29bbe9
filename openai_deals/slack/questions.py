"""Turn what someone typed in Slack into the question the engine answers."""

from __future__ import annotations

import re

from openai_deals.messages import HELP_WORDS
from openai_deals.retrieval.engine import MAX_QUESTION_CHARS  # the engine reads no further
from openai_deals.slack.render import strip_invisible

_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
# Slack markup in message text: <@U…>, <!channel>, <#C…|name>, <!subteam^S…>, <url|label>.
# (Characters the person typed as text arrive escaped, so a literal < never matches.)
_SLACK_MARKUP = re.compile(r"<([^<>\s][^<>]*)>")


def _markup_to_text(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if target[:1] in "@!#":
        # Mentions and channel links are not part of the question: as words they would make
        # the engine look for "channel" or "U0123" in the articles.
        return " "
    return f" {label} " if label else " "  # a link: its label is words, its address is not


def clean_question(text: str) -> str:
    """Remove Slack markup (mentions, channel links, link addresses), undo Slack's
    ``&amp;``-style escaping, drop control and bidi characters, tidy whitespace.

    Args:
        text: the message or command text as Slack sent it.

    Returns:
        The question, at most ``MAX_QUESTION_CHARS`` characters; "" when nothing is left.
    """
    text = _SLACK_MARKUP.sub(_markup_to_text, strip_invisible(text))
    for entity, char in _SLACK_ENTITIES:
        text = text.replace(entity, char)
    return " ".join(text.split())[:MAX_QUESTION_CHARS]


def is_help_request(question: str) -> bool:
    """True for an empty question or a lone help word ("aide", "help", "?"…)."""
    return question.strip(" !.").lower() in HELP_WORDS | {""}


def is_from_a_person(event: dict, bot_user_id: str | None) -> bool:
    """True for a plain message typed by a person: no subtype (edits, joins, bot posts…),
    no ``bot_id``, and not written by this bot."""
    return (
        "subtype" not in event
        and not event.get("bot_id")
        and "bot_profile" not in event
        and (bot_user_id is None or event.get("user") != bot_user_id)
    )
