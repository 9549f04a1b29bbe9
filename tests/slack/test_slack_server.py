"""Starting the bot: configuration errors, and the real processes (CLI, gunicorn) end to end."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
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
    raw_post,
    send_command,
    send_event,
    slash_command,
)
from slack_standin import BOT_USER_ID

from openai_deals import messages as m
from openai_deals.settings import SettingsError
from openai_deals.slack import server
from openai_deals.slack.app import check_slack_settings, create_app
from openai_deals.slack.http_app import signature
from openai_deals.slack.retries import SERVER_ERROR_RETRIES, retry_handlers

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 90  # loading spaCy and the index on a slow CI machine
MISSING = {
    "SLACK_BOT_TOKEN": (
        "Configuration invalide : SLACK_BOT_TOKEN n’est pas défini. Copiez le Bot User OAuth "
        "Token (xoxb-…) de la page OAuth & Permissions de l’app Slack dans .env (voir "
        "README.md, section Slack in five minutes)."
    ),
    "SLACK_SIGNING_SECRET": (
        "Configuration invalide : SLACK_SIGNING_SECRET n’est pas défini. Le mode HTTP vérifie "
        "chaque requête avec lui : copiez le Signing Secret de la page Basic Information de "
        "l’app Slack dans .env."
    ),
    "SLACK_APP_TOKEN": (
        "Configuration invalide : SLACK_APP_TOKEN n’est pas défini. Le Socket Mode demande un "
        "jeton d’app (xapp-…) de portée connections:write (page Basic Information > App-Level "
        "Tokens) : mettez-le dans .env, ou lancez plutôt `openai-deals serve --http` derrière "
        "une adresse publique."
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
        check_slack_settings(make_settings(**values), http=http)
    assert str(error.value) == MISSING[missing]


def test_socket_mode_without_app_token_exits_2_with_one_line(make_settings, capsys):
    """`serve` without SLACK_APP_TOKEN prints one line naming it and returns exit code 2."""
    assert server.main(make_settings(), http=False) == 2
    err = capsys.readouterr().err
    assert err == f"{MISSING['SLACK_APP_TOKEN']}\n"


def test_refused_bot_token_stops_start_up(slack, make_settings, index_dir, capsys):
    """A token Slack refuses (auth.test invalid_auth) stops `serve` with one line, exit 2."""
    slack.fail("auth.test", error="invalid_auth")
    assert server.main(make_settings(index_dir=index_dir), http=True, port=0) == 2
    assert capsys.readouterr().err == (
        "Configuration invalide : Slack refuse SLACK_BOT_TOKEN (invalid_auth). Copiez de "
        "nouveau le Bot User OAuth Token de la page OAuth & Permissions (réinstallez l’app "
        "s’il a été révoqué).\n"
    )


# -- Start-up failures: one French line, no traceback -----------------------------------------


def closed_port_url() -> str:
    """An http:// API URL on 127.0.0.1 where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}/api/"


def assert_one_line(capsys, caplog, expected: str) -> None:
    assert capsys.readouterr().err == expected + "\n"
    assert not [r for r in caplog.records if r.exc_info], "no traceback in the logs either"


@pytest.mark.parametrize("http", [True, False], ids=["http", "socket-mode"])
def test_slack_unreachable_at_start_is_one_french_line(
    make_settings, index_dir, capsys, caplog, http
):
    """`serve` with Slack unreachable says so in one line (exit 1) instead of a URLError
    traceback, after the client's connection retries."""
    url = closed_port_url()
    settings = make_settings(index_dir=index_dir, slack_api_base_url=url, slack_app_token="xapp-1")
    assert server.main(settings, http=http, port=0) == 1
    reason = "[Errno 111] Connection refused"
    assert_one_line(capsys, caplog, m.SERVE_SLACK_UNREACHABLE.format(url=url, reason=reason))


def test_busy_port_is_one_french_line(make_settings, index_dir, capsys, caplog):
    """A port another program listens on gives one line naming it (exit 1), not an OSError."""
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert server.main(make_settings(index_dir=index_dir), http=True, port=port) == 1
    assert_one_line(capsys, caplog, m.SERVE_PORT_BUSY.format(port=port))


@pytest.mark.parametrize("port", [70000, -1])
def test_impossible_port_is_one_french_line(make_settings, capsys, caplog, port):
    """`--port 70000` gives one line (exit 2) before anything loads, not an OverflowError."""
    assert server.main(make_settings(), http=True, port=port) == 2
    assert_one_line(capsys, caplog, m.SERVE_PORT_INVALID.format(port=port))


