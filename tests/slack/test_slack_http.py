"""The app over real HTTP: request verification, the health check, acknowledging first, and
what happens when Slack fails. Each listener's own tests mirror the listener tree, under
tests/slack/listeners/."""

from __future__ import annotations

import json
import logging
import time
import urllib.request

import pytest
from slack_payloads import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    QUESTION,
    SIGNING_SECRET,
    USER_ID,
    app_mention,
    block_actions,
    direct_message,
    event_callback,
    post,
    raw_post,
    send_action,
    send_command,
    send_event,
    signed_headers,
    slash_command,
)
from slack_replies import MENTION, all_text
from slack_standin import wait_for_log

from openai_deals import messages as m
from openai_deals.slack.app import create_app
from openai_deals.slack.buttons import ACTION_FEEDBACK, AnswerRef
from openai_deals.slack.http_app import signature
from openai_deals.slack.retries import SERVER_ERROR_RETRIES

FORM = "application/x-www-form-urlencoded"


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


FORGED_MARKER = "forged-body-marker-7f3a"


def test_forged_request_body_is_never_logged(slack, bot_http, caplog):
    """A request with a bad signature gets 401 and one log line, without its body."""
    caplog.set_level(logging.DEBUG)
    payload = event_callback(app_mention(f"{MENTION} {FORGED_MARKER}"))
    assert send_event(bot_http.url, payload, secret="not-the-signing-secret") == 401
    assert not any(FORGED_MARKER in r.getMessage() for r in caplog.records)
    refused = [r for r in caplog.records if "Refused a request" in r.getMessage()]
    assert len(refused) == 1 and "signature does not match" in refused[0].getMessage()


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "forged"])
def test_oversized_body_gets_413_before_being_read(bot_http, caplog, signed):
    """A 10 MB POST is refused with 413 from its Content-Length, before its body is read,
    and leaves one log line (well under 1 KB) whatever the signature."""
    caplog.set_level(logging.DEBUG)
    body = b"x" * (10 * 1024 * 1024)
    sign = signed_headers("x") if signed else {"X-Slack-Signature": "v0=forged"}
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), **sign}
    status, _ = raw_post(bot_http.url, headers, body)
    assert status == 413
    logged = [r.getMessage() for r in caplog.records if "POST /slack/events" not in r.getMessage()]
    assert len(logged) == 1 and "HTTP 413" in logged[0]
    assert sum(len(line) for line in logged) < 1024


def _signed(body: bytes, content_type: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(SIGNING_SECRET.encode(), timestamp, body),
    }


MALFORMED = {
    "json-signed": (b'{"type": "event_callback", ', _signed, "application/json", 400),
    "json-array": (b"[1, 2]", _signed, "application/json", 400),
    "payload-not-json": (b"payload=%7Bnot+json", _signed, FORM, 400),
    "payload-not-object": (b"payload=%5B%5D", _signed, FORM, 400),
    "not-utf8": (b'{"type": "\xff\xfe"}', _signed, "application/json", 400),
    # Deeper than Python's recursion limit: json raises RecursionError, not ValueError.
    "json-nested": (b"[" * 100_000, _signed, "application/json", 400),
    "payload-nested": (b"payload=" + b"%5B" * 100_000, _signed, FORM, 400),
    "json-unsigned": (b"{not json", None, "application/json", 401),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_request_gets_400_or_401_and_one_log_line(slack, bot_http, caplog, case):
    """A body Slack would never send gets 400 when signed, 401 when not: one log line, no
    traceback, nothing dispatched."""
    caplog.set_level(logging.DEBUG)
    body, sign, content_type, expected = MALFORMED[case]
    headers = (
        sign(body, content_type)
        if sign
        else {"Content-Type": content_type, "Content-Length": str(len(body))}
    )
    status, _ = raw_post(bot_http.url, headers, body)
    assert status == expected
    assert_one_refusal(caplog, f"HTTP {expected}")
    assert slack.calls == []


@pytest.mark.parametrize(
    "headers,expected",
    [
        ({"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=abc"}, 401),
        ({"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=abc"}, 401),
        ({"X-Slack-Request-Timestamp": "9" * 40, "X-Slack-Signature": "v0=abc"}, 401),
        ({"Content-Length": "lots"}, 400),
    ],
    ids=["word-timestamp", "float-timestamp", "huge-timestamp", "bad-content-length"],
)
def test_malformed_headers_get_400_or_401_and_one_log_line(
    slack, bot_http, caplog, headers, expected
):
    """A non-numeric timestamp gets 401, a non-numeric Content-Length 400: one line, no
    traceback (Bolt used to answer 500 with a traceback, even unsigned)."""
    caplog.set_level(logging.DEBUG)
    body = b'{"type": "event_callback"}'
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)), **headers}
    status, _ = raw_post(
        bot_http.url, headers, body if headers["Content-Length"] != "lots" else b""
    )
    assert status == expected
    assert_one_refusal(caplog, f"HTTP {expected}")
    assert slack.calls == []


