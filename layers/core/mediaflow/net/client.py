"""The product's one outbound HTTP client (callbacks, URL ingest), built so that SSRF cannot happen.

Each hop: parse the URL, resolve the host once, refuse if any address is forbidden, then connect a
socket to a checked address (``transport``) and hand it to http.client, which therefore never
resolves anything. TLS uses ``server_hostname`` = the URL's name, so SNI and certificate checks use
the name while the connection goes to the address that was checked. Redirects repeat all of it.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urljoin

from mediaflow.net import transport
from mediaflow.net.addresses import ParsedUrl, has_unsafe_chars, parse_url, resolve_checked
from mediaflow.net.errors import (
    InvalidUrl,
    OutboundError,
    RedirectNotFollowed,
    ResponseTooLarge,
    TooManyRedirects,
)

USER_AGENT = "Mediaflow/1.0"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_OWN_HEADERS = frozenset({"host", "connection", "content-length", "transfer-encoding"})
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
_BODY_HEADERS = frozenset({"content-type", "content-encoding", "content-language", "content-location"})
_READ_BUFFER = transport.READ_BUFFER


class StreamingResponse:
    """A response whose body is read on demand, never more than ``max_bytes`` of it.

    Closes its connection at the end of the body, on any error, and on leaving ``with``.
    """

    def __init__(
        self, sock: socket.socket, response: http.client.HTTPResponse, final_url: str, *, max_bytes: int
    ) -> None:
        self.status: int = response.status
        self.reason: str = response.reason
        self.headers: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            self.headers[key] = f"{self.headers[key]}, {value}" if key in self.headers else value
        self.final_url = final_url  # may hold secrets in its query: log redact(final_url)
        declared = self.headers.get("content-length", "")
        self.content_length = int(declared) if declared.isdigit() and not response.chunked else None
        self.received = 0
        self._sock = sock
        self._response = response
        self._max_bytes = max_bytes

    def iter_chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The body in chunks of exactly ``size`` bytes (the last may be shorter)."""
        if size < 1:
            raise ValueError("chunk size must be positive")
        remaining = self._response.length  # what http.client will read, None when unknown
        if remaining is not None and self.received + remaining > self._max_bytes:
            self.close()
            raise ResponseTooLarge(f"response body is larger than {self._max_bytes} bytes")
        buffer = memoryview(bytearray(size))  # reused: memory stays at two chunks
        while True:
            filled = self._fill(buffer, overrun=True)
            if filled:
                yield bytes(buffer[:filled])
            if filled < size:
                return

    def read(self, *, truncate: bool = False) -> bytes:
        """The rest of the body. Past ``max_bytes``: ResponseTooLarge, or with ``truncate`` the
        first ``max_bytes`` bytes (the rest is never read; the connection is closed)."""
        if not truncate:
            return b"".join(self.iter_chunks(_READ_BUFFER))
        buffer = memoryview(bytearray(self._max_bytes - self.received))
        filled = self._fill(buffer, overrun=False)
        self.close()
        return bytes(buffer[:filled])

    def _fill(self, buffer: memoryview, *, overrun: bool) -> int:
        """Fill ``buffer`` from the body, fewer bytes only at its end. With ``overrun`` one byte
        past the budget is asked for, so a body longer than ``max_bytes`` is noticed."""
        view = buffer[: self._max_bytes - self.received + (1 if overrun else 0)]
        if not view:
            return 0
        try:
            with transport.exchange_errors():
                filled = self._response.readinto(view)
                if filled < len(view) and self._response.length:  # a short body reads as its end
                    raise http.client.IncompleteRead(bytes(view[:filled]), self._response.length)
        except OutboundError:
            self.close()
            raise
        self.received += filled
        if self.received > self._max_bytes:
            self.close()
            raise ResponseTooLarge(f"response body is larger than {self._max_bytes} bytes")
        if filled < len(view):
            self.close()
        return filled

    def close(self) -> None:
        self._response.close()
        self._sock.close()

    def __enter__(self) -> StreamingResponse:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    final_url: str
    elapsed_s: float


@dataclass(frozen=True)
class _Options:
    allow_loopback: bool
    max_bytes: int
    connect_s: float
    max_redirects: int
    follow_redirects: bool
    context: ssl.SSLContext | None


