"""The words ``/openai-deals`` understands besides a question: nothing or "deals" (the
timeline), "sources" (the articles), "aide" (the help). Kept apart from the listener so the
listener stays a few lines long."""

from __future__ import annotations

from openai_deals import messages as m
from openai_deals.retrieval.deals.overview import Overview
from openai_deals.slack.deals_view import render_sources, render_timeline
from openai_deals.slack.render import Message, render_help


def is_timeline_request(text: str) -> bool:
    """True when ``text`` (the cleaned command text) asks for the deals timeline."""
    word = text.strip(" !.").lower()
    return word == "" or word in m.DEALS_WORDS


def subcommand_reply(text: str, overview: Overview) -> Message | None:
    """The reply to a sub-command, or None when ``text`` is a question.

    Args:
        text: the cleaned command text (``questions.clean_question``).
        overview: the deals timeline and the articles.
    """
    word = text.strip(" !.").lower()
    if is_timeline_request(text):
        return render_timeline(overview.timeline)
    if word in m.SOURCES_WORDS:
        return render_sources(overview.articles)
    if word in m.HELP_WORDS:
        return render_help()
    return None
