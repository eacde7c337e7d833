"""A scriptable source server on 127.0.0.1 for URL-ingest tests (also used by the e2e tests),
and the fetcher's own behaviour against it: ranges, resume, retries, restarts, bounded sizes.

``SourceServer`` serves named bodies with ETag/Last-Modified and single byte ranges, and can be
told, per path, to redirect, to answer a status, or to misbehave for the next requests
(``script``: ``"503"``, ``"cut:<bytes>"`` = send the headers and that many bytes, then hang up).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mediaflow.ingest.codes import JobFailure
from mediaflow.ingest.fetcher import Fetch
from mediaflow.net import transport
from mediaflow.net.transport import Deadline
from mediaflow.settings import get_settings
from tests.support.aws import MotoStack

MIB = 1 << 20


@dataclass
class SourceServer:
    base_url: str = ""
    files: dict[str, bytes | Path] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    script: dict[str, list[str]] = field(default_factory=dict)
    chunked: set[str] = field(default_factory=set)  # chunked encoding: no Content-Length, no ranges
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Range header)

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == "/" + path.lstrip("/"))


def _body(source: bytes | Path) -> bytes:
    return source if isinstance(source, bytes) else source.read_bytes()


def _handler(server: SourceServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            server.requests.append((path, self.headers.get("Range")))
            name = path.lstrip("/")
            action = server.script[name].pop(0) if server.script.get(name) else ""
            if action.isdigit():
                return self._status(int(action))
            if name in server.redirects:
                self.send_response(302)
                self.send_header("Location", server.redirects[name])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            if name in server.statuses or name not in server.files:
                return self._status(server.statuses.get(name, 404))
            return self._file(name, _body(server.files[name]), action)

        def _status(self, code: int) -> None:
            body = f"status {code}\n".encode()
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _file(self, name: str, data: bytes, action: str) -> None:
            etag = '"' + hashlib.md5(data).hexdigest() + '"'  # noqa: S324 - an ETag, not security
            start, end = 0, len(data) - 1
            match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
            ranged = match and name not in server.chunked and self.headers.get("If-Range") in (None, etag)
            if ranged and match:
                start = int(match[1])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
            else:
                self.send_response(200)
            if name in server.chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(end - start + 1))
                self.send_header("ETag", etag)
                self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            body = data[start:]
            if action.startswith("cut:"):
                body = body[: int(action[4:])]
            chunked = name in server.chunked
            try:
                for offset in range(0, len(body), 256 * 1024):
                    piece = body[offset : offset + 256 * 1024]
                    self.wfile.write(b"%x\r\n%b\r\n" % (len(piece), piece) if chunked else piece)
                if chunked and not action.startswith("cut:"):
                    self.wfile.write(b"0\r\n\r\n")
            except OSError:
                return
            if action.startswith("cut:"):
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@contextmanager
def serve_sources() -> Iterator[SourceServer]:
    state = SourceServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def sources() -> Iterator[SourceServer]:
    with serve_sources() as server:
        yield server


def loopback_only(monkeypatch: pytest.MonkeyPatch, reroute: dict[str, int] | None = None) -> list[str]:
    """Record every address the outbound client connects to; refuse all but loopback. ``reroute``
    maps a (fake, public) address to a local port: the test's stand-in for a public server."""
    seen: list[str] = []
    real = transport.connect

    def spy(ip: Any, port: int, timeout_s: float) -> Any:
        seen.append(str(ip))
        if reroute and str(ip) in reroute:
            return real(ipaddress.ip_address("127.0.0.1"), reroute[str(ip)], timeout_s)
        if not ip.is_loopback:
            raise AssertionError(f"test tried to connect to {ip}")
        return real(ip, port, timeout_s)

    monkeypatch.setattr(transport, "connect", spy)
    return seen


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return loopback_only(monkeypatch)


def fetch(url: str, key: str, *, part_size: int = 5 * MIB, max_bytes: int = 1 << 30, **kw: Any) -> Any:
    seen: list[tuple[str | None, int | None]] = []
    job = Fetch(
        url=url,
        bucket=get_settings().bucket_name,
        key=key,
        max_bytes=max_bytes,
        part_size=part_size,
        deadline=Deadline(30),
        on_first_write=lambda upload_id, size: seen.append((upload_id, size)),
        allow_loopback=True,
        retry_base_s=0.01,
        **kw,
    )
    return job.run(), seen


