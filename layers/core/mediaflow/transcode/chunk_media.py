"""The media work of a split task's parts: one chunk's video, the audio of the whole source.

A chunk encodes the interval [start, end) of the source (accurate input seek: decode from the
key frame before ``start``, output from ``start``; the chunk starts with an IDR frame) into every
video rendition, in one decode (``split``, as a single pass does), with the same parameters as a
single pass, no audio:

- HLS: its segments, written where the task's output goes (numbered and timestamped on the whole
  source's timeline: ``-start_number``, ``-output_ts_offset``), plus a local playlist the join
  reads the segment durations from; HLS+DASH: the same (the DASH side is packaged at the join);
- MP4 and DASH: a video-only MP4 piece (``<name>__piece.mp4``) for the join's stream-copy concat.

Key frames are forced at multiples of the segment length from the chunk start, and chunk starts
are multiples of every segment length (``split_plan.grid_s``), so the joined stream has the
single pass's key frame grid and no segment straddles two chunks.

The audio parts encode every distinct audio setting once over the whole source (so no chunk seam
carries an encoder priming gap), one part per setting and in parallel (``audio_units``): an HLS
audio rendition (``<name>_a.m3u8``) for HLS outputs, an AAC MP4 (``<name>_am.mp4``) for MP4/DASH
outputs to be muxed at the join, and the task's audio-only outputs (MP3, ADTS) whole. Each is an
ordinary ``engine.encode`` of audio-only specs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mediaflow.media import relay
from mediaflow.media.models import MediaInfo
from mediaflow.transcode import outputs, overlays
from mediaflow.transcode.engine import (
    RELAY_MAX_CHUNK,
    RELAY_TIMEOUT_S,
    RenditionResult,
    encode,
    ffmpeg_threads,
)
from mediaflow.transcode.ffmpeg_args import ChunkCut, Plan, command, plan_renditions
from mediaflow.transcode.progress import RunOutcome, run_ffmpeg
from mediaflow.transcode.spec import RenditionSpec

PIECE = "__piece"
# A chunk is encoded from 0.5 s before its start to 0.5 s after its end (where the source has
# them), the extra dropped: without it, x264's look-ahead and rate control restart at each seam
# and the frames around it lost up to 2.5 dB PSNR against a single pass (measured on a 25 fps
# pattern, 4 s chunks); with it the seams are within the 0.5 dB target. It costs 1 s of encode
# per chunk (14 % of a 7.2 s chunk).
PREROLL_S, OVERLAP_S = 0.5, 0.5
SLACK_S = 0.01  # segment start times are compared with this slack (a frame is >= 16 ms)
AUDIO_HLS, AUDIO_MP4 = "_a", "_am"


class ChunkFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def chunk_spec(spec: RenditionSpec) -> RenditionSpec:
    """What a chunk encodes for one video rendition: the same video, no audio, HLS or a piece."""
    pack = "HLS" if spec.pack_type in ("HLS", "HLS+DASH") else "MP4"
    name = spec.output_name if pack == "HLS" else spec.output_name + PIECE
    gop = spec.video.gop_seconds if spec.video else 0
    keys = {"DASH": spec.dash_interval, "HLS+DASH": math.gcd(spec.hls_interval, spec.dash_interval)}
    keys |= {"MP4": int(gop)} if gop == int(gop) else {}  # the single pass's GOP grid, in source time
    update = {"audio": None, "pack_type": pack, "output_name": name}
    return spec.model_copy(update={**update, "key_frame_interval": keys.get(spec.pack_type)})


def video_renditions(renditions: list[RenditionSpec]) -> list[RenditionSpec]:
    return [r for r in renditions if not r.audio_only and r.video is not None]


@dataclass(frozen=True)
class AudioTrack:
    """One encode of the source audio, shared by the renditions with the same audio settings."""

    spec: RenditionSpec  # audio-only: HLS (an audio rendition group) or MP4 (for the join)
    users: tuple[str, ...]  # output names of the renditions it serves


def audio_tracks(renditions: list[RenditionSpec], info: MediaInfo) -> list[AudioTrack]:
    """The distinct audio settings of the video renditions, per packaging (HLS / MP4 join)."""
    if not info.audio:
        return []
    tracks: dict[tuple[str, str], AudioTrack] = {}
    for spec in video_renditions(renditions):
        if spec.audio is None:
            continue
        wants = ["HLS"] if spec.pack_type == "HLS" else ["MP4"] if spec.pack_type in ("MP4", "DASH") else []
        wants = wants or ["HLS", "MP4"]  # HLS+DASH: both
        for pack in wants:
            key = (pack, spec.audio.model_dump_json())
            if key in tracks:
                found = tracks[key]
                tracks[key] = AudioTrack(found.spec, (*found.users, spec.output_name))
                continue
            name = spec.output_name + (AUDIO_HLS if pack == "HLS" else AUDIO_MP4)
            made = spec.model_copy(
                update={"video": None, "pack_type": pack, "output_name": name, "template_id": 0}
            )
            tracks[key] = AudioTrack(made, (spec.output_name,))
    return list(tracks.values())


def track_for(tracks: list[AudioTrack], output_name: str, pack: str) -> AudioTrack | None:
    return next((t for t in tracks if output_name in t.users and t.spec.pack_type == pack), None)


def audio_units(renditions: list[RenditionSpec], info: MediaInfo) -> list[RenditionSpec]:
    """What a split's audio parts encode, in a fixed order: every shared track, then every
    audio-only output (MP3, ADTS). Part ``k`` of ``n`` encodes ``units[k::n]``."""
    finals = [r for r in renditions if r.audio_only or r.video is None] if info.audio else []
    return [t.spec for t in audio_tracks(renditions, info)] + finals


def encode_audio(
    source: str,
    renditions: list[RenditionSpec],
    info: MediaInfo,
    workdir: Path,
    *,
    on_progress: Callable[[float], None] | None,
    should_stop: Callable[[], bool] | None,
    deadline_s: float,
    share: tuple[int, int] = (0, 1),
) -> tuple[list[AudioTrack], list[RenditionResult]]:
    """The audio part ``share`` = (k, n): its shared tracks and audio-only outputs (``audio_units``),
    in one decode of the source audio."""
    index, count = share
    specs = audio_units(renditions, info)[index::count]
    mine = {s.output_name for s in specs}
    tracks = [t for t in audio_tracks(renditions, info) if t.spec.output_name in mine]
    if not specs:
        return tracks, []
    results = encode(
        source,
        specs,
        workdir,
        source_info=info,
        on_progress=on_progress,
        should_stop=should_stop,
        deadline_s=deadline_s,
        split_timeline=True,
    )
    return tracks, results


@dataclass
class ChunkOutput:
    output_name: str  # the rendition's
    files: list[str]  # in workdir: HLS segments, or the MP4 piece
    segments: list[tuple[str, float]] = field(default_factory=list)  # (uri, duration) for HLS
    init: str | None = None  # an fMP4 HLS init segment
    codecs: str = ""  # RFC 6381 codecs of the video (for the master playlist)
    media: MediaInfo | None = None  # the chunk's probe (codec, size, frame rate of the rendition)


def cut_for(info: MediaInfo, start: float, end: float) -> ChunkCut:
    """The chunk with its pre-roll and overlap (none before the source's start or past its end).

    The read starts exactly on a frame of a constant-rate source: ffmpeg maps the first frame to
    its time minus the seek point rounded to the output's frame grid, so a seek between two frames
    would move the whole chunk by half a frame (measured: 20 ms at 25 fps)."""
    fps = info.video.frame_rate if info.video else None
    read = max(0.0, start - PREROLL_S)
    if fps and read > 0:
        read = math.floor(read * fps + 1e-6) / fps
    return ChunkCut(start, end, start - read, max(0.0, min(OVERLAP_S, info.duration_s - end)))


def encode_chunk(
    source: str,
    renditions: list[RenditionSpec],
    info: MediaInfo,
    workdir: Path,
    interval: tuple[float, float],
    *,
    on_progress: Callable[[float], None] | None,
    should_stop: Callable[[], bool] | None,
    deadline_s: float,
    watermarks: overlays.Prepared | None = None,
) -> list[ChunkOutput]:
    """Encode [start, end) of ``source`` into every video rendition (with the task's watermarks,
    on source time); raises ChunkFailed."""
    specs = [chunk_spec(r) for r in video_renditions(renditions)]
    plans = [p for p in plan_renditions(specs, info) if p.encodes]
    if not plans:
        return []
    workdir.mkdir(parents=True, exist_ok=True)
    cut = cut_for(info, *interval)
    kind, target = relay.check_source(source)

    def execute(url: str, whitelist: Literal["file", "http,tcp"]) -> RunOutcome:
        argv = command(url, whitelist, plans, info, cut=cut, threads=ffmpeg_threads(), watermarks=watermarks)
        read = cut.read[1] - cut.read[0]
        return run_ffmpeg(
            argv,
            workdir,
            duration_s=read,
            on_progress=on_progress,
            should_stop=should_stop,
            deadline_s=deadline_s,
        )

    if kind == "file":
        outcome = execute(target, "file")
    else:
        with relay.serve(target, timeout_s=RELAY_TIMEOUT_S, max_chunk=RELAY_MAX_CHUNK) as local:
            outcome = execute(local, "http,tcp")
    if outcome.canceled:
        raise ChunkFailed("Canceled", "the chunk was stopped")
    if outcome.timed_out:
        raise ChunkFailed("Timeout", "the chunk did not finish within its deadline")
    if outcome.returncode != 0:
        tail = outcome.stderr.strip().splitlines()[-1:] or [f"ffmpeg exited with {outcome.returncode}"]
        raise ChunkFailed("MPC.10125", f"the chunk {interval[0]:g}-{interval[1]:g} s failed: {tail[0][:300]}")
    return [_collect(plan, workdir, cut) for plan in plans]


def _collect(plan: Plan, workdir: Path, cut: ChunkCut) -> ChunkOutput:
    """What a chunk keeps: its own segments or piece, not the pre-roll's nor the overlap's (both
    were cut at key frames by the muxer, so nothing is re-encoded or re-muxed)."""
    spec = plan.spec
    if spec.pack_type == "HLS":
        playlist = workdir / f"{spec.output_name}.m3u8"
        if not playlist.exists():
            raise ChunkFailed("MPC.10050", f"the chunk wrote no playlist for {spec.output_name}")
        found, init = outputs.hls_segments(playlist)
        info, data = outputs.probe_output(playlist)
        kept, at = [], cut.start - cut.preroll
        for segment in found:
            if cut.start - SLACK_S <= at < cut.end - SLACK_S:
                kept.append((segment.uri, segment.duration_s))
            at += segment.duration_s
        files = [uri for uri, _ in kept] + ([init] if init else [])
        made = ChunkOutput(spec.output_name, files, kept, init)
    else:
        piece = workdir / f"{spec.output_name}_{1 if cut.preroll else 0}.mp4"  # after the pre-roll's
        if not piece.exists():
            raise ChunkFailed("MPC.10050", f"the chunk wrote no piece for {spec.output_name}")
        info, data = outputs.probe_output(piece)
        made = ChunkOutput(spec.output_name.removesuffix(PIECE), [piece.name])
    made.codecs, made.media = outputs.codecs(data), info
    return made
