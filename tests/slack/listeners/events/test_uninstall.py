"""`app_uninstalled` / `tokens_revoked` (listeners/events/uninstall.py): every store forgets
the workspace."""

from __future__ import annotations

import threading
import time

from slack_bolt import App, BoltRequest
from slack_payloads import SIGNING_SECRET, app_uninstalled, event_callback, tokens_revoked
from slack_standin import TEAM_ID, WAIT_SECONDS

from openai_deals.slack.answerer import Answerer
from openai_deals.slack.listeners import register_listeners


class Purges:
    def __init__(self) -> None:
        self.calls: list[tuple[str | None, str | None]] = []
        self.done = threading.Event()

    def __call__(self, enterprise_id: str | None, team_id: str | None) -> None:
        self.calls.append((enterprise_id, team_id))
        self.done.set()


def app_with(answerer: Answerer) -> App:
    app = App(
        token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
        process_before_response=True,
    )
    register_listeners(app, answerer)
    return app


def dispatch(app: App, event: dict) -> int:
    return app.dispatch(BoltRequest(body=event_callback(event), mode="socket_mode")).status


def test_uninstall_runs_every_purge_even_after_one_fails(engine, bot_logs):
    def broken(enterprise_id: str | None, team_id: str | None) -> None:
        raise RuntimeError("database unreachable")

    purges = Purges()
    answerer = Answerer(engine, workspace_purges=[broken, purges])
    assert dispatch(app_with(answerer), app_uninstalled()) == 200
    assert purges.done.wait(WAIT_SECONDS)
    assert purges.calls == [(None, TEAM_ID)]
    failure = [r for r in bot_logs.records if "Could not delete" in r.getMessage()]
    assert failure and f"team={TEAM_ID}" in failure[0].getMessage()


def test_revoked_bot_token_purges_but_revoked_user_tokens_do_not(engine, bot_logs):
    purges = Purges()
    app = app_with(Answerer(engine, workspace_purges=[purges]))
    assert dispatch(app, tokens_revoked(bot=False)) == 200
    deadline = time.monotonic() + WAIT_SECONDS
    while not any("User tokens revoked" in r.getMessage() for r in bot_logs.records):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert purges.calls == []
    assert dispatch(app, tokens_revoked(bot=True)) == 200
    assert purges.done.wait(WAIT_SECONDS)
    assert purges.calls == [(None, TEAM_ID)]


def test_uninstall_purges_the_workspaces_outcomes(slack, bot_http, settings, bot_logs):
    """A question leaves an outcome row for the workspace; app_uninstalled deletes it."""
    import sqlalchemy as sa
    from slack_payloads import QUESTION, direct_message, send_event

    from openai_deals.database import database_engine
    from openai_deals.outcomes import outcomes_table

    def count() -> int:
        with database_engine(settings.resolved_database_url).connect() as conn:
            query = sa.select(sa.func.count()).select_from(outcomes_table)
            return conn.execute(query.where(outcomes_table.c.team_id == TEAM_ID)).scalar_one()

    send_event(bot_http.url, event_callback(direct_message(QUESTION)))
    slack.wait_for("chat.postMessage")
    deadline = time.monotonic() + WAIT_SECONDS
    while count() == 0:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    send_event(bot_http.url, event_callback(app_uninstalled()))
    while count() != 0:
        assert time.monotonic() < deadline, "the workspace's outcomes were not deleted"
        time.sleep(0.02)
