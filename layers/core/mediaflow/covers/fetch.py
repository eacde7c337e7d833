"""Decode chosen frames of an indexed video in one ffmpeg decoder, feeding it only their GOPs.

A *run* is what one candidate (or several in one GOP) costs: its keyframe, then every sample up
to the last target in decode order, since a predicted frame needs its references decoded. The
runs reach a single ffmpeg on its stdin, so there is one process and one decoder however many
candidates; ffmpeg's ``select`` then keeps only the targets for analysis, matched by their
timestamps (to MATCH_US). How the runs get there depends on the index (``index``):

- MP4/MOV (``read_index``, sample offsets known): their bytes alone are read with byte-range
  reads (``index.ByteReader``: a local file or the loopback relay) and wrapped as a Matroska
  stream (``mkv``), timestamps in microseconds.
- Anything else (``probe_index``): a first ffmpeg reads the source and copies only the runs'
  packets (the ``noise`` bitstream filter drops the others by packet number) into NUT, which
  keeps the source's time base; the source is read whole, but only the runs are decoded.

H.264 samples whose NAL header says no other frame refers to them (``nal_ref_idc`` 0: most
B-frames) are not fed unless they are targets: nothing downstream needs them, and x264's default
B-frames are ~30 % of a GOP's frames. The display matrix is applied with the filters ffmpeg's
autorotation would insert, so frames come out upright exactly as a direct decode gives them.

When every run is a lone keyframe (dense GOPs), the analysis decode skips the deblocking filter
(``-skip_loop_filter all``): 7 % less CPU on the 1080p benchmark at GOP 2 s, the same five covers,
scores within 0.002, sharpness ratios 1.00 (median; at most 1.09), pHashes within 2 bits. Not with
predicted frames, whose references would then drift, nor for spooled frames or the covers
themselves (``write_covers`` decodes in full).

Measured (ffmpeg 6.0 static, one core, the 1080p benchmark clip at 6 Mbit/s): one process and
its decoder start in ~15 ms; a keyframe costs ~25 ms to decode (CABAC-bound, ~280 KB each) plus
~3 ms to scale and measure, a predicted frame ~5 ms. Before, the same keyframes from
``ffmpeg -ss T -i`` inputs cost 2.4x as much (each input re-reads the ``moov`` and keeps a
decoder of its own: 0.5 GB for 30 inputs).
"""

from __future__ import annotations

import bisect
import io
import shutil
import subprocess
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import IO, TypeVar

import numpy as np

from mediaflow.covers import mkv
from mediaflow.covers.frames import BASE_ARGS, U8, Deadline, Decoded, Source, Spool, decode_analysis
from mediaflow.covers.index import I64, ByteReader, SampleIndex
from mediaflow.covers.output import OutputSpec, encode_stream
from mediaflow.media.binaries import ffmpeg_path, media_env
from mediaflow.media.probe import MEDIA_DEMUXERS

T = TypeVar("T")
MERGE_GAP = 64 * 1024  # samples closer than this are read in one request
MATCH_US = 600  # a decoded frame is the target within this many microseconds of its time
_ROTATE = {0: "", 90: "transpose=clock", 180: "hflip,vflip", 270: "transpose=cclock"}
CHEAP = ["-skip_loop_filter", "all"]  # for analysing keyframes alone: see the module docstring
_PIPE = ("-protocol_whitelist", "pipe", "-copyts")
INPUT = {"matroska": [*_PIPE, "-format_whitelist", "matroska", "-f", "matroska", "-i", "pipe:0"]}
INPUT["nut"] = [*_PIPE, "-format_whitelist", "nut", "-f", "nut", "-i", "pipe:0"]


@dataclass(frozen=True)
class Run:
    """Samples (indices into the index, decode order, starting at a keyframe) and which of them
    are candidates."""

    samples: tuple[int, ...]
    targets: frozenset[int]