def test_socket_mode_refused_at_start_is_one_french_line(
    slack, make_settings, index_dir, capsys, caplog
):
    """apps.connections.open answering HTTP 500 (after the retries) gives one line, exit 1."""
    slack.fail("apps.connections.open", status=500, body="oops", times=1 + SERVER_ERROR_RETRIES)
    settings = make_settings(index_dir=index_dir, slack_app_token="xapp-1")
    assert server.main(settings, http=False) == 1
    assert_one_line(capsys, caplog, m.SERVE_SOCKET_MODE_REFUSED.format(error="HTTP 500"))


def test_cli_serve_with_slack_unreachable_prints_no_traceback(index_dir, engine, tmp_path):
    """The real command with Slack unreachable: one French line on the terminal, exit 1."""
    url = closed_port_url()
    env = child_env(None, index_dir, SLACK_API_BASE_URL=url)
    args = [sys.executable, "-m", "openai_deals.cli", "serve", "--http", "--port", "0"]
    result = subprocess.run(
        args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=START_SECONDS
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith(
        m.SERVE_SLACK_UNREACHABLE.format(url=url, reason="[Errno 111] Connection refused") + "\n"
    )


def test_app_needs_a_bot_token(make_settings, engine):
    """create_app refuses to build an app without SLACK_BOT_TOKEN."""
    with pytest.raises(SettingsError) as error:
        create_app(make_settings(slack_bot_token=None), engine)
    assert str(error.value) == MISSING["SLACK_BOT_TOKEN"]


def test_start_up_logs_no_bolt_warning_and_the_client_is_configured(
    slack, make_settings, index_dir, monkeypatch, caplog
):
    """With SLACK_BOT_TOKEN in the environment too (as in production), start-up logs no
    warning (Bolt's "As you gave `client` as well, `token` will be unused" among them), and
    the app's Web API client still uses SLACK_API_BASE_URL, SLACK_API_TIMEOUT and the retries."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    caplog.set_level(logging.DEBUG)
    settings = make_settings(index_dir=index_dir, slack_api_timeout=7.5)
    app = server.start(settings, http=True)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == []
    assert slack.calls_to("auth.test"), "auth.test went to SLACK_API_BASE_URL"
    assert (app.client.base_url, app.client.timeout) == (slack.api_url, 7.5)
    expected = retry_handlers(settings.slack_retry_backoff)
    assert [type(h) for h in app.client.retry_handlers] == [type(h) for h in expected]
    slack.fail("chat.postMessage", status=503, error="service_unavailable")
    app.client.chat_postMessage(channel=CHANNEL_ID, text="x")
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [503, 200]


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
        SLACK_API_BASE_URL=slack.api_url if slack else "",
        CORPUS_DIR=str(ROOT / "openai_deals" / "corpus"),
        INDEX_DIR=str(index_dir),
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="INFO",
        # Never the developer's ~/.config/openai-deals/.env.
        XDG_CONFIG_HOME=str(index_dir / "no-such-config-dir"),
        # Question outcomes go to a throwaway database, never the developer's.
        DATABASE_URL=f"sqlite:///{index_dir.parent / 'server-outcomes' / 'outcomes.sqlite3'}",
        SLACK_RETRY_BACKOFF="0.01",
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


def assert_refuses_hostile_requests(url: str, log: Path) -> None:
    """A forged 10 MB POST gets 413 and adds under 1 KB of log; a signed body that is not JSON
    gets 400; a non-numeric timestamp 401; never a traceback."""
    before = log.stat().st_size
    body = b"x" * (10 * 1024 * 1024)
    headers = {"Content-Length": str(len(body)), "X-Slack-Signature": "v0=forged"}
    assert raw_post(url, headers, body)[0] == 413
    time.sleep(0.2)  # let the one log line reach the file
    assert log.stat().st_size - before < 1024
    bad_json = b'{"type": "event_callback", '
    timestamp = str(int(time.time()))
    signed = {
        "Content-Type": "application/json",
        "Content-Length": str(len(bad_json)),
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature(SIGNING_SECRET.encode(), timestamp, bad_json),
    }
    assert raw_post(url, signed, bad_json)[0] == 400
    word = {**signed, "X-Slack-Request-Timestamp": "soon"}
    assert raw_post(url, word, bad_json)[0] == 401
    assert "Traceback" not in log.read_text()


def test_cli_serve_http_answers_signed_requests(slack, index_dir, engine, tmp_path):
    """`openai-deals serve --http --port N` serves /healthz and answers signed Slack requests."""
    port = free_port()
    args = [sys.executable, "-m", "openai_deals.cli", "serve", "--http", "--port", str(port)]
    with running(args, child_env(slack, index_dir), tmp_path) as process:
        wait_healthy(f"http://127.0.0.1:{port}", process, tmp_path)
        assert_answers_mention_dm_and_command(slack, f"http://127.0.0.1:{port}/slack/events")
        assert_refuses_hostile_requests(
            f"http://127.0.0.1:{port}/slack/events", tmp_path / "stderr.log"
        )
    assert process.returncode == 0, process.output
    assert "Stopping" in process.output
    assert "will be unused" not in process.output  # Bolt given a token and a client


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
    """The WSGI entry point under gunicorn's threads (any WSGI server may serve it) answers
    like the CLI."""
    port = free_port()
    args = [
        sys.executable, "-m", "gunicorn", "--preload", "--workers", "1", "--threads", "4",
        "--bind", f"127.0.0.1:{port}", "openai_deals.slack.wsgi:app",
    ]  # fmt: skip
    with running(args, child_env(slack, index_dir), tmp_path) as process:
        wait_healthy(f"http://127.0.0.1:{port}", process, tmp_path)
        assert_answers_mention_dm_and_command(slack, f"http://127.0.0.1:{port}/slack/events")
        assert_refuses_hostile_requests(
            f"http://127.0.0.1:{port}/slack/events", tmp_path / "stderr.log"
        )


def procfile_web_command(port: int, *extra: str) -> list[str]:
    """The Procfile's web command on 127.0.0.1:``port``, with this Python, plus ``extra``."""
    line = next(ln for ln in (ROOT / "Procfile").read_text().splitlines() if ln.startswith("web:"))
    args = shlex.split(line.removeprefix("web:").replace("$PORT", str(port)))
    assert args[0] == "gunicorn"
    args = [a.replace("0.0.0.0", "127.0.0.1") for a in args[1:]]
    return [sys.executable, "-m", "gunicorn", *extra, *args]


class SlowClients:
    """``count`` connections sending one byte a second (even ones their headers, odd ones a
    body shorter than their Content-Length) until ``close``."""

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._drip, args=(i % 2 == 1,), daemon=True)
            for i in range(count)
        ]
        for thread in self.threads:
            thread.start()

    def _drip(self, body: bool) -> None:
        head = b"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        rest = b"Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n"
        first, slow = (head + rest, b"{" + b" " * 4000) if body else (head, rest)
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock,
        ):
            sock.sendall(first)
            for i in range(len(slow)):
                if self.stop.wait(1.0):
                    return
                sock.sendall(slow[i : i + 1])

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(5)


