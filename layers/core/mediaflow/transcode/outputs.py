"""What an encode left in ``workdir``: each rendition's files, their probe, the HLS master playlist.

File names per rendition (``<n>`` = output_name; the patterns cannot match another rendition's
files because names are unique and ``[A-Za-z0-9._-]`` only):

- MP4 ``<n>.mp4``; MP3 ``<n>.mp3``; ADTS ``<n>.aac``
- HLS ``<n>.m3u8`` + ``<n>_000.ts`` ... (H.264) or ``<n>_init.mp4`` + ``<n>_000.m4s`` ... (H.265)
- DASH ``<n>.mpd`` + ``<n>-init-<rep>.m4s`` + ``<n>-<rep>-00001.m4s`` ...
- HLS+DASH: both sets; the task's master playlist is ``master.m3u8``.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediaflow.media.binaries import ffprobe_path, media_env
from mediaflow.media.models import MediaInfo
from mediaflow.transcode.ffmpeg_args import MASTER_NAME, Plan

PROBE_TIMEOUT_S = 60.0


def _pattern(plan: Plan) -> re.Pattern[str]:
    name, pack = re.escape(plan.spec.output_name), plan.spec.pack_type
    found = [re.escape(plan.main_file)]
    if pack in ("HLS", "HLS+DASH"):
        found += [
            rf"{name}\.m3u8",
            rf"{name}_init\.mp4|{name}_\d{{3,}}\.m4s" if plan.fmp4 else rf"{name}_\d{{3,}}\.ts",
        ]
    if pack in ("DASH", "HLS+DASH"):
        found += [rf"{name}\.mpd", rf"{name}-(init-\d+|\d+-\d{{5,}})\.m4s"]
    return re.compile(f"({'|'.join(found)})(?P<tmp>\\.tmp)?")  # playlists are written as .tmp first


def rendition_files(plan: Plan, workdir: Path) -> list[str]:
    """The files of ``plan`` in ``workdir``, main file first."""
    pattern = _pattern(plan)
    names = sorted(p.name for p in workdir.iterdir() if (m := pattern.fullmatch(p.name)) and not m["tmp"])
    return sorted(names, key=lambda n: n != plan.main_file)


def remove_files(plan: Plan, workdir: Path) -> None:
    """Delete what a run of ``plan`` left, finished or not."""
    pattern = _pattern(plan)
    for path in workdir.iterdir():
        if pattern.fullmatch(path.name):
            path.unlink(missing_ok=True)


def probe_output(path: Path, timeout_s: float = PROBE_TIMEOUT_S) -> tuple[MediaInfo, dict[str, Any]]:
    """ffprobe one of our outputs (mp4, mp3, aac, a variant playlist, an mpd): files only."""
    cmd = [
        ffprobe_path(),
        *("-v", "error", "-print_format", "json", "-show_format", "-show_streams"),
        *("-protocol_whitelist", "file", "-i", str(path.absolute())),
    ]
    proc = subprocess.run(
        cmd, check=True, capture_output=True, stdin=subprocess.DEVNULL, env=media_env(), timeout=timeout_s
    )
    data = json.loads(proc.stdout)
    return MediaInfo.from_ffprobe(data), data


@dataclass(frozen=True)
class Segment:
    uri: str
    duration_s: float


def hls_segments(playlist: Path) -> tuple[list[Segment], str | None]:
    """The segments of a variant playlist and its EXT-X-MAP init segment, if any."""
    segments: list[Segment] = []
    init, duration = None, None
    for raw in playlist.read_text().splitlines():
        line = raw.strip()
        if line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",", 1)[0])
        elif line.startswith("#EXT-X-MAP:"):
            match = re.search(r'URI="([^"]+)"', line)
            init = match[1] if match else None
        elif line and not line.startswith("#") and duration is not None:
            segments.append(Segment(line, duration))
            duration = None
    return segments, init


def codecs(data: dict[str, Any]) -> str:
    """The RFC 8216 CODECS attribute of a probed variant (the values x264/x265/aac write)."""
    found: list[str] = []
    for stream in data.get("streams") or []:
        codec, profile, level = stream.get("codec_name"), stream.get("profile") or "", stream.get("level")
        if codec == "h264":
            prefix = {"Constrained Baseline": "42c0", "Baseline": "4200", "Main": "4d40"}.get(profile, "6400")
            found.append(f"avc1.{prefix}{int(level or 0):02x}")
        elif codec == "hevc":
            found.append(f"hvc1.1.6.L{int(level or 0)}.B0")
        elif codec == "aac":
            found.append("mp4a.40.5" if profile.startswith("HE") else "mp4a.40.2")
        elif codec == "mp3":
            found.append("mp4a.40.34")
    return ",".join(dict.fromkeys(found))  # the hls demuxer lists streams once per program, too


@dataclass(frozen=True)
class Variant:
    playlist: str
    info: MediaInfo
    data: dict[str, Any]


def _stream_inf(workdir: Path, variant: Variant) -> str:
    segments, _init = hls_segments(workdir / variant.playlist)
    sizes = [(workdir / s.uri).stat().st_size for s in segments]
    rates = [size * 8 / s.duration_s for size, s in zip(sizes, segments, strict=True) if s.duration_s > 0]
    total = sum(s.duration_s for s in segments)
    peak = math.ceil(max(rates, default=0))
    average = math.ceil(sum(sizes) * 8 / total) if total else peak
    attrs = [f"BANDWIDTH={max(peak, 1)}", f"AVERAGE-BANDWIDTH={max(average, 1)}"]
    video = variant.info.video
    if video is not None:
        attrs.append(f"RESOLUTION={video.display_width}x{video.display_height}")
        if video.frame_rate:
            attrs.append(f"FRAME-RATE={video.frame_rate:.3f}")
    attrs.append(f'CODECS="{codecs(variant.data)}"')
    return "#EXT-X-STREAM-INF:" + ",".join(attrs) + "\n" + variant.playlist + "\n"


def write_master(workdir: Path, variants: list[Variant]) -> str:
    """Write ``master.m3u8`` listing ``variants`` in task order; return its name."""
    version = 7 if any(hls_segments(workdir / v.playlist)[1] for v in variants) else 3
    body = f"#EXTM3U\n#EXT-X-VERSION:{version}\n#EXT-X-INDEPENDENT-SEGMENTS\n"
    body += "".join(_stream_inf(workdir, v) for v in variants)
    name = f"{MASTER_NAME}.m3u8"
    (workdir / name).write_text(body)
    return name