def assert_one_refusal(caplog, needle: str) -> None:
    lines = [r for r in caplog.records if "POST /slack/events" not in r.getMessage()]
    assert [needle in r.getMessage() for r in lines] == [True], [r.getMessage() for r in lines]
    assert lines[0].exc_info is None


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


# -- Acknowledgement first --------------------------------------------------------------------

SLOW_POST_SECONDS = 5.0  # as measured under load: 30 % of chat.postMessage took 5 s


def test_commands_and_clicks_are_acked_while_slack_is_slow(slack, bot_http):
    """Five answers stuck on a slow chat.postMessage do not delay other acknowledgements: the
    slash command and a button click still get their HTTP 200 at once (not Bolt's 404
    "unhandled request" after 3 s), and every answer arrives once Slack catches up."""
    slack.slow("chat.postMessage", SLOW_POST_SECONDS, times=5)
    for _ in range(5):
        assert send_event(bot_http.url, event_callback(app_mention(f"{MENTION} {QUESTION}"))) == 200
    slack.wait_in_flight(5)
    status, body = send_command(bot_http.url, slash_command(QUESTION, slack.response_url("c")))
    assert (status, body) == (200, "")
    vote = {"action_id": ACTION_FEEDBACK, "value": AnswerRef(QUESTION, vote="up").encode()}
    status, _ = send_action(bot_http.url, block_actions(vote, slack.response_url("v")))
    assert status == 200
    slack.release()
    assert len(slack.wait_for("chat.postMessage", 5)) == 5
    assert {c.path for c in slack.wait_for("response_url", 2)} == {"/response/c", "/response/v"}


def test_full_backlog_refuses_quickly_and_says_so(slack, make_settings, engine, serve_app):
    """With ANSWER_BACKLOG answers pending, an event gets 503 (Slack delivers it again later)
    and a command is acknowledged with the "busy" text; both at once, and nothing is lost."""
    settings = make_settings(answer_workers=1, answer_backlog=2)
    with serve_app(create_app(settings, engine), settings) as running:
        slack.slow("chat.postMessage", SLOW_POST_SECONDS, times=2)
        first, second = (app_mention(f"{MENTION} {QUESTION}") for _ in range(2))
        assert send_event(running.url, event_callback(first)) == 200
        slack.wait_in_flight(1)
        assert send_event(running.url, event_callback(second)) == 200
        third = event_callback(app_mention(f"{MENTION} {QUESTION}"))
        assert send_event(running.url, third) == 503
        status, body = send_command(running.url, slash_command(QUESTION, slack.response_url()))
        assert status == 200
        assert json.loads(body) == {"response_type": "ephemeral", "text": m.BUSY}
        slack.release()
        calls = slack.wait_for("chat.postMessage", 2)
        assert [c.params["thread_ts"] for c in calls] == [first["ts"], second["ts"]]
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
        assert send_event(running.url, third, extra_headers=retry) == 200
        assert slack.wait_for("chat.postMessage", 3)[2].params["thread_ts"] == third["event"]["ts"]


# -- Slack failures ---------------------------------------------------------------------------

GIVE_UP = 1 + SERVER_ERROR_RETRIES  # a server error this many times in a row is not transient


