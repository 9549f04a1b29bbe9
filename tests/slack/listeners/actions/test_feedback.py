"""👍 / 👎 (listeners/actions/feedback.py): one log line, a thank-you."""

from __future__ import annotations

import pytest
from slack_payloads import (
    QUESTION,
    app_mention,
    block_actions,
    button,
    event_callback,
    send_action,
    send_event,
)
from slack_replies import MENTION
from slack_standin import wait_for_log

from openai_deals import messages as m
from openai_deals.slack.buttons import ACTION_FEEDBACK_DOWN, ACTION_FEEDBACK_UP


@pytest.mark.parametrize(
    "action_id,vote", [(ACTION_FEEDBACK_UP, "up"), (ACTION_FEEDBACK_DOWN, "down")]
)
def test_feedback_is_logged_with_question_and_cited_sentences(
    slack, bot_http, bot_logs, action_id, vote
):
    """👍/👎 logs the vote, the question and the cited sentence ids, and thanks the person."""
    send_event(bot_http.url, event_callback(app_mention(f"{MENTION} {QUESTION}")))
    (answer,) = slack.wait_for("chat.postMessage")
    clicked = button(answer.params["blocks"], action_id)
    send_action(bot_http.url, block_actions(clicked, slack.response_url("fb")))
    (thanks,) = slack.wait_for("response_url")
    assert thanks.params["text"] == m.FEEDBACK_THANKS
    assert thanks.params["replace_original"] is False
    line = wait_for_log(bot_logs, f"Feedback vote={vote}")
    assert repr(QUESTION) in line
    assert "002-microsoft-openai-google-anthropic#4" in line
