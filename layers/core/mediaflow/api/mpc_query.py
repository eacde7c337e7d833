"""The MPC task-list query every MPC task kind shares (seed 003's rules).

- ``task_id`` (at most 10, repeated or comma-separated) wins over every other filter;
- ``status``, ``start_time``/``end_time`` (``yyyymmddhhmmss``, UTC), ``page`` (from 0) and
  ``size`` (1-100, default 10) otherwise; anything malformed is ``MPC.10202``.

Reads: one BatchGetItem for ids; otherwise (page + 1) * size index items plus the counters for
``total`` (one; a time window reads its whole days/hours/minutes and counts only the keys of its
two edge minutes, see ``records.counters``) - never a Scan, and never more because the table is
bigger. The kind's model must keep counts by time (``COUNTED_BY_TIME``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic

from mediaflow import clock
from mediaflow.api.mpc_errors import invalid
from mediaflow.records import store
from mediaflow.records.model import D, Record

MAX_IDS = 10


def task_ids(values: Iterable[str]) -> list[str]:
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if len(ids) > MAX_IDS:
        raise invalid(f"task_id accepts at most {MAX_IDS} ids")
    if not all(i.isdigit() and len(i) <= 18 for i in ids):
        raise invalid("task_id must be integers")
    return [str(int(i)) for i in ids]


def time_bound(value: str | None, name: str, *, end_of_second: bool = False) -> str | None:
    """A ``yyyymmddhhmmss`` bound as an index sort key; an end bound covers its whole second."""
    if value is None:
        return None
    try:
        if len(value) != 14 or not value.isdigit():
            raise ValueError(value)
        moment = datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError as exc:
        raise invalid(f"{name} must be yyyymmddhhmmss (UTC)") from exc
    if end_of_second:
        moment += timedelta(microseconds=999_999)
    return clock.key_time(moment)


def bounded_int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    if not value.lstrip("-").isdigit() or not low <= int(value) <= high:
        raise invalid(f"{name} must be an integer in [{low}, {high}]")
    return int(value)


@dataclass(frozen=True)
class ListSpec(Generic[D]):
    """How one kind's list answers: its model, the statuses a filter may name, its view, and the
    name of its array (``task_array`` for transcodings and snapshots, ``tasks`` for the others)."""

    model: type[D]
    statuses: tuple[str, ...]
    view: Callable[[Record[D]], dict[str, Any]]
    array: str = "task_array"
    truncation: bool = True  # whether the answer carries ``is_truncated``
    # The views of a whole page at once, when they need a read of their own (a split task's progress).
    views: Callable[[str, list[Record[D]]], list[dict[str, Any]]] | None = None


def query(
    spec: ListSpec[D],
    project_id: str,
    *,
    task_ids_given: list[str],
    status: str | None,
    start_time: str | None,
    end_time: str | None,
    page: str | None,
    size: str | None,
) -> dict[str, Any]:
    ids = task_ids(task_ids_given)
    page_no = bounded_int(page, "page", 0, 0, 100_000)
    page_size = bounded_int(size, "size", 10, 1, 100)
    if status is not None and status not in spec.statuses:
        raise invalid(f"status must be one of {', '.join(spec.statuses)}")
    start, end = time_bound(start_time, "start_time"), time_bound(end_time, "end_time", end_of_second=True)
    if start and end and start > end:
        raise invalid("start_time is after end_time")
    if ids:
        records = store.get_many(spec.model, project_id, ids)
        return _answer(spec, project_id, records, len(records), truncated=False)
    known = status is None or status in _stored_statuses(spec)
    records = _page(spec, project_id, status, start, end, page_no, page_size) if known else []
    total = store.count(spec.model, project_id, status=status, start=start, end=end) if known else 0
    return _answer(spec, project_id, records, total, truncated=(page_no + 1) * page_size < total)


def _stored_statuses(spec: ListSpec[Any]) -> frozenset[str]:
    from mediaflow.records.states import machine

    return machine(spec.model.KIND).states


def _answer(
    spec: ListSpec[D], project_id: str, records: list[Record[D]], total: int, *, truncated: bool
) -> dict[str, Any]:
    views = spec.views(project_id, records) if spec.views else [spec.view(r) for r in records]
    answer: dict[str, Any] = {spec.array: views, "total": total}
    if spec.truncation:
        answer["is_truncated"] = 1 if truncated else 0
    return answer


def _page(
    spec: ListSpec[D],
    project_id: str,
    status: str | None,
    start: str | None,
    end: str | None,
    page_no: int,
    page_size: int,
) -> list[Record[D]]:
    """Page ``page_no`` (newest first): walks the index page by page, reading (page + 1) * size items."""
    cursor: str | None = None
    for index in range(page_no + 1):
        found = store.list_page(
            spec.model, project_id, status=status, start=start, end=end, limit=page_size, cursor=cursor
        )
        if index == page_no:
            return found.records
        cursor = found.cursor
        if cursor is None:
            return []  # fewer pages than asked for
    return []
