"""Loopback HTTP servers and a connect guard for the outbound-client tests.

Every socket connect made while ``connects`` is active goes through a guard that records the
target and refuses anything but loopback, so a regression can never send traffic to private or
metadata ranges. Servers count the connections they accept.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

MiB = 1 << 20


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


Responder = Callable[[socket.socket, Seen], None]


@dataclass
class Server:
    """A loopback TCP server answering each request with ``respond``; counts what it accepted."""

    respond: Responder
    host: str = "127.0.0.1"
    tls: ssl.SSLContext | None = None
    accepted: int = 0
    requests: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)  # frees stalling responders

    def __post_init__(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((self.host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self, path: str = "/", host: str | None = None, scheme: str = "http") -> str:
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            head, _, body = head.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            while len(body) < int(headers.get("content-length", "0")):
                body += conn.recv(65536)
            seen = Seen(method, target, headers, body)
            self.requests.append(seen)
            self.respond(conn, seen)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.release.set()
        self._stop.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked accept at once (Linux)
        self._thread.join(2)
        self.sock.close()


def reply(status: int = 200, body: bytes = b"ok", headers: dict[str, str] | None = None) -> Responder:
    def respond(conn: socket.socket, seen: Seen) -> None:
        extra = {"Content-Length": str(len(body)), **(headers or {})}
        head = f"HTTP/1.1 {status} X\r\n" + "".join(f"{k}: {v}\r\n" for k, v in extra.items()) + "\r\n"
        conn.sendall(head.encode("latin-1") + body)

    return respond


def redirect(location: str | Callable[[Seen], str], status: int = 302) -> Responder:
    def respond(conn: socket.socket, seen: Seen) -> None:
        target = location(seen) if callable(location) else location
        reply(status, b"", {"Location": target})(conn, seen)

    return respond


@pytest.fixture
def servers() -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(respond: Responder, **kwargs: Any) -> Server:
        started.append(Server(respond, **kwargs))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every outbound connect target; anything not loopback is refused before it leaves."""
    targets: list[tuple[str, int]] = []

    class Guarded(socket.socket):
        def connect(self, address: Any) -> None:
            targets.append((str(address[0]), int(address[1])))
            if not ipaddress.ip_address(str(address[0])).is_loopback:
                raise AssertionError(f"test tried to connect to {address[0]}")
            super().connect(address)

    monkeypatch.setattr(socket, "socket", Guarded)
    return targets


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


# What this machine's getaddrinfo makes of odd IPv4 spellings (the client refuses them before asking).
ODD_LOOPBACK = ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "127.0.1", "0x7f.1", "017700000001"]


def body_of(size: int, *, declared: int | None = None, chunked: bool = False) -> Responder:
    def respond(conn: socket.socket, seen: Seen) -> None:
        head = "HTTP/1.1 200 OK\r\nConnection: close\r\n"
        if chunked:
            head += "Transfer-Encoding: chunked\r\n"
        elif declared is not None:
            head += f"Content-Length: {declared}\r\n"
        conn.sendall((head + "\r\n").encode())
        block, sent = b"x" * 65536, 0
        while sent < size:
            piece = block[: min(len(block), size - sent)]
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            sent += len(piece)
        if chunked:
            conn.sendall(b"0\r\n\r\n")

    return respond
