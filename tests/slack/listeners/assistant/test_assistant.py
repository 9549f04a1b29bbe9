"""The assistant pane (slack/assistant.py, listeners/assistant/): welcome and prompts, status,
answer, title, follow-ups; plain DMs untouched."""

from __future__ import annotations

import json

from slack_payloads import (
    ASSISTANT_CHANNEL_ID,
    DM_CHANNEL_ID,
    QUESTION,
    assistant_message,
    assistant_thread_started,
    direct_message,
    event_callback,
    next_ts,
    send_event,
)
from slack_standin import wait_for_log

from openai_deals import messages as m


def params(call, name):
    value = call.params[name]
    return json.loads(value) if isinstance(value, str) else value


def test_assistant_thread_flow(slack, bot_http, bot_logs):
    """Start: welcome + prompts from the corpus; a question: status, answer, title; a
    follow-up: answered with the thread's previous question."""
    started = assistant_thread_started()
    thread_ts = started["assistant_thread"]["thread_ts"]
    assert send_event(bot_http.url, event_callback(started)) == 200
    (prompts,) = slack.wait_for("assistant.threads.setSuggestedPrompts")
    (welcome,) = slack.wait_for("chat.postMessage")
    assert welcome.params["text"] == m.ASSISTANT_WELCOME
    assert welcome.params["thread_ts"] == thread_ts
    messages = [p["message"] for p in params(prompts, "prompts")]
    assert 1 <= len(messages) <= 4
    assert "Combien Google a-t-il investi dans Anthropic ?" in messages

    send_event(bot_http.url, event_callback(assistant_message(QUESTION, thread_ts)))
    (status,) = slack.wait_for("assistant.threads.setStatus")
    assert status.params["status"] == m.ASSISTANT_STATUS
    (title,) = slack.wait_for("assistant.threads.setTitle")
    assert title.params["title"] == QUESTION
    _, answer = slack.wait_for("chat.postMessage", 2)
    wait_for_log(bot_logs, "Thread remembered")
    assert answer.params["channel"] == ASSISTANT_CHANNEL_ID
    assert answer.params["thread_ts"] == thread_ts
    assert "300 millions de dollars" in json.dumps(answer.params["blocks"], ensure_ascii=False)

    send_event(
        bot_http.url, event_callback(assistant_message("Et Microsoft dans OpenAI ?", thread_ts))
    )
    _, _, follow_up = slack.wait_for("chat.postMessage", 3)
    assert "Microsoft" in json.dumps(follow_up.params["blocks"], ensure_ascii=False)
    assert len(slack.calls_to("assistant.threads.setTitle")) == 1  # the first question names it


def test_a_dm_thread_that_is_not_an_assistant_thread_is_answered_once_as_a_dm(slack, bot_http):
    """Without the AI-apps feature, a threaded DM reply goes to the DM listener: one answer,
    no assistant call."""
    event = direct_message(QUESTION, thread_ts=next_ts())
    send_event(bot_http.url, event_callback(event))
    (answer,) = slack.wait_for("chat.postMessage")
    assert answer.params["channel"] == DM_CHANNEL_ID
    assert answer.params["thread_ts"] == event["thread_ts"]
    assert slack.calls_to("assistant.threads.setStatus") == []


def test_plain_dms_follow_up_on_the_previous_question(slack, bot_http, bot_logs):
    send_event(
        bot_http.url,
        event_callback(direct_message("Combien Microsoft a-t-il investi dans OpenAI ?")),
    )
    slack.wait_for("chat.postMessage")
    send_event(bot_http.url, event_callback(direct_message("Et Google ?")))
    _, follow_up = slack.wait_for("chat.postMessage", 2)
    assert "300 millions de dollars" in json.dumps(follow_up.params["blocks"], ensure_ascii=False)
    wait_for_log(bot_logs, "Follow-up read as")