def stored(stack: MotoStack, key: str) -> bytes:
    s3 = stack.client("s3")
    return bytes(s3.get_object(Bucket=stack.ref("MediaBucket"), Key=key)["Body"].read())


def open_uploads(stack: MotoStack) -> list[Any]:
    s3 = stack.client("s3")
    return list(s3.list_multipart_uploads(Bucket=stack.ref("MediaBucket")).get("Uploads", []))


BODY = bytes(range(256)) * (48 * 1024)  # 12 MiB: two full 5 MiB parts and a short one


def test_a_small_body_is_one_put(core_env: MotoStack, sources: SourceServer) -> None:
    sources.files["small.mp4"] = b"x" * 1000
    result, seen = fetch(sources.url("small.mp4"), "fetch/small.mp4")
    assert (result.size, result.attempts, seen) == (1000, 1, [(None, 1000)])
    assert stored(core_env, "fetch/small.mp4") == b"x" * 1000


def test_a_large_body_is_a_multipart_upload(core_env: MotoStack, sources: SourceServer) -> None:
    sources.files["big.mp4"] = BODY
    result, seen = fetch(sources.url("big.mp4"), "fetch/big.mp4")
    assert result.size == len(BODY) and result.version_id
    assert seen[0][0] and seen[0][1] == len(BODY)  # an upload id, the announced size
    assert stored(core_env, "fetch/big.mp4") == BODY
    assert open_uploads(core_env) == []


def test_a_cut_connection_resumes_from_the_last_whole_part(
    core_env: MotoStack, sources: SourceServer
) -> None:
    sources.files["resume.mp4"] = BODY
    sources.script["resume.mp4"] = ["cut:7340032", "503"]  # 7 MiB, then a 503
    result, _ = fetch(sources.url("resume.mp4"), "fetch/resume.mp4")
    assert result.attempts == 3
    assert [r for _, r in sources.requests] == [None, "bytes=5242880-", "bytes=5242880-"]
    assert stored(core_env, "fetch/resume.mp4") == BODY


def test_without_ranges_a_retry_starts_over(core_env: MotoStack, sources: SourceServer) -> None:
    sources.files["plain.mp4"] = BODY
    sources.chunked.add("plain.mp4")
    sources.script["plain.mp4"] = ["cut:7340032"]
    result, _ = fetch(sources.url("plain.mp4"), "fetch/plain.mp4")
    assert result.attempts == 2 and [r for _, r in sources.requests] == [None, None]
    assert stored(core_env, "fetch/plain.mp4") == BODY


@pytest.mark.parametrize(
    ("setup", "code", "requests"),
    [
        ({"statuses": {"f.mp4": 404}}, "SourceNotFound", 1),
        ({"statuses": {"f.mp4": 403}}, "SourceForbidden", 1),
        ({"statuses": {"f.mp4": 400}}, "SourceHttpError", 1),
        ({"statuses": {"f.mp4": 502}}, "SourceServerError", 3),  # first try + 2 retries
        ({"script": {"f.mp4": ["cut:100"] * 5}}, "SourceInterrupted", 3),
    ],
)
def test_failures_have_their_codes_and_transient_ones_are_retried(
    core_env: MotoStack, sources: SourceServer, setup: dict[str, Any], code: str, requests: int
) -> None:
    sources.files["f.mp4"] = BODY
    for name, value in setup.items():
        getattr(sources, name).update(value)
    with pytest.raises(JobFailure) as failed:
        fetch(sources.url("f.mp4"), "fetch/f.mp4", retries=2)
    assert failed.value.code == code and failed.value.message
    assert sources.hits("f.mp4") == requests
    assert open_uploads(core_env) == []


def test_a_body_over_the_limit_fails_and_leaves_nothing(core_env: MotoStack, sources: SourceServer) -> None:
    sources.files["declared.mp4"] = BODY
    sources.files["streamed.mp4"] = BODY
    sources.chunked.add("streamed.mp4")  # no Content-Length: noticed while streaming, after a part
    for name in ("declared.mp4", "streamed.mp4"):
        with pytest.raises(JobFailure) as failed:
            fetch(sources.url(name), f"fetch/{name}", max_bytes=6 * MIB)
        assert failed.value.code == "SourceTooLarge"
    assert open_uploads(core_env) == []
    listed = core_env.client("s3").list_objects_v2(Bucket=core_env.ref("MediaBucket"), Prefix="fetch/")
    assert not [o for o in listed.get("Contents", []) if "declared" in o["Key"] or "streamed" in o["Key"]]
