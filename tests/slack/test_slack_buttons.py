"""Button values: round trip, Slack's 2000-character limit, and refusal of forged values."""

from __future__ import annotations

import pytest

from openai_deals.slack.buttons import VALUE_MAX_CHARS, AnswerRef, InvalidButtonValue, Surface


@pytest.mark.parametrize(
    "question",
    [
        "Combien Google a-t-il investi dans Anthropic ?",
        "Qu’a dit l’« OpenAI » d’Altman — et où ?",
        '<!channel> & <@U123> "guillemets" \\ antislash',
        "emoji 🤖 et caractères combinés é",
        "",
    ],
)
def test_value_round_trips(question):
    """Whatever the question, decoding an encoded value gives back the same reference."""
    ref = AnswerRef(question, 6, Surface.SHARED, "U42", ("a#1", "b#2"))
    assert AnswerRef.decode(ref.encode()) == ref


def test_value_is_plain_ascii_without_slack_markup():
    """Values hold no raw & < > and no non-ASCII: nothing live, and every unit counts once."""
    value = AnswerRef("<!here> & l’IA 🤖").encode()
    assert value.isascii()
    assert not set("<>&") & set(value)


def test_long_question_is_shortened_to_fit():
    """A question too long for 2000 characters is cut (never the JSON) so the value fits."""
    question = "é" * 5_000
    value = AnswerRef(question, 3).encode()
    assert len(value) <= VALUE_MAX_CHARS
    decoded = AnswerRef.decode(value)
    assert 0 < len(decoded.question) < len(question)
    assert question.startswith(decoded.question)
    assert decoded.offset == 3


def test_sentence_ids_are_dropped_before_the_question_is_cut():
    """With many cited ids, ids go first; the question survives whole when it can."""
    ids = tuple(f"article-{i:04d}#{i}" for i in range(500))
    decoded = AnswerRef.decode(AnswerRef("Question ?", 0, sentence_ids=ids).encode())
    assert decoded.question == "Question ?"
    assert 0 < len(decoded.sentence_ids) < len(ids)
    assert decoded.sentence_ids == ids[: len(decoded.sentence_ids)]


@pytest.mark.parametrize(
    "value",
    [
        "",
        "null",
        "[]",
        "not json",
        '{"o": 1}',
        '{"q": 1}',
        '{"q": "x", "o": -1}',
        '{"q": "x", "o": true}',
        '{"q": "x", "o": "3"}',
        '{"q": "x", "s": "zz"}',
        '{"q": "x", "i": "a#1"}',
        '{"q": "x", "u": 5}',
    ],
)
def test_forged_values_are_refused(value):
    """A value this bot did not write raises InvalidButtonValue, never something else."""
    with pytest.raises(InvalidButtonValue):
        AnswerRef.decode(value)
