"""Run the app: Socket Mode (default), or HTTP on ``/slack/events`` with ``GET /healthz``.

``openai-deals serve [--http] [--port N]`` calls ``main``. For production HTTP, gunicorn serves
``openai_deals.slack.wsgi:app``, built by ``create_wsgi_app`` below (same routes, same gate).
Both go through one start-up sequence, ``start``. Whatever fails at start-up (a missing value,
a token Slack refuses, Slack unreachable, a busy port) ends with one line saying what to do,
never a traceback.
"""

from __future__ import annotations

import errno
import logging
import signal
import sys
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import sqlalchemy.exc
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import make_url

from openai_deals import messages as m
from openai_deals.live_corpus import CorpusFollower, register, start_all
from openai_deals.logs import configure_logging
from openai_deals.settings import Settings, SettingsError
from openai_deals.slack.answerer import SLACK_CALL_ERRORS, slack_error
from openai_deals.slack.app import check_slack_settings, create_app
from openai_deals.slack.http_app import (
    EVENTS_PATH,
    HEALTH_PATH,
    WSGIApp,
    build_wsgi_app,
    oauth_paths,
)

logger = logging.getLogger(__name__)

# Slack's answers to auth.test that mean the token itself is wrong (not a passing outage).
_BAD_TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked"})


class StartupError(Exception):
    """Serving cannot start for a reason outside the configuration (Slack unreachable, port
    taken…); the message is one French line saying what to do."""


def check_token(app: App, settings: Settings) -> None:
    """Ask Slack (``auth.test``) whether the bot token works, before serving anything.

    Raises:
        SettingsError: Slack refused the token.
        StartupError: Slack could not be reached (after the client's retries).
    """
    try:
        result = app.client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in _BAD_TOKEN_ERRORS:
            raise SettingsError(m.BOT_TOKEN_REFUSED.format(error=error)) from None
        logger.warning("auth.test failed (%s); starting anyway, Slack may be down", error)
        return
    except SLACK_CALL_ERRORS as exc:
        raise StartupError(
            m.SERVE_SLACK_UNREACHABLE.format(url=settings.slack_api_base_url, reason=_reason(exc))
        ) from None
    logger.info("Connected to Slack as %s in %s", result.get("user"), result.get("team"))


def start(settings: Settings, http: bool) -> App:
    """The one start-up sequence: check the settings the mode needs, load the engine, build
    the app, check the bot token with Slack.

    Raises:
        SettingsError: a Slack value the mode needs is missing or refused.
        StartupError: Slack could not be reached.
    """
    from openai_deals.retrieval.answering.reader import ReaderError

    check_slack_settings(settings, http)
    logger.info("Loading the corpus from %s", settings.corpus_dir)
    try:
        # With PostgreSQL the articles are in the database (openai_deals/articles.py).
        corpus = register(CorpusFollower.from_settings(settings))
        engine = corpus.load()
        app = create_app(settings, engine, corpus=corpus)
    except sqlalchemy.exc.SQLAlchemyError as exc:  # the articles' or installations' database
        url = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()[0]
        text = m.SERVE_DATABASE_UNREACHABLE.format(url=url, reason=reason[:200])
        raise StartupError(text) from None
    except ReaderError as exc:
        raise StartupError(m.READER_UNUSABLE.format(path=exc.folder, reason=exc.reason)) from None
    if settings.oauth_enabled:
        # No token of its own: each workspace's is checked by Bolt when its requests arrive.
        logger.info("Installable in several workspaces: %s and %s", *oauth_paths(app))
    else:
        check_token(app, settings)
    return app


# -- HTTP -----------------------------------------------------------------------------------


def create_wsgi_app(settings: Settings) -> WSGIApp:
    """Everything gunicorn needs: ``start`` in HTTP mode, then the guarded WSGI routes.

    Raises:
        SettingsError: a Slack value HTTP mode needs is missing or refused.
        StartupError: Slack could not be reached.
    """
    return wsgi_routes(start(settings, http=True), settings)


