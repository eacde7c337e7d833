"""pick_covers: choose a video's best frames as covers, quickly, and write them at full quality.

1. Candidates (``plan``): at least max(4 x Count, one per 2 s) frames, capped for long videos:
   keyframes, sampled evenly when there are more than wanted; with fewer (long or scene-cut-only
   GOPs), extra frames that split the largest gaps, each reached by decoding its GOP from the
   keyframe, within a decode budget. The frames are listed first (``index``: the MP4 sample
   table, else ffprobe's packet list) and only the chosen GOPs are decoded, in one ffmpeg
   (``fetch``). Sources whose packets carry no timestamps: one pass over the keyframes.
2. Each candidate is measured and judged (``scoring``, ``judge``): black, blown-out, flat,
   blurred, fade and cross-dissolve frames are rejected; the others are scored.
3. When fewer good covers than Count can be chosen, the gaps beside good candidates (and beside
   fades, behind which a shot may begin) are split with what is left of the budget and
   everything is judged again, up to ``plan.REFINE_ROUNDS`` times.
4. Covers (``select``): good frames first, spread over shots, then further frames within good
   shots, then - only when no good candidate is left - the best rejected ones; never the same
   frame or pHash twice; with DeleteDuplicates no two within pHash distance 10.
5. Covers are written at full quality (``output``). Frames dear to decode again (inside a GOP)
   come from full-size copies their analysis pass kept in memory (up to SPOOL_BYTES); the others
   - keyframes, cheaper to decode again than spooling every candidate - are decoded again
   (``fetch.write_covers``, or an exact seek into the source). Upright (ffmpeg's autorotation),
   scaled: Width only or Height only -> the other side from the display aspect ratio; both ->
   scaled to cover Width x Height and centre-cropped (no distortion and no black bars, which
   would look like the broken cover this module avoids; Tencent's reference does not say);
   neither -> the source's display size. Ranked best first.

Timestamps are the source's own (ffmpeg's ``-copyts`` timeline), which is what ``-ss`` with
``-seek_timestamp 1`` finds again.

Speed (benchmarks/smart_cover_speed.py, one core, CPU time, including the probe and reading
through the loopback relay): see the README's "Smart cover" section for the current figures.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from mediaflow.covers import fetch, frames, output, plan
from mediaflow.covers.frames import Deadline, PickError, PickErrorCode, Source, Spool
from mediaflow.covers.index import IndexUnavailable, SampleIndex, probe_index, read_index
from mediaflow.covers.judge import Candidate, judge
from mediaflow.covers.phash import hamming
from mediaflow.covers.scoring import measure
from mediaflow.covers.select import DUPLICATE_DISTANCE, choose, fill, message
from mediaflow.media.models import MediaInfo
from mediaflow.observability import logger

MIN_GAP_S = 2.0
SPOOL_BYTES = 96 * 1024 * 1024  # memory for full-size frames kept from an analysis pass
FORMATS = ("jpg", "png", "webp")
_PROMISING = (None, "fade", "transition")  # neighbours worth sampling next to


class Cover(BaseModel):
    model_config = ConfigDict(frozen=True)

    rank: int  # 0 = best
    timestamp_s: float
    path: str
    phash: str  # 64-bit pHash, 16 hex digits
    score: dict[str, float]  # sharpness, exposure, contrast, colourfulness (0-1) and total
    fallback: bool  # a rejected frame used because too few frames passed
    rejected: str | None  # why it failed the checks (fallback covers only)
    keyframe: bool


class PickResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    covers: list[Cover]
    requested: int
    fallback: bool
    message: str
    width: int
    height: int
    format: str
    candidates: int  # frames judged
    keyframes: int  # of which keyframes
    rejected: dict[str, int]  # reason -> number of candidates


class _Context:
    def __init__(self, src: Source, deadline: Deadline, duration: float, spool: Spool | None) -> None:
        self.src, self.deadline, self.duration, self.spool = src, deadline, duration, spool
        self.size = frames.analysis_size(src.info)
        self.index: SampleIndex | None = None
        self.samples: dict[int, int] = {}  # candidate timestamp (us) -> its sample in the index


def pick_covers(
    source: str,
    *,
    count: int,
    width: int | None,
    height: int | None,
    fmt: str,
    delete_duplicates: bool,
    workdir: Path,
    source_info: MediaInfo,
    deadline_s: float | None = None,
) -> PickResult:
    """Pick up to ``count`` covers of ``source`` (a file or an http://127.0.0.1 URL) into ``workdir``."""
    if not 1 <= count <= 100 or fmt not in FORMATS or (width or 1) < 1 or (height or 1) < 1:
        raise ValueError("count must be 1-100, fmt jpg/png/webp, width/height positive")
    src = frames.check_source(source, source_info)
    duration = source_info.duration_s or (source_info.video and source_info.video.duration_s) or 0.0
    ctx = _Context(src, Deadline(deadline_s), duration, _spool(source_info, fmt))
    min_gap = min(MIN_GAP_S, duration / (2 * count))
    spec = output.output_spec(source_info, width, height, fmt)

    index = _index(ctx)
    cands = _indexed(ctx, index, count, delete_duplicates, min_gap) if index is not None else []
    if not cands:
        cands = _keyframes_only(ctx, count)
    if not cands:
        raise PickError(PickErrorCode.DECODE_FAILED, "no frame of the video could be decoded")

    good = choose(cands, count, delete_duplicates, min_gap)
    fills = fill(cands, good, count, delete_duplicates)
    chosen = good + fills
    paths = _write(ctx, chosen, spec, workdir, fmt)
    covers = [
        Cover(
            rank=rank,
            timestamp_s=round(c.t, 3),
            path=path,
            phash=f"{c.metrics.phash:016x}",
            score=c.score,
            fallback=c.reason is not None,
            rejected=c.reason,
            keyframe=c.keyframe,
        )
        for rank, (c, path) in enumerate(zip(chosen, paths, strict=True))
    ]
    rejected: dict[str, int] = {}
    for c in cands:
        if c.reason:
            rejected[c.reason] = rejected.get(c.reason, 0) + 1
    return PickResult(
        covers=covers,
        requested=count,
        fallback=len(good) < count,
        message=message(count, len(good), len(fills), rejected, len(cands)),
        width=spec.width,
        height=spec.height,
        format=fmt,
        candidates=len(cands),
        keyframes=sum(c.keyframe for c in cands),
        rejected=rejected,
    )


def _indexed(ctx: _Context, index: SampleIndex, count: int, dedupe: bool, min_gap: float) -> list[Candidate]:
    """Candidates planned on the index; [] when none could be decoded that way (the caller falls back
    to a pass over the keyframes, so an index this module misreads costs time, not the job)."""
    p = plan.Plan(index, ctx.duration)
    runs = plan.first_pass(p, plan.wanted(count, ctx.duration))
    try:
        cands = _decode_runs(ctx, index, runs) if runs else []
    except PickError as exc:
        if exc.code != PickErrorCode.DECODE_FAILED or exc.message.startswith(frames.SOURCE_READ):
            raise
        logger.warning("covers: decoding through the index failed", extra={"error": exc.message[:300]})
        cands = []
    if not cands:
        return []
    ctx.index = index
    judge(cands, DUPLICATE_DISTANCE)
    for _ in range(plan.REFINE_ROUNDS):
        missing = count - len(choose(cands, count, dedupe, min_gap))
        runs = plan.refine(p, _promising(cands, ctx.duration, dedupe), 2 * missing + 2) if missing > 0 else []
        if not runs:
            break
        cands = _merge(cands, _decode_runs(ctx, index, runs))
        judge(cands, DUPLICATE_DISTANCE)
    return cands


def _index(ctx: _Context) -> SampleIndex | None:
    """The MP4 sample table, else ffprobe's packet list, else None (then: keyframes only)."""
    src = ctx.src
    try:
        return read_index(src.target, src.info.format_name, src.stream)
    except IndexUnavailable:
        pass
    try:
        return probe_index(src, ctx.deadline.remaining())
    except IndexUnavailable:
        return None


def _keyframes_only(ctx: _Context, count: int) -> list[Candidate]:
    """Sources whose packets have no timestamps (raw streams): one pass over the keyframes."""
    n = plan.wanted(count, ctx.duration)
    step = ctx.duration / n if n else 0.0
    select = "1" if step < 0.01 else f"isnan(prev_selected_t)+gte(t-prev_selected_t,{step:.3f})"
    inputs = frames.fallback_input(ctx.src, keyframes=True)
    decoded = frames.decode_analysis(
        inputs, str(ctx.src.stream), f"select='{select}'", ctx.size, measure, ctx.deadline
    )
    cands = [Candidate(t=t, metrics=m, keyframe=True) for t, m in decoded.items]
    judge(cands, DUPLICATE_DISTANCE)
    return cands


def _promising(cands: list[Candidate], duration: float, dedupe: bool) -> list[plan.Gap]:
    """Gaps worth sampling: next to a good candidate, or to a fade or dissolve (a shot may start
    behind it). Between two good frames the weight is how much the picture changes across the gap
    (pHash bits over the duplicate distance): a shot that moves holds more distinct moments."""
    gaps: list[plan.Gap] = []
    edges: list[Candidate | None] = [None, *cands, None]
    for a, b in itertools.pairwise(edges):
        if not ((a is not None and a.reason in _PROMISING) or (b is not None and b.reason in _PROMISING)):
            continue
        weight = 1.0
        if a is not None and b is not None and a.reason is None and b.reason is None:
            bits = hamming(a.metrics.phash, b.metrics.phash)
            weight = max(0.1, bits / DUPLICATE_DISTANCE) if dedupe else 1.0
        gaps.append((a.t if a else 0.0, b.t if b else duration, weight))
    return gaps


def _merge(have: list[Candidate], new: list[Candidate]) -> list[Candidate]:
    """Time-ordered union; a frame already judged (same timestamp) is not added twice."""
    seen = {round(c.t, 6) for c in have}
    return sorted(have + [c for c in new if round(c.t, 6) not in seen], key=lambda c: c.t)


def _spool(info: MediaInfo, fmt: str) -> Spool:
    video = info.video
    assert video is not None
    spool = Spool(output.PIX_FMTS[fmt], max(1, video.display_width), max(1, video.display_height), 0)
    return Spool(spool.pix_fmt, spool.width, spool.height, keep=SPOOL_BYTES // spool.frame_bytes)


def _decode_runs(ctx: _Context, index: SampleIndex, runs: list[fetch.Run]) -> list[Candidate]:
    dear = {i for run in runs for i in run.targets if not index.keys[i]}  # keyframes re-decode cheaply
    decoded = fetch.decode_runs(
        ctx.src,
        index,
        runs,
        ctx.size,
        measure,
        ctx.deadline,
        spool=ctx.spool,
        spool_samples=dear,
    )
    targets = {fetch.pts_us(index, i): i for run in runs for i in run.targets}
    ctx.samples.update(targets)
    keys = {us for us, i in targets.items() if index.keys[i]}
    cands = [
        Candidate(t=t, metrics=m, keyframe=round(t * 1_000_000) in keys, full=decoded.full.get(i))
        for i, (t, m) in enumerate(decoded.items)
    ]
    return sorted(cands, key=lambda c: c.t)


def _write(
    ctx: _Context, chosen: list[Candidate], spec: output.OutputSpec, workdir: Path, fmt: str
) -> list[str]:
    """Spooled frames are encoded as they are; the others are decoded again: through the index
    when there is one (one ffmpeg, their bytes only), else by seeking in the source."""
    workdir.mkdir(parents=True, exist_ok=True)
    paths = [str(workdir / f"cover-{rank}.{fmt}") for rank in range(len(chosen))]
    spooled = [i for i, c in enumerate(chosen) if c.full is not None and ctx.spool is not None]
    again = [i for i, c in enumerate(chosen) if i not in spooled]
    if ctx.spool is not None and spooled:
        frames_in_order = [chosen[i].full or b"" for i in spooled]
        output.encode_spooled(ctx.spool, frames_in_order, spec, [paths[i] for i in spooled], ctx.deadline)
    indexed = [i for i in again if ctx.index is not None and round(chosen[i].t * 1_000_000) in ctx.samples]
    if ctx.index is not None and indexed:
        samples = [ctx.samples[round(chosen[i].t * 1_000_000)] for i in indexed]
        fetch.write_covers(ctx.src, ctx.index, samples, spec, [paths[i] for i in indexed], ctx.deadline)
    seek = [i for i in again if i not in indexed]
    output.extract(ctx.src, [chosen[i].t for i in seek], spec, [paths[i] for i in seek], ctx.deadline)
    return paths
