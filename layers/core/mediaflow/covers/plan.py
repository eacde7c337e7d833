"""Which frames to judge: a candidate density that fits the source, within a decode budget.

How many: ``wanted = max(MIN_PER_COVER x count, one per SECONDS_PER_CANDIDATE of the video)``,
the second term capped at LONG_CAP: the budget of long videos. A keyframe of 1080p H.264 at
6 Mbit/s costs 25-35 ms to decode (CABAC-bound, growing with the I-frame's size; no decoder option
removes it) plus ~3 ms to scale and measure, so one per 2 s of a 10-minute video would take 9-11 s
of CPU (~60x realtime) whatever else is done. Measured on the benchmark's 10-minute clips with 72
candidates: 2.1 s (GOP 1 s) and 2.8 s (GOP 2 s, larger I-frames), each with the probe and writing
five covers; LONG_CAP = 60 keeps the 200x realtime target at every GOP with some margin.

Where: keyframes first (a keyframe is the cheapest frame to decode). With more keyframes than
wanted, ``wanted`` of them are sampled evenly in time, unless all of them together cost less than
EXTRA_FLOOR_MS (a small video: more candidates also keep each shot in one piece, see ``judge``).
With fewer, the largest gaps between candidates are split by *extra* frames, each reached by
decoding its GOP from the keyframe (``fetch.Run``): in a gap, the frame of its middle third that
is cheapest to reach is taken (a frame inside a GOP already being decoded costs only its
analysis), down to gaps of 2 x MIN_SPLIT_S.

The decode budget for extras is EXTRA_SHARE of what decoding every frame would cost, but at least
EXTRA_FLOOR_MS: it keeps the picker >= 10x cheaper than ffmpeg's ``thumbnail`` filter (which
decodes every frame and costs ~1.4x a plain decode) and never lets it approach a whole-file
decode; the floor lets short or small videos get their full density. The cost of each frame is
estimated from the index: PIXEL_MS per pixel plus BYTE_MS per byte of the sample, fitted on the
benchmark clip (1080p: keyframes ~280 KB measured 25 ms, other frames ~16 KB 5 ms) and checked on
the 320x180 test clips (0.44 ms a frame measured, 0.45 ms estimated). A 10 s GOP at 1080p thus
affords a few extras per minute (8 on the benchmark minute), not one per 2 s: there, density
gives way to the budget, and ``refine`` spends what is left where the judged candidates say the
good frames are.

``refine`` (after judging, in the picker): when good covers are missing, the gaps next to good
candidates (and next to fades, behind which a shot may start) are split the same way, heaviest
first (length x how much the picture changes across the gap), down to REFINE_MIN_SPLIT_S, with
what density left of the budget plus REFINE_SHARE of it; up to REFINE_ROUNDS times.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from mediaflow.covers.fetch import Run, runs_for
from mediaflow.covers.index import SampleIndex

MIN_PER_COVER = 4
SECONDS_PER_CANDIDATE = 2.0
LONG_CAP = 60
EXTRA_SHARE = 0.06
REFINE_ROUNDS = 3
REFINE_SHARE = 0.5  # ``refine`` may spend this share of the budget on top of what density left
EXTRA_FLOOR_MS = 400.0
PIXEL_MS = 1.8e-6
BYTE_MS = 7.6e-5
ANALYSIS_MS = 3.0  # scaling and measuring one analysed frame, whatever its source
HEVC_FACTOR = 1.6  # HEVC decodes ~1.6x slower than H.264 at the same size and rate
MIN_SPLIT_S = 0.4  # for density, a gap shorter than twice this is not split
REFINE_MIN_SPLIT_S = 0.2  # within good shots, moving pictures differ by > 10 bits in 0.2-0.5 s


Gap = tuple[float, float, float]  # start, end, weight


def wanted(count: int, duration: float) -> int:
    per_time = min(LONG_CAP, math.ceil(max(duration, 0.0) / SECONDS_PER_CANDIDATE))
    return max(MIN_PER_COVER * count, per_time)


@dataclass
class Plan:
    """Candidates chosen so far over one indexed video, and what decoding them costs."""

    index: SampleIndex
    duration: float
    times: npt.NDArray[np.float64] = field(init=False)
    usable: npt.NDArray[np.bool_] = field(init=False)  # may be a candidate (0 <= t <= duration)
    gop: npt.NDArray[np.int64] = field(init=False)  # decode position of each sample's keyframe
    cum: npt.NDArray[np.float64] = field(init=False)  # cumulative decode cost, decode order
    budget_ms: float = field(init=False)
    spent_ms: float = 0.0  # on extras
    chosen: set[int] = field(default_factory=set)
    reach: dict[int, int] = field(default_factory=dict)  # keyframe -> last sample decoded from it

    def __post_init__(self) -> None:
        index = self.index
        self.times = index.pts.astype(np.float64) / index.timescale
        self.usable = (self.times >= 0) & (self.times <= self.duration + 1e-6)
        positions = np.arange(len(index))
        self.gop = np.maximum.accumulate(np.where(index.keys, positions, 0))
        factor = HEVC_FACTOR if index.codec == "hevc" else 1.0
        cost = factor * (PIXEL_MS * index.width * index.height + BYTE_MS * index.sizes.astype(np.float64))
        self.cum = np.concatenate(([0.0], np.cumsum(cost)))
        self.budget_ms = max(EXTRA_FLOOR_MS, EXTRA_SHARE * float(self.cum[-1]))

    # -- costs ------------------------------------------------------------------------------
    def _chain(self, first: int, last: int) -> float:
        return float(self.cum[last + 1] - self.cum[first])

    def marginal(self, j: int, reach: dict[int, int]) -> float:
        """What judging sample ``j`` adds, given GOPs already decoded up to ``reach``."""
        k = int(self.gop[j])
        done = reach.get(k, k - 1)
        return ANALYSIS_MS + (self._chain(done + 1, j) if j > done else 0.0)

    def spent(self) -> float:
        return self.spent_ms

    # -- choosing ---------------------------------------------------------------------------
    def keyframes(self, n: int) -> list[int]:
        """``n`` usable keyframes evenly spread in time, or all of them when there are no more or
        they all cost less than EXTRA_FLOOR_MS (small videos)."""
        keys = np.flatnonzero(self.index.keys & self.usable)
        keys = keys[np.argsort(self.times[keys], kind="stable")]
        all_ms = float(sum(self._chain(int(k), int(k)) for k in keys))
        if len(keys) <= n or all_ms <= EXTRA_FLOOR_MS:
            picked = [int(k) for k in keys]
        else:
            key_times = self.times[keys]
            picked, used = [], np.zeros(len(keys), dtype=bool)
            for i in range(n):
                goal = (i + 0.5) * self.duration / n
                order = np.argsort(np.abs(key_times - goal), kind="stable")
                best = next(int(o) for o in order if not used[o])
                used[best] = True
                picked.append(int(keys[best]))
        for k in picked:
            self._take(k, self.reach, extra=False)
        return sorted(picked, key=lambda k: self.times[k])

    def _take(self, j: int, reach: dict[int, int], *, extra: bool = True) -> None:
        if extra:  # keyframes are paid by the density count, extras by the budget
            self.spent_ms += self.marginal(j, reach) - ANALYSIS_MS
        k = int(self.gop[j])
        reach[k] = max(reach.get(k, k - 1), j)
        self.chosen.add(j)

    def split_gaps(
        self,
        n: int,
        budget_ms: float,
        gaps: Iterable[Gap],
        reach: dict[int, int],
        min_split: float = MIN_SPLIT_S,
    ) -> list[int]:
        """Split the heaviest of ``gaps`` (length x weight; then their halves) with up to ``n`` frames."""
        heap = [(-(b - a) * w, a, b, w) for a, b, w in gaps if b - a >= 2 * min_split]
        heapq.heapify(heap)
        added: list[int] = []
        start = self.spent_ms
        while heap and len(added) < n:
            _, a, b, weight = heapq.heappop(heap)
            third = (b - a) / 3
            inside = np.flatnonzero(self.usable & (self.times >= a + third) & (self.times <= b - third))
            inside = np.array([j for j in inside if int(j) not in self.chosen], dtype=np.int64)
            if not len(inside):
                continue
            costs = np.array([self.marginal(int(j), reach) for j in inside])
            middle = np.abs(self.times[inside] - (a + b) / 2)
            best = int(inside[np.lexsort((middle, np.round(costs, 1)))[0]])
            if self.spent_ms - start + self.marginal(best, reach) - ANALYSIS_MS > budget_ms:
                continue  # too dear: a smaller gap may still hold an affordable frame
            self._take(best, reach)
            added.append(best)
            t = float(self.times[best])
            for lo, hi in ((a, t), (t, b)):
                if hi - lo >= 2 * min_split:
                    heapq.heappush(heap, (-(hi - lo) * weight, lo, hi, weight))
        return added

    def gaps(self, times: Sequence[float]) -> list[Gap]:
        edges = [0.0, *sorted(times), self.duration]
        return [(a, b, 1.0) for a, b in itertools.pairwise(edges)]

    def runs(self, samples: Iterable[int]) -> list[Run]:
        return runs_for(self.index, samples)


def first_pass(plan: Plan, n: int) -> list[Run]:
    """Keyframes, then extras in the largest gaps, until ``n`` candidates or the budget is spent."""
    keys = plan.keyframes(n)
    picked = list(keys)
    if len(keys) < n:
        gaps = plan.gaps([plan.times[k] for k in keys])
        picked += plan.split_gaps(n - len(keys), plan.budget_ms, gaps, plan.reach)
    return plan.runs(picked)


def refine(plan: Plan, promising: Sequence[Gap], n: int) -> list[Run]:
    """Extras in ``promising`` gaps (weighted: see the picker), with what density left of the budget
    plus REFINE_SHARE of it. They run in a new decode, so a GOP decoded before costs its chain again."""
    left = (1 + REFINE_SHARE) * plan.budget_ms - plan.spent_ms
    if left <= 0 or n <= 0:
        return []
    fresh: dict[int, int] = {}
    added = plan.split_gaps(n, left, promising, fresh, REFINE_MIN_SPLIT_S)
    return plan.runs(added)