def runs_for(index: SampleIndex, samples: Iterable[int]) -> list[Run]:
    """The runs that reach ``samples``: per GOP, its keyframe to its last target in decode order,
    without the GOP's leading frames (shown before the keyframe, they belong to the GOP before)."""
    keys = np.flatnonzero(index.keys)
    by_gop: dict[int, list[int]] = {}
    for j in samples:
        at = np.searchsorted(keys, j, side="right") - 1
        by_gop.setdefault(int(keys[at]) if at >= 0 else 0, []).append(int(j))
    runs = []
    for k in sorted(by_gop, key=lambda k: int(index.pts[k])):
        last, start = max(by_gop[k]), int(index.pts[k])
        chain = tuple(i for i in range(k, last + 1) if i == k or int(index.pts[i]) >= start)
        runs.append(Run(chain, frozenset(by_gop[k])))
    return runs


def pts_us(index: SampleIndex, i: int) -> int:
    return round(int(index.pts[i]) * 1_000_000 / index.timescale)


def _container(index: SampleIndex) -> str:
    return "matroska" if index.offsets is not None else "nut"


def _reference(index: SampleIndex, data: bytes) -> bool:
    """False for an H.264 sample no other frame refers to (every slice nal_ref_idc 0)."""
    if index.codec != "h264":
        return True
    size, pos = index.nal_length, 0
    while pos + size < len(data):
        length = int.from_bytes(data[pos : pos + size], "big")
        header = data[pos + size]
        if header & 0x1F in (1, 5) and header & 0x60:
            return True
        if header & 0x1F in (1, 5):
            return False
        pos += size + length
    return True


def _reads(offsets: I64, sizes: I64, samples: Sequence[int]) -> list[tuple[int, int, list[int]]]:
    """(offset, length, samples) byte ranges covering ``samples``, neighbours merged."""
    starts: list[int] = []
    ends: list[int] = []
    members: list[list[int]] = []
    for i in sorted(samples, key=lambda j: int(offsets[j])):
        start, end = int(offsets[i]), int(offsets[i] + sizes[i])
        if ends and start - ends[-1] <= MERGE_GAP:
            ends[-1] = max(ends[-1], end)
            members[-1].append(i)
        else:
            starts.append(start)
            ends.append(end)
            members.append([i])
    return [(a, b - a, m) for a, b, m in zip(starts, ends, members, strict=True)]


def feeder(src: Source, index: SampleIndex, runs: Sequence[Run]) -> Callable[[IO[bytes]], None]:
    return _mkv_feeder(src, index, runs) if index.offsets is not None else _remux_feeder(src, index, runs)


def _mkv_feeder(src: Source, index: SampleIndex, runs: Sequence[Run]) -> Callable[[IO[bytes]], None]:
    reader = ByteReader(src.target)
    offsets = index.offsets
    assert offsets is not None

    def feed(sink: IO[bytes]) -> None:
        sink.write(mkv.header(index.codec, index.config, index.width, index.height, index.colour))
        for run in runs:
            data: dict[int, bytes] = {}
            for offset, length, members in _reads(offsets, index.sizes, run.samples):
                blob = reader.read(offset, length)
                if len(blob) < length:
                    raise OSError("the source ended before a sample it indexes")
                for i in members:
                    start = int(offsets[i]) - offset
                    data[i] = blob[start : start + int(index.sizes[i])]
            for i in run.samples:
                sample = data[i]
                if i not in run.targets and not _reference(index, sample):
                    continue
                sink.write(mkv.frame_head(pts_us(index, i), bool(index.keys[i]), len(sample)))
                sink.write(sample)

    return feed


