"""`/openai-deals` (listeners/commands/openai_deals_command.py): an ephemeral answer, or the
help (the timeline and the articles: tests/slack/test_slack_deals.py)."""

from __future__ import annotations

import json

import pytest
from slack_payloads import QUESTION, button, feedback_value, send_command, slash_command
from slack_replies import all_text, command_answer

from openai_deals import messages as m
from openai_deals.slack.buttons import (
    ACTION_SHARE,
    AnswerRef,
    Surface,
)


def test_slash_command_answers_ephemerally_with_a_share_button(slack, bot_http):
    """/openai-deals <question> answers on the response_url, ephemeral, with Share and votes."""
    call = command_answer(slack, bot_http)
    assert call.path == "/response/cmd"
    assert call.params["response_type"] == "ephemeral"
    posted = all_text(call.params)
    assert "300 millions de dollars" in posted
    assert m.QUESTION_ECHO.format(question=QUESTION) in posted
    share = button(call.params["blocks"], ACTION_SHARE)
    assert share["text"]["text"] == m.BUTTON_SHARE
    assert AnswerRef.decode(share["value"]) == AnswerRef(QUESTION, 0, Surface.EPHEMERAL)
    assert AnswerRef.decode(feedback_value(call.params["blocks"], "up")).vote == "up"
    assert AnswerRef.decode(feedback_value(call.params["blocks"], "down")).vote == "down"
    assert slack.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("text", ["aide", "help", "  AIDE "])
def test_slash_command_aide_shows_help(slack, bot_http, text):
    """/openai-deals aide (or "help") shows the help ephemerally, in the acknowledgement
    itself: it is known at once, so it needs neither the answer pool nor the response_url."""
    status, body = send_command(bot_http.url, slash_command(text, slack.response_url("cmd")))
    assert status == 200
    reply = json.loads(body)
    assert reply["response_type"] == "ephemeral"
    assert m.HELP_INTRO in all_text(reply)
    assert slack.calls_to("response_url") == []


def test_question_markup_is_escaped_not_echoed_live(slack, bot_http):
    """<!channel> and <@U…> in a question are dropped and & escaped: nothing echoes live,
    and the markup does not stop the question from being answered."""
    call = command_answer(slack, bot_http, f"<!channel> <@U999> AT&amp;T {QUESTION}")
    posted = all_text(call.params)
    assert "AT&amp;T" in posted
    assert "<!channel>" not in posted and "!channel" not in posted
    assert "<@U999>" not in posted and "U999" not in posted
    assert "300 millions de dollars" in posted


def test_control_and_bidi_characters_in_a_question_are_not_echoed(slack, bot_http):
    """NUL, ESC and a right-to-left override typed in a command never reach the posted echo,
    and the question is still answered."""
    call = command_answer(slack, bot_http, f"\x00\x1b\u202e{QUESTION}\u2066\x07")
    posted = all_text(call.params)
    assert not {"\x00", "\x1b", "\u202e", "\u2066", "\x07"} & set(posted)
    assert m.QUESTION_ECHO.format(question=QUESTION) in posted
    assert "300 millions de dollars" in posted
