"""Fixtures for tests that run the real ffmpeg/ffprobe; load with
``pytest_plugins = ["tests.integration.conftest_media"]``.

- ``media_bin_dir``: $MEDIAFLOW_BIN_DIR, or else the FfmpegLayer built with its own Makefile into
  .mediaflow/layers/FfmpegLayer, which is how CI gets ffmpeg.
- ``media_dir``: a session directory for generated clips (tests.support.clips caches in it).
- ``range_server``: a local HTTP server that answers Range requests and counts the bytes it sends;
  ``tls_range_server`` is the same over HTTPS with a throw-away CA trusted via SSL_CERT_FILE.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def media_bin_dir(ffmpeg_bin_dir: Path) -> Path:
    """The layer's bin directory (built by tests/conftest.py when needed)."""
    return ffmpeg_bin_dir


@pytest.fixture(scope="session")
def media_dir(media_bin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where clips are generated; depends on media_bin_dir so that ffmpeg is there."""
    return tmp_path_factory.mktemp("media")


@dataclass
class RangeServer:
    """Serves ``root`` over HTTP/1.0 with single byte ranges, like S3 does for GET."""

    root: Path
    base_url: str = ""
    bytes_sent: dict[str, int] = field(default_factory=dict)
    ranges: dict[str, list[str | None]] = field(default_factory=dict)
    status_for: dict[str, int] = field(default_factory=dict)  # path -> forced error status
    honour_ranges: bool = True
    stall: threading.Event | None = None  # if given, requests block until it is set

    def url(self, path: Path | str, query: str = "X-Amz-Signature=abc%2Fdef") -> str:
        name = Path(path).name
        return f"{self.base_url}/{name}?{query}" if query else f"{self.base_url}/{name}"

    def reset(self) -> None:
        self.bytes_sent.clear()
        self.ranges.clear()


def _handler(server: RangeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            name = self.path.split("?", 1)[0].lstrip("/")
            server.ranges.setdefault(name, []).append(self.headers.get("Range"))
            if server.stall is not None:
                server.stall.wait(30)
            if name in server.status_for:
                self.send_error(server.status_for[name])
                return
            path = server.root / name
            if "/" in name or not path.is_file():
                self.send_error(404)
                return
            size = path.stat().st_size
            match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range") or "")
            if not (match and server.honour_ranges):
                start, end = 0, size - 1
                self.send_response(200)
            elif int(match[1]) >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.end_headers()
                return
            else:
                start, end = int(match[1]), min(int(match[2] or size - 1), size - 1)
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(end - start + 1))
            self.end_headers()
            with path.open("rb") as source:
                source.seek(start)
                remaining = end - start + 1
                while remaining > 0:
                    chunk = source.read(min(64 * 1024, remaining))
                    try:
                        self.wfile.write(chunk)
                    except OSError:
                        return  # the client hung up: stop counting
                    server.bytes_sent[name] = server.bytes_sent.get(name, 0) + len(chunk)
                    remaining -= len(chunk)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost/127.0.0.1 that is its own CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@contextmanager
def _serve(media_dir: Path, tls: tuple[Path, Path] | None = None) -> Iterator[RangeServer]:
    server = RangeServer(root=media_dir)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    port = httpd.server_address[1]
    server.base_url = f"http://127.0.0.1:{port}"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
        server.base_url = f"https://localhost:{port}"  # a host name, as in a presigned S3 URL
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        if server.stall is not None:
            server.stall.set()
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def range_server(media_dir: Path) -> Iterator[RangeServer]:
    with _serve(media_dir) as server:
        yield server


@pytest.fixture
def tls_range_server(
    media_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RangeServer]:
    cert, key = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # what ssl.create_default_context() trusts
    with _serve(media_dir, tls=(cert, key)) as server:
        yield server
