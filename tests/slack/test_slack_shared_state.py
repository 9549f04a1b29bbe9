"""Several processes, one memory: with REDIS_URL, a Slack retry reaching another process is not
answered again, and Redis going down loses no answer (real redis-server, real HTTP)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from slack_payloads import (
    BOT_USER_ID,
    QUESTION,
    app_mention,
    direct_message,
    event_callback,
    send_event,
)
from slack_standin import WAIT_SECONDS, wait_for_log
from test_slack_server import child_env, free_port, running, wait_healthy
from test_slack_server import procfile_web_command as procfile_web

from openai_deals.slack.app import create_app

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}


def wait_for_text(path: Path, text: str, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text():
        assert time.monotonic() < deadline, f"no {text!r} in {path}"
        time.sleep(0.05)


def test_two_processes_sharing_redis_answer_a_retried_event_once(
    slack, redis_server, index_dir, engine, tmp_path
):
    """`openai-deals serve --http` twice, one Redis: the event to one and its retry to the
    other get one chat.postMessage (both ways round, a mention and a DM)."""
    redis_server.flush()
    env = child_env(slack, index_dir, REDIS_URL=redis_server.url)
    ports = free_port(), free_port()
    dirs = tmp_path / "a", tmp_path / "b"
    for directory in dirs:
        directory.mkdir()

    def serve(port: int) -> list[str]:
        return [sys.executable, "-m", "openai_deals.cli", "serve", "--http", "--port", str(port)]

    with (
        running(serve(ports[0]), env, dirs[0]) as first,
        running(serve(ports[1]), env, dirs[1]) as second,
    ):
        wait_healthy(f"http://127.0.0.1:{ports[0]}", first, dirs[0])
        wait_healthy(f"http://127.0.0.1:{ports[1]}", second, dirs[1])
        urls = [f"http://127.0.0.1:{port}/slack/events" for port in ports]

        mention = event_callback(app_mention(f"<@{BOT_USER_ID}> {QUESTION}"))
        assert send_event(urls[0], mention) == 200
        slack.wait_for("chat.postMessage")
        assert send_event(urls[1], mention, extra_headers=RETRY) == 200
        wait_for_text(dirs[1] / "stderr.log", "Already answered")

        dm = event_callback(direct_message(QUESTION))
        assert send_event(urls[1], dm) == 200
        slack.wait_for("chat.postMessage", 2)
        assert send_event(urls[0], dm, extra_headers=RETRY) == 200
        wait_for_text(dirs[0] / "stderr.log", "Already answered")

        time.sleep(0.5)  # a second answer, had there been one, would have arrived by now
        posts = slack.calls_to("chat.postMessage")
        assert [p.params["channel"] for p in posts] == [
            mention["event"]["channel"],
            dm["event"]["channel"],
        ]
    assert "Shared state (handled messages, threads answered in" in first.output


def test_redis_going_down_mid_run_loses_no_answer(
    slack, own_redis, make_settings, engine, serve_app, bot_logs
):
    """Redis stops: every event is still answered, with a warning; it restarts: the memory
    works again (a retry is recognised) and the recovery is logged."""
    settings = make_settings(redis_url=own_redis.url)
    with serve_app(create_app(settings, engine), settings) as bot:
        answered = 0

        def ask(payload: dict, **headers: str) -> None:
            assert send_event(bot.url, payload, extra_headers=headers or None) == 200

        first = event_callback(app_mention(f"<@{BOT_USER_ID}> {QUESTION}"))
        ask(first)
        answered += 1
        slack.wait_for("chat.postMessage", answered)
        ask(first, **RETRY)
        wait_for_log(bot_logs, "Already answered")

        own_redis.stop()
        for _ in range(3):
            ask(event_callback(app_mention(f"<@{BOT_USER_ID}> {QUESTION}")))
            answered += 1
            slack.wait_for("chat.postMessage", answered)
        warning = wait_for_log(bot_logs, "Redis unreachable")
        assert own_redis.url in warning and "answering as if new" in warning

        own_redis.start()  # same port, empty memory
        bot_logs.clear()
        after = event_callback(direct_message(QUESTION))
        ask(after)
        answered += 1
        slack.wait_for("chat.postMessage", answered)
        wait_for_log(bot_logs, "Redis reachable again")
        ask(after, **RETRY)
        wait_for_log(bot_logs, "Already answered")
        time.sleep(0.5)  # a duplicate, had there been one, would have arrived by now
        assert len(slack.calls_to("chat.postMessage")) == answered == 5


def test_two_gunicorn_workers_without_redis_warn_naming_redis_url(
    slack, index_dir, engine, tmp_path
):
    """The Procfile's web process with two workers and no REDIS_URL says, once, to set it."""
    port = free_port()
    env = child_env(slack, index_dir)
    with running(procfile_web(port, "--workers", "2"), env, tmp_path) as process:
        wait_healthy(f"http://127.0.0.1:{port}", process, tmp_path)
        wait_for_text(tmp_path / "stderr.log", "without REDIS_URL")
    assert process.output.count("2 worker processes (gunicorn --workers) without REDIS_URL") == 1
