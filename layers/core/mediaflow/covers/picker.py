"""pick_covers: choose a video's best frames as covers, quickly, and write them at full quality.

1. Candidates: the keyframes, decoded alone (``-skip_frame nokey``) at a small analysis size
   (``frames``), at most MAX_CANDIDATES spread evenly over the video. If that yields fewer than
   ``count`` usable covers *and* the video has fewer than SPARSE_FACTOR x count keyframes (a
   single-GOP clip, a long GOP), SPARSE_FACTOR x count more frames are sampled at regular
   intervals from one decode of the reference frames (``-skip_frame noref``) and judged with
   the keyframes. The decode is the costly part, so it runs only when the keyframes fell short.
2. Each candidate is measured and judged (``scoring``, ``judge``): black, blown-out, flat,
   blurred, fade and cross-dissolve frames are rejected; the others are scored.
3. Picks spread over shots: every shot's best frame first (best shots first), then every shot's
   second best, and so on; picks closer than ``min_gap`` (2 s, or duration / (2 x count) when
   shorter) are skipped, then allowed if good frames are still missing.
4. DeleteDuplicates: no two covers within DUPLICATE_DISTANCE bits of 64-bit pHash, and at most one
   cover per group of repeated shots (``judge``). D = 10 (the usual pHash near-duplicate bound):
   on the test clip the same moment repeated measures 2-9 bits, different shots 20-43 (median 32),
   frames 1 s apart in one shot 8-20 (up to 34 for texture-like footage). The last is why a
   repeated shot is recognised by group, not by the distance of whichever frames were picked.
5. Fallback, when fewer than ``count`` frames passed: the best rejected frames fill up, in score
   order, never two within D of each other or of a cover (even without DeleteDuplicates: identical
   bad frames add nothing), and never a black frame while the video has any other. If the video
   has fewer distinct frames than ``count``, fewer covers come back. ``fallback`` and ``message``
   say so; each cover says whether it is a fallback and why it was rejected.
6. Covers are written at full quality (``output``): from the full-size keyframes the analysis
   pass kept in memory (up to SPOOL_BYTES, best-looking first; videos up to SPOOL_MAX_S long),
   else by an exact seek into the source; upright (ffmpeg's autorotation), scaled: Width only or
   Height only -> the other side from the display aspect ratio; both -> scaled to cover
   Width x Height and centre-cropped (no distortion and no black bars, which would look like the
   broken cover this module avoids; Tencent's reference does not say); neither -> the source's
   display size. Ranked best first.

Speed (benchmarks/smart_cover_speed.py, one core): a 60 s 1080p H.264 clip with 9 keyframes takes
~0.47 s, of which ~0.32 s is ffmpeg decoding the keyframes; ffmpeg's ``thumbnail`` takes ~12 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from mediaflow.covers import frames, output
from mediaflow.covers.frames import Deadline, PickError, PickErrorCode, Source, Spool
from mediaflow.covers.judge import Candidate, judge
from mediaflow.covers.phash import hamming
from mediaflow.covers.scoring import Metrics, absolute_reject, measure, score
from mediaflow.media.models import MediaInfo

DUPLICATE_DISTANCE = 10
MAX_CANDIDATES = 600
SPARSE_FACTOR = 3
MIN_GAP_S = 2.0
SPOOL_BYTES = 96 * 1024 * 1024  # memory for full-size frames kept from the keyframe pass
# Longer videos write covers by seeking: there the seeks cost < 5 % of the analysis, while piping
# every full-size keyframe out of ffmpeg would cost more than it saves.
SPOOL_MAX_S = 300.0
PROVISIONAL_SHARPNESS = 1000.0  # sharpness reference for ranking frames while they stream in
FORMATS = ("jpg", "png", "webp")


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
    deadline = Deadline(deadline_s)
    src = frames.check_source(source, source_info)
    duration = source_info.duration_s or (source_info.video and source_info.video.duration_s) or 0.0
    min_gap = min(MIN_GAP_S, duration / (2 * count))
    spec = output.output_spec(source_info, width, height, fmt)
    spool = _spool(source_info, fmt) if duration <= SPOOL_MAX_S else None

    cands = _analyse(src, deadline, keyframes=True, select=_every(duration / MAX_CANDIDATES), spool=spool)
    judge(cands, DUPLICATE_DISTANCE)
    good = _select(cands, count, delete_duplicates, min_gap)
    if len(good) < count and len(cands) < SPARSE_FACTOR * count:
        extra = _sample_more(src, deadline, duration, count, cands)
        if extra:
            cands = sorted(cands + extra, key=lambda c: c.t)
            judge(cands, DUPLICATE_DISTANCE)
            good = _select(cands, count, delete_duplicates, min_gap)
    if not cands:
        raise PickError(PickErrorCode.DECODE_FAILED, "no frame of the video could be decoded")

    good.sort(key=lambda c: -c.total)
    fills = _fill(cands, good, count, delete_duplicates)
    chosen = good + fills
    workdir.mkdir(parents=True, exist_ok=True)
    paths = [str(workdir / f"cover-{rank}.{fmt}") for rank in range(len(chosen))]
    spooled = [i for i, c in enumerate(chosen) if c.full is not None]
    seek = [i for i, c in enumerate(chosen) if c.full is None]
    if spool is not None:
        frames_in_order = [chosen[i].full or b"" for i in spooled]
        output.encode_spooled(spool, frames_in_order, spec, [paths[i] for i in spooled], deadline)
    output.extract(src, [chosen[i].t for i in seek], spec, [paths[i] for i in seek], deadline)
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
        message=_message(count, len(good), len(fills), rejected),
        width=spec.width,
        height=spec.height,
        format=fmt,
        candidates=len(cands),
        keyframes=sum(c.keyframe for c in cands),
        rejected=rejected,
    )


def _every(step: float) -> str:
    """select expression keeping frames at least ``step`` seconds apart (all when step is tiny)."""
    if step < 0.01:
        return "1"
    return f"isnan(prev_selected_t)+gte(t-prev_selected_t,{step:.3f})"


def _spool(info: MediaInfo, fmt: str) -> Spool:
    video = info.video
    assert video is not None
    spool = Spool(output.PIX_FMTS[fmt], max(1, video.display_width), max(1, video.display_height), 0)
    return Spool(spool.pix_fmt, spool.width, spool.height, keep=SPOOL_BYTES // spool.frame_bytes)


def _priority(m: Metrics) -> float:
    """Which full frames to keep while they stream in: good-looking ones, best first."""
    return -1.0 if absolute_reject(m) else score(m, PROVISIONAL_SHARPNESS)["total"]


def _analyse(
    src: Source, deadline: Deadline, *, keyframes: bool, select: str, spool: Spool | None = None
) -> list[Candidate]:
    size = frames.analysis_size(src.info)
    decoded = frames.decode_analysis(
        src, size, measure, deadline, keyframes=keyframes, select=select, spool=spool, priority=_priority
    )
    return [
        Candidate(t=t, metrics=m, keyframe=keyframes, full=decoded.full.get(i))
        for i, (t, m) in enumerate(decoded.items)
    ]


def _sample_more(
    src: Source, deadline: Deadline, duration: float, count: int, have: list[Candidate]
) -> list[Candidate]:
    """SPARSE_FACTOR x count frames at regular intervals, from at most half the time left."""
    if duration <= 0:
        return []
    n = SPARSE_FACTOR * count
    step = duration / n
    select = f"isnan(prev_selected_t)*gte(t,{step / 2:.3f})+gte(t-prev_selected_t,{step:.3f})"
    left = deadline.remaining()
    try:
        extra = _analyse(src, Deadline(None if left is None else left / 2), keyframes=False, select=select)
    except PickError as exc:
        if exc.code != PickErrorCode.TIMEOUT:
            raise
        return []  # the keyframes will have to do
    fps = (src.info.video.frame_rate if src.info.video else None) or 25.0
    near = 1.5 / fps
    return [c for c in extra if all(abs(c.t - h.t) > near for h in have)]


def _allowed(c: Candidate, chosen: Sequence[Candidate], dedupe: bool, min_gap: float) -> bool:
    for other in chosen:
        if abs(c.t - other.t) < min_gap:
            return False
        if dedupe and (
            c.group == other.group or hamming(c.metrics.phash, other.metrics.phash) <= DUPLICATE_DISTANCE
        ):
            return False
    return True


def _select(cands: list[Candidate], count: int, dedupe: bool, min_gap: float) -> list[Candidate]:
    """Good candidates spread over shots: each shot's best, then each shot's second best, ..."""
    by_shot: dict[int, list[Candidate]] = {}
    for c in sorted((c for c in cands if c.reason is None), key=lambda c: -c.total):
        by_shot.setdefault(c.shot, []).append(c)
    tiers: list[Candidate] = []
    for depth in range(max((len(v) for v in by_shot.values()), default=0)):
        tiers += sorted((v[depth] for v in by_shot.values() if len(v) > depth), key=lambda c: -c.total)
    chosen: list[Candidate] = []
    for gap in (min_gap, 0.0):  # the time gap gives way before a rejected frame is used
        for c in tiers:
            if len(chosen) == count:
                return chosen
            if c not in chosen and _allowed(c, chosen, dedupe, gap):
                chosen.append(c)
    return chosen


def _fill(cands: list[Candidate], good: list[Candidate], count: int, dedupe: bool) -> list[Candidate]:
    """Best rejected frames, distinct from each other and from the covers; black only if all are."""
    rejected = [c for c in cands if c.reason is not None]
    if any(c.reason != "black" for c in cands):
        rejected = [c for c in rejected if c.reason != "black"]
    fills: list[Candidate] = []
    for c in sorted(rejected, key=lambda c: -c.total):
        if len(good) + len(fills) >= count:
            break
        taken = good + fills
        if all(hamming(c.metrics.phash, o.metrics.phash) > DUPLICATE_DISTANCE for o in taken) and not (
            dedupe and any(c.group == o.group for o in taken)
        ):
            fills.append(c)
    return fills


def _message(count: int, good: int, fills: int, rejected: dict[str, int]) -> str:
    if good >= count:
        return f"{count} covers passed the quality checks"
    why = ", ".join(f"{n} {reason}" for reason, n in sorted(rejected.items(), key=lambda kv: -kv[1]))
    if good == 0 and len(rejected) == 1:
        head = f"no frame passed the quality checks: every frame is {next(iter(rejected))}"
    else:
        head = f"only {good} of {count} covers passed the quality checks" + (
            f" (rejected: {why})" if why else ""
        )
    parts = [head]
    if fills:
        parts.append(f"{_n(fills, 'cover')} {'is' if fills == 1 else 'are'} the best of the rejected frames")
    if good + fills < count:
        parts.append(
            f"the video has no more distinct frames, so {_n(good + fills, 'cover')} instead of {count}"
        )
    return "; ".join(parts)


def _n(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
