"""GetVideoList (VOD): a project's videos, newest first, by status and creation time, paged.

Parameters as VOD names them: ``Status`` (one or several, comma-separated), ``StartTime`` /
``EndTime`` (ISO 8601 UTC, ``2026-01-01T00:00:00Z``), ``PageNo`` (from 1), ``PageSize`` (1-100,
default 10), ``SortBy`` (``CreationTime:Desc`` default, or ``CreationTime:Asc``).

Reads: ``PageNo x PageSize`` index items per status plus one count per status - never a Scan. So
that a deep page cannot cost an unbounded read, ``PageNo x PageSize`` is capped at 5,000 (narrow
the time window to go further back), an explicit Mediaflow limit.
"""

from __future__ import annotations

import heapq
from datetime import UTC, datetime
from typing import Any

from mediaflow import clock
from mediaflow.api import vod_errors
from mediaflow.errors import ApiError
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.records.states import VIDEO
from mediaflow.uploads.records import VideoDoc
from mediaflow.uploads.views import video_info

MAX_PAGE_SIZE = 100
MAX_WINDOW = 5000
SORTS = ("CreationTime:Desc", "CreationTime:Asc")


def invalid(message: str) -> ApiError:
    return vod_errors.invalid_message(message)


def _statuses(value: str | None) -> list[str | None]:
    if not value:
        return [None]
    wanted = list(dict.fromkeys(s.strip() for s in value.split(",") if s.strip()))
    unknown = [s for s in wanted if s not in VIDEO.states]
    if unknown:
        raise invalid(f"Status must be among {', '.join(sorted(VIDEO.states))}: {', '.join(unknown)}")
    return list(wanted) or [None]


def _time(value: str | None, name: str, *, end: bool = False) -> str | None:
    if not value:
        return None
    try:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise invalid(f"{name} must be yyyy-MM-ddTHH:mm:ssZ (UTC)") from exc
    if end:
        moment = moment.replace(microsecond=999_999)
    return clock.key_time(moment)


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    assert value is not None
    if not value.isdigit() or not low <= int(value) <= high:
        raise invalid(f"{name} must be an integer in [{low}, {high}]")
    return int(value)


def _first(
    project_id: str, status: str | None, start: str | None, end: str | None, n: int, newest: bool
) -> list[Record[VideoDoc]]:
    """The first ``n`` records of one index partition in the requested order."""
    records: list[Record[VideoDoc]] = []
    cursor: str | None = None
    while len(records) < n:
        page = store.list_page(
            VideoDoc,
            project_id,
            status=status,
            start=start,
            end=end,
            limit=min(MAX_PAGE_SIZE, n - len(records)),
            cursor=cursor,
            newest_first=newest,
        )
        records.extend(page.records)
        cursor = page.cursor
        if cursor is None:
            break
    return records


def video_list(
    project_id: str,
    *,
    status: str | None = None,
    start_time: str | None = None,
    end_time: str | None = None,
    page_no: str | None = None,
    page_size: str | None = None,
    sort_by: str | None = None,
) -> dict[str, Any]:
    statuses = _statuses(status)
    start, end = _time(start_time, "StartTime"), _time(end_time, "EndTime", end=True)
    if start and end and start > end:
        raise invalid("StartTime is after EndTime")
    number = _int(page_no, "PageNo", 1, 1, MAX_WINDOW)
    size = _int(page_size, "PageSize", 10, 1, MAX_PAGE_SIZE)
    if number * size > MAX_WINDOW:
        raise invalid(f"PageNo x PageSize must be at most {MAX_WINDOW}; narrow StartTime/EndTime instead")
    order = sort_by or SORTS[0]
    if order not in SORTS:
        raise invalid(f"SortBy must be {' or '.join(SORTS)}")
    newest = order == SORTS[0]
    wanted = number * size
    runs = [_first(project_id, s, start, end, wanted, newest) for s in statuses]

    def sort_key(record: Record[VideoDoc]) -> str:
        return f"{record.created_at}#{record.id}"

    merged = list(heapq.merge(*runs, key=sort_key, reverse=newest)) if len(runs) > 1 else runs[0]
    chosen = merged[(number - 1) * size : wanted]
    total = sum(store.count(VideoDoc, project_id, status=s, start=start, end=end) for s in statuses)
    return {"Total": total, "VideoList": {"Video": [_summary(r) for r in chosen]}}


def _summary(record: Record[VideoDoc]) -> dict[str, Any]:
    """GetVideoList's item: the GetVideoInfo video fields (no Mezzanine), plus ``SourceObject`` (a
    Mediaflow extension): the source's key, as transcoding, smart-cover and play-url requests take it."""
    return {**video_info(record)["Video"], "SourceObject": record.doc.object_key}
