"""Measuring outputs against their source: frames, timestamps, per-frame PSNR, frame content.

Used by the split-transcoding tests to compare a split encode with a single pass of the same
renditions: what a viewer could notice at a chunk seam shows up here as a PSNR dip, a timestamp
gap, a missing or repeated frame, or audio drifting from the video.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path
from typing import Any

from mediaflow.media.binaries import ffmpeg_path, ffprobe_path, media_env


def _run(argv: list[str], timeout_s: float = 300) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(argv, capture_output=True, check=True, env=media_env(), timeout=timeout_s)


def packets(path: Path, stream: str = "v:0") -> list[dict[str, Any]]:
    """Packets of a stream in decode order (an HLS playlist is read through its segments)."""
    out = _run(
        [ffprobe_path(), "-v", "error", "-select_streams", stream,
         "-show_entries", "packet=pts_time,dts_time,duration_time,size", "-of", "json", str(path)]
    )  # fmt: skip
    return list(json.loads(out.stdout).get("packets", []))


def frame_times(path: Path) -> list[float]:
    """Presentation times of the decoded video frames, in display order."""
    out = _run(
        [ffprobe_path(), "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
         "-of", "json", str(path)]
    )  # fmt: skip
    return [float(f["pts_time"]) for f in json.loads(out.stdout).get("frames", []) if "pts_time" in f]


def duration(path: Path, stream: str) -> float:
    """First to last presentation time plus the last packet's duration, of one stream."""
    found = [p for p in packets(path, stream) if p.get("pts_time") not in (None, "N/A")]
    if not found:
        return 0.0
    times = sorted(float(p["pts_time"]) for p in found)
    last = max(found, key=lambda p: float(p["pts_time"]))
    return times[-1] - times[0] + float(last.get("duration_time") or 0)


def psnr_per_frame(encoded: Path, reference: Path, width: int, height: int) -> list[float]:
    """Per-frame PSNR (dB, luma and chroma averaged) of ``encoded`` against ``reference`` scaled to
    the same size, frame by frame in order."""
    graph = (
        f"[1:v]setpts=PTS-STARTPTS,scale={width}:{height}:flags=bicubic,setsar=1[ref];"
        "[0:v]setpts=PTS-STARTPTS,setsar=1[enc];[enc][ref]psnr=stats_file=-"
    )
    out = _run(
        [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error",
         "-i", str(encoded), "-i", str(reference), "-lavfi", graph, "-f", "null", "-"]
    )  # fmt: skip
    values = re.findall(rb"psnr_avg:(\S+)", out.stdout)
    return [float(v) if v != b"inf" else 99.0 for v in values]


def frame_md5(path: Path, index: int) -> str:
    """The decoded content of one frame (by its index in display order), as an md5."""
    out = _run(
        [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error",
         "-i", str(path), "-vf", f"select=eq(n\\,{index})", "-frames:v", "1", "-f", "rawvideo", "-"]
    )  # fmt: skip
    return hashlib.md5(out.stdout).hexdigest()  # noqa: S324 - content identity


def frame_psnr(a: Path, b: Path, index: int) -> float:
    """PSNR between the frame ``index`` of two encodes of the same size."""
    graph = (
        f"[0:v]select=eq(n\\,{index}),setpts=PTS-STARTPTS[x];"
        f"[1:v]select=eq(n\\,{index}),setpts=PTS-STARTPTS[y];[x][y]psnr=stats_file=-"
    )
    out = _run(
        [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error",
         "-i", str(a), "-i", str(b), "-lavfi", graph, "-f", "null", "-"]
    )  # fmt: skip
    found = re.findall(rb"psnr_avg:(\S+)", out.stdout)
    return 99.0 if not found or found[0] == b"inf" else float(found[0])
