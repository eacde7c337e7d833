"""How the static ffmpeg/ffprobe may read a source: a local file, or an http(s) URL through a relay.

The static build segfaults as soon as it resolves a host name (static glibc dlopens the system's
NSS modules), so it can only connect to an IP address. ``serve(url)`` starts a small HTTP server
on 127.0.0.1 that serves that one upstream URL under an unguessable path and fetches it in bounded,
growing byte ranges (ffmpeg's open-ended ``Range: bytes=0-`` never streams the whole object).
Python does the name resolution and TLS verification; ffmpeg only ever sees
``http://127.0.0.1:<port>/<token>`` (whitelist ``http,tcp``) or an absolute path (``file``).

Redirects are not followed (a presigned S3 URL does not redirect), and an upstream that ignores
Range is refused rather than downloaded whole. The first upstream failure is kept on the yielded
URL (``local.failure``): ffmpeg only sees its echo, a 4xx/5xx or EOF from the relay.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

from mediaflow.errors import MediaflowError

SOCKET_BUFFER = 64 * 1024
FailureKind = Literal["unavailable", "timeout", "error"]
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class SourceError(MediaflowError):
    """The source is refused before anything runs (``missing``: a path that is not a file)."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.missing = missing


def check_source(source: str) -> tuple[Literal["file", "url"], str]:
    """``("file", absolute path)`` or ``("url", url)``; raise SourceError for anything else.

    ffmpeg treats its input as a URL that can name many protocols (``concat:``, ``subfile:``,
    ``ftp://`` ...); an absolute path can never be read as ``protocol:rest``.
    """
    if not source or source.startswith("-"):
        raise SourceError("source must be a path or an http(s) URL")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in source):
        raise SourceError("source contains control characters")
    if _URL_LIKE.match(source):
        parts = urlsplit(source)
        if parts.scheme.lower() not in ("http", "https"):
            raise SourceError(f"scheme {parts.scheme!r} is not allowed")
        if not parts.hostname or " " in source or not source.isascii():
            raise SourceError("malformed URL (must be percent-encoded)")
        return "url", source
    path = os.path.abspath(source)
    if not os.path.isfile(path):
        raise SourceError("no such file", missing=True)
    return "file", path


@dataclass(frozen=True)
class RelayFailure:
    kind: FailureKind  # unavailable: HTTP 4xx/5xx, DNS, TLS, refused; timeout; error: a relay bug
    message: str  # never contains the URL (presigned URLs carry credentials)


class RelayURL(str):
    """The loopback URL to give ffmpeg; ``failure`` is what the relay saw upstream, if anything."""

    _relay: RangeRelay

    def __new__(cls, value: str, relay: RangeRelay) -> RelayURL:
        made = super().__new__(cls, value)
        made._relay = relay
        return made

    @property
    def failure(self) -> RelayFailure | None:
        return self._relay.failure


@contextmanager
def serve(url: str, *, timeout_s: float = 30.0, max_chunk: int = 1024 * 1024) -> Iterator[RelayURL]:
    """Serve ``url`` (http/https) on 127.0.0.1 for the duration of the block.

    ``timeout_s`` bounds each upstream connect/read; ``max_chunk`` is the largest byte range asked
    of the upstream at a time (1 MiB suits probing, a few MiB suit a full read by the encoder).
    """
    kind, target = check_source(url)
    if kind != "url":
        raise SourceError("serve() relays http(s) URLs only")
    with RangeRelay(target, timeout_s=timeout_s, max_chunk=max_chunk) as relay:
        yield RelayURL(relay.url, relay)


def _describe(exc: BaseException) -> str:
    # Exceptions from http.client/ssl/socket name the host at most, never the path or the query.
    return str(getattr(exc, "reason", "") or getattr(exc, "strerror", "") or "")[:200]


class _ClientGone(Exception):
    """ffmpeg closed its connection to the relay."""


