"""One ffmpeg analysis run: decode, keep some frames, hand small analysis frames (and full-size
spooled ones) to Python as they come. ``fetch`` feeds it chosen GOPs on stdin; ``fallback_input``
has it decode the source's keyframes itself. Also the source check and the deadline.

Sources are a local file or an ``http://127.0.0.1:<port>/...`` URL (the caller's relay for S3
objects; the static ffmpeg segfaults on any host-name lookup, so nothing else is accepted). Every
run gets an explicit ``-protocol_whitelist`` and ``-format_whitelist``; argv holds no string from
the request except the checked source, which cannot be read as an option or a protocol.

Analysis frames are yuv420p with full-range luma, ``area``-scaled so the longer side is at most
ANALYSIS_MAX px (never upscaled), upright. They arrive raw on stdout; timestamps come from
``showinfo`` on stderr as integer pts x time base (its ``pts_time`` has 6 significant digits: 0.1 s
into a 3-hour video), on the input's own timeline (``-copyts``). With a ``Spool`` chosen frames
also go, full size and in the encoder's pixel format, through a second pipe.

Measured with ffmpeg 6.0 (static) on one core, 1080p H.264 at 6 Mbit/s:
- A keyframe costs ~25 ms to decode (CABAC-bound, so it grows with the I-frame's size; no decoder
  option removes that: ``-skip_loop_filter`` saves ~10 %, ``-flags2 fast`` nothing), a predicted
  frame ~5 ms. ``-skip_frame nokey`` decodes keyframes alone but still reads every packet.
- ``-nofind_stream_info`` saves a decode of the first frame per input (~30 ms); MP4/MOV and
  Matroska carry every stream parameter in their headers, so it is used for them only.
- Pipes are 64 KiB: raised to 1 MiB, a full 1080p frame crosses in 3 writes instead of 48.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from mediaflow.errors import MediaflowError
from mediaflow.media.binaries import ffmpeg_path, media_env
from mediaflow.media.models import MediaInfo
from mediaflow.media.probe import MEDIA_DEMUXERS

ANALYSIS_MAX = 320
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Linux; Python >= 3.10 names it
_PIPE_SIZE = 1024 * 1024  # /proc/sys/fs/pipe-max-size's default
_HEADER_FORMATS = ("mov", "mp4", "matroska", "webm")  # stream parameters are in the header
_SHOWINFO = re.compile(rb"\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s")
_TIME_BASE = re.compile(rb"config in time_base:\s*(\d+)/(\d+)")
BASE_ARGS = ["-nostdin", "-hide_banner", "-nostats"]
SOURCE_READ = "reading the source failed"  # how a PickError caused by the source (not ffmpeg) starts

T = TypeVar("T")
U8 = npt.NDArray[np.uint8]


class PickErrorCode(StrEnum):
    INVALID_SOURCE = "InvalidSource"  # refused before running: not a file or a 127.0.0.1 http URL
    NO_VIDEO = "NoVideo"  # the source has no video stream to take covers from
    TIMEOUT = "Timeout"  # the deadline passed
    DECODE_FAILED = "DecodeFailed"  # ffmpeg failed or produced no frame


class PickError(MediaflowError):
    def __init__(self, code: PickErrorCode, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Source:
    target: str  # absolute path or http://127.0.0.1 URL
    whitelist: str
    info: MediaInfo
    stream: int  # index of the video stream in the file

    @property
    def input_flags(self) -> list[str]:
        flags = ["-protocol_whitelist", self.whitelist, "-format_whitelist", MEDIA_DEMUXERS]
        if any(name in _HEADER_FORMATS for name in self.info.format_name.split(",")):
            flags.append("-nofind_stream_info")
        return flags


def check_source(source: str, info: MediaInfo) -> Source:
    if info.video is None:
        raise PickError(PickErrorCode.NO_VIDEO, "the source has no video stream")
    if not source or source.startswith("-") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in source):
        raise PickError(PickErrorCode.INVALID_SOURCE, "source must be a file path or a local http URL")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", source):
        parts = urlsplit(source)
        if parts.scheme != "http" or parts.hostname != "127.0.0.1" or not source.isascii() or " " in source:
            raise PickError(PickErrorCode.INVALID_SOURCE, "only http://127.0.0.1 URLs are read")
        return Source(source, "http,tcp", info, info.video.index)
    path = os.path.abspath(source)  # an absolute path can never be read as "protocol:rest"
    if not os.path.isfile(path):
        raise PickError(PickErrorCode.INVALID_SOURCE, "no such file")
    return Source(path, "file", info, info.video.index)


def analysis_size(info: MediaInfo) -> tuple[int, int]:
    """Display size scaled so the longer side is <= ANALYSIS_MAX, both even, never upscaled."""
    video = info.video
    assert video is not None
    dw, dh = max(2, video.display_width), max(2, video.display_height)
    factor = min(1.0, ANALYSIS_MAX / max(dw, dh))
    return max(16, 2 * round(dw * factor / 2)), max(16, 2 * round(dh * factor / 2))


class Deadline:
    def __init__(self, seconds: float | None) -> None:
        self.end = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        if self.end is None:
            return None
        left = self.end - time.monotonic()
        if left <= 0:
            raise PickError(PickErrorCode.TIMEOUT, "the deadline passed")
        return left


@dataclass(frozen=True)
class Spool:
    """Full-size copies of chosen analysed frames, held in memory so that those covers need no
    second decode. Frames are at the source's display size in the encoder's pixel format, converted
    by ffmpeg with the source's colour metadata, exactly as a direct extraction converts them.

    Measured: each spooled 1080p frame costs ffmpeg ~16 ms (a fresh 3 MB buffer per frame, its
    page faults and the copy into the pipe), more than half a keyframe's decode. So ``only``
    (frame positions in arrival order, passed by ``only_select``) limits it to frames that are dear
    to decode again, and the caller spools no more than ``keep`` of them."""

    pix_fmt: str  # yuvj420p (jpg), rgb24 (png) or yuv420p (webp)
    width: int
    height: int
    keep: int  # at most this many frames may be spooled (memory)
    only: tuple[int, ...] = ()  # arrival positions of the frames to spool
    only_select: str = ""  # the ffmpeg select expression that passes exactly those frames

    @property
    def frame_bytes(self) -> int:
        if self.pix_fmt == "rgb24":
            return self.width * self.height * 3
        return self.width * self.height + 2 * ((self.width + 1) // 2) * ((self.height + 1) // 2)


def _read_exact(stream: IO[bytes], buffer: bytearray) -> bool:
    view, got = memoryview(buffer), 0
    while got < len(buffer):
        n = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            return False
        got += n
    return True


class _FullFrames:
    """The spool's pipe: ffmpeg writes the full frames into it and a thread collects them. Not in
    step with the analysis frames: ffmpeg may hold a full frame back while it writes analysis frames
    (waiting for it there deadlocked once the pipe of analysis frames was full)."""

    def __init__(self, spool: Spool) -> None:
        self.read_fd, self.write_fd = os.pipe()
        _widen(self.write_fd)
        self.size = spool.frame_bytes
        self.frames: list[bytearray] = []
        self.thread = threading.Thread(target=self._drain, daemon=True)

    def start(self) -> None:
        os.close(self.write_fd)  # the child has its copy: our read end sees EOF when ffmpeg exits
        self.thread.start()

    def close(self) -> None:
        os.close(self.read_fd)
        os.close(self.write_fd)

    def _drain(self) -> None:
        with os.fdopen(self.read_fd, "rb", buffering=0) as stream:
            while True:
                buffer = bytearray(self.size)
                if not _read_exact(stream, buffer):
                    return
                self.frames.append(buffer)


def _widen(fd: int) -> None:
    """Pipes default to 64 KiB: a 1080p frame would cross in ~50 round trips between processes."""
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, _F_SETPIPE_SZ, _PIPE_SIZE)


@dataclass
class Decoded:
    items: list[tuple[float, Any]]  # (timestamp, on_frame result), in decode order
    full: dict[int, bytearray]  # index in items -> full-size frame (see Spool)


def fallback_input(src: Source, *, keyframes: bool) -> list[str]:
    """ffmpeg input arguments that decode the source itself: keyframes only, or every frame."""
    return [*src.input_flags, "-skip_frame", "nokey" if keyframes else "default", "-copyts", "-i", src.target]


def _analysis_cmd(
    inputs: list[str], stream: str, chain: str, size: tuple[int, int], spool: Spool | None, fd: int
) -> list[str]:
    w, h = size
    analysis = f"scale={w}:{h}:flags=area:out_range=full,format=yuv420p,showinfo"  # showinfo on small frames
    head = f"[0:{stream}]{chain + ',' if chain else ''}"
    graph = f"{head}{analysis}[a]"
    outputs: list[str] = []
    if spool is not None:
        full = f"scale={spool.width}:{spool.height}:flags=lanczos,format={spool.pix_fmt}"  # same size: no-op
        if spool.only_select:
            full = f"select='{spool.only_select}',{full}"
        graph = f"{head}split[s][f];[s]{analysis}[a];[f]{full}[full]"
        outputs = ["-map", "[full]", "-fps_mode", "passthrough", "-f", "rawvideo", f"pipe:{fd}"]
    return [
        ffmpeg_path(),
        *BASE_ARGS,
        *("-loglevel", "info"),  # showinfo logs at info level
        *inputs,
        *("-filter_complex", graph),
        *("-map", "[a]", "-fps_mode", "passthrough", "-f", "rawvideo", "pipe:1"),
        *outputs,
    ]


def decode_analysis(
    inputs: list[str],
    stream: str,
    chain: str,
    size: tuple[int, int],
    on_frame: Callable[[U8, U8, U8], T],
    deadline: Deadline,
    *,
    spool: Spool | None = None,
    feed: Callable[[IO[bytes]], None] | None = None,
) -> Decoded:
    """Run ffmpeg on ``inputs`` (``fallback_input`` or a pipe fed by ``feed``), filter stream
    ``stream`` through ``chain`` (ffmpeg filters built by the caller from numbers only), and call
    ``on_frame`` on each small analysis frame as it arrives. With ``spool``, the full-size frames
    of the analysis frames at positions ``spool.only`` are kept as well.

    ``feed`` runs in a thread and writes ffmpeg's stdin; it may stop early on BrokenPipeError.
    Timestamps are the input's own (``-copyts``), in seconds.
    """
    full = _FullFrames(spool) if spool is not None else None
    cmd = _analysis_cmd(inputs, stream, chain, size, spool, full.write_fd if full else -1)
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=media_env(),
            pass_fds=(full.write_fd,) if full else (),
        )
    except OSError:
        if full:
            full.close()
        raise
    if full:
        full.start()
    feeder = _Feeder(proc, feed) if feed else None

    try:
        results, stderr = _collect(proc, size, on_frame, deadline)
    finally:
        if feeder:
            feeder.join()
        if full:
            full.thread.join()
    if feeder and feeder.error is not None:
        raise PickError(PickErrorCode.DECODE_FAILED, f"{SOURCE_READ}: {feeder.error}")
    times = _timestamps(stderr)
    if len(times) != len(results):
        raise PickError(PickErrorCode.DECODE_FAILED, f"{len(results)} frames but {len(times)} timestamps")
    kept: dict[int, bytearray] = {}
    if full is not None and spool is not None and len(full.frames) == len(spool.only):
        kept = dict(zip(spool.only, full.frames, strict=True))
    return Decoded(list(zip(times, results, strict=True)), kept)


class _Feeder:
    """Writes ffmpeg's stdin in a thread (the main thread reads its stdout meanwhile)."""

    def __init__(self, proc: subprocess.Popen[bytes], feed: Callable[[IO[bytes]], None]) -> None:
        assert proc.stdin is not None
        self.stdin = proc.stdin
        _widen(self.stdin.fileno())
        self.feed = feed
        self.error: Exception | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.feed(self.stdin)
        except (BrokenPipeError, ValueError):
            return  # ffmpeg exited (failed, or was killed at the deadline): its own error says why
        except Exception as exc:  # a source read failed: reported after ffmpeg has been reaped
            self.error = exc
        finally:
            with contextlib.suppress(OSError, ValueError):
                self.stdin.close()

    def join(self) -> None:
        self.thread.join()


