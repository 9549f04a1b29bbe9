"""The per-process memory of each conversation's last question (slack/conversations.py)."""

from __future__ import annotations

import pytest
from fake_clock import FakeClock

from openai_deals.slack.conversations import KnownQuestions


def test_the_last_question_of_a_conversation_replaces_the_one_before():
    questions = KnownQuestions()
    assert questions.last_question("C1", "1.0") is None
    questions.remember_question("C1", "1.0", "Combien Microsoft a-t-il investi ?")
    questions.remember_question("C1", "1.0", "Et Google ?")
    assert questions.last_question("C1", "1.0") == "Et Google ?"
    assert questions.last_question("C2", "1.0") is None


def test_a_question_is_forgotten_after_the_ttl_unless_asked_again():
    clock = FakeClock()
    questions = KnownQuestions(ttl_seconds=60, clock=clock)
    questions.remember_question("C1", "1.0", "Qui dirige OpenAI ?")
    questions.remember_question("C1", "2.0", "Combien ?")
    clock.now += 50
    questions.remember_question("C1", "2.0", "Et en 2019 ?")  # renews the window
    clock.now += 20
    assert questions.last_question("C1", "1.0") is None
    assert questions.last_question("C1", "2.0") == "Et en 2019 ?"


def test_the_memory_is_bounded_and_forgets_the_least_recently_asked():
    questions = KnownQuestions(max_conversations=2)
    questions.remember_question("C", "1", "a")
    questions.remember_question("C", "2", "b")
    questions.remember_question("C", "1", "c")
    questions.remember_question("C", "3", "d")
    assert len(questions) == 2
    assert questions.last_question("C", "2") is None
    assert questions.last_question("C", "1") == "c"


def test_bad_limits_are_refused():
    with pytest.raises(ValueError):
        KnownQuestions(ttl_seconds=0)
    with pytest.raises(ValueError):
        KnownQuestions(max_conversations=0)
