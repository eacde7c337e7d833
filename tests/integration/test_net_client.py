"""mediaflow.net against real sockets - on loopback only.

Every socket connect made during these tests goes through a guard that records the target and
refuses anything but loopback, so a regression can never send traffic to private or metadata
ranges; the tests assert on the recorded targets. Servers count the connections they accept.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mediaflow import net
from mediaflow.net import addresses, transport

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


@pytest.fixture(autouse=True)
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


@pytest.mark.parametrize("spelling", ODD_LOOPBACK)
def test_getaddrinfo_reads_odd_spellings_as_loopback_and_the_check_catches_it(spelling: str) -> None:
    try:
        resolved = addresses.resolve(spelling, 80, timeout_s=2)
    except net.DnsFailure:
        pytest.skip("this resolver does not accept the spelling at all")
    assert resolved == [ipaddress.IPv4Address("127.0.0.1")]
    with pytest.raises(net.ForbiddenAddress):
        addresses.check_address(resolved[0], allow_loopback=False)


LOOPBACK_SPELLINGS = ["127.0.0.1", "127.0.0.1.", "localhost", "[::ffff:127.0.0.1]", *ODD_LOOPBACK]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_loopback_refused_and_server_receives_nothing(
    servers: Callable[..., Server], connects: list[tuple[str, int]], host: str
) -> None:
    server = servers(reply())
    with pytest.raises((net.ForbiddenAddress, net.InvalidUrl)):
        net.request(server.url(host=host), body=b"{}")
    with pytest.raises((net.ForbiddenAddress, net.InvalidUrl)):
        net.open_stream(server.url(host=host), max_bytes=MiB, deadline_s=2)
    time.sleep(0.05)
    assert server.accepted == 0
    assert connects == []


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback here")
def test_ipv6_loopback_refused_by_default_allowed_when_enabled(
    servers: Callable[..., Server], connects: list[tuple[str, int]]
) -> None:
    server = servers(reply(body=b"six"), host="::1")
    with pytest.raises(net.ForbiddenAddress):
        net.request(server.url(host="[::1]"), body=b"")
    assert server.accepted == 0
    response = net.request(server.url(host="[::1]"), body=b"", allow_loopback=True)
    assert (response.status, response.body) == (200, b"six")
    assert server.requests[0].headers["host"] == f"[::1]:{server.port}"
    assert connects == [("::1", server.port)]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.1."])
def test_allow_loopback_reaches_the_local_server(
    servers: Callable[..., Server], connects: list[tuple[str, int]], host: str
) -> None:
    server = servers(reply(201, b"created", {"X-Dup": "a", "x-dup": "b"}))
    response = net.request(
        server.url("/cb?sig=1", host=host), body=b'{"a":1}', headers={"X-Sig": "s"}, allow_loopback=True
    )
    assert (response.status, response.body) == (201, b"created")
    assert response.headers["x-dup"] == "a, b"
    assert response.final_url == server.url("/cb?sig=1", host=host.rstrip("."))
    assert 0 < response.elapsed_s < 2
    seen = server.requests[0]
    assert (seen.method, seen.target, seen.body) == ("POST", "/cb?sig=1", b'{"a":1}')
    assert seen.headers["host"] == f"{host.rstrip('.')}:{server.port}"
    assert seen.headers["user-agent"] == "Mediaflow/1.0"
    assert seen.headers["x-sig"] == "s"
    assert connects == [("127.0.0.1", server.port)]


@pytest.mark.parametrize("spelling", ODD_LOOPBACK)
def test_odd_spellings_stay_refused_with_loopback_allowed(
    servers: Callable[..., Server], spelling: str
) -> None:
    server = servers(reply())
    with pytest.raises(net.InvalidUrl):
        net.request(server.url(host=spelling), body=b"", allow_loopback=True)
    assert server.accepted == 0


FORBIDDEN_LOCATIONS = [
    ("http://169.254.169.254/latest/meta-data/iam/", net.ForbiddenAddress),
    ("http://10.0.0.1/", net.ForbiddenAddress),
    ("https://192.168.0.1:8443/", net.ForbiddenAddress),
    ("http://[fd00:ec2::254]/latest/meta-data/", net.ForbiddenAddress),
    ("http://[::ffff:169.254.169.254]/", net.ForbiddenAddress),
    ("http://[::ffff:127.0.0.1]/", net.ForbiddenAddress),
    ("http://metadata.test/", net.ForbiddenAddress),  # a name resolving to 169.254.169.254
    ("//169.254.169.254/", net.ForbiddenAddress),  # scheme-relative
    ("http://2852039166/", net.InvalidUrl),
    ("http://0xa9fea9fe/", net.InvalidUrl),
    ("http://user:pw@127.0.0.1/", net.InvalidUrl),
    ("http://169.254.169.254\t/", net.InvalidUrl),
    ("file:///etc/passwd", net.UnsupportedScheme),
    ("gopher://127.0.0.1:6379/_FLUSHALL", net.UnsupportedScheme),
]


@pytest.mark.parametrize(("location", "error"), FORBIDDEN_LOCATIONS)
def test_redirect_to_forbidden_destination_refused_before_connecting(
    servers: Callable[..., Server],
    connects: list[tuple[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    location: str,
    error: type[net.OutboundError],
) -> None:
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "metadata.test":  # no real DNS: the name "resolves" to the metadata address
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    server = servers(redirect(location))
    with pytest.raises(error):
        net.open_stream(server.url(), allow_loopback=True, max_bytes=MiB, deadline_s=2)
    assert connects == [("127.0.0.1", server.port)]
    assert len(server.requests) == 1


def test_redirect_chain_is_followed_and_limited(
    servers: Callable[..., Server], connects: list[tuple[str, int]]
) -> None:
    def chain(conn: socket.socket, seen: Seen) -> None:
        hop = int(seen.target.rsplit("/", 1)[1])
        statuses = [301, 302, 303, 307, 308]
        if seen.target.startswith("/endless/") or hop < 5:
            prefix = seen.target.rsplit("/", 1)[0]
            redirect(f"{prefix}/{hop + 1}", statuses[hop % 5])(conn, seen)
        else:
            reply(body=b"arrived")(conn, seen)

    server = servers(chain)
    with net.open_stream(server.url("/hop/0"), allow_loopback=True, max_bytes=MiB, deadline_s=5) as stream:
        assert stream.status == 200
        assert stream.final_url == server.url("/hop/5")
        assert b"".join(stream.iter_chunks(1024)) == b"arrived"
    assert [seen.method for seen in server.requests] == ["GET"] * 6

    with pytest.raises(net.TooManyRedirects):
        net.open_stream(server.url("/endless/0"), allow_loopback=True, max_bytes=MiB, deadline_s=5)
    assert len(server.requests) == 6 + 6  # the first and five redirects, then refused
    with pytest.raises(net.TooManyRedirects):
        net.open_stream(
            server.url("/endless/0"), allow_loopback=True, max_bytes=1, deadline_s=5, max_redirects=0
        )
    assert len(connects) == 6 + 6 + 1


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_post_does_not_follow_redirects_by_default(servers: Callable[..., Server], status: int) -> None:
    server = servers(redirect("/elsewhere", status))
    with pytest.raises(net.RedirectNotFollowed) as caught:
        net.request(server.url(), body=b"{}", allow_loopback=True)
    assert caught.value.transient is False
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "method", "body"),
    [(301, "GET", b""), (302, "GET", b""), (303, "GET", b""), (307, "POST", b"{}")],
)
def test_post_redirects_when_allowed_follow_rfc_9110(
    servers: Callable[..., Server], status: int, method: str, body: bytes
) -> None:
    def respond(conn: socket.socket, seen: Seen) -> None:
        (redirect("/next", status) if seen.target == "/" else reply())(conn, seen)

    server = servers(respond)
    headers = {"Content-Type": "application/json", "Authorization": "t"}
    response = net.request(
        server.url(), body=b"{}", headers=headers, allow_loopback=True, follow_redirects=True
    )
    assert response.status == 200
    second = server.requests[1]
    assert (second.method, second.target, second.body) == (method, "/next", body)
    assert ("content-type" in second.headers) is (method == "POST")
    assert second.headers["authorization"] == "t"  # same origin keeps credentials


def test_cross_origin_redirect_drops_credentials(servers: Callable[..., Server]) -> None:
    target = servers(reply())
    origin = servers(redirect(target.url("/landed"), 307))
    headers = {"Authorization": "secret", "X-Sig": "s"}
    net.request(origin.url(), body=b"x", headers=headers, allow_loopback=True, follow_redirects=True)
    assert "authorization" not in target.requests[0].headers
    assert target.requests[0].headers["x-sig"] == "s"


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


@pytest.mark.parametrize("shape", ["close-delimited", "chunked", "declared"])
def test_body_over_the_limit_is_refused_as_soon_as_it_passes(
    servers: Callable[..., Server], shape: str
) -> None:
    size = 4 * MiB
    responder = {
        "close-delimited": body_of(size),
        "chunked": body_of(size, chunked=True),
        "declared": body_of(size, declared=size),
    }[shape]
    server = servers(responder)
    with net.open_stream(server.url(), allow_loopback=True, max_bytes=MiB, deadline_s=5) as stream:
        received = 0
        with pytest.raises(net.ResponseTooLarge) as caught:
            for chunk in stream.iter_chunks(256 * 1024):
                received += len(chunk)
        assert caught.value.transient is False
        assert received <= MiB
        # a declared length is refused before reading; otherwise one byte past the limit at most
        assert stream.received == (0 if shape == "declared" else MiB + 1)


def test_head_reports_the_declared_length_and_reads_nothing(servers: Callable[..., Server]) -> None:
    def respond(conn: socket.socket, seen: Seen) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 123456789\r\n\r\n")

    server = servers(respond)
    with net.open_stream(
        server.url(), method="head", allow_loopback=True, max_bytes=1, deadline_s=2
    ) as stream:
        assert stream.content_length == 123456789
        assert list(stream.iter_chunks(1024)) == []
    assert server.requests[0].method == "HEAD"


def test_content_length_that_lies_small_bounds_the_read(servers: Callable[..., Server]) -> None:
    server = servers(body_of(4 * MiB, declared=1000))
    with net.open_stream(server.url(), allow_loopback=True, max_bytes=MiB, deadline_s=5) as stream:
        assert stream.content_length == 1000
        assert sum(len(chunk) for chunk in stream.iter_chunks(64 * 1024)) == 1000


def test_body_shorter_than_declared_is_a_protocol_error(servers: Callable[..., Server]) -> None:
    server = servers(body_of(1000, declared=5000))
    with (
        net.open_stream(server.url(), allow_loopback=True, max_bytes=MiB, deadline_s=5) as stream,
        pytest.raises(net.ProtocolError) as caught,
    ):
        list(stream.iter_chunks(4096))
    assert caught.value.transient is True


def test_callback_body_limits(servers: Callable[..., Server]) -> None:
    server = servers(body_of(MiB))
    with pytest.raises(net.ResponseTooLarge):
        net.request(server.url(), body=b"{}", allow_loopback=True)
    truncated = net.request(server.url(), body=b"{}", allow_loopback=True, truncate_body=True)
    assert (truncated.status, len(truncated.body)) == (200, 65536)


def stall_after(prefix: bytes, server_release: Callable[[], threading.Event]) -> Responder:
    def respond(conn: socket.socket, seen: Seen) -> None:
        conn.sendall(prefix)
        server_release().wait(10)

    return respond


@pytest.mark.parametrize(
    "prefix", [b"", b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"]
)
def test_stalling_server_times_out_within_the_deadline(servers: Callable[..., Server], prefix: bytes) -> None:
    holder: list[Server] = []
    holder.append(servers(stall_after(prefix, lambda: holder[0].release)))
    started = time.monotonic()
    with pytest.raises(net.Timeout) as caught:
        net.request(holder[0].url(), body=b"{}", allow_loopback=True, deadline_s=0.5)
    assert time.monotonic() - started < 0.5 + 0.3
    assert caught.value.transient is True


def test_dripping_server_cannot_stretch_the_deadline(servers: Callable[..., Server]) -> None:
    def drip(conn: socket.socket, seen: Seen) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        for _ in range(100):  # a byte every 50 ms: each recv succeeds long before a per-recv timeout
            conn.sendall(b"x")
            time.sleep(0.05)

    server = servers(drip)
    started = time.monotonic()
    with (
        net.open_stream(server.url(), allow_loopback=True, max_bytes=10 * MiB, deadline_s=0.6) as stream,
        pytest.raises(net.Timeout),
    ):
        list(stream.iter_chunks(1024))
    assert time.monotonic() - started < 0.6 + 0.3


def test_refused_connection_is_transient(connects: list[tuple[str, int]]) -> None:
    with socket.socket() as placeholder:  # a port that nothing listens on
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    with pytest.raises(net.ConnectFailed) as caught:
        net.request(f"http://127.0.0.1:{port}/", body=b"", allow_loopback=True)
    assert caught.value.transient is True


@pytest.mark.parametrize(
    "garbage", [b"", b"NOT HTTP AT ALL\r\n\r\n", b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 200]
)
def test_malformed_responses_are_protocol_errors(servers: Callable[..., Server], garbage: bytes) -> None:
    server = servers(lambda conn, seen: conn.sendall(garbage))
    with pytest.raises(net.ProtocolError):
        net.request(server.url(), body=b"", allow_loopback=True)


def test_streams_50_mb_in_bounded_chunks(servers: Callable[..., Server]) -> None:
    size, chunk_size = 50 * MiB, MiB
    server = servers(body_of(size, declared=size))
    sizes: list[int] = []
    tracemalloc.start()
    try:
        with net.open_stream(
            server.url("/big"), allow_loopback=True, max_bytes=64 * MiB, deadline_s=15
        ) as stream:
            assert stream.content_length == size
            for chunk in stream.iter_chunks(chunk_size):
                sizes.append(len(chunk))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sum(sizes) == size
    assert set(sizes) == {chunk_size}
    assert peak < 4 * chunk_size, peak  # reused buffer + the chunk yielded + the one still held


# TLS: a CA and a certificate for the name "localhost" only (no IP address in it).


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mediaflow test CA")])

    def issue(subject: x509.Name, public_key: Any, *extensions: tuple[Any, bool]) -> x509.Certificate:
        builder = x509.CertificateBuilder(
            issuer_name=ca_name,
            subject_name=subject,
            public_key=public_key,
            serial_number=x509.random_serial_number(),
            not_valid_before=now - datetime.timedelta(hours=1),
            not_valid_after=now + datetime.timedelta(days=1),
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(ca_key, hashes.SHA256())

    ca = issue(
        ca_name,
        ca_key.public_key(),
        (x509.BasicConstraints(ca=True, path_length=0), True),
        (x509.KeyUsage(False, False, False, False, False, True, True, False, False), True),
        (x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False),
    )
    leaf = issue(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]),
        key.public_key(),
        (x509.SubjectAlternativeName([x509.DNSName("localhost")]), False),  # the name only, no IP
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False),
    )
    folder = tmp_path_factory.mktemp("tls")
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_file, cert_file, key_file


@pytest.fixture
def tls_server(
    servers: Callable[..., Server], tls_files: tuple[Path, Path, Path]
) -> tuple[Server, list[str]]:
    _, cert_file, key_file = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server_names: list[str] = []
    context.sni_callback = lambda sock, name, ctx: server_names.append(name or "")
    return servers(reply(body=b"secure"), tls=context), server_names


def test_tls_with_an_untrusted_certificate_is_refused(tls_server: tuple[Server, list[str]]) -> None:
    server, _ = tls_server
    with pytest.raises(net.TlsFailure) as caught:
        net.request(server.url(host="localhost", scheme="https"), body=b"", allow_loopback=True)
    assert caught.value.transient is False
    assert server.requests == []


def test_tls_verifies_the_url_name_while_connecting_to_the_checked_address(
    tls_server: tuple[Server, list[str]], tls_files: tuple[Path, Path, Path], connects: list[tuple[str, int]]
) -> None:
    server, server_names = tls_server
    trusted = ssl.create_default_context(cafile=str(tls_files[0]))
    response = net.request(
        server.url("/s", host="localhost", scheme="https"), body=b"", allow_loopback=True, ssl_context=trusted
    )
    assert (response.status, response.body) == (200, b"secure")
    assert server_names == ["localhost"]  # SNI carried the name although the socket went to 127.0.0.1
    assert server.requests[0].headers["host"] == f"localhost:{server.port}"
    assert connects == [("127.0.0.1", server.port)]
    # Same server, same address, but the URL names 127.0.0.1, which the certificate does not cover.
    with pytest.raises(net.TlsFailure, match="certificate verification failed"):
        net.request(server.url(scheme="https"), body=b"", allow_loopback=True, ssl_context=trusted)


def test_tls_default_context_honours_ssl_cert_file(
    tls_server: tuple[Server, list[str]], tls_files: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))
    transport.reset_default_tls_context()
    try:
        with net.open_stream(
            server.url(host="localhost", scheme="https"), allow_loopback=True, max_bytes=MiB, deadline_s=5
        ) as stream:
            assert b"".join(stream.iter_chunks(1024)) == b"secure"
    finally:
        monkeypatch.delenv("SSL_CERT_FILE")
        transport.reset_default_tls_context()
