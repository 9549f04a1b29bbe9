"""Which failed Slack calls may have reached Slack (never retried) and which surely did not."""

from __future__ import annotations

import socket
from http.client import RemoteDisconnected
from urllib.error import HTTPError, URLError

import pytest

from openai_deals.slack.retries import may_have_been_delivered


@pytest.mark.parametrize(
    "error,delivered",
    [
        (URLError(ConnectionRefusedError(111, "Connection refused")), False),
        (URLError(socket.gaierror(-2, "Name or service not known")), False),
        (URLError(TimeoutError("timed out")), False),  # while connecting or sending
        (HTTPError("http://x", 500, "err", {}, None), False),  # Slack answered
        (TimeoutError("timed out"), True),  # while waiting for the answer
        (RemoteDisconnected("Remote end closed connection without response"), True),
        (ConnectionResetError(104, "Connection reset by peer"), True),
    ],
    ids=["refused", "dns", "connect-timeout", "http-error", "read-timeout", "closed", "reset"],
)
def test_only_errors_after_sending_may_have_been_delivered(error, delivered):
    """urllib wraps errors before the request is sent in URLError: those are safe to retry;
    a timeout or a disconnection while waiting for the answer is not."""
    assert may_have_been_delivered(error) is delivered
