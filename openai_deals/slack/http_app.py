"""The WSGI app of HTTP mode: ``GET /healthz``, and ``POST /slack/events`` guarded before Bolt.

Served by ``openai-deals serve --http`` (stdlib server) and by gunicorn (``wsgi.py``) alike.
Before Bolt sees a request, the gate answers, with one short log line and never the body:

* **413** when the body is larger than ``MAX_REQUEST_BYTES`` — decided from ``Content-Length``
  before reading a byte of it (or after reading one byte too many of a chunked body);
* **401** when the ``X-Slack-Request-Timestamp`` is missing, not a number or more than five
  minutes off, or the signature does not match (Bolt would log the whole body at INFO);
* **400** when a signed body is not what Slack sends (not UTF-8, not JSON, JSON nested too
  deep to parse, a ``payload`` that is not a JSON object, a bad ``Content-Length``).

Bolt then checks the signature again (defence in depth) and dispatches.

When the app is installed in several workspaces (``slack/install.py``), ``GET /slack/install``
and ``GET /slack/oauth_redirect`` go to Bolt's OAuth flow: a person's browser calls them,
unsigned, and they never log their query string (it carries the one-time code and state).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.oauth import OAuthFlow

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_CLOCK_SKEW_SECONDS = 60 * 5  # Slack's own rule for replayed requests

WSGIApp = Callable[[dict, Callable[..., Any]], Iterable[bytes]]

_REASONS = {
    200: "OK",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    413: "Payload Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def build_wsgi_app(app: App, *, signing_secret: str, max_body_bytes: int) -> WSGIApp:
    """The WSGI app: the gate then Bolt on ``POST /slack/events``, 200 "ok" on ``GET /healthz``.

    Args:
        app: the Bolt app (``create_app``).
        signing_secret: ``SLACK_SIGNING_SECRET``, to check signatures before Bolt.
        max_body_bytes: ``MAX_REQUEST_BYTES``; bigger bodies get 413 unread.
    """
    secret = signing_secret.encode("utf-8")

    def wsgi_app(environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in {"GET", "HEAD"}:
            return _reply(start_response, 200, b"ok", "text/plain; charset=utf-8")
        oauth = app.oauth_flow
        if oauth is not None and method == "GET" and path in oauth_paths(app):
            return _oauth_route(oauth, environ, start_response)
        if path != EVENTS_PATH or method != "POST":
            return _reply(start_response, 404, b"Not Found", "text/plain; charset=utf-8")
        try:
            request = _checked_request(environ, secret, max_body_bytes)
        except _Refused as refused:
            logger.warning(
                "Refused a request: HTTP %d, %s (from %s, Content-Length %s)",
                refused.status,
                refused.reason,
                environ.get("REMOTE_ADDR", "?"),
                str(environ.get("CONTENT_LENGTH") or "none")[:20],
            )
            return _reply(start_response, refused.status, b"", "text/plain; charset=utf-8")
        return _send(app.dispatch(request), start_response)

    return wsgi_app


def oauth_paths(app: App) -> tuple[str, ...]:
    """The install and redirect paths of ``app``'s OAuth flow (none without one)."""
    oauth = app.oauth_flow
    return () if oauth is None else (oauth.install_path, oauth.redirect_uri_path)


def _oauth_route(
    oauth: OAuthFlow, environ: dict, start_response: Callable[..., Any]
) -> Iterable[bytes]:
    from openai_deals.slack.install import unavailable_page  # OAuth mode only

    path = environ.get("PATH_INFO")
    headers = {
        key[5:].lower().replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=headers)
    try:
        if path == oauth.install_path:
            response = oauth.handle_installation(request)
        else:
            response = oauth.handle_callback(request)
    except Exception:
        # The database or Slack failed in a way Bolt does not catch: the person gets a
        # French page, the traceback goes to the log (without the query string).
        logger.exception("OAuth flow failed (path=%s)", path)
        response = unavailable_page()
    return _send(response, start_response)


def _send(response: BoltResponse, start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Write a Bolt response as the WSGI reply (its length counted on the encoded body)."""
    body = (response.body or "").encode("utf-8")
    headers = [
        (name, value) for name, values in response.headers.items() for value in values
        if name.lower() != "content-length"
    ]  # fmt: skip
    headers.append(("Content-Length", str(len(body))))
    start_response(_status_line(response.status), headers)
    return [body]


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """Slack's request signature: ``v0=`` HMAC-SHA256 of ``v0:<timestamp>:<body>``, over the
    body's bytes as sent (slack_sdk's verifier decodes them first, and raises on non-UTF-8)."""
    message = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret, message, hashlib.sha256).hexdigest()


def _checked_request(environ: dict, secret: bytes, limit: int) -> BoltRequest:
    raw = _read_body(environ, limit)
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    given = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    if not timestamp or not given:
        raise _Refused(401, "no Slack signature headers")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        raise _Refused(401, "X-Slack-Request-Timestamp is not a number")
    if abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
        raise _Refused(401, "X-Slack-Request-Timestamp is more than five minutes off")
    if not hmac.compare_digest(signature(secret, timestamp, raw), given):
        raise _Refused(401, "the signature does not match SLACK_SIGNING_SECRET")
    try:
        body = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused(400, "the body is not UTF-8") from None
    headers = {
        key[5:].lower().replace("_", "-"): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    headers["content-type"] = environ.get("CONTENT_TYPE", "")
    try:
        request = BoltRequest(body=body, query=environ.get("QUERY_STRING", ""), headers=headers)
    # RecursionError: JSON nested deeper than Python's stack (100,000 "["), not a ValueError.
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
        raise _Refused(400, f"the body is not a Slack payload ({type(exc).__name__})") from None
    if not isinstance(request.body, dict):
        raise _Refused(400, "the body is not a JSON object")
    return request


def _read_body(environ: dict, limit: int) -> bytes:
    stream = environ.get("wsgi.input")
    length_header = environ.get("CONTENT_LENGTH") or ""
    if length_header:
        if not (length_header.isascii() and length_header.isdigit()):
            raise _Refused(400, "Content-Length is not a number")
        length = int(length_header)
        if length > limit:
            raise _Refused(413, f"the body is over {limit} bytes")
        return stream.read(length) if stream is not None and length else b""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() and stream is not None:
        data = stream.read(limit + 1)  # gunicorn de-chunks; read one byte more than allowed
        if len(data) > limit:
            raise _Refused(413, f"the body is over {limit} bytes")
        return data
    return b""


def _status_line(status: int) -> str:
    return f"{status} {_REASONS.get(status, 'Unknown')}"


def _reply(
    start_response: Callable[..., Any], status: int, body: bytes, content_type: str
) -> list[bytes]:
    start_response(
        _status_line(status), [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    )
    return [body]
