"""Which Slack events are questions from people (text cleaning: tests/test_questions.py)."""

from __future__ import annotations

import pytest

from openai_deals.slack.questions import is_from_a_person

BOT = "UBOT0001"


@pytest.mark.parametrize(
    "event,expected",
    [
        ({"user": "UPERSON01", "text": "x"}, True),
        ({"user": "UPERSON01", "subtype": "message_changed"}, False),
        ({"user": "UPERSON01", "subtype": "thread_broadcast"}, False),
        ({"bot_id": "BOTHER01", "text": "x"}, False),
        ({"user": "UOTHERBOT", "bot_profile": {"id": "B1"}, "text": "x"}, False),
        ({"user": BOT, "text": "x"}, False),
    ],
)
def test_only_plain_messages_from_people_count(event, expected):
    """Edits, bots (others and this one) are not people asking questions."""
    assert is_from_a_person(event, BOT) is expected
