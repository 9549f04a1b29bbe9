"""Follow-ups read with the previous question (retrieval/answering/followup.py)."""

from __future__ import annotations

import pytest

PREVIOUS = "Combien Microsoft a-t-il investi dans OpenAI ?"


@pytest.mark.parametrize(
    "follow_up,expected",
    [
        # A name replaces the names; the topic and what is asked carry over.
        ("Et Google ?", "Combien Google a-t-il investi ?"),
        # A date is added; the names carry over.
        ("et en 2019 ?", "Combien Microsoft a-t-il investi dans OpenAI en 2019 ?"),
        # Asking words replace the previous ones.
        ("Et quand ?", "Quand Microsoft a-t-il investi dans OpenAI ?"),
        # Two names take the previous names' places in order.
        ("Et Google dans Anthropic ?", "Combien Google a-t-il investi dans Anthropic ?"),
    ],
)
def test_a_follow_up_keeps_the_missing_parts_of_the_previous_question(engine, follow_up, expected):
    """The follow-up's names, dates or asking words replace the previous ones; the rest stays."""
    assert engine.contextualise(PREVIOUS, follow_up) == expected


def test_a_date_replaces_the_previous_date(engine):
    previous = "Combien Microsoft a-t-il investi dans OpenAI en 2019 ?"
    assert engine.contextualise(previous, "Et en 2021 ?") == (
        "Combien Microsoft a-t-il investi dans OpenAI en 2021 ?"
    )


def test_a_topic_of_its_own_keeps_the_previous_names(engine):
    """« Et à quelle valorisation ? » asks about the same companies."""
    read = engine.contextualise(PREVIOUS, "Et à quelle valorisation ?")
    assert read.startswith("À quelle valorisation")
    assert "Microsoft" in read and "OpenAI" in read and "investi" not in read


@pytest.mark.parametrize(
    "follow_up",
    [
        "Qui a été évincé d'OpenAI en novembre 2023 ?",  # names and a topic of its own
        "Quelle licence OpenAI utilise-t-il pour ses modèles ouverts ?",
        "merci !",  # nothing asked
    ],
)
def test_a_question_that_stands_alone_is_unchanged(engine, follow_up):
    assert engine.contextualise(PREVIOUS, follow_up) == follow_up


def test_no_previous_question_leaves_the_message_unchanged(engine):
    assert engine.contextualise(None, "Et Google ?") == "Et Google ?"
    assert engine.contextualise("", "Et Google ?") == "Et Google ?"


def test_the_follow_up_read_in_context_is_answered_from_the_right_sentence(engine):
    """Read alone, « Et Google ? » has no topic; with context it finds Google's investment."""
    answer = engine.answer(engine.contextualise(PREVIOUS, "Et Google ?"))
    assert not answer.abstained
    assert "300 millions de dollars" in answer.snippets[0].text