def test_the_procfile_web_process_acks_while_50_slow_clients_hold_on(
    slack, index_dir, engine, tmp_path
):
    """The Procfile's web process answers like the CLI, refuses hostile requests, and while
    50 clients send their headers or body at 1 byte a second, every signed request is still
    acknowledged within Slack's 3 s (gunicorn's threads used to be held, 8 clients stopped it)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/slack/events"
    with running(procfile_web_command(port), child_env(slack, index_dir), tmp_path) as process:
        wait_healthy(f"http://127.0.0.1:{port}", process, tmp_path)
        assert_answers_mention_dm_and_command(slack, url)
        assert_refuses_hostile_requests(url, tmp_path / "stderr.log")
        slow = SlowClients(port, 50)
        try:
            time.sleep(2.0)  # every slow client is connected and dripping
            acks = []
            for i in range(10):
                started = time.monotonic()
                status, _ = send_command(url, slash_command("aide", slack.response_url(f"s{i}")))
                acks.append((status, round(time.monotonic() - started, 2)))
                time.sleep(0.3)
        finally:
            slow.close()
    assert [status for status, _ in acks] == [200] * 10, acks
    assert max(seconds for _, seconds in acks) < 3.0, acks
    assert "Traceback" not in process.output


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


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("SLACK_BOT_TOKEN", {"slack_bot_token": "xoxb-...", "slack_app_token": "xapp-1"}),
        ("SLACK_APP_TOKEN", {"slack_app_token": "xapp-..."}),
    ],
)
def test_example_token_is_refused_before_slack_is_called(
    slack, make_settings, capsys, caplog, name, values
):
    """A token still holding .env.example's placeholder stops `serve` at once, naming the
    variable, and no request reaches Slack."""
    assert server.main(make_settings(**values), http=False) == 2
    expected = (
        f"Configuration invalide : {name} contient encore la valeur d’exemple de .env.example "
        f"(« {values[name.lower()]} »). {m.SLACK_SETTING_HELP[name]}"
    )
    assert_one_line(capsys, caplog, expected)
    assert not slack.calls_to("auth.test") and not slack.calls_to("apps.connections.open")
