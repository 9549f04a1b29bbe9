"""Which Slack messages are questions from people (cleaning the text is shared with the CLI:
``openai_deals.questions``)."""

from __future__ import annotations


def is_from_a_person(event: dict, bot_user_id: str | None) -> bool:
    """True for a plain message typed by a person: no subtype (edits, joins, bot posts…),
    no ``bot_id``, and not written by this bot."""
    return (
        "subtype" not in event
        and not event.get("bot_id")
        and "bot_profile" not in event
        and (bot_user_id is None or event.get("user") != bot_user_id)
    )
