"""Fetching a web page a person typed, safely: ``fetch_html(url, policy) -> Page``.

The bot fetches URLs that people type in Slack, so each fetch is bounded:

- ``http``/``https`` only;
- global unicast addresses only, by allow-list (:func:`is_public`): IPv4 below multicast and
  IPv6 in ``2000::/3``, minus the special-purpose blocks of IANA's registries; an IPv6 form
  that carries an IPv4 address (mapped, compatible, translated, NAT64, 6to4) is judged as that
  IPv4 address. The host is resolved, **every** address it resolves
  to is checked, and the connection goes to one of those checked addresses, never to a second
  lookup (no DNS-rebinding window). Each redirect hop is a new connection, checked the same
  way. ``FetchPolicy.allowed_networks`` lifts the check for chosen networks (the tests use it
  for 127.0.0.1);
- at most ``max_redirects`` redirects, and a redirect back to an address already visited is a
  loop, refused at once;
- one deadline for the whole fetch (connections, TLS, response headers, body, redirects): every
  socket operation gets only the time left, and a watchdog cuts the connection when the time
  is up, since a server sending one byte at a time keeps each read within its own timeout;
- at most ``max_bytes``: a larger ``Content-Length`` is refused before reading, and reading
  stops as soon as the body passes the limit;
- HTML only (``text/html`` or ``application/xhtml+xml``), checked before reading the body.

Standard library only (``http.client``): no proxy from the environment is used, since a proxy
would resolve the host itself and defeat the address check. Refusals are
:class:`FetchRefused` with a :class:`FetchProblem`; ``openai_deals.messages`` words them.
"""

from __future__ import annotations

import contextlib
import email.message
import http.client
import ipaddress
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import quote, urldefrag, urljoin, urlsplit

from openai_deals import __version__

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5_000_000
DEFAULT_TIMEOUT_SECONDS = 15.0
DEFAULT_MAX_REDIRECTS = 5
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
USER_AGENT = f"openai-deals/{__version__} (article fetcher)"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024

_net = ipaddress.ip_network
# An allow-list, not Python's ``is_global``: that one changed between releases, and 3.11's
# passes ::127.0.0.1, ::ffff:0:127.0.0.1, 64:ff9b:1::/48, fec0::/10, ::2 and 5f00::1.
# Global unicast: IPv4 below multicast (224.0.0.0/4 and 240.0.0.0/4 are not unicast) and IPv6
# 2000::/3 (RFC 4291); everything else is refused.
_GLOBAL_UNICAST = (_net("0.0.0.0/1"), _net("128.0.0.0/2"), _net("192.0.0.0/3"), _net("2000::/3"))
# The special-purpose blocks inside that space that a public web server never has (IANA's
# IPv4 and IPv6 special-purpose address registries, 2024).
_SPECIAL_PURPOSE = tuple(
    map(
        _net,
        (
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
            "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
            "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            # IETF protocol assignments: Teredo (its client address is obfuscated, and the
            # relay decides where it goes), benchmarking, ORCHID; documentation.
            "2001::/23", "2001:db8::/32", "3fff::/20",
        ),
    )
)  # fmt: skip
# IPv6 forms whose last 32 bits are an IPv4 address that the network reaches: IPv4-mapped,
# IPv4-compatible (deprecated), IPv4-translated (SIIT) and NAT64's well-known prefix. The
# local-use NAT64 prefix 64:ff9b:1::/48 is not decoded but refused: where its IPv4 address
# sits depends on the prefix length the operator chose (RFC 6052), so no decoding is safe.
_IPV4_IN_LAST_32_BITS = tuple(
    map(_net, ("::ffff:0:0/96", "::/96", "::ffff:0:0:0/96", "64:ff9b::/96"))
)
_SIX_TO_FOUR = _net("2002::/16")  # the IPv4 address is bits 16 to 47
# Characters left as they are when quoting a path or query typed with spaces or accents.
_URL_SAFE = "/%:@!$&'()*+,;=-._~?#[]"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Every address: what FETCH_ALLOW_PRIVATE=true means.
ALL_NETWORKS: tuple[IPNetwork, ...] = (
    ipaddress.ip_network("0.0.0.0/0"),
    ipaddress.ip_network("::/0"),
)


class FetchProblem(Enum):
    """Why a URL was not fetched (``openai_deals.messages.fetch_refusal`` words each one)."""

    BAD_URL = "bad_url"
    BAD_SCHEME = "bad_scheme"
    PRIVATE_ADDRESS = "private_address"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    HTTP_STATUS = "http_status"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    REDIRECT_LOOP = "redirect_loop"
    NOT_HTML = "not_html"
    TOO_LARGE = "too_large"


