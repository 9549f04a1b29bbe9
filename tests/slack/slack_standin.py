"""A stand-in for Slack on 127.0.0.1: the Web API, ``response_url``s and Socket Mode.

Like bolt-python's ``tests/mock_web_api_server``, it is a real HTTP server on a free port: the
app under test talks to it through its ordinary ``WebClient``. Every call is recorded (method,
parameters, headers; the bytes of a file sent to an upload URL as an "upload" call) and tests
wait for, then assert on, what arrived. Failures can be queued per method (a Slack error code,
an HTTP 500, a 429 with Retry-After).

``SocketModeStandIn`` is a real WebSocket server that ``apps.connections.open`` points to.

Faults are queued per method (``fail``, ``slow``) or decided by a ``policy`` function for each
call (the load script's scenarios). A slow answer waits until its delay passes or ``release``
is called (``close`` releases everything), so tests never wait for a slow Slack to finish.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T0TEST001"
WAIT_SECONDS = 10.0  # upper bound of every wait; tests normally finish in milliseconds


@dataclass
class Call:
    """One request the app sent: API method (or "response_url"), parameters, headers."""

    method: str
    params: dict
    headers: dict
    path: str
    status: int = 200
    delivered: bool = True  # answered normally (not a failure, not dropped), maybe late


@dataclass
class Fault:
    """What to do with one call instead of answering normally.

    ``delay``: seconds to wait before answering (cut short by ``release``); ``drop``: close the
    connection without any answer, after reading the request; otherwise answer ``status`` with
    ``body`` (None: the normal answer) and ``headers``.
    """

    status: int = 200
    body: str | None = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


class _Server(ThreadingHTTPServer):
    # Room for many connections at once (the load script's answer threads): with the default
    # backlog of 5 the kernel resets connections, which Slack itself does not do.
    request_queue_size = 256


class MockSlack:
    """The Web API on ``api_url`` and response URLs under ``/response/``.

    Args:
        policy: called with (method, params) for each call that has no queued fault; returns a
            ``Fault`` or None (answer normally).
    """

    def __init__(self, policy: Callable[[str, dict], Fault | None] | None = None) -> None:
        self.calls: list[Call] = []
        self.socket_url: str | None = None  # what apps.connections.open hands out
        self.policy = policy
        self.in_flight = 0  # calls received and not yet answered
        self._failures: dict[str, deque[Fault]] = defaultdict(deque)
        self._released = threading.Event()
        self._cond = threading.Condition()
        self._ts = itertools.count(1)
        # OAuth: the codes Slack would hand a browser, each with its oauth.v2.access answer;
        # auth.test then answers for the installed token's team (see ``grant``).
        self._grants: dict[str, tuple[tuple[str, str], dict]] = {}
        self._token_teams: dict[str, dict] = {}
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"{self.base_url}/response/{name}"

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    # -- configuring failures ------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        body: str | None = None,
        headers: dict | None = None,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (Slack error, or HTTP status)."""
        if body is None:
            body = json.dumps({"ok": False, "error": error or "internal_error"})
        for _ in range(times):
            self._failures[method].append(Fault(status, body, headers or {}))

    def slow(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` answer (normally) after ``seconds``."""
        for _ in range(times):
            self._failures[method].append(Fault(delay=seconds))

    def drop(self, method: str, *, times: int = 1) -> None:
        """Read the next ``times`` calls of ``method``, then close the connection unanswered
        (what a timeout looks like to the caller: Slack may or may not have acted on it)."""
        for _ in range(times):
            self._failures[method].append(Fault(drop=True))

    def release(self) -> None:
        """Answer every slow call now, and make later delays instant."""
        self._released.set()

    def wait_in_flight(self, count: int, timeout: float = WAIT_SECONDS) -> None:
        """Wait until ``count`` calls are being held (slow) at once."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.in_flight < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} calls in flight, got {self.in_flight}")
                self._cond.wait(left)

    def reset(self) -> None:
        """Forget the calls recorded so far and any failure not yet used; delays apply again."""
        with self._cond:
            self.calls.clear()
            self._failures.clear()
            self._released.clear()

    def grant(
        self,
        code: str,
        *,
        client_id: str,
        client_secret: str,
        team_id: str,
        team_name: str,
        bot_token: str,
        bot_user_id: str = "UBOTINST1",
        bot_id: str = "BBOTINST1",
        installer: str = "UINSTALL1",
        scope: str = "app_mentions:read,chat:write,commands,im:history",
    ) -> None:
        """Make ``code`` (once) exchangeable by ``oauth.v2.access`` for an installation of the
        app with ``client_id``/``client_secret`` in ``team_id``, with ``bot_token``."""
        response = {
            "ok": True,
            "app_id": "A0TEST001",
            "authed_user": {"id": installer},
            "scope": scope,
            "token_type": "bot",
            "access_token": bot_token,
            "bot_user_id": bot_user_id,
            "team": {"id": team_id, "name": team_name},
            "enterprise": None,
            "is_enterprise_install": False,
        }
        with self._cond:
            self._grants[code] = ((client_id, client_secret), response)
            self._token_teams[bot_token] = {
                "team": team_name, "team_id": team_id, "user_id": bot_user_id, "bot_id": bot_id,
            }  # fmt: skip

    def _oauth_access(self, params: dict, auth: str) -> dict:
        # Slack takes the client credentials as HTTP Basic auth (what slack_sdk sends) or as
        # form fields; a code works once.
        credentials = (params.get("client_id"), params.get("client_secret"))
        if auth.startswith("Basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            credentials = (user, password)
        with self._cond:
            grant = self._grants.get(params.get("code", ""))
            if grant is None:
                return {"ok": False, "error": "invalid_code"}
            if grant[0] != credentials:
                return {"ok": False, "error": "invalid_client_id"}
            del self._grants[params["code"]]
            return grant[1]

    # -- reading what arrived --------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = WAIT_SECONDS) -> list[Call]:
        """Wait until ``count`` calls of ``method`` arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(
                        f"expected {count} call(s) of {method} within {timeout}s; got {seen}"
                    )
                self._cond.wait(left)

    # -- the HTTP side ---------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _fault(self, method: str, params: dict) -> Fault | None:
        with self._cond:
            failures = self._failures.get(method)
            if failures:
                return failures.popleft()
        return self.policy(method, params) if self.policy else None

    def _answer(self, method: str, params: dict, headers: dict) -> tuple[int, dict, str]:
        if method == "response_url":
            return 200, {}, "ok"
        auth = headers.get("authorization", "")
        if method == "apps.connections.open":
            if not auth.startswith("Bearer xapp-"):
                return 200, {}, json.dumps({"ok": False, "error": "invalid_auth"})
            return 200, {}, json.dumps({"ok": True, "url": self.socket_url})
        if method == "oauth.v2.access":
            return 200, {}, json.dumps(self._oauth_access(params, auth))
        if not auth.startswith("Bearer xoxb-"):
            return 200, {}, json.dumps({"ok": False, "error": "not_authed"})
        ts = f"1700000000.{next(self._ts):06d}"
        bodies = {
            "auth.test": {
                "ok": True,
                "url": "https://test.slack.com/",
                "team": "Test",
                "user": "openai-deals",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            },
            "chat.postMessage": {"ok": True, "channel": params.get("channel"), "ts": ts},
            "chat.update": {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")},
            "chat.postEphemeral": {"ok": True, "message_ts": ts},
            "views.publish": {"ok": True, "view": {"id": "V0001"}},
            "views.open": {"ok": True, "view": {"id": "V0002"}},
            "assistant.threads.setStatus": {"ok": True},
            "assistant.threads.setTitle": {"ok": True},
            "assistant.threads.setSuggestedPrompts": {"ok": True},
            # files_upload_v2: an upload URL here (the bytes come back as an "upload" call),
            # then the completion shares the file.
            "files.getUploadURLExternal": {
                "ok": True,
                "upload_url": f"{self.base_url}/upload/F0FILE{ts[-6:]}",
                "file_id": f"F0FILE{ts[-6:]}",
            },
            "files.completeUploadExternal": {"ok": True, "files": self._completed(params)},
        }
        installed = self._token_teams.get(auth.removeprefix("Bearer "))
        if installed is not None:
            bodies["auth.test"].update(installed)
        body = bodies.get(method, {"ok": False, "error": "unknown_method"})
        return 200, {}, json.dumps(body)

    @staticmethod
    def _completed(params: dict) -> list[dict]:
        files = params.get("files") or "[]"
        return [
            {"id": f["id"], "title": f.get("title")}
            for f in (json.loads(files) if isinstance(files, str) else files)
        ]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        mock = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                url = urlparse(self.path)
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if url.path.startswith("/upload/"):  # a file's bytes (files_upload_v2, step 2)
                    self._uploaded(url.path, data)
                    return
                raw = data.decode()
                if raw.startswith("{"):
                    params = json.loads(raw)
                else:
                    params = {k: v[0] for k, v in parse_qs(raw or url.query).items()}
                if url.path.startswith("/api/"):
                    method = url.path.removeprefix("/api/")
                elif url.path.startswith("/response/"):
                    method = "response_url"
                else:
                    method = "unknown"
                headers = {k.lower(): v for k, v in self.headers.items()}
                fault = mock._fault(method, params) or Fault()
                if fault.delay:
                    with mock._cond:
                        mock.in_flight += 1
                        mock._cond.notify_all()
                    mock._released.wait(fault.delay)
                    with mock._cond:
                        mock.in_flight -= 1
                if fault.drop:
                    mock._record(Call(method, params, headers, url.path, 0, delivered=False))
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status, extra_headers, body = mock._answer(method, params, headers)
                failed = fault.body is not None or fault.status != 200
                if failed:
                    status, extra_headers = fault.status, fault.headers
                    body = fault.body if fault.body is not None else body
                mock._record(Call(method, params, headers, url.path, status, not failed))
                data = body.encode()
                self.send_response(status)
                content_type = "application/json" if body.startswith("{") else "text/html"
                self.send_header("Content-Type", f"{content_type}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra_headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def _uploaded(self, path: str, data: bytes) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                params = {"file_id": path.rsplit("/", 1)[-1], "content": data}
                mock._record(Call("upload", params, headers, path))
                body = b"OK - " + str(len(data)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


class SocketModeStandIn:
    """Slack's Socket Mode endpoint: a WebSocket server on 127.0.0.1.

    ``url()`` is what ``apps.connections.open`` returns. ``send`` pushes an envelope to the
    connected app; ``wait_for_ack`` waits for the app's acknowledgement of an envelope;
    ``drop`` closes the connection from the server side, as Slack does now and then.
    """

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.connection_count = 0
        self._current: ServerConnection | None = None
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(WAIT_SECONDS):
            raise RuntimeError("the Socket Mode stand-in did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._loop.run_forever()

    async def _start(self) -> None:
        self._server = await serve(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()

    async def _handle(self, ws: ServerConnection) -> None:
        with self._cond:
            self.connection_count += 1
            self._current = ws
            self._cond.notify_all()
        try:
            await ws.send(json.dumps({"type": "hello", "num_connections": 1}))
            async for raw in ws:
                with self._cond:
                    self.received.append(json.loads(raw))
                    self._cond.notify_all()
        except ConnectionClosed:
            pass  # the app went away (reconnecting, or the test is over)

    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=test"

    def wait_for_connections(self, count: int, timeout: float = WAIT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.connection_count < count or self._current is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} Socket Mode connection(s), got {self.connection_count}"
                    )
                self._cond.wait(left)

    def send(self, envelope: dict) -> None:
        ws = self._current
        if ws is None:
            raise AssertionError("no Socket Mode connection to send to")
        future = asyncio.run_coroutine_threadsafe(ws.send(json.dumps(envelope)), self._loop)
        future.result(WAIT_SECONDS)

    def wait_for_ack(self, envelope_id: str, timeout: float = WAIT_SECONDS) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for message in self.received:
                    if message.get("envelope_id") == envelope_id:
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for envelope {envelope_id} within {timeout}s")
                self._cond.wait(left)

    def drop(self, abrupt: bool = False) -> None:
        """Close the current connection from the server side: with a WebSocket close frame, or
        (``abrupt``) by cutting the TCP connection, as a network failure does."""
        ws = self._current
        with self._cond:
            self._current = None
        if ws is None:
            return
        if abrupt:
            self._loop.call_soon_threadsafe(ws.transport.abort)
        else:
            asyncio.run_coroutine_threadsafe(ws.close(), self._loop).result(WAIT_SECONDS)

    def close(self) -> None:
        async def stop() -> None:
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(WAIT_SECONDS)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(WAIT_SECONDS)


def wait_for_log(caplog: object, *needles: str, timeout: float = WAIT_SECONDS) -> str:
    """Wait until a captured log message contains one of ``needles``; return that message.

    Listeners run on Bolt's worker threads after Slack got its acknowledgement, so a test
    that checks that nothing was posted first waits for the log line saying why.
    """
    deadline = time.monotonic() + timeout
    while True:
        for record in list(caplog.records):  # type: ignore[attr-defined]
            message = record.getMessage()
            if any(needle in message for needle in needles):
                return message
        if time.monotonic() > deadline:
            raise AssertionError(f"no log message containing any of {needles} within {timeout}s")
        time.sleep(0.01)
