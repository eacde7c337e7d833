"""``GET /v1/{project_id}/transcodings`` exactly as seed 003 describes it.

- ``task_id`` (at most 10, repeated or comma-separated) wins over every other filter;
- ``status``, ``start_time``/``end_time`` (``yyyymmddhhmmss``, UTC), ``page`` (from 0) and
  ``size`` (1-100, default 10) otherwise; anything malformed is ``MPC.10202``.

Reads: one BatchGetItem for ids; otherwise (page + 1) * size index items plus the counters for
``total`` (one; a time window reads its whole days/hours/minutes and counts only the keys of its
two edge minutes, see ``records.counters``) - never a Scan, and never more
because the table is bigger.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from mediaflow import clock
from mediaflow.api.mpc_errors import invalid
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.records.states import TRANSCODE
from mediaflow.transcode.records import TaskDoc
from mediaflow.transcode.task_views import task_view

STATUSES = (*sorted(TRANSCODE.states), "NEED_TO_BE_AUDIT")
MAX_IDS = 10


def parse_ids(values: list[str]) -> list[str]:
    ids = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if len(ids) > MAX_IDS:
        raise invalid(f"task_id accepts at most {MAX_IDS} ids")
    if not all(i.isdigit() and len(i) <= 18 for i in ids):
        raise invalid("task_id must be integers")
    return [str(int(i)) for i in ids]


def parse_time(value: str | None, name: str, *, end_of_second: bool = False) -> str | None:
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


def parse_int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    if not value.lstrip("-").isdigit() or not low <= int(value) <= high:
        raise invalid(f"{name} must be an integer in [{low}, {high}]")
    return int(value)


def query(
    project_id: str,
    *,
    task_ids: list[str],
    status: str | None,
    start_time: str | None,
    end_time: str | None,
    page: str | None,
    size: str | None,
) -> dict[str, Any]:
    ids = parse_ids(task_ids)
    page_no = parse_int(page, "page", 0, 0, 100_000)
    page_size = parse_int(size, "size", 10, 1, 100)
    if status is not None and status not in STATUSES:
        raise invalid(f"status must be one of {', '.join(STATUSES)}")
    start, end = parse_time(start_time, "start_time"), parse_time(end_time, "end_time", end_of_second=True)
    if start and end and start > end:
        raise invalid("start_time is after end_time")
    if ids:
        records = store.get_many(TaskDoc, project_id, ids)
        return {"task_array": [task_view(r) for r in records], "is_truncated": 0, "total": len(records)}

    records = _page(project_id, status, start, end, page_no, page_size)
    total = store.count(TaskDoc, project_id, status=status, start=start, end=end)
    return {
        "task_array": [task_view(r) for r in records],
        "is_truncated": 1 if (page_no + 1) * page_size < total else 0,
        "total": total,
    }


def _page(
    project_id: str, status: str | None, start: str | None, end: str | None, page_no: int, page_size: int
) -> list[Record[TaskDoc]]:
    """Page ``page_no`` (newest first): walks the index page by page, reading (page + 1) * size items."""
    cursor: str | None = None
    for index in range(page_no + 1):
        found = store.list_page(
            TaskDoc, project_id, status=status, start=start, end=end, limit=page_size, cursor=cursor
        )
        if index == page_no:
            return found.records
        cursor = found.cursor
        if cursor is None:
            return []  # fewer pages than asked for
    return []
