"""Sockets for the client: connect to checked addresses, TLS by name, every I/O under one deadline.

http.client is handed a socket that is already connected (it never resolves or connects itself),
and whose every send and recv gets the time left until the exchange's deadline as its timeout, so
a server that drips bytes cannot stretch an exchange past its deadline.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

from mediaflow.net.addresses import IPAddress
from mediaflow.net.errors import ConnectFailed, ProtocolError, Timeout, TlsFailure

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

READ_BUFFER = 64 * 1024


class Deadline:
    def __init__(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError("deadline must be positive")
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; raises Timeout once there are none."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise Timeout("no complete response within the deadline")
        return left


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        self._sock.settimeout(self._deadline.remaining())
        return self._sock.recv_into(buffer)


class DeadlineSocket:
    """The socket as http.client sees it. Closing is left to the response's owner: with
    ``Connection: close`` http.client closes its socket right after the headers, before the body."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.remaining())
        self._sock.sendall(data)

    def makefile(self, mode: str, *args: object, **kwargs: object) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline), READ_BUFFER)

    def close(self) -> None:
        pass


@cache
def default_context() -> ssl.SSLContext:
    # Verified, system CAs; OpenSSL's default paths honour SSL_CERT_FILE and SSL_CERT_DIR.
    return ssl.create_default_context()


def reset_default_tls_context() -> None:
    """Forget the cached default context (tests change SSL_CERT_FILE)."""
    default_context.cache_clear()


def connect(ip: IPAddress, port: int, timeout_s: float) -> socket.socket:
    """A TCP connection to one already-checked address; never given a name, so never resolves."""
    sock = socket.socket(socket.AF_INET6 if ip.version == 6 else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout_s)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.connect((str(ip), port))
    except BaseException:
        sock.close()
        raise
    return sock


def connect_any(addresses: list[IPAddress], port: int, connect_s: float, deadline: Deadline) -> socket.socket:
    """The first of ``addresses`` that accepts, each tried for at most ``connect_s``."""
    reason = "no address"
    for ip in addresses:
        try:
            return connect(ip, port, min(connect_s, deadline.remaining()))
        except OSError as exc:  # the address stays out of the message
            reason = "timed out" if isinstance(exc, TimeoutError) else exc.strerror or type(exc).__name__
    deadline.remaining()  # Timeout when the whole exchange ran out of time rather than one connect
    raise ConnectFailed(f"cannot connect: {reason}")


def wrap_tls(sock: socket.socket, host: str, context: ssl.SSLContext, timeout_s: float) -> ssl.SSLSocket:
    """TLS over a socket connected to a checked address; SNI and certificate check use ``host``."""
    sock.settimeout(timeout_s)
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        raise TlsFailure(f"certificate verification failed: {exc.verify_message}") from exc
    except ssl.SSLError as exc:
        raise TlsFailure(f"TLS handshake failed: {exc.reason or type(exc).__name__}") from exc
    except TimeoutError as exc:
        raise Timeout("TLS handshake timed out") from exc
    except OSError as exc:
        raise ConnectFailed(f"connection lost during the TLS handshake: {exc.strerror}") from exc


@contextmanager
def exchange_errors() -> Iterator[None]:
    """Map what sending a request and reading its response raise to OutboundErrors."""
    try:
        yield
    except TimeoutError as exc:
        raise Timeout("no complete response within the deadline") from exc
    except ssl.SSLError as exc:
        raise ProtocolError(f"TLS error: {exc.reason or type(exc).__name__}") from exc
    except http.client.IncompleteRead as exc:
        raise ProtocolError("connection closed before the body was complete") from exc
    except http.client.HTTPException as exc:  # bad status line, header line or count over the limits
        raise ProtocolError(f"malformed response ({type(exc).__name__})") from exc
    except OSError as exc:
        raise ProtocolError(f"connection failed: {exc.strerror or type(exc).__name__}") from exc
