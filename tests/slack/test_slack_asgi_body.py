"""BufferedBody (the web process's reading of bodies on the event loop): what the WSGI side
gets, and what is never read."""

from __future__ import annotations

import asyncio

from openai_deals.slack.asgi_body import BufferedBody


class Client:
    """An ASGI connection: the messages a client's request arrives as, counted when read."""

    def __init__(self, *messages: dict) -> None:
        self.messages = list(messages)
        self.read = 0

    async def receive(self) -> dict:
        self.read += 1
        return self.messages.pop(0) if self.messages else {"type": "http.disconnect"}


async def _send(message: dict) -> None:
    pass


def serve(client: Client, headers: list[tuple[bytes, bytes]], limit: int = 10) -> list[dict]:
    """Run one request through BufferedBody; what the app behind it received."""
    received: list[dict] = []

    async def app(scope, receive, send) -> None:
        received.append(await receive())

    scope = {"type": "http", "method": "POST", "path": "/slack/events", "headers": headers}
    asyncio.run(BufferedBody(app, limit)(scope, client.receive, _send))
    return received


def chunk(data: bytes, more: bool) -> dict:
    return {"type": "http.request", "body": data, "more_body": more}


def test_the_body_reaches_the_app_whole_in_one_message():
    client = Client(chunk(b"{", True), chunk(b'"a": 1', True), chunk(b"}", False))
    received = serve(client, [(b"content-length", b"8")])
    assert received == [chunk(b'{"a": 1}', False)]


def test_a_body_announced_too_large_is_never_read():
    """Content-Length over the limit (or not a number): the app gets an empty body and the
    headers, for the gate to refuse (413, 400), and nothing of the client's body was read."""
    for length in (b"11", b"lots"):
        client = Client(chunk(b"x" * 11, False))
        assert serve(client, [(b"content-length", length)]) == [chunk(b"", False)]
        assert client.read == 0


def test_a_body_without_a_length_is_read_one_byte_past_the_limit():
    """Chunked: reading stops once the limit is passed, enough for the gate's 413."""
    client = Client(*(chunk(b"x" * 4, True) for _ in range(10)))
    received = serve(client, [(b"transfer-encoding", b"chunked")])
    assert received == [chunk(b"x" * 12, False)] and client.read == 3


def test_a_client_gone_before_the_end_reaches_nothing():
    client = Client(chunk(b"{", True), {"type": "http.disconnect"})
    assert serve(client, [(b"content-length", b"8")]) == []
