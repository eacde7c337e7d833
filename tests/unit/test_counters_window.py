"""Time-window totals: a window is whole days/hours/minutes (counters) plus two edge ranges
(index counts), and every moment in the window is counted exactly once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from mediaflow import clock
from mediaflow.records import counters

BASE = datetime(2026, 3, 1, tzinfo=UTC)


def _times_counted(plan: counters.WindowPlan, moment: datetime) -> int:
    key = clock.key_time(moment)
    in_buckets = len(set(plan.buckets) & set(counters.bucket_names(moment)))
    in_edges = sum(1 for lo, hi in plan.edges if lo <= key <= hi + "~")
    return in_buckets + in_edges


@pytest.mark.parametrize("seed", range(40))
def test_every_moment_of_a_window_is_counted_once_and_nothing_outside(seed: int) -> None:
    rng = random.Random(seed)
    start = BASE + timedelta(seconds=rng.randrange(0, 5 * 86400), microseconds=rng.randrange(10**6))
    end = start + timedelta(seconds=rng.choice([0, 30, 61, 3599, 3 * 3600 + 7, 86400 * rng.randrange(1, 9)]))
    plan = counters.window(clock.key_time(start), clock.key_time(end))
    span = (end - start).total_seconds()
    for _ in range(300):
        inside = start + timedelta(seconds=rng.uniform(0, span)) if span else start
        assert _times_counted(plan, inside) == 1, (start, end, inside)
    for outside in (start - timedelta(microseconds=1), end + timedelta(seconds=1), start - timedelta(days=2)):
        assert _times_counted(plan, outside) == 0, (start, end, outside)


def test_reads_stay_bounded_whatever_the_width() -> None:
    start = BASE + timedelta(minutes=7, seconds=3)
    for days in (1, 30, 365):
        plan = counters.window(clock.key_time(start), clock.key_time(start + timedelta(days=days, hours=5)))
        assert len(plan.edges) <= 2
        assert len(plan.buckets) <= days + 2 * (23 + 59)


def test_an_open_window_counts_what_lies_after_it_to_subtract() -> None:
    plan = counters.window(None, clock.key_time(clock.now() - timedelta(days=1)))
    assert plan.subtract_from_total and (plan.buckets or plan.edges)