def open_stream(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    allow_loopback: bool = False,
    max_bytes: int,
    deadline_s: float,
    connect_timeout_s: float = 5.0,
    max_redirects: int = 5,
    ssl_context: ssl.SSLContext | None = None,
) -> StreamingResponse:
    """Send a body-less request, following up to ``max_redirects`` redirects; the body is streamed.

    ``deadline_s`` bounds everything: DNS, connects, TLS, redirects and reading the body.
    """
    options = _Options(allow_loopback, max_bytes, connect_timeout_s, max_redirects, True, ssl_context)
    return _open(url, method, None, headers, options, transport.Deadline(deadline_s))


def request(
    url: str,
    *,
    method: str = "POST",
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    allow_loopback: bool = False,
    deadline_s: float = 5.0,
    max_bytes: int = 65536,
    follow_redirects: bool = False,
    truncate_body: bool = False,
    connect_timeout_s: float = 5.0,
    max_redirects: int = 5,
    ssl_context: ssl.SSLContext | None = None,
) -> Response:
    """One small exchange, body read into memory. A redirect is RedirectNotFollowed unless
    ``follow_redirects``; ``truncate_body`` keeps the first ``max_bytes`` of a longer body
    instead of failing (what a callback receiver answers beyond its status hardly matters)."""
    started = time.monotonic()
    options = _Options(
        allow_loopback, max_bytes, connect_timeout_s, max_redirects, follow_redirects, ssl_context
    )
    with _open(url, method, body, headers, options, transport.Deadline(deadline_s)) as stream:
        data = stream.read(truncate=truncate_body)
    return Response(stream.status, stream.headers, data, stream.final_url, time.monotonic() - started)


def _open(
    url: str,
    method: str,
    body: bytes | None,
    headers: Mapping[str, str] | None,
    options: _Options,
    deadline: transport.Deadline,
) -> StreamingResponse:
    current = parse_url(url)
    sent = _request_headers(headers)
    method = method.upper()
    redirects = 0
    while True:
        response = _exchange(current, method, body, {**sent, "Host": current.authority}, options, deadline)
        location = response.headers.get("location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response
        response.close()
        if not options.follow_redirects:
            raise RedirectNotFollowed(f"server answered {response.status} (redirects are not followed)")
        if redirects == options.max_redirects:
            raise TooManyRedirects(f"more than {options.max_redirects} redirects")
        redirects += 1
        target = _redirect_target(current, location)
        status = response.status
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, body = "GET", None  # RFC 9110 15.4: the body is not sent again
            sent = {k: v for k, v in sent.items() if k.lower() not in _BODY_HEADERS}
        if target.origin != current.origin:
            sent = {k: v for k, v in sent.items() if k.lower() not in _CREDENTIAL_HEADERS}
        current = target


def _exchange(
    url: ParsedUrl,
    method: str,
    body: bytes | None,
    headers: dict[str, str],
    options: _Options,
    deadline: transport.Deadline,
) -> StreamingResponse:
    """One hop: resolve and check, connect to a checked address, send, read the response head."""
    addresses = resolve_checked(url, allow_loopback=options.allow_loopback, timeout_s=deadline.remaining())
    sock = transport.connect_any(addresses, url.port, options.connect_s, deadline)
    try:
        if url.scheme == "https":
            context = options.context or transport.default_context()
            tls_s = min(options.connect_s, deadline.remaining())
            sock = transport.wrap_tls(sock, url.host, context, tls_s)
        conn = http.client.HTTPConnection(url.host, url.port)
        conn.sock = transport.DeadlineSocket(sock, deadline)
        with transport.exchange_errors():
            conn.request(method, url.target, body=body, headers=headers)
            response = conn.getresponse()
    except BaseException:
        sock.close()
        raise
    return StreamingResponse(sock, response, url.url, max_bytes=options.max_bytes)


def _redirect_target(current: ParsedUrl, location: str) -> ParsedUrl:
    with contextlib.suppress(UnicodeError):  # http.client decodes headers as Latin-1; servers send UTF-8
        location = location.encode("latin-1").decode("utf-8")
    if has_unsafe_chars(location):  # checked before urljoin, which deletes tabs silently
        raise InvalidUrl("redirect location contains whitespace or control characters")
    return parse_url(urljoin(current.url, location))


def _request_headers(extra: Mapping[str, str] | None) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", "Connection": "close"}
    for name, value in (extra or {}).items():
        if name.lower() in _OWN_HEADERS:
            raise ValueError(f"header {name} is set by the client")
        if any(ch in name + value for ch in "\r\n\0"):
            raise ValueError(f"header {name} contains a line break or NUL")
        for existing in [key for key in headers if key.lower() == name.lower()]:
            del headers[existing]
        headers[name] = value
    return headers
