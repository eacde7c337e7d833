"""One pass or a split, and how long the chunks are: decided from the cost model, per task.

A split encodes the source as chunks of ``chunk_s`` seconds in parallel (all video renditions of a
chunk in one decode), the audio beside them (each audio setting once over the whole source, as a
part of its own), then joins. Its modelled
wall clock is::

    split = PLAN_S + max(audio, waves x (CHUNK_OVERHEAD_S + (chunk_s + EXTRA_S) x cost)) + JOIN_S
            + mp4 bytes / JOIN_BPS
    waves = ceil(chunks / parallel)           one pass = duration x cost

where ``cost`` is the worker's seconds per source second (``cost_model``), ``EXTRA_S`` the
pre-roll and overlap each chunk also encodes, and ``parallel`` how many parts of one task may run
at once (the task's cap, no more than the workers there are). A task splits when one
pass does not fit comfortably in one invocation (more than ``FILL`` of what is left of it), or
when the split is clearly faster (less than ``WIN`` of one pass). Chunk length: a multiple of
every HLS/DASH segment length and MP4 GOP of the task (so no segment straddles two chunks and the
key frames stand where a single pass puts them), long enough to
amortise a chunk's fixed cost (``min_chunk_s``, and the source spread over ``parallel`` chunks),
short enough that a chunk's encode fills at most ``FILL`` of an invocation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from mediaflow.media.models import MediaInfo
from mediaflow.transcode import cost_model
from mediaflow.transcode.spec import RenditionSpec

FILL = 0.5  # a unit of work uses at most half of an invocation's time
WIN = 0.8  # a split must be at least 20 % faster than one pass to be worth its parts
PLAN_S = 3.0  # probe, plan, writing the parts (measured on the local stack: 1-2 s)
CHUNK_OVERHEAD_S = 2.0  # claim, ffmpeg start and seek, uploads of one chunk (local: ~1.5 s)
JOIN_S = 2.0  # playlists, probes, the task's final write
EXTRA_S = 1.0  # pre-roll + overlap of a chunk (chunk_media.PREROLL_S + OVERLAP_S)
MAX_AUDIO_PARTS = 8  # audio parts of one task: one per shared track or audio-only output, at most
JOIN_BPS = 150e6  # bytes per second of an MP4 join (concat + mux + faststart, stream copy)
Mode = Literal["auto", "always", "never"]


@dataclass(frozen=True)
class Chunk:
    index: int
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Decision:
    split: bool
    chunk_s: float
    chunks: list[Chunk]
    single_s: float  # modelled wall clock of one pass
    split_s: float  # modelled wall clock of the split
    cost_s: float  # worker seconds per source second
    audio_parts: int = 0  # parts sharing the audio encodes (0: nothing to encode)

    @property
    def reason(self) -> str:
        how = f"{len(self.chunks)} chunks of {self.chunk_s:g} s" if self.split else "one pass"
        return f"{how}: one pass ~{self.single_s:.0f} s, split ~{self.split_s:.0f} s"


def audio_encodes(renditions: list[RenditionSpec], info: MediaInfo) -> int:
    """The encodes of a split's audio: one per shared audio track, one per audio-only output."""
    from mediaflow.transcode import chunk_media  # the parts' own module decides what they encode

    return len(chunk_media.audio_units(renditions, info))


class TooLong(Exception):
    """Even the shortest chunk cannot be encoded within one invocation."""


def grid_s(renditions: list[RenditionSpec]) -> int:
    """Chunk boundaries fall on multiples of every segment length, so segments never straddle, and
    of every MP4 output's GOP, so the chunks' key frames are the single pass's (an extra key frame
    costs its neighbours up to 4 dB against a single pass, measured)."""
    lengths = [1]
    for spec in renditions:
        if spec.audio_only:
            continue
        gop = spec.video.gop_seconds if spec.video else 0
        if spec.pack_type == "MP4" and gop == int(gop):
            lengths.append(int(gop))
        if spec.pack_type in ("HLS", "HLS+DASH"):
            lengths.append(spec.hls_interval)
        if spec.pack_type in ("DASH", "HLS+DASH"):
            lengths.append(spec.dash_interval)
    return math.lcm(*lengths)


def chunks_of(duration_s: float, chunk_s: float) -> list[Chunk]:
    count = max(1, math.ceil(duration_s / chunk_s - 1e-9))
    return [Chunk(i, i * chunk_s, min(duration_s, (i + 1) * chunk_s)) for i in range(count)]


def _mp4_bytes(renditions: list[RenditionSpec], duration_s: float) -> float:
    rates = [r.video.bitrate_kbps or 4000 for r in renditions if r.video and r.pack_type in ("MP4", "DASH")]
    return sum(rates) * 1000 / 8 * duration_s


def decide(
    info: MediaInfo,
    renditions: list[RenditionSpec],
    *,
    budget_s: float,
    memory_mb: int,
    parallel: int,
    min_chunk_s: float,
    mode: Mode = "auto",
) -> Decision:
    """``budget_s``: the seconds one invocation may spend encoding (its time left, less a margin)."""
    duration = info.duration_s
    cost = cost_model.encode_seconds(info, renditions, 1.0, memory_mb)
    single = duration * cost
    videos = any(not r.audio_only for r in renditions) and info.video is not None
    grid = grid_s(renditions)
    longest = math.floor(budget_s * FILL / cost / grid) * grid if cost > 0 else duration
    wanted = max(min_chunk_s, duration / max(1, parallel))
    chunk_s = float(max(grid, min(math.ceil(wanted / grid) * grid, longest)))
    chunks = chunks_of(duration, chunk_s)
    waves = math.ceil(len(chunks) / max(1, parallel))
    encodes = audio_encodes(renditions, info)
    audio_parts = min(encodes, MAX_AUDIO_PARTS)
    per_part = math.ceil(encodes / audio_parts) if audio_parts else 0  # encodes of the busiest part
    audio = duration * cost_model.AUDIO_ENCODE_S_PER_SOURCE_S * per_part
    split = PLAN_S + max(audio, waves * (CHUNK_OVERHEAD_S + (chunk_s + EXTRA_S) * cost)) + JOIN_S
    split += _mp4_bytes(renditions, duration) / JOIN_BPS
    if not videos or mode == "never" or len(chunks) < 2:
        go = False
    elif mode == "always":
        go = True
    else:
        go = single > budget_s * FILL or split < single * WIN
    if go and chunk_s * cost > budget_s:
        raise TooLong(f"a {chunk_s:g} s chunk needs ~{chunk_s * cost:.0f} s, more than {budget_s:.0f} s")
    if go and audio > budget_s:  # an audio part encodes its settings over the whole source
        raise TooLong(
            f"an audio part ({per_part} encodes of {duration:.0f} s) needs ~{audio:.0f} s, "
            f"more than {budget_s:.0f} s"
        )
    if not go and single > budget_s:
        raise TooLong(f"one pass needs ~{single:.0f} s, more than {budget_s:.0f} s")
    made = chunks if go else [Chunk(0, 0.0, duration)]
    return Decision(go, chunk_s, made, single, split, cost, audio_parts if go else 0)
