"""Run ffprobe on a local file or an http(s) URL (a presigned S3 GET) and return MediaInfo.

Sources are checked before ffprobe sees them, because ffprobe treats its input as a URL that can
name many protocols (``concat:``, ``subfile:``, ``ftp://`` ...). Each run gets an explicit
``-protocol_whitelist``.

http(s) sources go through ``_RangeRelay``, a small HTTP server on 127.0.0.1, rather than
straight to ffprobe. The static ffprobe segfaults as soon as it resolves a host name (static glibc
dlopens the system's NSS modules), so it can only connect to an IP address. The relay also fetches
the object in bounded byte ranges, so ffprobe's open-ended ``Range: bytes=0-`` does not stream the
whole object.
"""

from __future__ import annotations

import errno
import http.client
import json
import os
import re
import secrets
import socket
import ssl
import subprocess
import threading
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from mediaflow.errors import MediaflowError
from mediaflow.media.binaries import ffprobe_path, media_env
from mediaflow.media.models import MediaInfo, not_media_reason


class ProbeErrorCode(StrEnum):
    NOT_MEDIA = "NotMedia"  # readable, but not audio/video (text, image, truncated file)
    TIMEOUT = "Timeout"  # ffprobe killed after timeout_s
    SOURCE_UNAVAILABLE = "SourceUnavailable"  # missing file, HTTP 403/404/5xx, connection failure
    INVALID_SOURCE = "InvalidSource"  # refused before running: option-like string or bad scheme
    PROBE_FAILED = "ProbeFailed"  # anything else (crash, unparsable output)


