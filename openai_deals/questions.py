"""From what someone typed to the question the engine answers: one cleaning for every surface.

Slack sends its markup (``<@U123>``, ``&amp;``); a question copied from Slack into the terminal
carries it too. Both surfaces clean text here, so ``openai-deals ask "<@U123> Combien…"``
answers exactly as the bot does, and « aide » asks for help on both.
"""

from __future__ import annotations

import re

from openai_deals.messages import HELP_WORDS
from openai_deals.retrieval.answering.engine import (  # the engine reads no further
    MAX_QUESTION_CHARS,
)
from openai_deals.retrieval.text import strip_invisible

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
        text: the message or command text as Slack sent it, or a question typed in a terminal.

    Returns:
        The question, at most ``MAX_QUESTION_CHARS`` characters; "" when nothing is left.
    """
    return cut_question(text)[0]


def cut_question(text: str) -> tuple[str, bool]:
    """:func:`clean_question`'s question, and whether it was cut to ``MAX_QUESTION_CHARS``
    (the surface then says so: the end of a long question is never read)."""
    text = _SLACK_MARKUP.sub(_markup_to_text, strip_invisible(text))
    for entity, char in _SLACK_ENTITIES:
        text = text.replace(entity, char)
    tidy = " ".join(text.split())
    return tidy[:MAX_QUESTION_CHARS], len(tidy) > MAX_QUESTION_CHARS


def is_help_request(question: str) -> bool:
    """True for an empty question or a lone help word ("aide", "help", "?"…)."""
    return question.strip(" !.").lower() in HELP_WORDS | {""}
