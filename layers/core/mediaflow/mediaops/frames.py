"""Still frames out of a video at given times, with input seeking: never a whole-file decode for a
few time points.

``grab`` writes one picture per time point. Each point is its own input of one ffmpeg process
(``-ss t -i source``, up to ``BATCH`` points per process): ffmpeg seeks to the key frame before
``t`` (through the relay, with range requests: only those bytes are read) and decodes from there
to ``t`` exactly (accurate seek), so a point costs at most one GOP of decoding whatever the
source's length. Measured (``benchmarks/snapshots.py``): 10 points of a 10-minute 1080p source
take a small fraction of decoding the whole file. Dense time grids (points closer than
``DENSE_S``) are cheaper as one sequential decode of the span with an ``fps`` filter than as one
seek per point, which would decode most GOPs more than once.

Sizes follow the display size (rotation applied by ffmpeg's autorotate, non-square pixels
resolved through the sample aspect ratio): never larger than the source, never distorted (a box
is filled without changing the aspect ratio).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mediaflow.media import relay
from mediaflow.media.binaries import ffmpeg_path
from mediaflow.media.models import MediaInfo
from mediaflow.media.probe import MEDIA_DEMUXERS
from mediaflow.transcode.ffmpeg_args import COMMON, HTTP_READ_TIMEOUT_US
from mediaflow.transcode.progress import run_ffmpeg

BATCH = 10  # inputs per ffmpeg process (each holds a decoder; memory stays bounded)
DENSE_S = 4.0  # below this interval one sequential decode beats a seek per point
RELAY_TIMEOUT_S = 30.0
RELAY_MAX_CHUNK = 4 * 1024 * 1024
Format = Literal["jpg", "png"]


class FrameError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


@dataclass(frozen=True)
class Size:
    width: int
    height: int


def display_size(info: MediaInfo) -> Size:
    """The size a player shows: rotation and the sample aspect ratio applied."""
    video = info.video
    if video is None:
        raise ValueError("no video")
    width, height = video.display_width, video.display_height
    sar = video.sample_aspect_ratio or 1.0
    if abs(sar - 1.0) > 1e-3:
        if video.rotation in (90, 270):
            height = round(height * sar)
        else:
            width = round(width * sar)
    return Size(width, height)


def fit(source: Size, width: int = 0, height: int = 0, max_length: int = 0) -> Size:
    """The picture size: inside ``width`` x ``height`` (either may be 0: free), or with its long
    side at ``max_length``, or the source size - never larger than the source, aspect ratio kept."""
    if width and height:
        factor = min(width / source.width, height / source.height)
    elif width:
        factor = width / source.width
    elif height:
        factor = height / source.height
    elif max_length:
        factor = max_length / max(source.width, source.height)
    else:
        factor = 1.0
    factor = min(factor, 1.0)
    return Size(max(1, round(source.width * factor)), max(1, round(source.height * factor)))


def _time(value: float) -> str:
    if not math.isfinite(value) or value < 0:
        raise ValueError("invalid time")
    return f"{value:.3f}"


def _encoder(fmt: Format) -> list[str]:
    if fmt == "png":
        return ["-c:v", "png", "-pix_fmt", "rgb24"]
    return ["-c:v", "mjpeg", "-q:v", "2", "-pix_fmt", "yuvj420p"]


def _input(target: str, whitelist: str, at: float | None, until: float | None = None) -> list[str]:
    args = ["-protocol_whitelist", whitelist, "-format_whitelist", MEDIA_DEMUXERS]
    args += ["-rw_timeout", str(HTTP_READ_TIMEOUT_US)] if whitelist != "file" else []
    args += ["-ss", _time(at)] if at else []
    args += ["-to", _time(until)] if until is not None else []
    return [*args, "-i", target]


def seek_command(
    target: str, whitelist: str, times: list[float], names: list[str], size: Size, fmt: Format, stream: int
) -> list[str]:
    """One process, one input per time point, one picture per input."""
    argv = [ffmpeg_path(), *COMMON]
    for at in times:
        argv += _input(target, whitelist, at)
    scale = f"scale={size.width}:{size.height}:flags=bicubic,setsar=1"
    for index, name in enumerate(names):
        argv += ["-map", f"{index}:{stream}", "-frames:v", "1", "-vf", scale, *_encoder(fmt)]
        argv += ["-f", "image2", "-update", "1", name]
    return argv


def span_command(
    target: str, whitelist: str, start: float, end: float, every: float, pattern: str, size: Size, fmt: Format
) -> list[str]:
    """One sequential decode of [start, end): a picture every ``every`` seconds from ``start``."""
    argv = [ffmpeg_path(), *COMMON, *_input(target, whitelist, start, end)]
    chain = f"fps=1/{every:.6f}:round=near,scale={size.width}:{size.height}:flags=bicubic,setsar=1"
    return [
        *argv,
        "-map",
        "0:v:0",
        "-vf",
        chain,
        *_encoder(fmt),
        "-f",
        "image2",
        "-start_number",
        "0",
        pattern,
    ]


@dataclass(frozen=True)
class Grab:
    source: str  # absolute path or http(s) URL
    info: MediaInfo
    times: list[float]  # seconds, ascending
    size: Size
    fmt: Format
    workdir: Path
    interval: float | None = None  # TIME sampling: the grid step (enables the sequential decode)


def _name(index: int, fmt: Format) -> str:
    return f"shot_{index:05d}.{fmt}"


def grab(
    job: Grab,
    *,
    on_progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    deadline_s: float,
) -> list[Path]:
    """Write one picture per time point into ``workdir`` (``shot_00000.jpg``...), in order."""
    if job.info.video is None:
        raise ValueError("no video")
    kind, target = relay.check_source(job.source)
    job.workdir.mkdir(parents=True, exist_ok=True)
    if kind == "file":
        return _grab(job, target, "file", on_progress, should_stop, deadline_s)
    with relay.serve(target, timeout_s=RELAY_TIMEOUT_S, max_chunk=RELAY_MAX_CHUNK) as local:
        try:
            return _grab(job, local, "http,tcp", on_progress, should_stop, deadline_s)
        except FrameError as exc:
            failure = local.failure
            if failure is not None:
                raise FrameError("MPC.10125", f"the input cannot be read: {failure.message}") from exc
            raise


def _grab(
    job: Grab,
    target: str,
    whitelist: str,
    on_progress: Callable[[float], None] | None,
    should_stop: Callable[[], bool] | None,
    deadline_s: float,
) -> list[Path]:
    assert job.info.video is not None
    stream = job.info.video.index
    names = [_name(i, job.fmt) for i in range(len(job.times))]
    if job.interval is not None and job.interval < DENSE_S and len(job.times) > 1:
        start, end = job.times[0], job.times[-1] + job.interval
        argv = span_command(
            target, whitelist, start, end, job.interval, f"shot_%05d.{job.fmt}", job.size, job.fmt
        )
        _run(argv, job.workdir, end - start, on_progress, should_stop, deadline_s)
    else:
        for first in range(0, len(job.times), BATCH):
            batch = slice(first, first + BATCH)
            argv = seek_command(target, whitelist, job.times[batch], names[batch], job.size, job.fmt, stream)
            _run(argv, job.workdir, 0.0, None, should_stop, deadline_s)
            if on_progress is not None:
                on_progress(100.0 * min(len(job.times), first + BATCH) / len(job.times))
    missing = [t for t, n in zip(job.times, names, strict=True) if not (job.workdir / n).is_file()]
    if missing:
        raise FrameError("MPC.10125", f"no frame could be decoded at {missing[0]:g} s")
    return [job.workdir / n for n in names]


def _run(
    argv: list[str],
    workdir: Path,
    duration_s: float,
    on_progress: Callable[[float], None] | None,
    should_stop: Callable[[], bool] | None,
    deadline_s: float,
) -> None:
    outcome = run_ffmpeg(
        argv,
        workdir,
        duration_s=max(duration_s, 0.001),
        on_progress=on_progress,
        should_stop=should_stop,
        deadline_s=deadline_s,
    )
    if outcome.canceled:
        raise FrameError("MPC.10212", "The task was canceled.")
    if outcome.timed_out:
        raise FrameError("MPC.10050", "The snapshots did not finish within the time available.")
    if outcome.returncode != 0:
        tail = outcome.stderr.strip().splitlines()[-1:] or [f"ffmpeg exited with {outcome.returncode}"]
        raise FrameError("MPC.10125", f"the input cannot be decoded: {tail[0][:300]}")
