"""A signed request sent again (a replay, within the five minutes its signature is valid) is
handled once: slash commands and clicks, like events, in memory or on Redis."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from listeners.actions.test_feedback import ask, rows, wait_rows
from slack_payloads import QUESTION, feedback_click, post, signed_headers, slash_command

from openai_deals.outcomes import feedback_table, outcomes_table
from openai_deals.slack.app import create_app

FORM = "application/x-www-form-urlencoded"


def replay(url: str, form: dict, times: int = 3) -> list[int]:
    """POST the same signed body (same timestamp, same signature) ``times`` times."""
    body = urlencode(form)
    headers = {"Content-Type": FORM, **signed_headers(body)}
    return [post(url, body, headers)[0] for _ in range(times)]


def test_a_replayed_slash_command_is_answered_once(slack, bot_http, settings, bot_logs):
    """The same signed /openai-deals three times: one answer, one outcome row; the replays
    are acknowledged (an attacker learns nothing) and logged."""
    command = slash_command(QUESTION, slack.response_url("replayed"))
    assert replay(bot_http.url, command) == [200, 200, 200]
    slack.wait_for("response_url")
    wait_rows(settings, outcomes_table)
    time.sleep(1.0)  # a second answer, had there been one, would have arrived by now
    assert len(slack.calls_to("response_url")) == 1
    assert len(rows(settings, outcomes_table)) == 1
    replays = [r for r in bot_logs.records if "Replayed request ignored" in r.getMessage()]
    assert len(replays) == 2


def test_a_replayed_click_is_stored_once(slack, bot_http, settings):
    """The same signed 👍 three times: one feedback row, one thanks."""
    answer = ask(slack, bot_http)
    click = feedback_click(answer["blocks"], "up", slack.response_url("fb"))
    assert replay(bot_http.url, {"payload": json.dumps(click)}) == [200, 200, 200]
    wait_rows(settings, feedback_table)
    time.sleep(1.0)
    assert len(rows(settings, feedback_table)) == 1
    assert len(slack.calls_to("response_url")) == 1


def test_a_replay_to_another_process_is_recognised_through_redis(
    slack, redis_server, make_settings, engine, serve_app
):
    """Two apps sharing REDIS_URL (two workers): the command sent to one and replayed to the
    other is answered once."""
    redis_server.flush()
    settings = make_settings(redis_url=redis_server.url)
    with (
        serve_app(create_app(settings, engine), settings) as first,
        serve_app(create_app(settings, engine), settings) as second,
    ):
        command = slash_command(QUESTION, slack.response_url("two"))
        body = urlencode(command)
        headers = {"Content-Type": FORM, **signed_headers(body)}
        assert post(first.url, body, headers)[0] == 200
        slack.wait_for("response_url")
        assert post(second.url, body, headers)[0] == 200
        time.sleep(1.0)
    assert len(slack.calls_to("response_url")) == 1
