"""The join of a split task: from the parts' outputs to the task's, the way a single pass has them.

- HLS: the chunks wrote their segments in place; the join writes only playlists. The video media
  playlist lists every chunk's segments in order (one ``EXT-X-MAP`` per distinct fMP4 init
  segment, never a discontinuity: the chunks share one timeline). The audio was encoded once as
  an audio rendition (``<name>_a.m3u8``); the rendition's own playlist ``<name>.m3u8`` is then a
  small master naming its video (``<name>_v.m3u8``) with that audio group, so whichever playlist a
  player is given, it plays picture and sound. With several HLS renditions, ``master.m3u8`` lists
  them all (BANDWIDTH from the segments' real sizes, as a single pass computes it).
- MP4: the video pieces joined with the concat demuxer and the whole-source audio track, stream
  copy, ``+faststart``. DASH: packaged from that joined stream with stream copy (HLS+DASH joins
  the rendition's HLS segments for it).
"""

from __future__ import annotations

import math
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediaflow.media.binaries import ffmpeg_path, media_env
from mediaflow.media.models import MediaInfo
from mediaflow.transcode import outputs
from mediaflow.transcode.ffmpeg_args import _dash, _flags, plan_renditions
from mediaflow.transcode.spec import RenditionSpec

JOIN_TIMEOUT_S = 600.0
AAC_CODECS = "mp4a.40.2"


@dataclass(frozen=True)
class Segment:
    uri: str
    duration_s: float
    size: int
    init: str | None  # the fMP4 init segment it needs, if any


def segments_of(chunks: list[dict[str, Any]], name: str) -> list[Segment]:
    """A rendition's HLS segments over every chunk, in order."""
    found = []
    for chunk in chunks:
        for output in chunk.get("outputs", []):
            if output["name"] != name:
                continue
            found += [
                Segment(uri, float(d), int(size), output.get("init")) for uri, d, size in output["segments"]
            ]
    return found


def media_playlist(segments: list[Segment]) -> str:
    """A VOD media playlist; an fMP4 init is named again only where it changes (identical inits
    of different chunks are stored once, see ``parts``)."""
    target = max(1, math.ceil(max((s.duration_s for s in segments), default=1) - 1e-3))
    version = 7 if any(s.init for s in segments) else 3
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{version}", f"#EXT-X-TARGETDURATION:{target}"]
    lines += ["#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS"]
    current_init = None
    for segment in segments:
        if segment.init and segment.init != current_init:
            lines.append(f'#EXT-X-MAP:URI="{segment.init}"')
            current_init = segment.init
        lines += [f"#EXTINF:{segment.duration_s:.6f},", segment.uri]
    return "\n".join([*lines, "#EXT-X-ENDLIST", ""])


@dataclass(frozen=True)
class Variant:
    playlist: str  # the video media playlist
    segments: list[Segment]
    width: int
    height: int
    frame_rate: float | None
    codecs: str
    audio_group: str | None
    audio_bps: int


def _stream_inf(variant: Variant) -> str:
    rates = [s.size * 8 / s.duration_s for s in variant.segments if s.duration_s > 0]
    total = sum(s.duration_s for s in variant.segments)
    peak = math.ceil(max(rates, default=0)) + variant.audio_bps
    average = (
        math.ceil(sum(s.size for s in variant.segments) * 8 / total) if total else 0
    ) + variant.audio_bps
    attrs = [f"BANDWIDTH={max(peak, 1)}", f"AVERAGE-BANDWIDTH={max(average, 1)}"]
    attrs.append(f"RESOLUTION={variant.width}x{variant.height}")
    if variant.frame_rate:
        attrs.append(f"FRAME-RATE={variant.frame_rate:.3f}")
    codecs = variant.codecs + (f",{AAC_CODECS}" if variant.audio_group else "")
    attrs.append(f'CODECS="{codecs}"')
    if variant.audio_group:
        attrs.append(f'AUDIO="{variant.audio_group}"')
    return "#EXT-X-STREAM-INF:" + ",".join(attrs) + "\n" + variant.playlist + "\n"


def master_playlist(variants: list[Variant], audio: dict[str, str]) -> str:
    """A master playlist: ``audio`` maps each audio group id to its audio playlist."""
    version = 7 if any(s.init for v in variants for s in v.segments) else 4
    body = f"#EXTM3U\n#EXT-X-VERSION:{version}\n#EXT-X-INDEPENDENT-SEGMENTS\n"
    for group, uri in audio.items():
        attrs = f'TYPE=AUDIO,GROUP-ID="{group}",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,URI="{uri}"'
        body += f"#EXT-X-MEDIA:{attrs}\n"
    return body + "".join(_stream_inf(v) for v in variants)


def _run(argv: list[str], cwd: Path) -> None:
    proc = subprocess.run(
        argv,
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=media_env(),
        timeout=JOIN_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"the join's ffmpeg failed: {tail[0][:300]}")


def join_mp4(pieces: list[Path], audio: Path | None, out: Path) -> None:
    """Concatenate video pieces (stream copy) and mux the whole-source audio, ``+faststart``."""
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{p.absolute()}'\n" for p in pieces))
    argv = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    argv += ["-protocol_whitelist", "file", "-f", "concat", "-safe", "0", "-i", str(listing.absolute())]
    if audio is not None:
        argv += ["-protocol_whitelist", "file", "-i", str(audio.absolute()), "-map", "0:v:0", "-map", "1:a:0"]
    argv += ["-c", "copy", "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4", out.name]
    _run(argv, out.parent)
    listing.unlink(missing_ok=True)


def package_dash(spec: RenditionSpec, joined: Path, workdir: Path) -> list[str]:
    """DASH from a joined MP4, stream copy; returns the files written (the .mpd first)."""
    from mediaflow.transcode.ffmpeg_args import Plan

    plan = Plan(0, spec, "encode")
    argv = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    argv += ["-protocol_whitelist", "file", "-i", str(joined.absolute()), "-map", "0", "-c", "copy"]
    argv += ["-map_metadata", "-1", "-f", "dash", *_flags(_dash(plan)), f"{spec.output_name}.mpd"]
    _run(argv, workdir)
    name = spec.output_name
    made = sorted(p.name for p in workdir.iterdir() if p.name.startswith(f"{name}-") and p.suffix == ".m4s")
    return [f"{name}.mpd", *made]


def rendition_plans(renditions: list[RenditionSpec], source: MediaInfo) -> dict[str, Any]:
    """The single pass's per-rendition verdicts (skipped above the source, clamped, failed)."""
    return {p.spec.output_name: p for p in plan_renditions(renditions, source)}


def probe(path: Path) -> tuple[MediaInfo, dict[str, Any]]:
    return outputs.probe_output(path)
