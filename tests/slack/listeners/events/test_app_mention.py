"""`app_mention` (listeners/events/app_mention.py): a mention in a channel is answered in its
thread, once, even when Slack retries."""

from __future__ import annotations

import time

import pytest
from slack_payloads import CHANNEL_ID, QUESTION, app_mention, event_callback, next_ts, send_event
from slack_replies import MENTION, all_text
from slack_standin import wait_for_log

from openai_deals import messages as m


def test_mention_is_answered_in_its_thread_with_cited_snippet(slack, bot_http):
    """A signed mention gets one threaded reply quoting the figure and citing its article."""
    event = app_mention(f"{MENTION} {QUESTION}")
    started = time.monotonic()
    assert send_event(bot_http.url, event_callback(event)) == 200
    assert time.monotonic() - started < 3, "Slack needs its acknowledgement within 3 seconds"

    (call,) = slack.wait_for("chat.postMessage")
    assert call.headers["authorization"] == "Bearer xoxb-test"
    assert call.params["channel"] == CHANNEL_ID
    assert call.params["thread_ts"] == event["ts"]
    text = all_text(call.params)
    assert "300 millions de dollars" in text
    assert "[1] *Microsoft entame la troisième phase" in text
    assert "février 2023" in text
    assert "*Anthropic*" in text, "the question's terms are in bold"
    assert call.params["text"].startswith("Voici ce que disent les articles")


def test_mention_inside_a_thread_is_answered_in_that_thread(slack, bot_http):
    """A mention in a thread is answered in the same thread, not under the mention."""
    parent = next_ts()
    event = app_mention(f"{MENTION} {QUESTION}", thread_ts=parent)
    send_event(bot_http.url, event_callback(event))
    (call,) = slack.wait_for("chat.postMessage")
    assert call.params["thread_ts"] == parent


@pytest.mark.parametrize("text", [MENTION, f"{MENTION}  ", f"{MENTION} aide", f"{MENTION} help"])
def test_bare_mention_gets_help_with_examples(slack, bot_http, text):
    """A mention without a question (or asking for help) gets the help and example questions."""
    send_event(bot_http.url, event_callback(app_mention(text)))
    (call,) = slack.wait_for("chat.postMessage")
    posted = all_text(call.params)
    assert m.HELP_INTRO in posted
    assert m.EXAMPLE_QUESTIONS[0] in posted


def test_slack_retry_of_an_event_is_not_answered_twice(slack, bot_http, bot_logs):
    """The same event_id sent again with X-Slack-Retry-Num produces no second answer."""
    payload = event_callback(app_mention(f"{MENTION} {QUESTION}"))
    assert send_event(bot_http.url, payload) == 200
    slack.wait_for("chat.postMessage")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert send_event(bot_http.url, payload, extra_headers=retry) == 200
    wait_for_log(bot_logs, "Already answered")
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_same_message_under_a_new_event_id_is_not_answered_twice(slack, bot_http, bot_logs):
    """One message delivered twice (same channel and ts, new event_id) is answered once."""
    event = app_mention(f"{MENTION} {QUESTION}")
    send_event(bot_http.url, event_callback(event))
    slack.wait_for("chat.postMessage")
    send_event(bot_http.url, event_callback(event))
    wait_for_log(bot_logs, "Already answered")
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_two_different_questions_in_one_thread_get_two_answers(slack, bot_http):
    """Deduplication is per message: a follow-up question in the thread is answered too."""
    parent = next_ts()
    send_event(bot_http.url, event_callback(app_mention(f"{MENTION} {QUESTION}", ts=parent)))
    slack.wait_for("chat.postMessage")
    follow_up = app_mention(f"{MENTION} Combien Microsoft a-t-il investi ?", thread_ts=parent)
    send_event(bot_http.url, event_callback(follow_up))
    calls = slack.wait_for("chat.postMessage", 2)
    assert [c.params["thread_ts"] for c in calls] == [parent, parent]
