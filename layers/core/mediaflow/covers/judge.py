"""Clip-level judgements over the time-ordered candidates: blur relative to the clip, transition
frames, shots, repeated shots, and each candidate's score.

Thresholds, with what they were measured against (320 px analysis frames, keyframes 1 s apart;
tests/support/cover_clips.py holds the clip):

- Blur, relative: a frame is blurred when its Laplacian variance is below BLUR_RELATIVE (10 %) of
  the clip's reference sharpness (75th percentile of frames that are not black/blown/flat) *and*
  below BLUR_SOFT (150). The ceiling keeps crisp but plain frames (colour bars measure ~900 next
  to a texture's 30,000) from being called blurred; a heavy blur measures < 5, a 50 % fade ~350.
- Fade to/from black: a frame whose mean is FADE_MIN-FADE_MAX (10-90 %) of a neighbour's and
  that is the neighbour's picture dimmed. Either its contrast (std) and edge strength (sqrt of
  Laplacian variance) are in that range too, within FADE_SPREAD (x1.35) of each other, and its
  thumbnail correlates >= FADE_CORR (0.5) with the neighbour's; or - when the picture moves too
  much for that (a shot fading in while it plays) - it has no more contrast or detail than the
  neighbour and its sorted thumbnail values match the neighbour's scaled by the mean ratio to
  within FADE_SHAPE (0.2) of its std. Measured at half-way fades: 0.46-0.57 for all three ratios;
  correlation 0.81-0.87 on slow shots but -0.02 on ``life`` fading in (its cells move between the
  two frames), where the shape error is 0.03 (0.07 and 0.14 on the slow shots); ``life`` at 84 %
  of its brightness measured ratios 0.83/0.96/0.96 and shape error 0.02. Neighbouring frames of
  a shot have mean ratios 0.99-1.05. A frame called a fade wrongly is only demoted: rejected
  frames are used when no good one is left.
- Dissolve from or into a flat card (the mix test below cannot see it: a card adds no contrast to
  lose): the same fade test towards the card's luma instead of black, when a neighbour is flat
  (std < scoring.FLAT_STD). Measured on a grey card dissolving into ``gradients``: 36 % of the way
  passed neither the fade nor the mix test before.
- Cross-dissolve: between two neighbours of different shots (histogram distance >= SHOT_CUT), a
  frame whose mean luma/chroma sit between theirs (blend weight alpha in 0.15-0.85, fitted by least
  squares) and whose contrast and edge energy fall below what a single picture of that mix would
  have (std <= 0.85x and Laplacian variance <= 0.6x the alpha-weighted neighbours; two uncorrelated
  pictures mixed 50/50 measure ~0.7x and ~0.5x) is a transition. Measured: 0.61x and 0.40x.
  Neighbours count only within NEIGHBOUR_WINDOW (3 s): farther frames say nothing about this one.
  ffmpeg's ``scdet`` would need every frame decoded (~25x the keyframe-only cost), so it is not used.
- Shots: consecutive candidates start a new shot when their histogram distance is >= SHOT_CUT
  (0.30; within a moving shot 1 s apart we measured <= 0.23, across cuts >= 0.40), or when the
  distance to the shot's first frame reaches SHOT_DRIFT (0.45), which splits a long take whose
  look changes.
- Repeated shots: shots with any pair of frames within the duplicate pHash distance belong to one
  group; with DeleteDuplicates at most one cover comes from a group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from mediaflow.covers import scoring
from mediaflow.covers.scoring import Metrics

BLUR_RELATIVE = 0.10
BLUR_SOFT = 150.0
FADE_MIN, FADE_MAX, FADE_SPREAD, FADE_CORR, FADE_SHAPE = 0.10, 0.90, 1.35, 0.5, 0.2
FADE_MIN_SPAN = 15.0  # luma levels between picture and card below which the mean says nothing
MIX_MIN, MIX_MAX, MIX_STD, MIX_SHARP = 0.15, 0.85, 0.85, 0.6
NEIGHBOUR_WINDOW = 3.0
SHOT_CUT = 0.30
SHOT_DRIFT = 0.45


@dataclass(eq=False)  # identity: two candidates are never "equal"
class Candidate:
    t: float
    metrics: Metrics
    keyframe: bool
    reason: str | None = None  # why it was rejected; None = a good cover
    score: dict[str, float] = field(default_factory=dict)
    shot: int = 0
    group: int = 0  # shots showing the same picture share a group
    full: bytearray | None = field(default=None, repr=False)  # the full-size frame, if spooled

    @property
    def total(self) -> float:
        return self.score.get("total", 0.0)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denom = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum()) / denom if denom > 1e-6 else 0.0


def is_fade(x: Metrics, y: Metrics, level: float = 0.0) -> bool:
    """``x`` is ``y`` faded towards a uniform ``level`` of luma: black (0), or the colour of a flat
    card that ``y`` dissolves from or into (x = a.y + (1 - a).level)."""
    if y.std <= 0 or y.sharpness <= 0:
        return False
    spread, edges = x.std / y.std, math.sqrt(x.sharpness / y.sharpness)
    span = y.mean - level
    ratios = ((x.mean - level) / span if abs(span) >= FADE_MIN_SPAN else spread, spread, edges)
    if not FADE_MIN <= ratios[0] <= FADE_MAX:
        return False
    in_step = all(FADE_MIN <= r <= FADE_MAX for r in ratios) and max(ratios) <= FADE_SPREAD * min(ratios)
    if in_step and _correlation(x.thumb, y.thumb) >= FADE_CORR:
        return True
    if max(ratios[1:]) > 1.0:
        return False  # more contrast or detail than the brighter frame: not that frame dimmed
    faded = np.sort(y.thumb.ravel()) * ratios[0] + (1 - ratios[0]) * level
    return float(np.abs(np.sort(x.thumb.ravel()) - faded).mean()) <= FADE_SHAPE * max(x.std, 1.0)


def _means(m: Metrics) -> np.ndarray:
    return np.array([m.mean, m.u_mean, m.v_mean])


def is_mix(x: Metrics, p: Metrics, n: Metrics) -> bool:
    """``x`` is a cross-dissolve of the two different shots ``p`` and ``n``."""
    if scoring.hist_distance(p.hist, n.hist) < SHOT_CUT:
        return False
    if min(scoring.hist_distance(x.hist, p.hist), scoring.hist_distance(x.hist, n.hist)) < SHOT_CUT / 2:
        return False
    mx, mp, mn = _means(x), _means(p), _means(n)
    span = mp - mn
    if float(span @ span) < 15.0**2:
        return False  # the two shots look alike on average: the blend weight cannot be told
    alpha = float((mx - mn) @ span) / float(span @ span)
    if not MIX_MIN <= alpha <= MIX_MAX:
        return False
    std = alpha * p.std + (1 - alpha) * n.std
    sharp = alpha * p.sharpness + (1 - alpha) * n.sharpness
    return x.std <= MIX_STD * std and x.sharpness <= MIX_SHARP * sharp


def _transition(cands: list[Candidate], i: int) -> str | None:
    here = cands[i]
    prev = cands[i - 1] if i > 0 and here.t - cands[i - 1].t <= NEIGHBOUR_WINDOW else None
    nxt = cands[i + 1] if i + 1 < len(cands) and cands[i + 1].t - here.t <= NEIGHBOUR_WINDOW else None
    for other in (prev, nxt):
        if other is not None and is_fade(here.metrics, other.metrics):
            return "fade"
    if prev is not None and nxt is not None:
        if is_mix(here.metrics, prev.metrics, nxt.metrics):
            return "transition"
        for card, shot in ((prev, nxt), (nxt, prev)):  # a dissolve from or into a flat card
            if card.metrics.std < scoring.FLAT_STD and is_fade(here.metrics, shot.metrics, card.metrics.mean):
                return "transition"
    return None


def sharpness_reference(cands: list[Candidate]) -> float:
    values = [c.metrics.sharpness for c in cands if c.reason in (None, "blurred")]
    return float(np.percentile(values, 75)) if values else 0.0


def judge(cands: list[Candidate], duplicate_distance: int) -> None:
    """Fill in reason, score, shot and group of every candidate (time-ordered, in place)."""
    for c in cands:
        c.reason = scoring.absolute_reject(c.metrics)
    ref = sharpness_reference(cands)
    for c in cands:
        if c.reason is None and c.metrics.sharpness < min(BLUR_SOFT, BLUR_RELATIVE * ref):
            c.reason = "blurred"
    transitions = [_transition(cands, i) if c.reason is None else None for i, c in enumerate(cands)]
    for c, reason in zip(cands, transitions, strict=True):
        c.reason = c.reason or reason
        c.score = scoring.score(c.metrics, ref)
    _shots(cands)
    _groups(cands, duplicate_distance)


def _shots(cands: list[Candidate]) -> None:
    shot, first = 0, None
    for i, c in enumerate(cands):
        if i and first is not None:
            cut = scoring.hist_distance(cands[i - 1].metrics.hist, c.metrics.hist) >= SHOT_CUT
            drift = scoring.hist_distance(first.metrics.hist, c.metrics.hist) >= SHOT_DRIFT
            if cut or drift:
                shot += 1
                first = c
        first = first or c
        c.shot = shot


def _groups(cands: list[Candidate], duplicate_distance: int) -> None:
    """Union shots that hold a near-identical pair of usable frames (a repeated shot)."""
    parent = list(range(max((c.shot for c in cands), default=0) + 1))

    def root(s: int) -> int:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    usable = [c for c in cands if c.reason is None]
    hashes = np.array([c.metrics.phash for c in usable], dtype=np.uint64)
    shots = np.array([c.shot for c in usable])
    close = np.bitwise_count(hashes[:, None] ^ hashes[None, :]) <= duplicate_distance
    for i, j in zip(*np.nonzero(np.triu(close & (shots[:, None] != shots[None, :]), 1)), strict=True):
        parent[root(int(shots[j]))] = root(int(shots[i]))
    for c in cands:
        c.group = root(c.shot)
