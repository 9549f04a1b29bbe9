"""Cleaning what people type into the question the engine answers (the CLI and Slack alike):
Slack markup removal, unescaping, control characters, length cap, help words."""

from __future__ import annotations

import pytest

from openai_deals.questions import MAX_QUESTION_CHARS, clean_question, is_help_request


@pytest.mark.parametrize(
    "text,question",
    [
        ("<@UBOT0001> Combien Google a-t-il investi ?", "Combien Google a-t-il investi ?"),
        ("<@UBOT0001|openai-deals>   Qui ?", "Qui ?"),
        ("Dis-moi <@UBOT0001>, qui finance OpenAI ?", "Dis-moi , qui finance OpenAI ?"),
        ("<@UOTHER01> et <@UBOT0001> : AT&amp;T &lt;3", "et : AT&T <3"),
        ("<!channel> <!here> <#C0123|general> Azure ?", "Azure ?"),
        ("<!subteam^S0123|@equipe-ia> OpenAI ?", "OpenAI ?"),
        (
            "Lu sur <https://example.com/a|cet article> et <https://example.com/b>",
            "Lu sur cet article et",
        ),
        ("  plusieurs\n\nlignes\tet   espaces ", "plusieurs lignes et espaces"),
        ("\x00Qui\x1b[31m finance\u202e OpenAI\u2066 ?\x7f", "Qui[31m finance OpenAI ?"),
        ("<@UBOT0001>", ""),
    ],
)
def test_clean_question(text, question):
    """Slack markup (mentions, channels, link addresses) is removed; &amp; &lt; &gt; undone;
    control and bidi characters are dropped."""
    assert clean_question(text) == question


def test_clean_question_caps_the_length():
    """A pasted novel is cut to MAX_QUESTION_CHARS before it reaches the engine."""
    assert len(clean_question("mot " * 10_000)) == MAX_QUESTION_CHARS


@pytest.mark.parametrize("text", ["", "aide", "Aide !", "help", "HELP.", "?", "bonjour"])
def test_help_requests(text):
    """An empty question or a lone help word asks for help."""
    assert is_help_request(text)


@pytest.mark.parametrize("text", ["aide Microsoft", "Qui aide OpenAI ?", "help me with OpenAI"])
def test_questions_containing_help_words_are_questions(text):
    """A help word inside a real question does not turn it into a help request."""
    assert not is_help_request(text)
