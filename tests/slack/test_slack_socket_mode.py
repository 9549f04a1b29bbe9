"""The app in Socket Mode: envelopes over a local WebSocket, Web API calls to the stand-in."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_payloads import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    QUESTION,
    app_mention,
    block_actions,
    button,
    direct_message,
    event_callback,
    slash_command,
)
from slack_standin import BOT_USER_ID, MockSlack, SocketModeStandIn, wait_for_log

from openai_deals import messages as m
from openai_deals.settings import load_settings
from openai_deals.slack.app import create_app
from openai_deals.slack.buttons import ACTION_SHARE
from openai_deals.slack.server import make_socket_mode_handler

CORPUS_DIR = Path(__file__).resolve().parents[2] / "openai_deals" / "corpus"

_envelopes = itertools.count(1)


def envelope(kind: str, payload: dict, **extra: object) -> dict:
    """A Socket Mode envelope as Slack sends it."""
    return {
        "envelope_id": f"env-{next(_envelopes)}",
        "type": kind,
        "payload": payload,
        "accepts_response_payload": kind != "events_api",
        **extra,
    }


@pytest.fixture(scope="module")
def standins() -> Iterator[tuple[MockSlack, SocketModeStandIn]]:
    slack, socket_mode = MockSlack(), SocketModeStandIn()
    slack.socket_url = socket_mode.url()
    yield slack, socket_mode
    socket_mode.close()
    slack.close()


@pytest.fixture(scope="module")
def connected_app(standins, engine, tmp_path_factory) -> Iterator[tuple]:
    """The real app connected through Bolt's built-in Socket Mode handler, once per module.

    (Closing a Socket Mode client takes a few seconds, so the tests share one connection.)
    """
    slack, socket_mode = standins
    with pytest.MonkeyPatch.context() as env:
        for name in [n for n in os.environ if n.startswith("SLACK_")]:
            env.delenv(name)
        settings = load_settings(
            _env_file=None,
            slack_bot_token="xoxb-test",
            slack_app_token="xapp-test",
            slack_api_base_url=slack.api_url,
            corpus_dir=CORPUS_DIR,
            # Short, so that a silently dropped connection is noticed within a second.
            socket_mode_ping_interval=0.25,
            database_url=f"sqlite:///{tmp_path_factory.mktemp('db') / 'outcomes.sqlite3'}",
            slack_retry_backoff=0.01,
        )
    app = create_app(settings, engine)
    handler = make_socket_mode_handler(app, settings)
    handler.connect()
    socket_mode.wait_for_connections(1)
    yield slack.calls_to("apps.connections.open"), handler
    handler.close()


@pytest.fixture
def slack(standins, connected_app) -> MockSlack:
    """The module's stand-in Web API, with the previous test's calls forgotten."""
    mock, socket_mode = standins
    socket_mode.wait_for_connections(socket_mode.connection_count)
    mock.reset()
    return mock


@pytest.fixture
def socket_mode(standins, slack) -> SocketModeStandIn:
    return standins[1]


def test_connection_is_opened_through_the_configured_api_url(connected_app):
    """apps.connections.open goes to SLACK_API_BASE_URL with the app-level token."""
    (call,), _ = connected_app
    assert call.headers["authorization"] == "Bearer xapp-test"


def test_mention_envelope_is_acked_and_answered_in_thread(slack, socket_mode):
    """An events_api envelope is acknowledged by envelope_id and answered in the thread."""
    event = app_mention(f"<@{BOT_USER_ID}> {QUESTION}")
    sent = envelope("events_api", event_callback(event))
    socket_mode.send(sent)
    assert socket_mode.wait_for_ack(sent["envelope_id"]) == {"envelope_id": sent["envelope_id"]}
    (call,) = slack.wait_for("chat.postMessage")
    assert call.params["channel"] == CHANNEL_ID
    assert call.params["thread_ts"] == event["ts"]
    assert "300 millions de dollars" in json.dumps(call.params["blocks"], ensure_ascii=False)


def test_direct_message_envelope_is_answered_in_the_dm(slack, socket_mode):
    """A DM arriving over Socket Mode is answered in the DM."""
    sent = envelope("events_api", event_callback(direct_message(QUESTION)))
    socket_mode.send(sent)
    socket_mode.wait_for_ack(sent["envelope_id"])
    (call,) = slack.wait_for("chat.postMessage")
    assert call.params["channel"] == DM_CHANNEL_ID


def test_redelivered_envelope_is_answered_once(slack, socket_mode, bot_logs):
    """An event redelivered with retry_attempt (same event_id) is acked but not answered again."""
    payload = event_callback(app_mention(f"<@{BOT_USER_ID}> {QUESTION}"))
    socket_mode.send(envelope("events_api", payload))
    slack.wait_for("chat.postMessage")
    retry = envelope("events_api", payload, retry_attempt=1, retry_reason="timeout")
    socket_mode.send(retry)
    socket_mode.wait_for_ack(retry["envelope_id"])
    wait_for_log(bot_logs, "Already answered")
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_envelopes_are_acked_within_3_seconds_while_slack_is_slow(slack, socket_mode):
    """Five answers stuck on a 5-second chat.postMessage do not hold back the acknowledgement
    of the next envelopes (Slack wants it within 3 seconds), and every answer arrives."""
    slack.slow("chat.postMessage", 5.0, times=5)
    for _ in range(5):
        sent = envelope("events_api", event_callback(app_mention(f"<@{BOT_USER_ID}> {QUESTION}")))
        socket_mode.send(sent)
    slack.wait_in_flight(5)
    command = envelope("slash_commands", slash_command(QUESTION, slack.response_url("slow")))
    mention = envelope("events_api", event_callback(direct_message(QUESTION)))
    for sent in (command, mention):
        socket_mode.send(sent)
        socket_mode.wait_for_ack(sent["envelope_id"], timeout=3.0)
    slack.release()
    assert len(slack.wait_for("chat.postMessage", 6)) == 6
    slack.wait_for("response_url")


def test_slash_command_envelope_answers_on_the_response_url(slack, socket_mode):
    """A slash_commands envelope is acked at once and answered ephemerally on response_url."""
    sent = envelope("slash_commands", slash_command(QUESTION, slack.response_url("sm")))
    socket_mode.send(sent)
    socket_mode.wait_for_ack(sent["envelope_id"])
    (call,) = slack.wait_for("response_url")
    assert call.path == "/response/sm"
    assert call.params["response_type"] == "ephemeral"
    assert "300 millions de dollars" in json.dumps(call.params["blocks"], ensure_ascii=False)


def test_timeline_envelope_is_answered_in_its_ack(slack, socket_mode):
    """/openai-deals alone in Socket Mode: the timeline, known at once, is the ack's payload
    (ephemeral); nothing goes to the response_url."""
    sent = envelope("slash_commands", slash_command("", slack.response_url("tl")))
    socket_mode.send(sent)
    ack = socket_mode.wait_for_ack(sent["envelope_id"])
    assert ack["payload"]["response_type"] == "ephemeral"
    assert ack["payload"]["text"].startswith(m.DEALS_TITLE)
    assert "Microsoft – OpenAI" in json.dumps(ack["payload"]["blocks"], ensure_ascii=False)
    assert slack.calls_to("response_url") == []


def test_share_button_envelope_posts_in_the_channel(slack, socket_mode):
    """An interactive envelope for the share button posts the answer in the channel."""
    socket_mode.send(envelope("slash_commands", slash_command(QUESTION, slack.response_url())))
    (answer,) = slack.wait_for("response_url")
    click = block_actions(button(answer.params["blocks"], ACTION_SHARE), slack.response_url("s"))
    sent = envelope("interactive", click)
    socket_mode.send(sent)
    socket_mode.wait_for_ack(sent["envelope_id"])
    (call,) = slack.wait_for("chat.postMessage")
    assert call.params["channel"] == CHANNEL_ID


@pytest.mark.parametrize(
    "how", ["disconnect-message", "silent-close", "network-cut"], ids=lambda how: how
)
def test_dropped_connection_is_reopened_and_events_still_answered(slack, socket_mode, how):
    """When Slack closes the socket (announced or not) or the network cuts it, the bot asks
    for a new URL, reconnects and keeps answering."""
    connections = socket_mode.connection_count
    if how == "disconnect-message":
        socket_mode.send({"type": "disconnect", "reason": "refresh_requested"})
    socket_mode.drop(abrupt=how == "network-cut")
    socket_mode.wait_for_connections(connections + 1)
    assert len(slack.wait_for("apps.connections.open")) == 1
    sent = envelope("events_api", event_callback(app_mention(f"<@{BOT_USER_ID}> {QUESTION}")))
    socket_mode.send(sent)
    socket_mode.wait_for_ack(sent["envelope_id"])
    (call,) = slack.wait_for("chat.postMessage")
    assert "300 millions de dollars" in json.dumps(call.params["blocks"], ensure_ascii=False)


def test_envelope_in_flight_at_a_drop_is_answered_once_after_redelivery(
    slack, socket_mode, bot_logs
):
    """An envelope being answered when the connection drops, then redelivered by Slack on the
    new connection (``retry_attempt``), is answered exactly once."""
    slack.slow("chat.postMessage", 5.0)
    payload = event_callback(app_mention(f"<@{BOT_USER_ID}> {QUESTION}"))
    socket_mode.send(envelope("events_api", payload))
    slack.wait_in_flight(1)  # the answer is on its way to Slack
    connections = socket_mode.connection_count
    socket_mode.drop(abrupt=True)
    socket_mode.wait_for_connections(connections + 1)
    again = envelope("events_api", payload, retry_attempt=1, retry_reason="timeout")
    socket_mode.send(again)
    socket_mode.wait_for_ack(again["envelope_id"])
    wait_for_log(bot_logs, "Already answered")
    slack.release()
    (call,) = slack.wait_for("chat.postMessage")
    assert call.params["thread_ts"] == payload["event"]["ts"]


def test_ping_interval_is_a_setting_with_a_short_default(connected_app):
    """SOCKET_MODE_PING_INTERVAL (default 3 s) reaches the Socket Mode client: a dropped
    connection is noticed within seconds, not the 10 s it used to take."""
    settings = load_settings(_env_file=None, corpus_dir=CORPUS_DIR)
    assert settings.socket_mode_ping_interval == 3.0
    _, handler = connected_app
    assert handler.client.ping_interval == 0.25  # what this module's settings say


def test_follow_up_in_a_bot_thread_over_socket_mode(slack, socket_mode, bot_logs):
    """Over Socket Mode too, a reply without a mention in the bot's thread is answered there,
    read with the thread's question."""
    from slack_payloads import channel_message

    mention = app_mention(f"<@{BOT_USER_ID}> Combien Microsoft a-t-il investi dans OpenAI ?")
    socket_mode.send(envelope("events_api", event_callback(mention)))
    slack.wait_for("chat.postMessage")
    wait_for_log(bot_logs, "Thread remembered")
    reply = envelope(
        "events_api", event_callback(channel_message("Et Google ?", thread_ts=mention["ts"]))
    )
    socket_mode.send(reply)
    socket_mode.wait_for_ack(reply["envelope_id"])
    _, follow_up = slack.wait_for("chat.postMessage", 2)
    assert follow_up.params["thread_ts"] == mention["ts"]
    assert "300 millions de dollars" in json.dumps(follow_up.params["blocks"], ensure_ascii=False)
