"""Run ffprobe on a local file or an http(s) URL (a presigned S3 GET) and return MediaInfo.

Sources are checked before ffprobe sees them, because ffprobe treats its input as a URL that can
name many protocols (``concat:``, ``subfile:``, ``ftp://`` ...). Each run gets an explicit
``-protocol_whitelist``.

http(s) sources go through ``mediaflow.media.relay``, a small HTTP server on 127.0.0.1, rather
than straight to ffprobe. The static ffprobe segfaults as soon as it resolves a host name (static
glibc dlopens the system's NSS modules), so it can only connect to an IP address. The relay also
fetches the object in bounded byte ranges, so ffprobe's open-ended ``Range: bytes=0-`` does not
stream the whole object.

A container that ffprobe accepts is then checked for truncation (``mediaflow.media.integrity``):
an MP4, MOV, MKV/WebM or MPEG-TS shorter than it declares is NotMedia ("truncated: ...").
"""

from __future__ import annotations

import errno
import json
import subprocess
from enum import StrEnum
from typing import Any

from mediaflow.errors import MediaflowError
from mediaflow.media import integrity, relay
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
_RELAY_FAILURE_CODES = {
    "unavailable": ProbeErrorCode.SOURCE_UNAVAILABLE,
    "timeout": ProbeErrorCode.TIMEOUT,
    "error": ProbeErrorCode.PROBE_FAILED,
}


def probe(source: str, *, timeout_s: float) -> MediaInfo:
    """Describe ``source`` (an absolute/relative local path or an http(s) URL); raise ProbeError."""
    if timeout_s <= 0:
        raise ValueError("timeout_s must be positive")
    kind, target = _check_source(source)
    if kind == "file":
        data = _run_ffprobe(target, "file", timeout_s, local=None)
    else:
        with relay.serve(target, timeout_s=timeout_s) as local:
            data = _run_ffprobe(local, "http,tcp", timeout_s, local=local)
    reason = not_media_reason(data)
    if reason:
        raise ProbeError(ProbeErrorCode.NOT_MEDIA, reason)
    info = MediaInfo.from_ffprobe(data)
    _check_complete(kind, target, info.format_name, timeout_s)
    return info


def _check_complete(kind: str, target: str, format_name: str, timeout_s: float) -> None:
    """A file cut short is not media, even when its index (read first) describes all of it."""
    check = integrity.checker_for(format_name)
    if check is None:
        return
    try:
        with integrity.open_source(kind, target, timeout_s) as source:
            check(source)
    except integrity.Truncated as exc:
        raise ProbeError(ProbeErrorCode.NOT_MEDIA, f"truncated: {exc}") from None
    except integrity.Unreadable as exc:
        raise ProbeError(ProbeErrorCode.SOURCE_UNAVAILABLE, str(exc)) from None


def _check_source(source: str) -> tuple[str, str]:
    try:
        return relay.check_source(source)
    except relay.SourceError as exc:
        code = ProbeErrorCode.SOURCE_UNAVAILABLE if exc.missing else ProbeErrorCode.INVALID_SOURCE
        raise ProbeError(code, exc.message) from None


def _run_ffprobe(
    target: str, whitelist: str, timeout_s: float, local: relay.RelayURL | None
) -> dict[str, Any]:
    cmd = [
        ffprobe_path(),
        *("-v", "error", "-print_format", "json", "-show_error", "-show_format", "-show_streams"),
        *("-protocol_whitelist", whitelist, "-format_whitelist", MEDIA_DEMUXERS),
        *(("-recv_buffer_size", str(relay.SOCKET_BUFFER)) if local else ()),
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
        failure = local.failure if local is not None else None
        if failure is not None:
            # The relay saw the real upstream answer (403, DNS failure ...); ffprobe only its echo.
            raise ProbeError(_RELAY_FAILURE_CODES[failure.kind], failure.message)
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
