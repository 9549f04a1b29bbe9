"""The app over real HTTP: request verification, the health check, and what happens when Slack
fails. Each listener's own tests mirror the listener tree, under tests/slack/listeners/."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
from slack_payloads import (
    CHANNEL_ID,
    QUESTION,
    app_mention,
    direct_message,
    event_callback,
    post,
    send_command,
    send_event,
    signed_headers,
    slash_command,
)
from slack_replies import MENTION, all_text
from slack_standin import wait_for_log

from openai_deals import messages as m
from openai_deals.slack.app import create_app

# -- Request verification ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "sign",
    [
        {"secret": "not-the-signing-secret"},
        {"timestamp": int(time.time()) - 10 * 60},
    ],
    ids=["forged", "stale"],
)
def test_unverifiable_requests_are_refused_with_401(slack, bot_http, sign):
    """A request signed with another secret, or more than five minutes old, gets 401."""
    payload = event_callback(app_mention(f"{MENTION} {QUESTION}"))
    assert send_event(bot_http.url, payload, **sign) == 401
    status, _ = send_command(bot_http.url, slash_command(QUESTION, slack.response_url()), **sign)
    assert status == 401
    assert slack.calls == []


def test_unsigned_request_is_refused_with_401(slack, bot_http):
    """A request without any signature headers gets 401."""
    body = json.dumps(event_callback(app_mention(f"{MENTION} {QUESTION}")))
    status, _ = post(bot_http.url, body, {"Content-Type": "application/json"})
    assert status == 401
    assert slack.calls == []


def test_url_verification_challenge_is_echoed(bot_http):
    """Slack's URL check at app set-up receives its challenge back."""
    body = json.dumps({"token": "x", "challenge": "c-123", "type": "url_verification"})
    status, text = post(
        bot_http.url, body, {"Content-Type": "application/json", **signed_headers(body)}
    )
    assert status == 200
    assert "c-123" in text


def test_healthz_answers_ok(bot_http):
    """GET /healthz answers 200 "ok" without touching Slack."""
    with urllib.request.urlopen(f"{bot_http.base_url}/healthz", timeout=5) as response:
        assert response.status == 200
        assert response.read() == b"ok"


def test_unknown_path_is_404(bot_http):
    """Anything but /slack/events and /healthz is not found."""
    status, _ = post(f"{bot_http.base_url}/elsewhere", "{}", {})
    assert status == 404


# -- Slack failures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        {"error": "channel_not_found"},
        {"status": 500, "body": "<html>Internal Server Error</html>"},
        {"status": 503, "error": "service_unavailable"},
    ],
    ids=["api-error", "http-500-html", "http-503"],
)
def test_failed_post_is_logged_with_context_and_the_app_keeps_going(
    slack, bot_http, bot_logs, failure
):
    """A refused chat.postMessage is logged with channel, ts and question; the next one works."""
    slack.fail("chat.postMessage", **failure)
    event = app_mention(f"{MENTION} {QUESTION}")
    send_event(bot_http.url, event_callback(event))
    line = wait_for_log(bot_logs, "chat.postMessage failed")
    assert f"channel={CHANNEL_ID}" in line
    assert f"thread_ts={event['ts']}" in line
    assert repr(QUESTION) in line
    assert "300 millions" in line, "the answer itself is in the log, not lost"
    record = next(r for r in bot_logs.records if "chat.postMessage failed" in r.getMessage())
    assert record.exc_info is not None

    send_event(bot_http.url, event_callback(direct_message(QUESTION)))
    calls = slack.wait_for("chat.postMessage", 2)
    assert calls[1].status == 200


def test_rate_limited_post_is_retried_once_after_retry_after(slack, bot_http):
    """A 429 from Slack is waited out (Retry-After) and the answer is posted once."""
    slack.fail(
        "chat.postMessage",
        status=429,
        error="ratelimited",
        headers={"Retry-After": "0"},
    )
    send_event(bot_http.url, event_callback(app_mention(f"{MENTION} {QUESTION}")))
    calls = slack.wait_for("chat.postMessage", 2)
    assert [c.status for c in calls] == [429, 200]
    assert calls[0].params == calls[1].params


def test_failed_response_url_is_logged(slack, bot_http, bot_logs):
    """When the response_url refuses the answer, the failure is logged with the channel."""
    slack.fail("response_url", status=404, body="expired_url")
    send_command(bot_http.url, slash_command(QUESTION, slack.response_url()))
    line = wait_for_log(bot_logs, "response_url post refused")
    assert "HTTP 404" in line
    assert f"channel={CHANNEL_ID}" in line


class BrokenEngine:
    """An engine with a bug: answering raises (the real one promises it never does)."""

    articles = ()

    def answer(self, question: str, k: int = 3, offset: int = 0):
        raise RuntimeError("index corrupted")


def test_engine_failure_gets_a_polite_reply_and_a_logged_traceback(
    slack, settings, serve_app, bot_logs
):
    """If answering raises, the person gets a French apology; the traceback goes to the logs."""
    with serve_app(create_app(settings, BrokenEngine())) as running:
        event = app_mention(f"{MENTION} {QUESTION}")
        send_event(running.url, event_callback(event))
        (call,) = slack.wait_for("chat.postMessage")
    assert call.params["text"] == m.ANSWER_FAILED
    assert call.params["thread_ts"] == event["ts"]
    assert "Traceback" not in all_text(call.params)
    record = next(r for r in bot_logs.records if r.getMessage().startswith("Could not answer"))
    assert repr(QUESTION) in record.getMessage()
    assert f"channel={CHANNEL_ID}" in record.getMessage()
    assert record.exc_info is not None


def test_unexpected_listener_error_reaches_the_global_error_handler(slack, bot_http, bot_logs):
    """An event the listeners cannot read (no channel) is logged by app.error with context."""
    broken = app_mention(f"{MENTION} {QUESTION}")
    del broken["channel"]
    assert send_event(bot_http.url, event_callback(broken)) == 200
    line = wait_for_log(bot_logs, "Unhandled error")
    assert "event=app_mention" in line
    assert f"ts={broken['ts']}" in line
    record = next(r for r in bot_logs.records if r.getMessage() == line)
    assert record.exc_info is not None
    assert slack.calls_to("chat.postMessage") == []