def _remux_feeder(src: Source, index: SampleIndex, runs: Sequence[Run]) -> Callable[[IO[bytes]], None]:
    wanted = sorted({i for run in runs for i in run.samples})
    spans: list[list[int]] = []
    for i in wanted:
        if spans and i == spans[-1][1] + 1:
            spans[-1][1] = i
        else:
            spans.append([i, i])
    keep = "+".join(f"between(n,{a},{b})" for a, b in spans)
    # Not -nofind_stream_info: without the probe of the first frames the copied stream lacks the
    # decoder's reorder delay, and the decoder fed by it guesses B-frames' timestamps (seen: 1.60002
    # for 1.72 s).
    whitelists = ["-protocol_whitelist", src.whitelist, "-format_whitelist", MEDIA_DEMUXERS]
    cmd = [
        *(ffmpeg_path(), *BASE_ARGS, "-loglevel", "error", *whitelists, "-copyts", "-i", src.target),
        *("-map", f"0:{src.stream}", "-c", "copy", "-bsf:v", f"noise=drop='not({keep})'"),
        *("-avoid_negative_ts", "disabled", "-f", "nut", "pipe:1"),  # timestamps exactly as the source's
    ]

    def feed(sink: IO[bytes]) -> None:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=media_env()
        )
        assert proc.stdout is not None and proc.stderr is not None
        try:
            shutil.copyfileobj(proc.stdout, sink, 1024 * 1024)
            error = proc.stderr.read()
            if proc.wait() != 0:
                raise OSError(f"ffmpeg: {error.decode('utf-8', 'replace').strip()[-300:]}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    return feed


def decode_runs(
    src: Source,
    index: SampleIndex,
    runs: Sequence[Run],
    size: tuple[int, int],
    on_frame: Callable[[U8, U8, U8], T],
    deadline: Deadline,
    *,
    spool: Spool | None = None,
    spool_samples: Collection[int] = (),
) -> Decoded:
    """Decode ``runs`` and analyse their targets; timestamps in seconds on the source's timeline.
    Full-size frames are spooled for ``spool_samples`` only, if they fit ``spool.keep``."""
    order = sorted({i for run in runs for i in run.targets}, key=lambda i: int(index.pts[i]))
    targets = [pts_us(index, i) for i in order]
    chain = _chain(index, runs, targets)
    # Frames come out in time order (runs are GOPs in time order), so positions are known ahead.
    only = tuple(pos for pos, i in enumerate(order) if i in spool_samples)
    if spool is not None:
        dear = [targets[pos] for pos in only]
        spool = replace(spool, only=only, only_select=_any_of(dear)) if 0 < len(only) <= spool.keep else None
    keyframes_only = all(len(run.samples) == 1 for run in runs)
    inputs = INPUT[_container(index)]
    decoded = decode_analysis(
        [*CHEAP, *inputs] if keyframes_only else inputs,
        "0",
        chain,
        size,
        on_frame,
        deadline,
        spool=spool,
        feed=feeder(src, index, runs),
    )
    matched = [_nearest(targets, t) for t, _ in decoded.items]
    if matched != targets:  # a frame did not decode: positions no longer line up with the spool
        decoded.full.clear()
    decoded.items = [
        (us / 1_000_000, r) for us, (_, r) in zip(matched, decoded.items, strict=True) if us >= 0
    ]
    return decoded


def _nearest(targets: Sequence[int], t: float) -> int:
    """The target (us) a decoded frame's time stands for; -1 if none is within MATCH_US."""
    us = round(t * 1_000_000)
    at = bisect.bisect_left(targets, us)
    near = [targets[j] for j in (at - 1, at) if 0 <= j < len(targets) and abs(targets[j] - us) <= MATCH_US]
    return min(near, key=lambda x: abs(x - us)) if near else -1


def write_covers(
    src: Source,
    index: SampleIndex,
    samples: Sequence[int],
    spec: OutputSpec,
    paths: Sequence[str],
    deadline: Deadline,
) -> None:
    """Decode ``samples`` again (their GOPs from the keyframe) and write each to its path: what
    ``output.extract`` writes, without opening the source once per cover."""
    if not samples:
        return
    runs = runs_for(index, samples)
    targets = sorted(pts_us(index, i) for i in samples)
    stream = io.BytesIO()
    feeder(src, index, runs)(stream)
    ordered = [paths[j] for j in sorted(range(len(samples)), key=lambda j: int(index.pts[samples[j]]))]
    inputs = INPUT[_container(index)]
    encode_stream(inputs, _chain(index, runs, targets), spec, ordered, deadline, stream.getvalue())


def _chain(index: SampleIndex, runs: Sequence[Run], targets: Sequence[int]) -> str:
    """Keep the targets (when references are decoded too), then turn upright like autorotation."""
    chain = [_ROTATE[index.rotation]] if index.rotation else []
    if sum(len(run.samples) for run in runs) > len(targets):
        chain.insert(0, "select='" + _any_of(targets) + "'")
    return ",".join(chain)


def _any_of(times_us: Sequence[int]) -> str:
    """A select expression passing the frames at these times (within MATCH_US: a container may
    round timestamps, Matroska to the millisecond)."""
    return "+".join(f"between(t,{(us - MATCH_US) / 1e6:.6f},{(us + MATCH_US) / 1e6:.6f})" for us in times_us)
