"""Reading back what the app sent to the stand-in Slack, shared by the listener tests."""

from __future__ import annotations

import json

from slack_payloads import QUESTION, send_command, slash_command
from slack_standin import BOT_USER_ID

MENTION = f"<@{BOT_USER_ID}>"
BROAD_QUESTION = "Quel partenariat lie Microsoft et OpenAI ?"  # more than one page of snippets


def all_text(params: dict) -> str:
    """The text and every block of a posted message, as one string to search."""
    return params.get("text", "") + json.dumps(params.get("blocks", []), ensure_ascii=False)


def is_quote(block: dict) -> bool:
    return block["type"] == "section" and block["text"]["text"].startswith("> ")


def command_answer(slack, bot_http, text: str = QUESTION):
    """Run the slash command; return what arrived on its response_url."""
    status, body = send_command(bot_http.url, slash_command(text, slack.response_url("cmd")))
    assert status == 200
    assert body == "", "the command is acknowledged at once, with nothing shown"
    (call,) = slack.wait_for("response_url")
    return call
