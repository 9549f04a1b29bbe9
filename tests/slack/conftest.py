"""Fixtures for the Slack app: the stand-in Slack and the app served over real HTTP.

The real engine on the real corpus is the session-scoped ``engine`` of ``tests/conftest.py``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from slack_bolt import App
from slack_payloads import SIGNING_SECRET
from slack_standin import WAIT_SECONDS, MockSlack, SocketModeStandIn

from openai_deals.retrieval.answering.engine import Engine
from openai_deals.settings import Settings, load_settings
from openai_deals.slack.app import create_app
from openai_deals.slack.server import make_http_server

CORPUS_DIR = Path(__file__).resolve().parents[2] / "openai_deals" / "corpus"


@pytest.fixture(autouse=True)
def _no_slack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's Slack variables."""
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)


@pytest.fixture
def slack() -> Iterator[MockSlack]:
    mock = MockSlack()
    yield mock
    mock.close()


@pytest.fixture
def socket_mode(slack: MockSlack) -> Iterator[SocketModeStandIn]:
    standin = SocketModeStandIn()
    slack.socket_url = standin.url()
    yield standin
    standin.close()


@pytest.fixture
def make_settings(slack: MockSlack, tmp_path: Path) -> Callable[..., Settings]:
    """Build Settings from explicit values only (no environment, no .env file)."""

    def make(**values: object) -> Settings:
        base: dict[str, object] = {
            "slack_bot_token": "xoxb-test",
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_base_url": slack.api_url,
            "corpus_dir": CORPUS_DIR,
            # Retries wait milliseconds, not the production half second: tests stay fast.
            "slack_retry_backoff": 0.01,
            # Question outcomes go to the test's own database, never the developer's.
            "database_url": f"sqlite:///{tmp_path / 'openai-deals.sqlite3'}",
        }
        base.update(values)
        return load_settings(_env_file=None, **base)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@dataclass
class RunningApp:
    app: App
    url: str  # the /slack/events URL
    base_url: str


@contextlib.contextmanager
def serving(app: App, settings: Settings) -> Iterator[RunningApp]:
    """Serve ``app`` with the real HTTP server of ``openai_deals.slack.server``, on a free
    port, behind the request gate configured from ``settings``."""
    server = make_http_server(app, settings, port=0, host="127.0.0.1")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        yield RunningApp(app, f"{base}/slack/events", base)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT_SECONDS)


@pytest.fixture
def bot_http(settings: Settings, engine: Engine) -> Iterator[RunningApp]:
    """The real app, on the real engine, behind the real HTTP server."""
    with serving(create_app(settings, engine), settings) as running:
        yield running


@pytest.fixture
def serve_app() -> Callable[[App, Settings], contextlib.AbstractContextManager[RunningApp]]:
    """Serve another app (built by the test) the same way as ``bot_http``."""
    return serving


@pytest.fixture
def bot_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture the bot's logs, debug included."""
    caplog.set_level(logging.DEBUG, logger="openai_deals.slack")
    return caplog
