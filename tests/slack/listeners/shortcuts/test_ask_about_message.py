"""« Demander à openai-deals » (listeners/shortcuts/ask_about_message.py)."""

from __future__ import annotations

import json

from slack_payloads import QUESTION, message_shortcut, send_action

from openai_deals import messages as m
from openai_deals.slack.buttons import ACTION_SHARE


def test_the_shortcut_answers_the_message_ephemerally_with_a_share_button(slack, bot_http):
    status, _ = send_action(bot_http.url, message_shortcut(QUESTION, slack.response_url("sc")))
    assert status == 200
    (reply,) = slack.wait_for("response_url")
    assert reply.params["response_type"] == "ephemeral"
    text = json.dumps(reply.params["blocks"], ensure_ascii=False)
    assert "300 millions de dollars" in text and ACTION_SHARE in text


def test_a_message_without_text_gets_a_polite_french_reply(slack, bot_http):
    send_action(bot_http.url, message_shortcut("", slack.response_url("sc")))
    (reply,) = slack.wait_for("response_url")
    assert reply.params["text"] == m.SHORTCUT_NO_TEXT
