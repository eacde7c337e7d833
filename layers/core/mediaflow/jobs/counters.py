"""Per-project counters in the table: integer id sequences (MPC task and template ids) and
record counts per kind and status, kept exact by the store so totals never need a Scan."""

from __future__ import annotations

from typing import Any

from mediaflow import aws
from mediaflow.settings import get_settings


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


def read(project_id: str, names: list[str]) -> dict[str, int]:
    """Current values of several counts (missing ones are 0), in one BatchGetItem."""
    if not names:
        return {}
    table = get_settings().table_name
    keys = [_key(project_id, f"COUNT#{n}") for n in names]
    request = {table: {"Keys": keys, "ConsistentRead": True}}
    found = aws.client("dynamodb").batch_get_item(RequestItems=request)["Responses"][table]
    values = {i["sk"]["S"].removeprefix("COUNTER#COUNT#"): int(i["value"]["N"]) for i in found}
    return {n: values.get(n, 0) for n in names}