def wsgi_routes(app: App, settings: Settings) -> WSGIApp:
    """The WSGI app of ``app`` with the request gate configured from ``settings``."""
    return build_wsgi_app(
        app,
        signing_secret=settings.slack_signing_secret or "",
        max_body_bytes=settings.max_request_bytes,
    )


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _LoggingRequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)


def make_http_server(app: App, settings: Settings, port: int, host: str = "0.0.0.0") -> WSGIServer:
    """A threaded stdlib HTTP server for ``app`` (port 0 picks a free port).

    Call ``serve_forever()`` on it, ``shutdown()`` from another thread to stop.

    Raises:
        OSError: the port cannot be bound (taken, or not allowed).
    """
    return make_server(
        host,
        port,
        wsgi_routes(app, settings),
        server_class=_ThreadingWSGIServer,
        handler_class=_LoggingRequestHandler,
    )


# -- Socket Mode ----------------------------------------------------------------------------


def make_socket_mode_handler(app: App, settings: Settings) -> SocketModeHandler:
    """Bolt's built-in Socket Mode handler, on the app's own Web API client.

    That client carries ``SLACK_API_BASE_URL`` and the retries, so ``apps.connections.open``
    goes there too. Slack announces most disconnections (a ``disconnect`` message) and the
    handler reconnects at once; otherwise it pings every ``SOCKET_MODE_PING_INTERVAL``
    seconds: a closed connection is replaced within one interval, one that silently stopped
    answering within four. Call ``connect()`` (returns) or ``start()`` (blocks); ``close()``
    to stop.
    """
    return SocketModeHandler(
        app,
        app_token=settings.slack_app_token,
        web_client=app.client,
        ping_interval=settings.socket_mode_ping_interval,
    )


# -- Entry point ----------------------------------------------------------------------------


def _stop_on_sigterm() -> None:
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None)
    return str(reason or slack_error(exc))[:200]


def main(settings: Settings, http: bool = False, port: int | None = None) -> int:
    """Serve the Slack app until interrupted (Ctrl+C or SIGTERM).

    Args:
        settings: the loaded settings.
        http: serve HTTP on ``port`` instead of connecting with Socket Mode.
        port: HTTP port; default ``settings.port`` (``PORT``); 0 picks a free one.

    Returns:
        The exit code: 0 after a normal stop; 2 when a value is missing, malformed or refused;
        1 when serving could not start (Slack unreachable, port taken). Then one line on
        stderr says what to do.
    """
    configure_logging(settings.log_level)
    port = settings.port if port is None else port
    if http and not 0 <= port <= 65535:
        print(m.SERVE_PORT_INVALID.format(port=port), file=sys.stderr)
        return 2
    try:
        app = start(settings, http)
        if http:
            server = make_http_server(app, settings, port)
        else:
            handler = make_socket_mode_handler(app, settings)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    except StartupError as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:  # binding the port
        text = m.SERVE_PORT_BUSY if exc.errno == errno.EADDRINUSE else m.SERVE_PORT_FAILED
        print(text.format(port=port, reason=_reason(exc)), file=sys.stderr)
        return 1
    _stop_on_sigterm()
    start_all()  # follow the corpus other processes change (no fork here: start now)
    return _serve_http(server) if http else _serve_socket_mode(handler, settings)


def _serve_http(server: WSGIServer) -> int:
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


def _serve_socket_mode(handler: SocketModeHandler, settings: Settings) -> int:
    try:
        try:
            handler.connect()
        except SLACK_CALL_ERRORS as exc:
            if isinstance(exc, SlackApiError):
                text = m.SERVE_SOCKET_MODE_REFUSED.format(error=slack_error(exc))
            else:
                url = settings.slack_api_base_url
                text = m.SERVE_SLACK_UNREACHABLE.format(url=url, reason=_reason(exc))
            print(text, file=sys.stderr)
            return 1
        threading.Event().wait()
    except KeyboardInterrupt:
        logger.info("Stopping")
    finally:
        handler.close()
    return 0
