"""``GET /jobs`` (DescribeMediaJobs): a project's SmartCover jobs, newest (or oldest) first.

Query: ``tag`` (SmartCover, required), ``queueId``, ``states`` (comma list of All, Submitted,
Running, Success, Failed, Pause, Cancel), ``startCreationTime`` / ``endCreationTime``
(``%Y-%m-%dT%H:%M:%S%z``, e.g. ``2001-01-01T00:00:00+0800``; a '+' that arrived as a space
because it was not URL-encoded is taken as '+'), ``inputObject`` (exact), ``orderByTime``
(Desc | Asc), ``size`` (1-100, default 10), ``nextToken`` (from the previous answer; empty when
there is nothing more).

One state (or All) without ``inputObject`` is one index query. Several states, or
``inputObject``, read the kind's index in order and keep what matches, each read asking only for
as many items as are still missing (so a token always resumes exactly where the page ended),
at most ``MAX_READS`` reads per page: a page may then hold fewer than ``size`` jobs while
NextToken is not empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mediaflow import clock
from mediaflow.api.ci_errors import invalid
from mediaflow.ci.models import TAG
from mediaflow.ci.queues import queue_id_for
from mediaflow.ci.records import CoverJobDoc
from mediaflow.ci.views import jobs_detail
from mediaflow.errors import InvalidCursor
from mediaflow.records import store
from mediaflow.records.model import Page, Record
from mediaflow.records.states import SMART_COVER, CoverJobState

STATES = tuple(CoverJobState)
MAX_READS = 20
_UNENCODED_PLUS = re.compile(r" (\d{2}:?\d{2})$")


@dataclass(frozen=True)
class Window:
    start: str | None
    end: str | None
    newest_first: bool

    def read(
        self, project_id: str, *, status: str | None, limit: int, cursor: str | None
    ) -> Page[CoverJobDoc]:
        return store.list_page(
            CoverJobDoc,
            project_id,
            status=status,
            start=self.start,
            end=self.end,
            limit=limit,
            cursor=cursor,
            newest_first=self.newest_first,
        )


def _states(value: str | None) -> list[str] | None:
    names = [s.strip() for s in (value or "").split(",") if s.strip()]
    if not names or "All" in names:
        return None
    unknown = [n for n in names if n not in SMART_COVER.states]
    if unknown:
        raise invalid(f"states must be All or a comma list of {', '.join(STATES)}")
    return list(dict.fromkeys(names))


def _time(value: str | None, name: str) -> str | None:
    if not value:
        return None
    text = _UNENCODED_PLUS.sub(r"+\1", value.strip())
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError as exc:
        raise invalid(f"{name} must look like 2001-01-01T00:00:00+0800") from exc
    return clock.key_time(moment)


def _size(value: str | None) -> int:
    if value is None or value == "":
        return 10
    if not value.isdigit() or not 1 <= int(value) <= 100:
        raise invalid("size must be an integer in [1, 100]")
    return int(value)


def list_jobs(
    project_id: str,
    *,
    tag: str | None,
    queue_id: str | None,
    states: str | None,
    start_time: str | None,
    end_time: str | None,
    input_object: str | None,
    order: str | None,
    size: str | None,
    next_token: str | None,
) -> dict[str, Any]:
    if tag != TAG:
        raise invalid(f"tag is required and must be {TAG}")
    if order not in (None, "", "Desc", "Asc"):
        raise invalid("orderByTime must be Desc or Asc")
    wanted, limit = _states(states), _size(size)
    start, end = _time(start_time, "startCreationTime"), _time(end_time, "endCreationTime")
    if start and end and start > end:
        raise invalid("startCreationTime is after endCreationTime")
    if queue_id and queue_id != queue_id_for(project_id):
        return {"JobsDetail": [], "NextToken": ""}
    window = Window(start, end, newest_first=order != "Asc")
    try:
        if input_object is None and (wanted is None or len(wanted) == 1):
            status = wanted[0] if wanted else None
            page = window.read(project_id, status=status, limit=limit, cursor=next_token)
            records, cursor = page.records, page.cursor
        else:
            records, cursor = _filtered(project_id, wanted, input_object, limit, next_token, window)
    except InvalidCursor as exc:
        raise invalid("nextToken is not valid") from exc
    return {"JobsDetail": [jobs_detail(r) for r in records], "NextToken": cursor or ""}


def _filtered(
    project_id: str,
    wanted: list[str] | None,
    input_object: str | None,
    limit: int,
    cursor: str | None,
    window: Window,
) -> tuple[list[Record[CoverJobDoc]], str | None]:
    kept: list[Record[CoverJobDoc]] = []
    for _ in range(MAX_READS):
        page = window.read(project_id, status=None, limit=limit - len(kept), cursor=cursor)
        kept += [
            r
            for r in page.records
            if (wanted is None or r.status in wanted)
            and (input_object is None or r.doc.input_object == input_object)
        ]
        cursor = page.cursor
        if cursor is None or len(kept) == limit:
            break
    return kept, cursor
