"""Per-project counters in the table: integer id sequences (MPC task and template ids) and record
counts per kind and status, kept exact by the store so totals never need a Scan.

Kinds queried by creation time with a total (MPC task lists: ``start_time``/``end_time``) also
keep their counts per day, hour and minute of creation (``COUNTED_BY_TIME`` on the body model).
A window's total is then the sum of the whole days, hours and minutes inside it plus the keys of
the two partial minutes at its edges: a bounded number of reads whatever the window's width or
the number of records in it (at most ~170 counters and two one-minute index counts).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mediaflow import aws, clock
from mediaflow.records.model import Record
from mediaflow.records.states import Kind
from mediaflow.settings import get_settings

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
MICROSECOND = timedelta(microseconds=1)
BATCH_GET_MAX = 100


def _key(project_id: str, name: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"P#{project_id}"}, "sk": {"S": f"COUNTER#{name}"}}


def next_id(project_id: str, sequence: str, *, start: int = 1) -> int:
    """The next integer of a per-project sequence (atomic ADD; gaps possible, never duplicates)."""
    result = aws.client("dynamodb").update_item(
        TableName=get_settings().table_name,
        Key=_key(project_id, f"SEQ#{sequence}"),
        UpdateExpression="ADD #v :one",
        ExpressionAttributeNames={"#v": "value"},
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )
    return int(result["Attributes"]["value"]["N"]) + start - 1


def count_update(project_id: str, name: str, delta: int) -> dict[str, Any]:
    """A TransactWriteItems ``Update`` that moves one count by ``delta``."""
    return {
        "Update": {
            "TableName": get_settings().table_name,
            "Key": _key(project_id, f"COUNT#{name}"),
            "UpdateExpression": "ADD #v :d",
            "ExpressionAttributeNames": {"#v": "value"},
            "ExpressionAttributeValues": {":d": {"N": str(delta)}},
        }
    }


def _name(kind: Kind, status: str | None) -> str:
    return f"{kind.value}#{status}" if status else kind.value


def bucket_names(moment: datetime) -> list[str]:
    """The day, hour and minute buckets a creation time falls in."""
    return [moment.strftime("D%Y%m%d"), moment.strftime("H%Y%m%d%H"), moment.strftime("M%Y%m%d%H%M")]


def _kind_names(record: Record[Any]) -> list[str]:
    return _with_buckets(record, _name(record.kind, None))


def _status_names(record: Record[Any], status: str) -> list[str]:
    return _with_buckets(record, _name(record.kind, status))


def _with_buckets(record: Record[Any], name: str) -> list[str]:
    if not record.doc.COUNTED_BY_TIME:
        return [name]
    return [name, *(f"{name}@{b}" for b in bucket_names(clock.parse_key_time(record.created_at)))]


def on_create(record: Record[Any]) -> list[dict[str, Any]]:
    names = _kind_names(record) + _status_names(record, str(record.status))
    return [count_update(record.project_id, n, 1) for n in names]


def on_remove(record: Record[Any]) -> list[dict[str, Any]]:
    names = _kind_names(record) + _status_names(record, str(record.status))
    return [count_update(record.project_id, n, -1) for n in names]


def on_status_change(current: Record[Any], target: str) -> list[dict[str, Any]]:
    """Moves between the status counts (the kind's own counts do not change)."""
    pid = current.project_id
    return [count_update(pid, n, -1) for n in _status_names(current, str(current.status))] + [
        count_update(pid, n, 1) for n in _status_names(current, target)
    ]


def read(project_id: str, names: list[str]) -> dict[str, int]:
    """Current values of several counts (missing ones are 0), in BatchGetItems of 100."""
    if not names:
        return {}
    table = get_settings().table_name
    values: dict[str, int] = {}
    unique = list(dict.fromkeys(names))
    for start in range(0, len(unique), BATCH_GET_MAX):
        keys = [_key(project_id, f"COUNT#{n}") for n in unique[start : start + BATCH_GET_MAX]]
        request = {table: {"Keys": keys, "ConsistentRead": True}}
        found = aws.client("dynamodb").batch_get_item(RequestItems=request)["Responses"][table]
        values.update({i["sk"]["S"].removeprefix("COUNTER#COUNT#"): int(i["value"]["N"]) for i in found})
    return {n: values.get(n, 0) for n in names}


def read_total(project_id: str, kind: Kind, status: str | None) -> int:
    name = _name(kind, status)
    return read(project_id, [name])[name]


def read_buckets(project_id: str, kind: Kind, status: str | None, buckets: list[str]) -> int:
    names = [f"{_name(kind, status)}@{b}" for b in buckets]
    return sum(read(project_id, names).values())


@dataclass(frozen=True)
class WindowPlan:
    buckets: list[str] = field(default_factory=list)  # whole days/hours/minutes inside the window
    edges: list[tuple[str, str]] = field(default_factory=list)  # key-time ranges counted by the index
    subtract_from_total: bool = False  # the plan counts what lies *after* an open-ended window


def _floor(moment: datetime, step: timedelta) -> datetime:
    seconds = step.total_seconds()
    epoch = moment.timestamp()
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=moment.tzinfo)


def _cover(lo: datetime, hi: datetime) -> Iterator[str]:
    """Greedy: the biggest aligned bucket that starts at ``t`` and ends by ``hi`` (both minute-aligned)."""
    t = lo
    while t < hi:
        for step in (DAY, HOUR, MINUTE):
            if _floor(t, step) == t and t + step <= hi:
                yield bucket_names(t)[(DAY, HOUR, MINUTE).index(step)]
                t += step
                break


def window(start: str | None, end: str | None) -> WindowPlan:
    """How to count records created in [start, end] (key times; either may be open)."""
    if start is None and end is None:
        raise ValueError("a window needs a bound")
    if start is None:  # everything up to ``end`` = the total minus what came after it
        after = clock.key_time(clock.parse_key_time(str(end)) + MICROSECOND)
        plan = window(after, clock.key_time(clock.now() + HOUR))
        return WindowPlan(plan.buckets, plan.edges, subtract_from_total=True)
    lo = clock.parse_key_time(start)
    hi = clock.parse_key_time(end) if end is not None else clock.now() + HOUR
    if hi < lo:
        return WindowPlan()
    first_full, last_full = _floor(lo, MINUTE), _floor(hi, MINUTE)
    if first_full < lo:
        first_full += MINUTE
    if last_full <= first_full:
        return WindowPlan(edges=[(start, clock.key_time(hi))])
    edges = [(clock.key_time(last_full), clock.key_time(hi))]
    if lo < first_full:
        edges.insert(0, (start, clock.key_time(first_full - MICROSECOND)))
    return WindowPlan(list(_cover(first_full, last_full)), edges)