class FetchRefused(Exception):
    """A URL that was not fetched, and why.

    Deliberately not an ``OSError``: raised from inside ``http.client``'s connect, it must
    come out as itself, not be mistaken for a network error.

    Attributes:
        problem: what went wrong.
        url: the URL concerned (the redirect target for problems met after a redirect).
        details: what the message needs: ``host``, ``address``, ``status``, ``content_type``,
            ``limit``, ``seconds``.
    """

    def __init__(self, problem: FetchProblem, url: str, **details: object) -> None:
        super().__init__(f"{problem.value}: {url} {details}")
        self.problem = problem
        self.url = url
        self.details = details


@dataclass(frozen=True)
class FetchPolicy:
    """The limits of one fetch.

    Args:
        allowed_networks: non-public networks that may be reached anyway (``ALL_NETWORKS``
            for all of them); public addresses are always allowed.
        max_bytes: largest body read, in bytes.
        timeout: seconds for the whole fetch, redirects included.
        max_redirects: redirects followed before giving up.
    """

    allowed_networks: tuple[IPNetwork, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    max_redirects: int = DEFAULT_MAX_REDIRECTS


@dataclass(frozen=True)
class Page:
    """A fetched HTML page.

    ``url`` is where the page was finally read (after redirects), ``requested_url`` what was
    asked for; ``charset`` is the one ``Content-Type`` declares, if any.
    """

    url: str
    requested_url: str
    content: bytes
    charset: str | None = None
    redirects: tuple[str, ...] = field(default=())


def is_public(address: IPAddress) -> bool:
    """True for a global unicast address that is in no special-purpose block; an IPv6 form
    carrying an IPv4 address is judged as that IPv4 address."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return is_public(embedded)
    return any(address in net for net in _GLOBAL_UNICAST if net.version == address.version) and (
        not any(address in net for net in _SPECIAL_PURPOSE if net.version == address.version)
    )


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (see ``_IPV4_IN_LAST_32_BITS``, 6to4), or None."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address in _SIX_TO_FOUR:
        return address.sixtofour
    if any(address in net for net in _IPV4_IN_LAST_32_BITS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def check_address(host: str, address: str, policy: FetchPolicy, url: str) -> None:
    """Refuse ``address`` (one of ``host``'s) unless it is public or in an allowed network.

    Raises:
        FetchRefused: PRIVATE_ADDRESS.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if is_public(ip):
        return
    if any(ip.version == net.version and ip in net for net in policy.allowed_networks):
        return
    raise FetchRefused(FetchProblem.PRIVATE_ADDRESS, url, host=host, address=str(ip))


def fetch_html(url: str, policy: FetchPolicy = FetchPolicy()) -> Page:
    """GET ``url`` within ``policy`` and return the HTML page.

    Raises:
        FetchRefused: the URL, an address, a redirect, the response or its size was refused,
            or the site could not be reached in time.
    """
    requested = _canonical(url.strip(), url)
    deadline = time.monotonic() + policy.timeout
    visited = [requested]
    current = requested
    for _ in range(policy.max_redirects + 1):
        status, location, content, charset = _get(current, policy, deadline)
        if content is not None:
            return Page(current, requested, content, charset, tuple(visited[1:]))
        if not location:
            raise FetchRefused(FetchProblem.HTTP_STATUS, current, status=status)
        target = _canonical(urljoin(current, location), current)
        if target in visited:
            raise FetchRefused(FetchProblem.REDIRECT_LOOP, target)
        logger.info("Following redirect %d from %s to %s", status, current, target)
        visited.append(target)
        current = target
    raise FetchRefused(FetchProblem.TOO_MANY_REDIRECTS, current, limit=policy.max_redirects)


def _canonical(url: str, for_message: str) -> str:
    """``url`` checked (http/https with a host) and made sendable (no fragment, spaces and
    accents percent-encoded)."""
    url = urldefrag(url)[0]
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise FetchRefused(FetchProblem.BAD_URL, for_message) from None
    if parts.scheme.lower() not in {"http", "https"}:
        if "://" in url:  # "ftp://…", "file:///…"; "exemple.fr:8080/x" is no scheme at all
            raise FetchRefused(FetchProblem.BAD_SCHEME, for_message, scheme=parts.scheme)
        raise FetchRefused(FetchProblem.BAD_URL, for_message)
    if not parts.hostname:
        raise FetchRefused(FetchProblem.BAD_URL, for_message)
    return parts._replace(
        scheme=parts.scheme.lower(),
        path=quote(parts.path, safe=_URL_SAFE),
        query=quote(parts.query, safe=_URL_SAFE),
    ).geturl()


def _ascii_host(host: str, url: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchRefused(FetchProblem.BAD_URL, url) from None


class _Watchdog:
    """Shuts down the sockets of one request when the fetch's deadline passes.

    Socket timeouts bound each read, not their sum: a server dripping one header byte every
    2 s kept a fetch with a 5 s limit busy for 30 s. Shutting the socket down wakes whatever
    read or write is blocked on it, wherever in ``http.client`` or ``ssl`` that is.
    """

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()  # so that a cut never races with closing the socket
        self._closed = False
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._cut)
        self._timer.daemon = True
        self._timer.start()

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)

    def _cut(self) -> None:
        with self._lock:
            if self._closed:
                return
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # not connected yet, or already closed
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop watching; call before the sockets are closed."""
        with self._lock:
            self._closed = True
        self._timer.cancel()


def _guarded_connect(host: str, policy: FetchPolicy, watchdog: _Watchdog, url: str):
    """A replacement for ``socket.create_connection`` that checks every address first."""
    deadline = watchdog.deadline

    def connect(address, timeout=None, source_address=None):
        name, port = address
        try:
            infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchRefused(FetchProblem.UNREACHABLE, url, host=host, reason=str(exc)) from None
        for info in infos:
            check_address(host, info[4][0], policy, url)
        last: OSError | None = None
        for family, kind, proto, _, sockaddr in infos:
            sock = socket.socket(family, kind, proto)
            watchdog.watch(sock)
            try:
                sock.settimeout(_left(deadline, policy, url))
                sock.connect(sockaddr)  # the very address just checked
                return sock
            except OSError as exc:
                sock.close()
                last = exc
                if isinstance(exc, TimeoutError):
                    raise
        raise last or OSError(f"no address for {host}")

    return connect


def _left(deadline: float, policy: FetchPolicy, url: str) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchRefused(FetchProblem.TIMEOUT, url, seconds=policy.timeout)
    return left


def _get(
    url: str, policy: FetchPolicy, deadline: float
) -> tuple[int, str | None, bytes | None, str | None]:
    """One request: ``(status, Location, None, None)`` for a redirect, ``(status, None,
    body, charset)`` for an HTML page.

    Raises:
        FetchRefused: for anything but a redirect or an HTML page within the limits.
    """
    parts = urlsplit(url)
    host = _ascii_host(parts.hostname or "", url)
    # Given explicitly: http.client would otherwise read an IPv6 host's last group as a port.
    port = parts.port or (443 if parts.scheme == "https" else 80)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    conn = connection_class(host, port, timeout=_left(deadline, policy, url))
    # http.client opens its socket through this hook; HTTPS wraps the socket it returns, so
    # certificate and host-name checks stay the standard library's.
    watchdog = _Watchdog(deadline)
    conn._create_connection = _guarded_connect(parts.hostname or host, policy, watchdog, url)
    selector = parts.path or "/"
    if parts.query:
        selector += "?" + parts.query
    try:
        conn.request(
            "GET",
            selector,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "text/html,application/xhtml+xml;q=0.9",
                "Accept-Encoding": "identity",
            },
        )
        # Kept: http.client lets go of the socket when the response says "Connection: close",
        # but the response still reads from it, and each read gets only the time left.
        sock = conn.sock
        response = conn.getresponse()
        if response.status in _REDIRECTS:
            return response.status, response.getheader("Location"), None, None
        if not 200 <= response.status < 300:
            raise FetchRefused(FetchProblem.HTTP_STATUS, url, status=response.status)
        content_type, charset = _content_type(response.getheader("Content-Type"))
        if content_type not in HTML_TYPES:
            raise FetchRefused(FetchProblem.NOT_HTML, url, content_type=content_type or "")
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > policy.max_bytes:
            raise FetchRefused(FetchProblem.TOO_LARGE, url, limit=policy.max_bytes)
        content = _read_limited(sock, response, policy, watchdog, url)
        return response.status, None, content, charset
    except TimeoutError:
        raise FetchRefused(FetchProblem.TIMEOUT, url, seconds=policy.timeout) from None
    except (OSError, http.client.HTTPException) as exc:
        if watchdog.expired:  # the watchdog cut the connection: what failed is the time
            raise FetchRefused(FetchProblem.TIMEOUT, url, seconds=policy.timeout) from None
        raise FetchRefused(
            FetchProblem.UNREACHABLE, url, host=parts.hostname, reason=type(exc).__name__
        ) from None
    finally:
        watchdog.close()
        conn.close()


def _content_type(header: str | None) -> tuple[str | None, str | None]:
    if not header:
        return None, None
    message = email.message.Message()
    message["Content-Type"] = header
    charset = message.get_param("charset")
    return message.get_content_type(), charset if isinstance(charset, str) else None


def _read_limited(
    sock: socket.socket | None,
    response: http.client.HTTPResponse,
    policy: FetchPolicy,
    watchdog: _Watchdog,
    url: str,
) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if sock is not None:
            sock.settimeout(_left(watchdog.deadline, policy, url))
        chunk = response.read1(_CHUNK)
        if not chunk:
            if watchdog.expired:  # cut by the watchdog: a truncated page, not the end of it
                raise FetchRefused(FetchProblem.TIMEOUT, url, seconds=policy.timeout)
            return b"".join(chunks)
        size += len(chunk)
        if size > policy.max_bytes:
            raise FetchRefused(FetchProblem.TOO_LARGE, url, limit=policy.max_bytes)
        chunks.append(chunk)