class RangeRelay:
    """Serves one upstream http(s) URL on 127.0.0.1 and fetches it in growing byte ranges."""

    FIRST_CHUNK = 256 * 1024
    COPY_BUFFER = 64 * 1024

    def __init__(self, upstream: str, *, timeout_s: float, max_chunk: int = 1024 * 1024) -> None:
        parts = urlsplit(upstream)
        self._https = parts.scheme.lower() == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._timeout = timeout_s
        self._max_chunk = max(max_chunk, self.FIRST_CHUNK)
        self._path = "/" + secrets.token_urlsafe(16)  # other local processes cannot guess it
        self._lock = threading.Lock()
        self.failure: RelayFailure | None = None  # the first one
        handler = type("_Handler", (_RelayHandler,), {"relay": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            # A short poll interval: shutdown() waits for it, and it is paid once per use.
            target=self._server.serve_forever,
            args=(0.005,),
            name="media-relay",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{self._path}"

    def __enter__(self) -> RangeRelay:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(self, message: str, kind: FailureKind = "unavailable") -> None:
        with self._lock:
            self.failure = self.failure or RelayFailure(kind, message)

    def _fetch(self, conn: http.client.HTTPConnection, first: int, last: int) -> http.client.HTTPResponse:
        headers = {"Range": f"bytes={first}-{last}", "Accept-Encoding": "identity"}
        conn.request("GET", self._target, headers=headers)
        return conn.getresponse()

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.path != self._path:
            handler.send_error(404)
            return
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", handler.headers.get("Range", "bytes=0-").strip())
        if not match:
            handler.send_error(416)
            return
        first, wanted_last = int(match[1]), int(match[2]) if match[2] else None
        conn: http.client.HTTPConnection
        if self._https:
            ctx = ssl.create_default_context()
            conn = http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout, context=ctx)
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        try:
            self._relay(handler, conn, first, wanted_last)
        except _ClientGone:
            pass  # the reader had what it needed and hung up: the normal way a probe ends
        except TimeoutError:
            self.fail(f"upstream sent nothing for {self._timeout:g}s", "timeout")
        except (OSError, http.client.HTTPException) as exc:  # incl. TLS errors and DNS failures
            self.fail(f"upstream unreachable: {type(exc).__name__}: {_describe(exc)}")
        finally:
            conn.close()  # drops whatever the upstream was still sending

    def _relay(
        self,
        handler: BaseHTTPRequestHandler,
        conn: http.client.HTTPConnection,
        first: int,
        wanted: int | None,
    ) -> None:
        chunk = self.FIRST_CHUNK
        last = first + chunk - 1 if wanted is None else min(wanted, first + chunk - 1)
        resp = self._fetch(conn, first, last)
        if resp.status == 416:  # reading at or past the end: EOF for the reader
            handler.send_response(416 if first else 200)  # 200: the object is empty
            if first:
                handler.send_header("Content-Range", resp.getheader("Content-Range") or "bytes */0")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        header = _CONTENT_RANGE.fullmatch(resp.getheader("Content-Range") or "")
        if resp.status != 206 or not header or int(header[1]) != first or header[3] == "*":
            suffix = " without byte ranges" if resp.status < 300 else ""
            self.fail(f"upstream answered HTTP {resp.status}{suffix}")
            handler.send_error(resp.status if resp.status >= 400 else 502)
            return
        total = int(header[3])
        end = total - 1 if wanted is None else min(wanted, total - 1)
        if "Range" in handler.headers:
            handler.send_response(206)
            handler.send_header("Content-Range", f"bytes {first}-{end}/{total}")
        else:
            handler.send_response(200)
        handler.send_header("Accept-Ranges", "bytes")
        handler.send_header("Content-Length", str(end - first + 1))
        handler.send_header("Content-Type", "application/octet-stream")
        handler.end_headers()
        position = first
        while True:
            while data := resp.read(self.COPY_BUFFER):
                try:
                    handler.wfile.write(data)
                except OSError as exc:
                    raise _ClientGone from exc
                position += len(data)
            if position > end:
                return
            chunk = min(chunk * 2, self._max_chunk)  # the reader keeps reading: fetch more per request
            resp = self._fetch(conn, position, min(end, position + chunk - 1))
            header = _CONTENT_RANGE.fullmatch(resp.getheader("Content-Range") or "")
            if resp.status != 206 or not header or int(header[1]) != position:
                self.fail(f"upstream answered HTTP {resp.status} mid-read")
                return


class _RelayHandler(BaseHTTPRequestHandler):
    relay: RangeRelay  # set on the per-relay subclass

    def setup(self) -> None:
        # Small socket buffers: what we write ahead of the reader is what we fetched for nothing.
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
        super().setup()

    def handle(self) -> None:
        try:
            super().handle()
        except Exception as exc:  # socketserver would print a traceback and the reader see only EOF
            self.relay.fail(f"relay error: {type(exc).__name__}", "error")

    def do_GET(self) -> None:
        self.relay.serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep ffmpeg's requests out of the function's logs."""
