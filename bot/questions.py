"""Turn what someone typed in Slack into the question the engine answers."""

from __future__ import annotations

import re

from bot.messages import HELP_WORDS

# Long enough for any real question; keeps a pasted article from slowing the engine down.
MAX_QUESTION_CHARS = 1000

_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def clean_question(text: str, bot_user_id: str | None = None) -> str:
    """Remove the bot's own mention, undo Slack's ``&amp;``-style escaping, tidy whitespace.

    Args:
        text: the message or command text as Slack sent it.
        bot_user_id: the bot's user id; its ``<@ID>`` (or ``<@ID|name>``) mentions are removed.

    Returns:
        The question, at most ``MAX_QUESTION_CHARS`` characters; "" when nothing is left.
    """
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
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
