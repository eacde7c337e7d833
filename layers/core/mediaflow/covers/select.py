"""Which judged candidates become covers, and what the job says about it.

Rules, in order (``choose``):
1. Good frames first, always. Each distinct good shot gives its best frame, best shots first
   (with DeleteDuplicates a repeated shot is one shot: ``judge`` groups them).
2. When Count exceeds the distinct good shots, further frames come from within good shots, one
   per shot per round, each time the frame farthest in time from the covers already chosen
   (spread), the better score breaking ties within SPREAD_STEP_S; with DeleteDuplicates each must
   be more than DUPLICATE_DISTANCE bits of pHash from every cover. Picks keep ``min_gap`` seconds
   apart; that gap gives way before any rejected frame is considered.
3. Only when no good candidate is left: the best rejected frames fill up (``fill``), never a black
   one while the video has any other, never two within DUPLICATE_DISTANCE of each other or of a
   cover (identical bad frames add nothing), and the job's message says so.
4. Never the same frame twice, nor two frames with the same pHash (IDENTICAL_DISTANCE), whatever
   DeleteDuplicates says. Fewer covers than Count only when the candidates cannot yield more, and
   the message says why.

DUPLICATE_DISTANCE = 10 (the usual pHash near-duplicate bound): on the test clip the same moment
repeated measures 2-9 bits, different shots 20-43 (median 32), frames 1 s apart in one shot 8-20
(up to 34 for texture-like footage).
"""

from __future__ import annotations

from collections.abc import Sequence

from mediaflow.covers.judge import Candidate
from mediaflow.covers.phash import hamming

DUPLICATE_DISTANCE = 10
IDENTICAL_DISTANCE = 0
SPREAD_STEP_S = 1.0  # spreads within a second of each other count as equal: the score decides


def _distinct(c: Candidate, chosen: Sequence[Candidate], dedupe: bool, min_gap: float) -> bool:
    limit = DUPLICATE_DISTANCE if dedupe else IDENTICAL_DISTANCE
    for other in chosen:
        if abs(c.t - other.t) < max(min_gap, 1e-4):
            return False
        if hamming(c.metrics.phash, other.metrics.phash) <= limit:
            return False
    return True


def _spread(c: Candidate, chosen: Sequence[Candidate]) -> float:
    return min((abs(c.t - o.t) for o in chosen), default=1e9)


def choose(cands: Sequence[Candidate], count: int, dedupe: bool, min_gap: float) -> list[Candidate]:
    """Good candidates only (rules 1, 2 and 4), best first."""
    units: dict[int, list[Candidate]] = {}
    for c in sorted((c for c in cands if c.reason is None), key=lambda c: -c.total):
        units.setdefault(c.group if dedupe else c.shot, []).append(c)
    order = sorted(units.values(), key=lambda members: -members[0].total)
    chosen: list[Candidate] = []
    for gap in (min_gap, 0.0):
        for members in order:  # rule 1: each shot's best frame that is allowed
            if len(chosen) == count:
                break
            if any(m in chosen for m in members):
                continue
            best = next((m for m in members if _distinct(m, chosen, dedupe, gap)), None)
            if best is not None:
                chosen.append(best)
        while len(chosen) < count:  # rule 2: rounds over the shots, spread in time
            added = False
            for members in order:
                if len(chosen) == count:
                    break
                allowed = [m for m in members if m not in chosen and _distinct(m, chosen, dedupe, gap)]
                if allowed:
                    chosen.append(
                        max(allowed, key=lambda m: (int(_spread(m, chosen) / SPREAD_STEP_S), m.total))
                    )
                    added = True
            if not added:
                break
    return sorted(chosen, key=lambda c: -c.total)


def fill(cands: Sequence[Candidate], good: Sequence[Candidate], count: int, dedupe: bool) -> list[Candidate]:
    """Rule 3: the best rejected frames, distinct from each other and the covers; black only if
    every candidate is black."""
    rejected = [c for c in cands if c.reason is not None]
    if any(c.reason != "black" for c in cands):
        rejected = [c for c in rejected if c.reason != "black"]
    fills: list[Candidate] = []
    for c in sorted(rejected, key=lambda c: -c.total):
        if len(good) + len(fills) >= count:
            break
        taken = [*good, *fills]
        if all(hamming(c.metrics.phash, o.metrics.phash) > DUPLICATE_DISTANCE for o in taken) and not (
            dedupe and any(c.group == o.group for o in taken)
        ):
            fills.append(c)
    return fills


def message(count: int, good: int, fills: int, rejected: dict[str, int], judged: int) -> str:
    if good >= count:
        return f"{count} covers passed the quality checks"
    why = ", ".join(f"{n} {reason}" for reason, n in sorted(rejected.items(), key=lambda kv: -kv[1]))
    if good == 0 and len(rejected) == 1:
        head = f"no frame passed the quality checks: every frame is {next(iter(rejected))}"
    else:
        head = f"only {good} of {count} covers passed the quality checks" + (
            f" (rejected: {why})" if why else ""
        )
    parts = [head + f"; {_n(judged, 'frame')} of the video were judged"]
    if good and (fills or good + fills < count):
        parts.append("the good frames hold no more distinct moments")
    if fills:
        parts.append(f"{_n(fills, 'cover')} {'is' if fills == 1 else 'are'} the best of the rejected frames")
    if good + fills < count:
        parts.append(
            f"the video has no more distinct frames, so {_n(good + fills, 'cover')} instead of {count}"
        )
    return "; ".join(parts)


def _n(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
