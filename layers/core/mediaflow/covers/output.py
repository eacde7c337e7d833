"""Writing the covers: size rules, and two ways to get each frame at full quality.

- From the spool (``frames.Spool``): the full-size frame is already in memory in the encoder's
  pixel format, so one ffmpeg reads them raw from stdin, scales and encodes. No decode.
- By seeking (``extract``): one ffmpeg with one input per cover, each ``-ss T -i src``: ffmpeg
  seeks to the keyframe at or before T and drops decoded frames before T (accurate seek, the
  default), so only that cover's own GOP prefix is decoded; for a keyframe, the frame itself.
  ``-seek_timestamp 1`` makes T the source's own timestamp (the picker's timeline), not an
  offset from the file's start time; they differ when the first stream starts late.

Both apply ffmpeg's autorotation (covers are upright) and the same scale chain; encoders: JPEG
with ``mjpeg -q:v 2``, PNG, WebP with ``libwebp -quality 90``.
"""

from __future__ import annotations

import math
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mediaflow.covers.frames import BASE_ARGS, Deadline, PickError, PickErrorCode, Source, Spool
from mediaflow.media.binaries import ffmpeg_path, media_env
from mediaflow.media.models import MediaInfo

PIX_FMTS = {"jpg": "yuvj420p", "png": "rgb24", "webp": "yuv420p"}
_ENCODERS = {
    "jpg": ["-c:v", "mjpeg", "-q:v", "2"],
    "png": ["-c:v", "png"],
    "webp": ["-c:v", "libwebp", "-quality", "90"],
}


@dataclass(frozen=True)
class OutputSpec:
    width: int
    height: int
    crop: bool  # True: scale to cover width x height, then centre-crop; False: exact scale
    fmt: str  # jpg, png, webp

    @property
    def chain(self) -> str:
        if self.crop:
            return (
                f"scale={self.width}:{self.height}:force_original_aspect_ratio=increase:flags=lanczos,"
                f"crop={self.width}:{self.height},setsar=1"
            )
        return f"scale={self.width}:{self.height}:flags=lanczos,setsar=1"

    @property
    def codec(self) -> list[str]:
        return [*_ENCODERS[self.fmt], "-pix_fmt", PIX_FMTS[self.fmt]]


def output_spec(info: MediaInfo, width: int | None, height: int | None, fmt: str) -> OutputSpec:
    """Width only or Height only: the other side from the display (rotated) aspect ratio, rounded;
    both: scale to cover and centre-crop; neither: the source's display size."""
    video = info.video
    assert video is not None
    dw, dh = max(1, video.display_width), max(1, video.display_height)
    if width and height:
        return OutputSpec(width, height, crop=True, fmt=fmt)
    if width:
        return OutputSpec(width, max(1, math.floor(width * dh / dw + 0.5)), crop=False, fmt=fmt)
    if height:
        return OutputSpec(max(1, math.floor(height * dw / dh + 0.5)), height, crop=False, fmt=fmt)
    return OutputSpec(dw, dh, crop=False, fmt=fmt)


def seek_arg(t: float) -> str:
    """-ss value for the frame at exactly ``t``: rounded up to the microsecond ffmpeg parses, so the
    seek lands on that frame's keyframe and the accurate-seek trim keeps the frame itself."""
    return f"{math.ceil(round(t * 1e6, 3)) / 1e6:.6f}"


def _run(cmd: list[str], deadline: Deadline, paths: Sequence[str], stdin: bytes | None = None) -> None:
    try:
        proc = subprocess.run(
            cmd,
            check=False,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            env=media_env(),
            timeout=deadline.remaining(),
        )
    except subprocess.TimeoutExpired:
        raise PickError(PickErrorCode.TIMEOUT, "writing the covers did not finish in time") from None
    missing = [p for p in paths if not os.path.isfile(p) or os.path.getsize(p) == 0]
    if proc.returncode != 0 or missing:
        last = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        raise PickError(PickErrorCode.DECODE_FAILED, f"writing covers failed: {last[0][:300]}")


def extract(
    src: Source, times: Sequence[float], spec: OutputSpec, paths: Sequence[str], deadline: Deadline
) -> None:
    """Decode the frame at each time from the source and write it to the matching path."""
    if not times:
        return
    cmd = [ffmpeg_path(), *BASE_ARGS, "-loglevel", "error", "-y"]
    for t in times:
        cmd += [*src.input_flags, "-seek_timestamp", "1", "-ss", seek_arg(t), "-i", src.target]
    for i, path in enumerate(paths):
        cmd += ["-map", f"{i}:{src.stream}", "-frames:v", "1", "-vf", spec.chain, *spec.codec]
        cmd += ["-map_metadata", "-1", "-update", "1", "-f", "image2", path]
    _run(cmd, deadline, paths)


def encode_stream(
    inputs: Sequence[str],
    chain: str,
    spec: OutputSpec,
    paths: Sequence[str],
    deadline: Deadline,
    stdin: bytes,
) -> None:
    """Encode the frames of a stream given on stdin (``inputs`` name it, ``chain`` are filters to
    apply first) to ``paths``, in order: the decoded frames themselves, as ``extract`` writes them."""
    if not paths:
        return
    workdir = Path(paths[0]).parent
    pattern = str(workdir / f".stream-%d.{spec.fmt}")
    graph = f"{chain},{spec.chain}" if chain else spec.chain
    cmd = [
        *(ffmpeg_path(), *BASE_ARGS, "-loglevel", "error", "-y", *inputs),
        *("-vf", graph, *spec.codec, "-map_metadata", "-1", "-fps_mode", "passthrough"),
        *("-start_number", "0", "-f", "image2", pattern),
    ]
    written = [pattern % i for i in range(len(paths))]
    _run(cmd, deadline, written, stdin)
    for tmp, path in zip(written, paths, strict=True):
        os.replace(tmp, path)


def encode_spooled(
    spool: Spool,
    frames: Sequence[bytes | bytearray],
    spec: OutputSpec,
    paths: Sequence[str],
    deadline: Deadline,
) -> None:
    """Encode full-size spooled frames (in order) to ``paths``: one ffmpeg reading them raw from a
    file next to the covers (a file, not stdin: Python feeds a pipe 4 KiB per system call)."""
    if not frames:
        return
    workdir = Path(paths[0]).parent
    raw = workdir / ".spooled.raw"
    with raw.open("wb") as sink:
        for frame in frames:
            sink.write(frame)
    pattern = str(workdir / f".spooled-%d.{spec.fmt}")
    cmd = [
        *(ffmpeg_path(), *BASE_ARGS, "-loglevel", "error", "-y", "-protocol_whitelist", "file"),
        *("-f", "rawvideo", "-pix_fmt", spool.pix_fmt, "-video_size", f"{spool.width}x{spool.height}"),
        *("-framerate", "1", "-i", str(raw)),
        *("-vf", spec.chain, *spec.codec, "-fps_mode", "passthrough", "-start_number", "0"),
        *("-f", "image2", pattern),
    ]
    written = [pattern % i for i in range(len(frames))]
    try:
        _run(cmd, deadline, written)
    finally:
        raw.unlink(missing_ok=True)
    for tmp, path in zip(written, paths, strict=True):
        os.replace(tmp, path)
