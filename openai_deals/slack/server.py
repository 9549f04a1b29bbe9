"""Run the app: Socket Mode (default), or HTTP on ``/slack/events`` with ``GET /healthz``.

``openai-deals serve [--http] [--port N]`` calls ``main``. For production HTTP, gunicorn serves
``openai_deals.slack.wsgi:app``, built by ``create_wsgi_app`` below (same routes).
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError

from openai_deals.settings import Settings, SettingsError
from openai_deals.slack.app import check_slack_settings, create_app

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
SOCKET_PING_SECONDS = 10.0

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]

# Slack's answers to auth.test that mean the token itself is wrong (not a passing outage).
_BAD_TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked"})


def check_token(app: App) -> None:
    """Ask Slack (``auth.test``) whether the bot token works, before serving anything.

    Raises:
        SettingsError: Slack refused the token.
    """
    try:
        result = app.client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in _BAD_TOKEN_ERRORS:
            raise SettingsError(
                f"SLACK_BOT_TOKEN: Slack refused it ({error}); copy the Bot User OAuth Token "
                "again from OAuth & Permissions (reinstall the app if it was revoked)"
            ) from None
        logger.warning("auth.test failed (%s); starting anyway, Slack may be down", error)
        return
    logger.info("Connected to Slack as %s in %s", result.get("user"), result.get("team"))


# -- HTTP -----------------------------------------------------------------------------------


def build_wsgi_app(app: App) -> WSGIApp:
    """The WSGI app: Bolt on ``POST /slack/events``, ``GET /healthz`` answers 200 "ok"."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi_app(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in {
            "GET",
            "HEAD",
        }:
            start_response(
                "200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "2")]
            )
            return [b"ok"]
        return slack(environ, start_response)

    return wsgi_app


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _LoggingRequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


def make_http_server(app: App, port: int, host: str = "0.0.0.0") -> WSGIServer:
    """A threaded stdlib HTTP server for ``app`` (port 0 picks a free port).

    Call ``serve_forever()`` on it, ``shutdown()`` from another thread to stop.
    """
    return make_server(
        host,
        port,
        build_wsgi_app(app),
        server_class=_ThreadingWSGIServer,
        handler_class=_LoggingRequestHandler,
    )


def create_wsgi_app(settings: Settings) -> WSGIApp:
    """Everything gunicorn needs: checked settings, loaded engine, app, WSGI routes.

    Raises:
        SettingsError: a Slack value HTTP mode needs is missing or refused.
    """
    from openai_deals.retrieval.engine import load_engine  # the slow import, only when serving

    check_slack_settings(settings, http=True)
    engine = load_engine(settings.corpus_dir, settings.resolved_index_dir)
    app = create_app(settings, engine)
    check_token(app)
    return build_wsgi_app(app)


# -- Socket Mode ----------------------------------------------------------------------------


def make_socket_mode_handler(
    app: App, app_token: str, ping_interval: float = SOCKET_PING_SECONDS
) -> SocketModeHandler:
    """Bolt's built-in Socket Mode handler, on the app's own Web API client.

    That client carries ``SLACK_API_BASE_URL``, so ``apps.connections.open`` goes there too.
    Slack announces most disconnections (a ``disconnect`` message) and the handler reconnects
    at once; a connection that drops silently is noticed, and replaced, within
    ``ping_interval`` seconds. Call ``connect()`` (returns) or ``start()`` (blocks);
    ``close()`` to stop.
    """
    return SocketModeHandler(
        app, app_token=app_token, web_client=app.client, ping_interval=ping_interval
    )


# -- Entry point ----------------------------------------------------------------------------


def _stop_on_sigterm() -> None:
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def main(settings: Settings, http: bool = False, port: int | None = None) -> int:
    """Serve the Slack app until interrupted (Ctrl+C or SIGTERM).

    Args:
        settings: the loaded settings.
        http: serve HTTP on ``port`` instead of connecting with Socket Mode.
        port: HTTP port; default ``settings.port`` (``PORT``).

    Returns:
        The exit code: 0 after a normal stop, 2 when a Slack value the mode needs is missing
        or refused (then one line on stderr names the variable and says what to do).
    """
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        check_slack_settings(settings, http)
        from openai_deals.retrieval.engine import load_engine

        logger.info("Loading the corpus from %s", settings.corpus_dir)
        engine = load_engine(settings.corpus_dir, settings.resolved_index_dir)
        app = create_app(settings, engine)
        check_token(app)
    except SettingsError as exc:
        print(f"Configuration invalide — {exc}", file=sys.stderr)
        return 2
    _stop_on_sigterm()

    if http:
        server = make_http_server(app, port if port is not None else settings.port)
        logger.info(
            "Listening on http://0.0.0.0:%d%s (health check: %s)",
            server.server_port,
            EVENTS_PATH,
            HEALTH_PATH,
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            logger.info("Stopping")
        finally:
            server.server_close()
        return 0

    handler = make_socket_mode_handler(app, settings.slack_app_token or "")
    try:
        handler.start()
    except KeyboardInterrupt:
        logger.info("Stopping")
    finally:
        handler.close()
    return 0
