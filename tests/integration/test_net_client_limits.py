"""mediaflow.net against real sockets on loopback only: size and time bounds, streaming, TLS.

See tests/support/net_servers.py for the connect guard (``connects``, autouse here) and servers.
"""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mediaflow import net
from mediaflow.net import transport
from tests.support.net_servers import (
    MiB,
    Responder,
    Seen,
    Server,
    body_of,
    reply,
)

pytest_plugins = ["tests.support.net_servers"]  # the servers and connects fixtures


@pytest.fixture(autouse=True)
def _loopback_only(connects: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Every test here runs behind the connect guard."""
    return connects


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
