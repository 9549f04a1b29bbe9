"""Starting the bot: configuration errors, and the real processes (CLI, gunicorn) end to end."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_payloads import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    QUESTION,
    SIGNING_SECRET,
    app_mention,
    direct_message,
    event_callback,
    send_command,
    send_event,
    slash_command,
)
from slack_standin import BOT_USER_ID

from openai_deals.settings import SettingsError
from openai_deals.slack import server
from openai_deals.slack.app import create_app

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 90  # loading spaCy and the index on a slow CI machine
MISSING = {
    "SLACK_BOT_TOKEN": (
        "SLACK_BOT_TOKEN: missing; copy the Bot User OAuth Token (xoxb-…) from the app's "
        "OAuth & Permissions page into .env (see README.md, section The Slack app)"
    ),
    "SLACK_SIGNING_SECRET": (
        "SLACK_SIGNING_SECRET: missing; HTTP mode verifies every request with it: copy the "
        "Signing Secret from the app's Basic Information page into .env"
    ),
    "SLACK_APP_TOKEN": (
        "SLACK_APP_TOKEN: missing; Socket Mode needs an app-level token (xapp-…) with the "
        "connections:write scope (Basic Information > App-Level Tokens): put it in .env, "
        "or run `openai-deals serve --http` behind a public URL instead"
    ),
}


# -- Configuration errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "http,values,missing",
    [
        (True, {"slack_bot_token": None}, "SLACK_BOT_TOKEN"),
        (False, {"slack_bot_token": None, "slack_app_token": "xapp-1"}, "SLACK_BOT_TOKEN"),
        (True, {"slack_signing_secret": None}, "SLACK_SIGNING_SECRET"),
        (False, {}, "SLACK_APP_TOKEN"),
    ],
)
def test_missing_slack_value_is_named_with_what_to_do(make_settings, http, values, missing):
    """Each mode names the one variable it lacks and where to find it, word for word."""
    with pytest.raises(SettingsError) as error:
        server.check_slack_settings(make_settings(**values), http=http)
    assert str(error.value) == MISSING[missing]


def test_socket_mode_without_app_token_exits_2_with_one_line(make_settings, capsys):
    """`serve` without SLACK_APP_TOKEN prints one line naming it and returns exit code 2."""
    assert server.main(make_settings(), http=False) == 2
    err = capsys.readouterr().err
    assert err == f"Configuration invalide — {MISSING['SLACK_APP_TOKEN']}\n"


def test_refused_bot_token_stops_start_up(slack, make_settings, index_dir, capsys):
    """A token Slack refuses (auth.test invalid_auth) stops `serve` with one line, exit 2."""
    slack.fail("auth.test", error="invalid_auth")
    assert server.main(make_settings(index_dir=index_dir), http=True, port=0) == 2
    assert capsys.readouterr().err == (
        "Configuration invalide — SLACK_BOT_TOKEN: Slack refused it (invalid_auth); copy the "
        "Bot User OAuth Token again from OAuth & Permissions (reinstall the app if it was "
        "revoked)\n"
    )


def test_app_needs_a_bot_token(make_settings, engine):
    """create_app refuses to build an app without SLACK_BOT_TOKEN."""
    with pytest.raises(SettingsError, match=r"^SLACK_BOT_TOKEN: missing;"):
        create_app(make_settings(slack_bot_token=None), engine)


# -- Real processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(slack, index_dir: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_BASE_URL=slack.api_url,
        CORPUS_DIR=str(ROOT / "openai_deals" / "corpus"),
        INDEX_DIR=str(index_dir),
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="INFO",
        # Never the developer's ~/.config/openai-deals/.env.
        XDG_CONFIG_HOME=str(index_dir / "no-such-config-dir"),
    )
    env.update(values)
    return env


@contextlib.contextmanager
def running(args: list[str], env: dict, tmp_path: Path) -> Iterator[subprocess.Popen]:
    """Run ``args`` (from an empty directory: no .env); SIGTERM it afterwards."""
    log = (tmp_path / "stderr.log").open("w+")
    process = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=log, stderr=log)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        log.seek(0)
        process.output = log.read()  # type: ignore[attr-defined]
        log.close()


def wait_healthy(base_url: str, process: subprocess.Popen, tmp_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (tmp_path / "stderr.log").read_text()
            raise AssertionError(f"the server exited with {process.returncode}:\n{log}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError(f"no /healthz answer within {START_SECONDS}s")


def assert_answers_mention_dm_and_command(slack, url: str) -> None:
    """The done-when scenario: a mention, a DM and a slash command, each answered."""
    mention = app_mention(f"<@{BOT_USER_ID}> {QUESTION}")
    assert send_event(url, event_callback(mention)) == 200
    (threaded,) = slack.wait_for("chat.postMessage")
    assert threaded.params["channel"] == CHANNEL_ID
    assert threaded.params["thread_ts"] == mention["ts"]
    assert "300 millions de dollars" in json.dumps(threaded.params["blocks"], ensure_ascii=False)

    assert send_event(url, event_callback(direct_message(QUESTION))) == 200
    dm = slack.wait_for("chat.postMessage", 2)[1]
    assert dm.params["channel"] == DM_CHANNEL_ID

    status, _ = send_command(url, slash_command(QUESTION, slack.response_url("cli")))
    assert status == 200
    (response,) = slack.wait_for("response_url")
    assert response.params["response_type"] == "ephemeral"
    assert "300 millions de dollars" in json.dumps(response.params["blocks"], ensure_ascii=False)


def test_cli_serve_http_answers_signed_requests(slack, index_dir, engine, tmp_path):
    """`openai-deals serve --http --port N` serves /healthz and answers signed Slack requests."""
    port = free_port()
    args = [sys.executable, "-m", "openai_deals.cli", "serve", "--http", "--port", str(port)]
    with running(args, child_env(slack, index_dir), tmp_path) as process:
        wait_healthy(f"http://127.0.0.1:{port}", process, tmp_path)
        assert_answers_mention_dm_and_command(slack, f"http://127.0.0.1:{port}/slack/events")
    assert process.returncode == 0, process.output
    assert "Stopping" in process.output


def test_cli_serve_socket_mode_answers_envelopes(slack, socket_mode, index_dir, engine, tmp_path):
    """`openai-deals serve` connects with Socket Mode through SLACK_API_BASE_URL and answers."""
    env = child_env(slack, index_dir, SLACK_APP_TOKEN="xapp-test")
    del env["SLACK_SIGNING_SECRET"]  # not needed in Socket Mode
    args = [sys.executable, "-m", "openai_deals.cli", "serve"]
    with running(args, env, tmp_path) as process:
        socket_mode.wait_for_connections(1, timeout=START_SECONDS)
        mention = app_mention(f"<@{BOT_USER_ID}> {QUESTION}")
        socket_mode.send(
            {"envelope_id": "env-cli", "type": "events_api", "payload": event_callback(mention)}
        )
        socket_mode.wait_for_ack("env-cli")
        (call,) = slack.wait_for("chat.postMessage")
        assert call.params["thread_ts"] == mention["ts"]
    assert process.returncode == 0, process.output


def test_gunicorn_serves_the_wsgi_app(slack, index_dir, engine, tmp_path):
    """The Procfile's web process (gunicorn on the WSGI app) answers like the CLI."""
    port = free_port()
    args = [
        sys.executable, "-m", "gunicorn", "--preload", "--workers", "1", "--threads", "4",
        "--bind", f"127.0.0.1:{port}", "openai_deals.slack.wsgi:app",
    ]  # fmt: skip
    with running(args, child_env(slack, index_dir), tmp_path) as process:
        wait_healthy(f"http://127.0.0.1:{port}", process, tmp_path)
        assert_answers_mention_dm_and_command(slack, f"http://127.0.0.1:{port}/slack/events")


def test_gunicorn_without_signing_secret_stops_with_one_line(slack, index_dir, tmp_path):
    """A missing SLACK_SIGNING_SECRET stops gunicorn at start-up, naming the variable."""
    env = child_env(slack, index_dir)
    del env["SLACK_SIGNING_SECRET"]
    args = [sys.executable, "-m", "gunicorn", "--preload", "--bind", "127.0.0.1:0",
            "openai_deals.slack.wsgi:app"]  # fmt: skip
    result = subprocess.run(
        args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=START_SECONDS
    )
    assert result.returncode != 0
    assert f"openai-deals: {MISSING['SLACK_SIGNING_SECRET']}" in result.stderr
    assert "Traceback" not in result.stderr
