"""``GET /v1/{project_id}/remux`` (ListRemuxTask): by ``task_id`` (<= 10), or by ``status`` and
``start_time``/``end_time`` (``yyyymmddhhmmss`` UTC) with ``page``/``size``, as the transcoding
query reads (same parsing, same counters for ``total``).

``input_bucket``/``input_object`` filter the newest ``FILTER_WINDOW`` tasks of the other filters
(their ``total`` counts the matches in that window): no index serves them, and a Scan never runs.
"""

from __future__ import annotations

from typing import Any

from mediaflow.api.mpc_errors import invalid
from mediaflow.api.mpc_query import bounded_int as parse_int
from mediaflow.api.mpc_query import task_ids as parse_ids
from mediaflow.api.mpc_query import time_bound as parse_time
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.records.states import REMUX
from mediaflow.remux.records import RemuxDoc
from mediaflow.remux.views import remux_view

STATUSES = (*sorted(REMUX.states), "INIT")
FILTER_WINDOW = 1000


def query(
    project_id: str,
    *,
    task_ids: list[str],
    status: str | None,
    start_time: str | None,
    end_time: str | None,
    input_bucket: str | None,
    input_object: str | None,
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
        records = store.get_many(RemuxDoc, project_id, ids)
        return {"total": len(records), "tasks": [remux_view(r) for r in records]}
    if status == "INIT":
        return {"total": 0, "tasks": []}  # never used: a task is WAITING once accepted
    if input_bucket or input_object:
        found = [
            r for r in _newest(project_id, status, start, end) if _matches(r, input_bucket, input_object)
        ]
        chosen = found[page_no * page_size : (page_no + 1) * page_size]
        return {"total": len(found), "tasks": [remux_view(r) for r in chosen]}
    records = _page(project_id, status, start, end, page_no, page_size)
    total = store.count(RemuxDoc, project_id, status=status, start=start, end=end)
    return {"total": total, "tasks": [remux_view(r) for r in records]}


def _matches(record: Record[RemuxDoc], bucket: str | None, obj: str | None) -> bool:
    given = record.doc.request.get("input") or {}
    return (not bucket or given.get("bucket") == bucket) and (not obj or given.get("object") == obj)


def _newest(
    project_id: str, status: str | None, start: str | None, end: str | None
) -> list[Record[RemuxDoc]]:
    found: list[Record[RemuxDoc]] = []
    cursor: str | None = None
    while len(found) < FILTER_WINDOW:
        page = store.list_page(
            RemuxDoc, project_id, status=status, start=start, end=end, limit=100, cursor=cursor
        )
        found += page.records
        cursor = page.cursor
        if cursor is None:
            break
    return found[:FILTER_WINDOW]


def _page(
    project_id: str, status: str | None, start: str | None, end: str | None, page_no: int, page_size: int
) -> list[Record[RemuxDoc]]:
    cursor: str | None = None
    for index in range(page_no + 1):
        found = store.list_page(
            RemuxDoc, project_id, status=status, start=start, end=end, limit=page_size, cursor=cursor
        )
        if index == page_no:
            return found.records
        cursor = found.cursor
        if cursor is None:
            return []
    return []
