"""Small real media files made with ffmpeg's lavfi sources, cached in a directory by parameters.

Every function returns the path of the file, creating it only if it is not there yet, so a
session-scoped directory makes repeated requests free. Files are written under a temporary name
and renamed, so a half-written clip is never reused after an interrupted run.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from mediaflow.media.binaries import ffmpeg_path, media_env

_COMMON = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
_AUDIO_CODECS = {"aac": ("aac", "m4a"), "mp3": ("libmp3lame", "mp3")}


def _speed_flags(vcodec: str) -> list[str]:
    if vcodec in ("libx264", "libx265"):
        return ["-preset", "ultrafast"]
    if vcodec.startswith("libvpx"):
        return ["-deadline", "realtime", "-cpu-used", "8"]
    return []


def run_ffmpeg(args: Sequence[str], timeout_s: float = 120) -> None:
    subprocess.run(
        [ffmpeg_path(), *_COMMON, *args],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=media_env(),
        timeout=timeout_s,
    )


def _cached(directory: Path | str, stem: str, suffix: str, args_for: list[str], key: str = "") -> Path:
    """Run ffmpeg with ``args_for + [tmp]`` unless ``<stem>-<hash>.<suffix>`` already exists."""
    digest = hashlib.sha256(f"{stem}|{key}|{args_for}".encode()).hexdigest()[:10]
    path = Path(directory) / f"{stem}-{digest}.{suffix}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.{suffix}")  # ffmpeg picks muxer by suffix
        run_ffmpeg([*args_for, str(tmp)])
        tmp.replace(path)
    return path


def make_clip(
    directory: Path | str,
    *,
    seconds: float = 2,
    width: int = 320,
    height: int = 240,
    fps: int | str = 25,
    source: str = "testsrc2",
    audio: bool = True,
    vcodec: str = "libx264",
    container: str = "mp4",
    rotate: int | None = None,
    faststart: bool = True,
) -> Path:
    """A video clip; ``rotate`` (clockwise degrees, as players apply it) adds display-matrix metadata.

    In ffmpeg 6.0 ``-metadata:s:v:0 rotate=N`` is ignored when encoding (it only works on stream
    copy), and ``-display_rotation`` on an input makes ffmpeg rotate the pixels instead, unless
    ``-autorotate 0`` is given as well. ``-display_rotation`` is counter-clockwise, hence ``-rotate``.
    Only MP4/MOV keep the matrix; Matroska and MPEG-TS drop it.
    """
    args: list[str] = []
    if rotate is not None:
        args += ["-autorotate", "0", "-display_rotation", str(-rotate)]
    if source in ("mandelbrot", "life", "cellauto"):  # sources without a duration option
        args += ["-f", "lavfi", "-t", str(seconds), "-i", f"{source}=size={width}x{height}:rate={fps}"]
    else:
        args += ["-f", "lavfi", "-i", f"{source}=size={width}x{height}:rate={fps}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    args += ["-map", "0:v"] + (["-map", "1:a"] if audio else [])
    args += ["-c:v", vcodec, *_speed_flags(vcodec), "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "libopus" if container == "webm" else "aac", "-ac", "2"]
    if faststart and container in ("mp4", "mov"):
        args += ["-movflags", "+faststart"]
    return _cached(directory, "clip", container, args)


def make_audio_only(directory: Path | str, seconds: float = 2, codec: str = "aac") -> Path:
    encoder, suffix = _AUDIO_CODECS[codec]
    args = ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}", "-c:a", encoder]
    return _cached(directory, f"audio-{codec}", suffix, args)


def make_text_file(directory: Path | str) -> Path:
    path = Path(directory) / "not-media.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("This is a text file, not a video.\n" * 20, encoding="utf-8")
    return path


def make_png(directory: Path | str, width: int = 64, height: int = 48) -> Path:
    args = ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}", "-frames:v", "1", "-update", "1"]
    return _cached(directory, "image", "png", args)


def make_truncated(directory: Path | str, fraction: float = 0.3) -> Path:
    """The first ``fraction`` of a real MP4 whose index (moov) is at the end, as an aborted upload
    of a camera file looks. (With +faststart ffprobe still reads the header of a cut file fine.)"""
    source = make_clip(directory, faststart=False)
    path = Path(directory) / f"truncated-{fraction:g}-{source.stem}.mp4"
    if not path.exists():
        data = source.read_bytes()
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data[: int(len(data) * fraction)])
        tmp.replace(path)
    return path


def make_large_clip(directory: Path | str, min_bytes: int = 12 * 1024 * 1024) -> Path:
    """An MP4 (H.264 + AAC, moov first) of at least ``min_bytes``: temporal noise defeats
    compression, so the size follows the bitrate (20 Mbit/s at 640x360) and encoding stays fast."""
    bitrate = 20_000_000
    seconds = max(1, -(-min_bytes * 8 * 11 // 10 // bitrate))  # ceil, with 10 % headroom
    while True:
        args = [
            *("-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={seconds},noise=alls=60:allf=t"),
            *("-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-b:v", str(bitrate), "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-movflags", "+faststart"),
        ]
        path = _cached(directory, "large", "mp4", args, key=str(min_bytes))
        if path.stat().st_size >= min_bytes:
            return path
        seconds *= 2
