"""`message.im` (listeners/messages/direct_message.py): a question in a DM is answered there;
anything not typed by a person is ignored."""

from __future__ import annotations

import pytest
from slack_payloads import (
    DM_CHANNEL_ID,
    QUESTION,
    direct_message,
    event_callback,
    next_ts,
    send_event,
)
from slack_replies import all_text
from slack_standin import BOT_ID, BOT_USER_ID, wait_for_log


def test_direct_message_is_answered_in_the_dm(slack, bot_http):
    """A DM gets its answer in the same DM, at top level."""
    send_event(bot_http.url, event_callback(direct_message(QUESTION)))
    (call,) = slack.wait_for("chat.postMessage")
    assert call.params["channel"] == DM_CHANNEL_ID
    assert "thread_ts" not in call.params
    assert "300 millions de dollars" in all_text(call.params)


def test_direct_message_in_a_thread_is_answered_in_that_thread(slack, bot_http):
    """A DM written in a thread is answered in that thread."""
    parent = next_ts()
    send_event(bot_http.url, event_callback(direct_message(QUESTION, thread_ts=parent)))
    (call,) = slack.wait_for("chat.postMessage")
    assert call.params["thread_ts"] == parent


@pytest.mark.parametrize(
    "extra",
    [
        {"subtype": "message_changed", "message": {"text": QUESTION}},
        {"subtype": "message_deleted"},
        {"subtype": "bot_message", "bot_id": "BOTHER01"},
        {"bot_id": "BOTHER01"},
        {"bot_id": BOT_ID},
        {"user": BOT_USER_ID},
        {"channel_type": "channel"},
    ],
    ids=["edit", "deletion", "bot_message", "other-bot", "own-bot-id", "own-user", "not-a-dm"],
)
def test_messages_not_typed_by_a_person_in_a_dm_are_ignored(slack, bot_http, bot_logs, extra):
    """Edits, deletions, bot posts (ours or others') and non-DM messages get no answer."""
    assert send_event(bot_http.url, event_callback(direct_message(QUESTION, **extra))) == 200
    wait_for_log(bot_logs, "Ignoring message event")
    assert slack.calls_to("chat.postMessage") == []
