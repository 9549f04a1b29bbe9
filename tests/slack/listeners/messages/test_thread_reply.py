"""Follow-ups without a mention in the threads the bot answered in (messages/thread_reply.py)."""

from __future__ import annotations

import json

from slack_payloads import (
    CHANNEL_ID,
    app_mention,
    channel_message,
    event_callback,
    send_event,
)
from slack_replies import MENTION
from slack_standin import BOT_ID, BOT_USER_ID, wait_for_log

from openai_deals import messages as m

PREVIOUS = "Combien Microsoft a-t-il investi dans OpenAI ?"


def blocks_text(call) -> str:
    return json.dumps(call.params["blocks"], ensure_ascii=False)


def test_a_follow_up_in_a_bot_thread_is_answered_with_context(slack, bot_http, bot_logs):
    """« Et Google ? » after a question in the thread is read « Combien Google a-t-il
    investi ? » and answered in the same thread."""
    mention = app_mention(f"{MENTION} {PREVIOUS}")
    send_event(bot_http.url, event_callback(mention))
    slack.wait_for("chat.postMessage")
    wait_for_log(bot_logs, "Thread remembered")  # the answer's post returned to the app
    send_event(
        bot_http.url, event_callback(channel_message("Et Google ?", thread_ts=mention["ts"]))
    )
    _, follow_up = slack.wait_for("chat.postMessage", 2)
    assert follow_up.params["channel"] == CHANNEL_ID
    assert follow_up.params["thread_ts"] == mention["ts"]
    text = blocks_text(follow_up)
    assert "300 millions de dollars" in text
    assert m.READ_AS.format(question="Combien Google a-t-il investi ?") in text


def test_a_message_in_a_thread_the_bot_never_joined_is_not_answered(slack, bot_http, bot_logs):
    event = channel_message("Et Google ?", thread_ts="1699999999.000100")
    send_event(bot_http.url, event_callback(event))
    wait_for_log(bot_logs, "Not our thread")
    assert slack.calls_to("chat.postMessage") == []


def test_a_top_level_channel_message_is_not_answered(slack, bot_http, bot_logs):
    send_event(bot_http.url, event_callback(channel_message(PREVIOUS)))
    wait_for_log(bot_logs, "Ignoring message event")
    assert slack.calls_to("chat.postMessage") == []


def test_a_reply_mentioning_the_bot_is_answered_once(slack, bot_http, bot_logs):
    """The same reply arrives as app_mention and as message.channels: one answer."""
    mention = app_mention(f"{MENTION} {PREVIOUS}")
    send_event(bot_http.url, event_callback(mention))
    slack.wait_for("chat.postMessage")
    wait_for_log(bot_logs, "Thread remembered")  # the answer's post returned to the app
    reply = app_mention(f"{MENTION} Et Google ?", thread_ts=mention["ts"])
    as_message = channel_message(reply["text"], thread_ts=mention["ts"], ts=reply["ts"])
    send_event(bot_http.url, event_callback(reply))
    send_event(bot_http.url, event_callback(as_message))
    wait_for_log(bot_logs, "Already answered")
    slack.wait_for("chat.postMessage", 2)
    assert len(slack.calls_to("chat.postMessage")) == 2  # the question, then the reply once


def test_the_bots_own_messages_and_edits_in_its_thread_are_ignored(slack, bot_http, bot_logs):
    mention = app_mention(f"{MENTION} {PREVIOUS}")
    send_event(bot_http.url, event_callback(mention))
    slack.wait_for("chat.postMessage")
    wait_for_log(bot_logs, "Thread remembered")  # the answer's post returned to the app
    own = channel_message("Voici…", thread_ts=mention["ts"], user=BOT_USER_ID, bot_id=BOT_ID)
    edit = channel_message("Et Google ?", thread_ts=mention["ts"], subtype="message_changed")
    send_event(bot_http.url, event_callback(own))
    send_event(bot_http.url, event_callback(edit))
    wait_for_log(bot_logs, "Ignoring thread message")
    assert len(slack.calls_to("chat.postMessage")) == 1
