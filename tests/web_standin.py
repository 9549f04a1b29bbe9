"""A stand-in for the web on 127.0.0.1: news pages, redirects, big or slow responses.

A real HTTP server on a free port, as ``tests/slack/slack_standin.py`` is for Slack: the code
under test fetches from it with its ordinary network code. Each path is configured by the
test; every request is recorded, and a streamed body records how much of it was sent before
the client hung up.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
# An invented article (no such deal was announced), with a news site's furniture around it.
ARTICLE_HTML = DATA / "gazette-mistral-ai.html"
ARTICLE_TEXT = DATA / "mistral-ai.txt"
HTML = "text/html; charset=utf-8"


@dataclass
class Route:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream_bytes: int = 0  # > 0: send this many bytes in chunks, without Content-Length
    delay: float = 0.0  # seconds to wait before answering
    drip: float = 0.0  # seconds between the chunks of a streamed body
    header_drip: float = 0.0  # > 0: send the status line and headers one byte at a time
    sent: int = 0  # bytes of a streamed body actually written


class NewsSite:
    """Serves configured routes on ``http://127.0.0.1:<port>``; unknown paths get 404.
    A route answers whatever query string follows its path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, headers)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- configuring --------------------------------------------------------------------------

    def page(self, path: str, html: str | bytes, content_type: str = HTML) -> str:
        body = html.encode("utf-8") if isinstance(html, str) else html
        self.routes[path] = Route(headers={"Content-Type": content_type}, body=body)
        return self.url(path)

    def article(self, path: str = "/2025/10/14/mistral-ai-leve-1-2-milliard") -> str:
        """The invented Mistral AI article with its site furniture; returns its URL."""
        return self.page(path, ARTICLE_HTML.read_bytes())

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        self.routes[path] = Route(status=status, headers={"Location": to})
        return self.url(path)

    def stream(self, path: str, size: int, content_type: str = HTML, drip: float = 0.0) -> str:
        self.routes[path] = Route(
            headers={"Content-Type": content_type}, stream_bytes=size, drip=drip
        )
        return self.url(path)

    def route(self, path: str, **kwargs: object) -> str:
        self.routes[path] = Route(**kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def paths_requested(self) -> list[str]:
        with self._lock:
            return [path for path, _ in self.requests]

    # -- serving ------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                with site._lock:
                    site.requests.append((self.path, dict(self.headers.items())))
                route = site.routes.get(self.path.split("?", 1)[0]) or Route(
                    status=404, headers={"Content-Type": HTML}, body=b"<p>introuvable</p>"
                )
                if route.delay:
                    time.sleep(route.delay)
                if route.header_drip:
                    self._drip_headers(route)
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.stream_bytes:
                    self.send_header("Connection", "close")
                    self.end_headers()
                    chunk = b"<p>" + b"x" * 8185 + b"</p>"
                    if route.drip:
                        chunk = b"x"
                    try:
                        while route.sent < route.stream_bytes:
                            time.sleep(route.drip)
                            self.wfile.write(chunk)
                            self.wfile.flush()
                            route.sent += len(chunk)
                    except OSError:
                        pass  # the client stopped reading: what a size limit should do
                    return
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the client may hang up early
                    self.wfile.write(route.body)

            def _drip_headers(self, route: Route) -> None:
                # Finite: the status line, the route's headers, then the body, byte by byte,
                # until the client hangs up.
                head = "".join(f"{k}: {v}\r\n" for k, v in route.headers.items())
                raw = f"HTTP/1.1 {route.status} OK\r\n{head}\r\n".encode() + route.body
                try:
                    for byte in raw:
                        time.sleep(route.header_drip)
                        self.wfile.write(bytes((byte,)))
                        self.wfile.flush()
                        route.sent += 1
                except OSError:
                    pass  # the client gave up: what a deadline should make it do
                self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
