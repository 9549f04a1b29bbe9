"""Installing in several workspaces (slack/install.py): Bolt's OAuth flow over real HTTP, the
installation stored in a real PostgreSQL, answers with that workspace's token, and uninstall
deleting it."""

from __future__ import annotations

import http.client
import json
import logging
import sys
import time
from urllib.parse import parse_qs, quote, urlparse

import pytest
import sqlalchemy
from slack_payloads import (
    BOT_USER_ID,
    QUESTION,
    app_mention,
    app_uninstalled,
    event_callback,
    send_event,
)
from slack_standin import WAIT_SECONDS

from openai_deals import messages as m
from openai_deals.settings import SettingsError
from openai_deals.slack import server
from openai_deals.slack.app import check_slack_settings, create_app
from openai_deals.slack.install import BOT_SCOPES

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret-0123456789"
TEAM = "T0OTHER01"
TEAM_NAME = "Autre Espace"
TEAM_TOKEN = "xoxb-installed-T0OTHER01"


@pytest.fixture
def oauth_settings(make_settings, postgres_url):
    """OAuth mode: client id and secret, no bot token, installations in PostgreSQL."""
    return make_settings(
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        database_url=postgres_url,
    )


def get(base_url: str, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    """GET without following redirects (the browser's first hop is what is checked)."""
    parsed = urlparse(base_url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.text = response.read().decode()  # type: ignore[attr-defined]
    connection.close()
    return response


def grant(slack, code: str) -> None:
    """The stand-in's oauth.v2.access answers ``code`` with the test team's installation."""
    slack.grant(
        code,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        team_id=TEAM,
        team_name=TEAM_NAME,
        bot_token=TEAM_TOKEN,
    )


def start_install(base_url: str) -> tuple[str, str]:
    """GET /slack/install: Slack's authorisation URL and the state cookie it set."""
    response = get(base_url, "/slack/install")
    assert response.status == 302
    location = response.getheader("Location")
    assert location.startswith("https://slack.com/oauth/v2/authorize?")
    query = parse_qs(urlparse(location).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == [",".join(BOT_SCOPES)]
    cookie = response.getheader("Set-Cookie").split(";")[0]
    assert cookie == f"slack-app-oauth-state={query['state'][0]}"
    return query["state"][0], cookie


def team_event(event: dict) -> dict:
    """An event from the installed workspace (not the stand-in's default team)."""
    payload = event_callback(event)
    payload["team_id"] = TEAM
    payload["authorizations"] = [{"team_id": TEAM, "user_id": "UBOTINST1", "is_bot": True}]
    return payload


def rows(url: str, query: str) -> list[tuple]:
    """What ``query`` reads from the database at ``url`` (a connection of the test's own)."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sqlalchemy.text(query))]
    finally:
        engine.dispose()


def bots_rows(url: str) -> list[tuple]:
    return rows(url, "select team_id, bot_token from slack_bots order by id")


def installation_rows(url: str) -> list[tuple]:
    return rows(url, "select team_id, team_name, bot_token from slack_installations")


def test_install_answer_with_the_workspace_token_then_uninstall(
    slack, oauth_settings, engine, serve_app, postgres_url, bot_logs
):
    """The redirect stores the installation in PostgreSQL; that team's mention is answered
    with its own token; app_uninstalled deletes the installation."""
    with serve_app(create_app(oauth_settings, engine), oauth_settings) as bot:
        state, cookie = start_install(bot.base_url)
        grant(slack, "code-1")
        response = get(
            bot.base_url, f"/slack/oauth_redirect?code=code-1&state={state}", {"Cookie": cookie}
        )
        assert response.status == 200, response.text
        assert m.INSTALL_SUCCESS.format(team=TEAM_NAME) in response.text
        (exchange,) = slack.calls_to("oauth.v2.access")
        assert exchange.params["code"] == "code-1"
        assert exchange.headers["authorization"].startswith("Basic ")  # the client secret
        assert bots_rows(postgres_url) == [(TEAM, TEAM_TOKEN)]
        assert installation_rows(postgres_url) == [(TEAM, TEAM_NAME, TEAM_TOKEN)]

        mention = app_mention(f"<@{BOT_USER_ID}> {QUESTION}")
        assert send_event(bot.url, team_event(mention)) == 200
        (answer,) = slack.wait_for("chat.postMessage")
        assert answer.headers["authorization"] == f"Bearer {TEAM_TOKEN}"
        assert answer.params["thread_ts"] == mention["ts"]
        assert "300 millions de dollars" in json.dumps(answer.params["blocks"], ensure_ascii=False)

        assert send_event(bot.url, team_event(app_uninstalled())) == 200
        deadline = time.monotonic() + WAIT_SECONDS
        while bots_rows(postgres_url) or installation_rows(postgres_url):
            assert time.monotonic() < deadline, "the installation was not deleted"
            time.sleep(0.05)
        assert any("Deleted the installation" in r.getMessage() for r in bot_logs.records)
        assert TEAM_TOKEN not in bot_logs.text and CLIENT_SECRET not in bot_logs.text


def test_a_state_works_once_and_only_with_its_cookie(slack, oauth_settings, engine, serve_app):
    """A redirect without the installer's cookie, or replayed, installs nothing: French page."""
    with serve_app(create_app(oauth_settings, engine), oauth_settings) as bot:
        state, cookie = start_install(bot.base_url)
        grant(slack, "code-2")
        path = f"/slack/oauth_redirect?code=code-2&state={state}"
        no_cookie = get(bot.base_url, path)
        assert no_cookie.status == 400
        assert m.INSTALL_FAILED.format(reason="invalid_browser") in no_cookie.text
        assert get(bot.base_url, path, {"Cookie": cookie}).status == 200
        replay = get(bot.base_url, path, {"Cookie": cookie})
        assert replay.status == 401
        assert m.INSTALL_FAILED.format(reason="invalid_state") in replay.text
        assert len(slack.calls_to("oauth.v2.access")) == 1


def test_single_workspace_mode_has_no_install_routes(bot_http):
    """Without a client id and secret, /slack/install is not served (404)."""
    assert get(bot_http.base_url, "/slack/install").status == 404


def test_oauth_mode_needs_no_bot_token_but_both_client_values_and_http(make_settings):
    """Client id + secret replace SLACK_BOT_TOKEN; one without the other is named; Socket
    Mode is refused with what to do."""
    oauth = make_settings(
        slack_bot_token=None, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET
    )
    check_slack_settings(oauth, http=True)
    check_slack_settings(oauth)
    with pytest.raises(SettingsError) as error:
        check_slack_settings(oauth, http=False)
    assert str(error.value) == m.OAUTH_NEEDS_HTTP
    half = make_settings(slack_bot_token=None, slack_client_id=CLIENT_ID)
    with pytest.raises(SettingsError) as error:
        check_slack_settings(half, http=True)
    assert str(error.value) == m.setting_missing("SLACK_CLIENT_SECRET")
    with pytest.raises(SettingsError) as error:
        check_slack_settings(make_settings(slack_bot_token=None), http=True)
    assert str(error.value) == m.setting_missing("SLACK_BOT_TOKEN")


def test_installations_database_unreachable_at_start_is_one_french_line(
    make_settings, index_dir, capsys, caplog
):
    """OAuth with PostgreSQL down: one line naming the database without its password (exit 1),
    no traceback."""
    from test_slack_server import free_port

    port = free_port()
    settings = make_settings(
        index_dir=index_dir,
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        database_url=f"postgresql+psycopg://bot:s3cret@127.0.0.1:{port}/deals",
    )
    assert server.main(settings, http=True, port=0) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        m.SERVE_DATABASE_UNREACHABLE.split("{reason}")[0].format(
            url=f"postgresql+psycopg://bot:***@127.0.0.1:{port}/deals"
        )
    )
    assert err.count("\n") == 1 and "s3cret" not in err
    assert not [r for r in caplog.records if r.exc_info]


def test_slack_scopes_override_the_manifest_scopes(make_settings, monkeypatch):
    """SLACK_SCOPES from the environment is read as a list (commas, spaces); unset it is
    install.BOT_SCOPES (the manifests', checked by test_slack_scopes)."""
    from openai_deals.settings import load_settings

    monkeypatch.setenv("SLACK_SCOPES", "chat:write, commands")
    assert load_settings(_env_file=None).slack_scopes == ("chat:write", "commands")
    monkeypatch.delenv("SLACK_SCOPES")
    assert load_settings(_env_file=None).slack_scopes == BOT_SCOPES


def test_a_failed_installation_write_never_logs_the_token(
    slack, oauth_settings, engine, serve_app, postgres_url, caplog
):
    """The installation's insert refused by PostgreSQL (a trigger): the installer gets the
    French failure page, the log has the traceback, but neither the bot token nor the client
    secret (SQLAlchemy's error messages list the statement's parameters unless told not to).
    At INFO, the default LOG_LEVEL (slack_sdk's DEBUG lines show whole Slack responses)."""
    caplog.set_level(logging.INFO)
    refuse = """
        create function refuse() returns trigger language plpgsql as
            $$ begin raise exception 'disk quota exceeded'; end $$;
        create trigger refuse before insert on slack_bots for each row execute function refuse();
        create trigger refuse before insert on slack_installations
            for each row execute function refuse();
    """
    with serve_app(create_app(oauth_settings, engine), oauth_settings) as bot:
        admin = sqlalchemy.create_engine(postgres_url)
        try:
            with admin.begin() as connection:
                connection.execute(sqlalchemy.text(refuse))
        finally:
            admin.dispose()
        state, cookie = start_install(bot.base_url)
        grant(slack, "code-3")
        response = get(
            bot.base_url, f"/slack/oauth_redirect?code=code-3&state={state}", {"Cookie": cookie}
        )
    assert response.status >= 400 and TEAM_TOKEN not in response.text
    assert installation_rows(postgres_url) == []
    assert "disk quota exceeded" in caplog.text, "the failure and its traceback are logged"
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)
    for secret in (TEAM_TOKEN, CLIENT_SECRET, state):
        assert secret not in caplog.text


def test_a_forged_oauth_error_cannot_forge_a_log_line(slack, index_dir, engine, tmp_path):
    """`openai-deals serve --http` in OAuth mode: an unauthenticated redirect whose ``error``
    carries a line break and a fake record is logged on one line, its controls escaped."""
    from test_slack_server import child_env, free_port, running, wait_healthy

    port = free_port()
    env = child_env(slack, index_dir, SLACK_CLIENT_ID=CLIENT_ID, SLACK_CLIENT_SECRET=CLIENT_SECRET)
    del env["SLACK_BOT_TOKEN"]
    args = [sys.executable, "-m", "openai_deals.cli", "serve", "--http", "--port", str(port)]
    forged = "2026-01-01 00:00:00,000 ERROR openai_deals.slack.install: forged"
    error = quote(f"access_denied\n{forged}\r\x1b[2J")
    with running(args, env, tmp_path) as process:
        base_url = f"http://127.0.0.1:{port}"
        wait_healthy(base_url, process, tmp_path)
        response = get(base_url, f"/slack/oauth_redirect?error={error}")
        assert m.INSTALL_FAILED.split("{")[0] in response.text
        time.sleep(0.5)  # let the line reach the log file
    log = process.output
    assert "Installation failed: access_denied\\n" + forged + "\\r\\x1b[2J" in log, log
    assert not [line for line in log.splitlines() if line.startswith(forged)]
    assert "\x1b" not in log and "\r" not in log


def test_the_oauth_state_and_code_are_never_logged(
    slack, oauth_settings, engine, serve_app, postgres_url, caplog
):
    """The state store's failed lookup (its table gone) and Slack refusing the code are
    logged without the one-time state and code (slack_sdk and Bolt put them in their
    messages)."""
    caplog.set_level(logging.DEBUG, logger="openai_deals")
    caplog.set_level(logging.INFO, logger="slack_bolt")
    with serve_app(create_app(oauth_settings, engine), oauth_settings) as bot:
        state, cookie = start_install(bot.base_url)
        slack.fail("oauth.v2.access", error="invalid_code")
        path = f"/slack/oauth_redirect?code=code-refused-0123&state={state}"
        assert get(bot.base_url, path, {"Cookie": cookie}).status >= 400
        state, cookie = start_install(bot.base_url)
        admin = sqlalchemy.create_engine(postgres_url)
        try:
            with admin.begin() as connection:
                connection.execute(sqlalchemy.text("drop table slack_oauth_states"))
        finally:
            admin.dispose()
        path = f"/slack/oauth_redirect?code=code-4&state={state}"
        assert get(bot.base_url, path, {"Cookie": cookie}).status >= 400
    messages = "\n".join(r.getMessage() for r in caplog.records)
    assert "Failed to find any persistent data for state" in messages
    assert "Failed to fetch oauth.v2.access result" in messages
    for secret in (state, "code-refused-0123", "code-4"):
        assert secret not in caplog.text
