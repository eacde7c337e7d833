"""Per-project usage counters by day: one item ``pk=P#<project>``, ``sk=USAGE#<yyyymmdd>`` whose
numeric attributes are moved with ``ADD`` when a job ends (``usage.record``), and read back for a
period with BatchGetItem - one key per day, never a Scan, whatever the number of tasks."""

from __future__ import annotations

from datetime import date
from typing import Any

from mediaflow import aws
from mediaflow.settings import get_settings

BATCH_GET_MAX = 100


def _key(project_id: str, day: date) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"P#{project_id}"}, "sk": {"S": f"USAGE#{day.strftime('%Y%m%d')}"}}


def add(project_id: str, day: date, amounts: dict[str, float]) -> None:
    """Add ``amounts`` (attribute -> number) to the day's counters in one atomic update."""
    wanted = {name: value for name, value in amounts.items() if value}
    if not wanted:
        return
    names = {f"#a{i}": name for i, name in enumerate(wanted)}
    values = {f":v{i}": {"N": repr(round(float(v), 6))} for i, v in enumerate(wanted.values())}
    aws.client("dynamodb").update_item(
        TableName=get_settings().table_name,
        Key=_key(project_id, day),
        UpdateExpression="ADD " + ", ".join(f"#a{i} :v{i}" for i in range(len(wanted))),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )


def read(project_id: str, days: list[date]) -> dict[date, dict[str, float]]:
    """The counters of each day (days without any are left out)."""
    table = get_settings().table_name
    found: dict[date, dict[str, float]] = {}
    by_sort = {f"USAGE#{d.strftime('%Y%m%d')}": d for d in days}
    for start in range(0, len(days), BATCH_GET_MAX):
        keys = [_key(project_id, d) for d in days[start : start + BATCH_GET_MAX]]
        request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
        while request:
            answer = aws.client("dynamodb").batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(table, []):
                numbers = {k: float(v["N"]) for k, v in item.items() if "N" in v}
                found[by_sort[item["sk"]["S"]]] = numbers
            request = answer.get("UnprocessedKeys") or {}
    return found
