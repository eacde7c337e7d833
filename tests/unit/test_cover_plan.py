"""The candidate plan on synthetic frame indexes: how many, which keyframes, where extras go and
what they cost, and the GOP runs that reach them. No ffmpeg."""

from __future__ import annotations

import itertools

import numpy as np

from mediaflow.covers import plan
from mediaflow.covers.fetch import runs_for
from mediaflow.covers.index import SampleIndex

FPS = 25


def index(
    seconds: float, gop: int, *, width: int = 1920, height: int = 1080, key_kb: int = 280, other_kb: int = 16
) -> SampleIndex:
    """Constant-rate frames without reordering; keyframes every ``gop`` frames. Sizes default to
    the 1080p benchmark clip's (6 Mbit/s); the 320x180 test clips have ~20 KB and ~3 KB."""
    n = int(seconds * FPS)
    keys = np.arange(n) % gop == 0
    return SampleIndex(
        codec="h264", config=b"", width=width, height=height, rotation=0, colour=None, timescale=FPS,
        pts=np.arange(n, dtype=np.int64), offsets=None,
        sizes=np.where(keys, key_kb * 1024, other_kb * 1024).astype(np.int64), keys=keys,
    )  # fmt: skip


def test_wanted_is_four_per_cover_or_one_per_two_seconds_capped_for_long_videos() -> None:
    assert plan.wanted(5, 30) == 20
    assert plan.wanted(5, 60) == 30
    assert plan.wanted(1, 600) == plan.LONG_CAP
    assert plan.wanted(30, 600) == 120  # never fewer than four per cover


def test_too_many_keyframes_are_sampled_evenly_and_decoded_alone() -> None:
    p = plan.Plan(index(600, 25), 600.0)
    runs = plan.first_pass(p, plan.wanted(5, 600))
    assert len(runs) == plan.LONG_CAP and all(len(r.samples) == 1 for r in runs)
    times = sorted(float(p.times[r.samples[0]]) for r in runs)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) <= 1.2 * 600 / plan.LONG_CAP and times[0] < 600 / plan.LONG_CAP
    assert p.spent_ms < 3000  # keyframes only: what the realtime target allows


def test_sparse_keyframes_get_extras_in_the_largest_gaps_within_the_budget() -> None:
    p = plan.Plan(index(60, 250), 60.0)
    runs = plan.first_pass(p, plan.wanted(5, 60))
    targets = sorted(float(p.times[i]) for r in runs for i in r.targets)
    keys = [float(p.times[i]) for i in np.flatnonzero(p.index.keys)]
    assert set(keys) <= set(targets) and len(targets) > len(keys)
    assert p.spent_ms <= p.budget_ms
    assert p.budget_ms == plan.EXTRA_SHARE * float(p.cum[-1]) > plan.EXTRA_FLOOR_MS
    for r in runs:  # each run starts at its keyframe and stops at its last target
        assert p.index.keys[r.samples[0]] and r.samples[-1] == max(r.targets)


def test_a_small_video_gets_its_full_density_whatever_the_gop() -> None:
    for gop in (25, 250, 10_000):
        p = plan.Plan(index(30, gop, width=320, height=180, key_kb=20, other_kb=3), 30.0)
        runs = plan.first_pass(p, plan.wanted(5, 30))
        assert sum(len(r.targets) for r in runs) >= plan.wanted(5, 30), gop


def test_refine_splits_the_heaviest_promising_gaps_with_what_is_left() -> None:
    p = plan.Plan(index(30, 750, width=320, height=180, key_kb=20, other_kb=3), 30.0)
    plan.first_pass(p, 4)
    moving, still = (10.0, 14.0, 3.0), (20.0, 24.0, 0.2)  # weights: pHash change across the gap
    runs = plan.refine(p, [moving, still], 3)
    added = sorted(float(p.times[i]) for r in runs for i in r.targets)
    assert len(added) == 3 and all(10 < t < 14 for t in added)


def test_runs_leave_out_frames_shown_before_their_keyframe() -> None:
    """An open GOP: the frames after the keyframe in decode order but shown before it belong to
    the previous GOP's pictures and are not fed."""
    pts = np.array([0, 1, 2, 3, 6, 4, 5, 7, 8], dtype=np.int64)  # keyframe 6 has leading 4, 5
    keys = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0], dtype=bool)
    idx = SampleIndex(
        codec="h264", config=b"", width=16, height=16, rotation=0, colour=None, timescale=1, pts=pts,
        offsets=None, sizes=np.ones(9, dtype=np.int64), keys=keys,
    )  # fmt: skip
    (run,) = runs_for(idx, [8])
    assert run.samples == (4, 7, 8) and run.targets == frozenset({8})
