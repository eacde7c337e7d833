"""Time in the formats the three API families use, from one clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def now() -> datetime:
    return datetime.now(UTC)


def now_minus(seconds: float) -> datetime:
    return now() - timedelta(seconds=seconds)


def iso_z(moment: datetime) -> str:
    """VOD style: ``2019-01-01T01:01:01Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def compact(moment: datetime) -> str:
    """MPC style: ``yyyymmddhhmmss`` in UTC."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def ci_style(moment: datetime) -> str:
    """CI style: ``2022-06-27T15:23:10+0000``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S%z")


def key_time(moment: datetime) -> str:
    """Sortable, fixed-width form used in index sort keys (microseconds keep order within a second)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_key_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
