"""Reading a request's body whole on the event loop, before a WSGI thread sees it
(``BufferedBody``, in front of the web process's WSGI app: see ``asgi.py``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BufferedBody:
    """ASGI middleware: read a request's body whole on the event loop before ``app`` sees it.

    A body announced larger than ``limit`` (or with a ``Content-Length`` that is not a
    number) is not read at all: ``app`` gets it empty, with its headers, and the request gate
    refuses it from the header (413, 400). A body without a length is read up to ``limit`` + 1
    bytes, enough for the gate to refuse it. A client that leaves before the end gets nothing.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await self._read(scope, receive)
        if body is None:
            return  # the client went away
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: only a disconnect can come
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes | None:
        declared = _header(scope, b"content-length")
        if declared is not None and not (declared.isdigit() and int(declared) <= self.limit):
            return b""  # refused by the gate from its Content-Length, unread
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if size > self.limit or not message.get("more_body"):
                return b"".join(chunks)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None