def _collect(
    proc: subprocess.Popen[bytes],
    size: tuple[int, int],
    on_frame: Callable[[U8, U8, U8], T],
    deadline: Deadline,
) -> tuple[list[T], bytes]:
    """Read raw yuv420p frames from ``proc``'s stdout until it exits; stderr is read alongside."""
    w, h = size
    luma, chroma = w * h, (w // 2) * (h // 2)
    buffer = bytearray(luma + 2 * chroma)
    results: list[T] = []
    err: list[bytes] = []
    assert proc.stdout is not None and proc.stderr is not None
    _widen(proc.stdout.fileno())
    stderr_pipe = proc.stderr
    reader = threading.Thread(target=lambda: err.append(stderr_pipe.read()), daemon=True)
    reader.start()
    remaining = deadline.remaining()
    timer = threading.Timer(remaining, proc.kill) if remaining is not None else None
    if timer:
        timer.start()
    try:
        while _read_exact(proc.stdout, buffer):
            frame = np.frombuffer(buffer, dtype=np.uint8)
            result = on_frame(
                frame[:luma].reshape(h, w),
                frame[luma : luma + chroma].reshape(h // 2, w // 2),
                frame[luma + chroma :].reshape(h // 2, w // 2),
            )
            results.append(result)
        code = proc.wait()
        reader.join()
    finally:
        if timer:
            timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = b"".join(err)
    deadline.remaining()  # a run killed by the timer ends here as Timeout
    if code != 0:
        last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {code}"]
        raise PickError(PickErrorCode.DECODE_FAILED, f"ffmpeg failed: {last[0][:300]}")
    return results, stderr


def _timestamps(stderr: bytes) -> list[float]:
    base = _TIME_BASE.search(stderr)
    tb = Fraction(int(base[1]), int(base[2])) if base else Fraction(1, 1_000_000)
    return [float(int(m[2]) * tb) for m in _SHOWINFO.finditer(stderr)]