@pytest.mark.parametrize(
    "failure",
    [
        {"error": "channel_not_found"},
        {"status": 500, "body": "<html>Internal Server Error</html>", "times": GIVE_UP},
        {"status": 503, "error": "service_unavailable", "times": GIVE_UP},
    ],
    ids=["api-error", "http-500-html", "http-503"],
)
def test_lost_answer_is_logged_and_the_asker_told(slack, bot_http, bot_logs, failure):
    """A post Slack finally refuses is logged with channel, ts, question and answer, the asker
    is told in a message only they see, and the next question is answered."""
    slack.fail("chat.postMessage", **failure)
    event = app_mention(f"{MENTION} {QUESTION}")
    send_event(bot_http.url, event_callback(event))
    (notice,) = slack.wait_for("chat.postEphemeral")
    assert notice.params["text"] == m.SLACK_FAILED
    assert notice.params["user"] == USER_ID
    assert notice.params["channel"] == CHANNEL_ID
    assert notice.params["thread_ts"] == event["ts"]
    line = wait_for_log(bot_logs, "chat.postMessage failed")
    assert f"channel={CHANNEL_ID}" in line
    assert f"thread_ts={event['ts']}" in line
    assert repr(QUESTION) in line
    assert "300 millions" in line, "the answer itself is in the log, not lost"
    record = next(r for r in bot_logs.records if "chat.postMessage failed" in r.getMessage())
    assert record.exc_info is not None

    slack.reset()
    send_event(bot_http.url, event_callback(direct_message(QUESTION)))
    assert slack.wait_for("chat.postMessage")[0].status == 200


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "body": "<html>Internal Server Error</html>"},
        {"status": 503, "error": "service_unavailable"},
        {"status": 429, "error": "ratelimited", "headers": {"Retry-After": "0"}},
        {"status": 200, "error": "ratelimited", "headers": {"Retry-After": "0"}},
    ],
    ids=["http-500", "http-503", "http-429", "ok-false-ratelimited"],
)
def test_transient_failure_is_retried_and_answered_once(slack, bot_http, failure):
    """A server error or a rate limit (HTTP 429 or ``ok: false, ratelimited``) is retried,
    after Retry-After for rate limits; the answer is posted once, nobody is told of a failure."""
    slack.fail("chat.postMessage", **failure)
    send_event(bot_http.url, event_callback(app_mention(f"{MENTION} {QUESTION}")))
    calls = slack.wait_for("chat.postMessage", 2)
    assert [c.status for c in calls] == [failure["status"], 200]
    assert calls[0].params == calls[1].params
    assert slack.calls_to("chat.postEphemeral") == []


def test_post_that_may_have_landed_is_never_posted_twice(slack, bot_http, bot_logs):
    """When the connection dies after the post was sent (as on a timeout), Slack may have
    posted it: it is logged, never retried, so the answer cannot appear twice."""
    slack.drop("chat.postMessage")
    send_event(bot_http.url, event_callback(app_mention(f"{MENTION} {QUESTION}")))
    line = wait_for_log(bot_logs, "may have been posted")
    assert repr(QUESTION) in line
    send_event(bot_http.url, event_callback(direct_message(QUESTION)))
    calls = slack.wait_for("chat.postMessage", 2)
    assert [c.params["channel"] for c in calls] == [CHANNEL_ID, DM_CHANNEL_ID]
    assert slack.calls_to("chat.postEphemeral") == []


def test_transient_response_url_failure_is_retried(slack, bot_http):
    """An HTTP 500 from the command's response_url is retried: the answer arrives once."""
    slack.fail("response_url", status=500, body="oops")
    send_command(bot_http.url, slash_command(QUESTION, slack.response_url()))
    calls = slack.wait_for("response_url", 2)
    assert [c.status for c in calls] == [500, 200]
    assert "300 millions de dollars" in all_text(calls[1].params)


def test_failed_response_url_is_logged_and_the_asker_told(slack, bot_http, bot_logs):
    """When the response_url refuses the answer, the failure is logged with the channel and
    the asker gets an ephemeral notice instead."""
    slack.fail("response_url", status=404, body="expired_url")
    send_command(bot_http.url, slash_command(QUESTION, slack.response_url()))
    line = wait_for_log(bot_logs, "response_url post refused")
    assert "HTTP 404" in line
    assert f"channel={CHANNEL_ID}" in line
    (notice,) = slack.wait_for("chat.postEphemeral")
    assert notice.params["text"] == m.SLACK_FAILED
    assert (notice.params["channel"], notice.params["user"]) == (CHANNEL_ID, USER_ID)


class BrokenEngine:
    """An engine with a bug: answering raises (the real one promises it never does)."""

    articles = ()

    def answer(self, question: str, k: int = 3, offset: int = 0):
        raise RuntimeError("index corrupted")


def test_engine_failure_gets_a_polite_reply_and_a_logged_traceback(
    slack, settings, serve_app, bot_logs
):
    """If answering raises, the person gets a French apology; the traceback goes to the logs."""
    with serve_app(create_app(settings, BrokenEngine()), settings) as running:
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