class ProbeError(MediaflowError):
    def __init__(self, code: ProbeErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _fferrtag(tag: bytes) -> int:
    return -int.from_bytes(tag, "little")  # FFmpeg's FFERRTAG(a, b, c, d)


_NOT_MEDIA_ERRORS = {_fferrtag(t) for t in (b"INDA", b"EOF ", b"\xf8STR", b"\xf8DEM", b"\xf8DEC")}
_UNAVAILABLE_ERRORS = {_fferrtag(b"\xf8" + t) for t in (b"400", b"401", b"403", b"404", b"4XX", b"5XX")} | {
    -e for e in (errno.ENOENT, errno.EACCES, errno.ECONNREFUSED, errno.ECONNRESET, errno.ETIMEDOUT)
}
# Demuxers ffprobe may pick. Without this list a file whose *content* is an HLS/DASH playlist or an
# ffconcat script (whatever its name) makes ffprobe fetch the URLs inside it - any IP the http
# whitelist allows, e.g. the Lambda runtime API on 127.0.0.1. Matched per name: "mov" covers
# "mov,mp4,m4a,3gp,3g2,mj2". Single-image demuxers stay so that images are reported as such.
MEDIA_DEMUXERS = ",".join(
    (
        *("mov", "matroska", "avi", "flv", "mpegts", "mpeg", "mpegvideo", "asf", "mxf", "gxf", "rm"),
        *("nut", "dv", "ivf", "obu", "h264", "hevc", "m4v", "vc1", "av1", "mjpeg", "wtv", "nuv"),
        *("mp3", "aac", "ac3", "eac3", "dts", "dtshd", "truehd", "mlp", "wav", "w64", "flac", "ogg"),
        *("amr", "aiff", "caf", "ape", "wv", "tta", "loas", "mpc", "mpc8", "oma", "tak", "au"),
        *("png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "tiff_pipe", "gif"),
    )
)
_SOCKET_BUFFER = 64 * 1024
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def probe(source: str, *, timeout_s: float) -> MediaInfo:
    """Describe ``source`` (an absolute/relative local path or an http(s) URL); raise ProbeError."""
    if timeout_s <= 0:
        raise ValueError("timeout_s must be positive")
    kind, target = _check_source(source)
    if kind == "file":
        data = _run_ffprobe(target, "file", timeout_s, relay=None)
    else:
        with _RangeRelay(target, timeout_s=timeout_s) as relay:
            data = _run_ffprobe(relay.url, "http,tcp", timeout_s, relay=relay)
    reason = not_media_reason(data)
    if reason:
        raise ProbeError(ProbeErrorCode.NOT_MEDIA, reason)
    return MediaInfo.from_ffprobe(data)


def _check_source(source: str) -> tuple[str, str]:
    if not source or source.startswith("-"):
        raise ProbeError(ProbeErrorCode.INVALID_SOURCE, "source must be a path or an http(s) URL")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in source):
        raise ProbeError(ProbeErrorCode.INVALID_SOURCE, "source contains control characters")
    if _URL_LIKE.match(source):
        parts = urlsplit(source)
        if parts.scheme.lower() not in ("http", "https"):
            raise ProbeError(ProbeErrorCode.INVALID_SOURCE, f"scheme {parts.scheme!r} is not allowed")
        if not parts.hostname or " " in source or not source.isascii():
            raise ProbeError(ProbeErrorCode.INVALID_SOURCE, "malformed URL (must be percent-encoded)")
        return "url", source
    # An absolute path can never be read as "protocol:rest" by ffmpeg.
    path = os.path.abspath(source)
    if not os.path.isfile(path):
        raise ProbeError(ProbeErrorCode.SOURCE_UNAVAILABLE, "no such file")
    return "file", path


def _run_ffprobe(target: str, whitelist: str, timeout_s: float, relay: _RangeRelay | None) -> dict[str, Any]:
    cmd = [
        ffprobe_path(),
        *("-v", "error", "-print_format", "json", "-show_error", "-show_format", "-show_streams"),
        *("-protocol_whitelist", whitelist, "-format_whitelist", MEDIA_DEMUXERS),
        *(("-recv_buffer_size", str(_SOCKET_BUFFER)) if relay else ()),
        *("-i", target),
    ]
    try:
        proc = subprocess.run(
            cmd,
            check=False,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env=media_env(),
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:  # run() has already killed and reaped ffprobe
        raise ProbeError(ProbeErrorCode.TIMEOUT, f"ffprobe did not finish within {timeout_s:g}s") from None
    if proc.returncode < 0:
        raise ProbeError(ProbeErrorCode.PROBE_FAILED, f"ffprobe was killed by signal {-proc.returncode}")
    try:
        data = json.loads(proc.stdout or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ProbeError(ProbeErrorCode.PROBE_FAILED, "ffprobe printed no JSON")
    error = data.get("error")
    if proc.returncode != 0 or error:
        if relay is not None and relay.failure:
            # The relay saw the real upstream answer (403, DNS failure ...); ffprobe only its echo.
            raise ProbeError(*relay.failure)
        code = error.get("code") if isinstance(error, dict) else None
        text = str(error.get("string")) if isinstance(error, dict) else _last_line(proc.stderr)
        if code in _NOT_MEDIA_ERRORS:
            raise ProbeError(ProbeErrorCode.NOT_MEDIA, text)
        if b"not on whitelist" in proc.stderr:  # a playlist or some container we do not take
            raise ProbeError(ProbeErrorCode.NOT_MEDIA, "unsupported container format")
        if code in _UNAVAILABLE_ERRORS:
            raise ProbeError(ProbeErrorCode.SOURCE_UNAVAILABLE, text)
        raise ProbeError(ProbeErrorCode.PROBE_FAILED, text or f"ffprobe exited with {proc.returncode}")
    return data


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else ""


def _describe(exc: BaseException) -> str:
    # Exceptions from http.client/ssl/socket name the host at most, never the path or the query.
    return str(getattr(exc, "reason", "") or getattr(exc, "strerror", "") or "")[:200]


class _ClientGone(Exception):
    """ffprobe closed its connection to the relay."""


_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class _RangeRelay:
    """Serves one upstream http(s) URL on 127.0.0.1 and fetches it in growing byte ranges.

    Redirects are not followed (a presigned S3 URL does not redirect), and an upstream that
    ignores Range is refused rather than downloaded whole.
    """

    FIRST_CHUNK = 256 * 1024
    MAX_CHUNK = 1024 * 1024
    COPY_BUFFER = 64 * 1024

    def __init__(self, upstream: str, *, timeout_s: float) -> None:
        parts = urlsplit(upstream)
        self._https = parts.scheme.lower() == "https"
        self._host = parts.hostname or ""
        self._port = parts.port
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._timeout = timeout_s
        self._path = "/" + secrets.token_urlsafe(16)  # other local processes cannot guess it
        self._lock = threading.Lock()
        self.failure: tuple[ProbeErrorCode, str] | None = None  # the first; never contains the URL
        handler = type("_Handler", (_RelayHandler,), {"relay": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            # A short poll interval: shutdown() waits for it, and it is paid once per probe.
            target=self._server.serve_forever,
            args=(0.005,),
            name="probe-relay",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{self._path}"

    def __enter__(self) -> _RangeRelay:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(self, message: str, code: ProbeErrorCode = ProbeErrorCode.SOURCE_UNAVAILABLE) -> None:
        with self._lock:
            self.failure = self.failure or (code, message)

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
            pass  # ffprobe read what it needed and hung up: the normal way a probe ends
        except TimeoutError:
            self.fail(f"upstream sent nothing for {self._timeout:g}s", ProbeErrorCode.TIMEOUT)
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
        if resp.status == 416:  # reading at or past the end: EOF for ffprobe
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
            chunk = min(chunk * 2, self.MAX_CHUNK)  # ffprobe keeps reading: fetch more per request
            resp = self._fetch(conn, position, min(end, position + chunk - 1))
            header = _CONTENT_RANGE.fullmatch(resp.getheader("Content-Range") or "")
            if resp.status != 206 or not header or int(header[1]) != position:
                self.fail(f"upstream answered HTTP {resp.status} mid-read")
                return


class _RelayHandler(BaseHTTPRequestHandler):
    relay: _RangeRelay  # set on the per-relay subclass

    def setup(self) -> None:
        # Small socket buffers: what we write ahead of ffprobe's reads is what we fetched for nothing.
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SOCKET_BUFFER)
        super().setup()

    def handle(self) -> None:
        try:
            super().handle()
        except Exception as exc:  # socketserver would print a traceback and ffprobe see only EOF
            self.relay.fail(f"relay error: {type(exc).__name__}", ProbeErrorCode.PROBE_FAILED)

    def do_GET(self) -> None:
        self.relay.serve(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep ffprobe's requests out of the function's logs."""
