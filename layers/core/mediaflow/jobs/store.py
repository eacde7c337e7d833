"""The only module that reads and writes job records in DynamoDB.

Item layout (single table, see README "Data design"):

    pk      = P#<project>                sk     = <KIND>#<id>
    gsi1pk  = P#<project>#<KIND>          gsi1sk = <created>#<id>     (a kind, by creation time)
    gsi2pk  = P#<project>#<KIND>#<status> gsi2sk = <created>#<id>     (a kind in one status)
    gsi3pk/gsi3sk                                                     (optional alternate lookup)
    status, version, created_at, updated_at, doc (the record's JSON)

Because the partition key carries the project, a lookup can only ever see the caller's items.
Every change is a read-modify-write conditioned on ``version``; losers re-read and retry. The
same transaction moves the project's per-kind and per-status counts, so totals are one read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from mediaflow import aws, clock, cursors
from mediaflow.errors import Conflict, NotFound
from mediaflow.jobs import counters
from mediaflow.jobs.states import Kind, machine
from mediaflow.settings import get_settings


@dataclass(frozen=True)
class Record:
    kind: Kind
    project_id: str
    id: str
    status: str
    created_at: str  # clock.key_time
    doc: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    updated_at: str = ""
    lookup: tuple[str, str] | None = None  # (gsi3pk, gsi3sk)
    expires_at: int | None = None


@dataclass(frozen=True)
class Page:
    records: list[Record]
    cursor: str | None  # opaque; None when there is nothing more


def _key(kind: Kind, project_id: str, record_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"P#{project_id}"}, "sk": {"S": f"{kind.value}#{record_id}"}}


def _to_item(record: Record) -> dict[str, Any]:
    kind, pid = record.kind.value, record.project_id
    sort = f"{record.created_at}#{record.id}"
    item: dict[str, Any] = {
        **_key(record.kind, pid, record.id),
        "kind": {"S": kind},
        "project_id": {"S": pid},
        "id": {"S": record.id},
        "status": {"S": record.status},
        "version": {"N": str(record.version)},
        "created_at": {"S": record.created_at},
        "updated_at": {"S": record.updated_at or record.created_at},
        "doc": {
            "S": json.dumps(record.doc, separators=(",", ":"))
        },  # key order kept: CI XML bodies depend on it
        "gsi1pk": {"S": f"P#{pid}#{kind}"},
        "gsi1sk": {"S": sort},
        "gsi2pk": {"S": f"P#{pid}#{kind}#{record.status}"},
        "gsi2sk": {"S": sort},
    }
    if record.lookup:
        item["gsi3pk"], item["gsi3sk"] = {"S": record.lookup[0]}, {"S": record.lookup[1]}
    if record.expires_at:
        item["expires_at"] = {"N": str(record.expires_at)}
    return item


def _from_item(item: dict[str, Any]) -> Record:
    lookup = (item["gsi3pk"]["S"], item["gsi3sk"]["S"]) if "gsi3pk" in item else None
    return Record(
        kind=Kind(item["kind"]["S"]),
        project_id=item["project_id"]["S"],
        id=item["id"]["S"],
        status=item["status"]["S"],
        created_at=item["created_at"]["S"],
        doc=json.loads(item["doc"]["S"]),
        version=int(item["version"]["N"]),
        updated_at=item.get("updated_at", {}).get("S", ""),
        lookup=lookup,
        expires_at=int(item["expires_at"]["N"]) if "expires_at" in item else None,
    )


def _ddb() -> Any:
    return aws.client("dynamodb")


def _cancelled_by_condition(exc: Exception) -> bool:
    reasons = getattr(exc, "response", {}).get("CancellationReasons", [])
    return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)


def create(record: Record) -> Record:
    """Insert a new record in its kind's initial state; refuses to overwrite an existing id."""
    if record.status != machine(record.kind).initial:
        raise ValueError(f"{record.kind.value} must start in {machine(record.kind).initial}")
    stamped = replace(record, version=1, updated_at=record.updated_at or clock.key_time(clock.now()))
    kind = record.kind.value
    try:
        _ddb().transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": get_settings().table_name,
                        "Item": _to_item(stamped),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                counters.count_update(record.project_id, kind, 1),
                counters.count_update(record.project_id, f"{kind}#{record.status}", 1),
            ]
        )
    except _ddb().exceptions.TransactionCanceledException as exc:
        if _cancelled_by_condition(exc):
            raise Conflict(f"{kind} {record.id} exists") from exc
        raise
    return stamped


def get(kind: Kind, project_id: str, record_id: str, *, consistent: bool = True) -> Record:
    found = (
        _ddb()
        .get_item(
            TableName=get_settings().table_name,
            Key=_key(kind, project_id, record_id),
            ConsistentRead=consistent,
        )
        .get("Item")
    )
    if not found:
        raise NotFound(f"{kind.value} {record_id}")
    return _from_item(found)


Mutation = Callable[[Record], Record | None]


def update(kind: Kind, project_id: str, record_id: str, mutate: Mutation, *, attempts: int = 5) -> Record:
    """Apply ``mutate`` to the current record and write it if nobody wrote in between.

    ``mutate`` returns the new record, or None to leave it unchanged (then the current record is
    returned). A status change must be an edge of the kind's state machine.
    """
    for _ in range(attempts):
        current = get(kind, project_id, record_id)
        changed = mutate(current)
        if changed is None:
            return current
        machine(kind).check(current.status, changed.status)
        written = replace(changed, version=current.version + 1, updated_at=clock.key_time(clock.now()))
        put = {
            "TableName": get_settings().table_name,
            "Item": _to_item(written),
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": str(current.version)}},
        }
        try:
            if written.status == current.status:
                _ddb().put_item(**put)
            else:
                name = current.kind.value
                _ddb().transact_write_items(
                    TransactItems=[
                        {"Put": put},
                        counters.count_update(project_id, f"{name}#{current.status}", -1),
                        counters.count_update(project_id, f"{name}#{written.status}", 1),
                    ]
                )
            return written
        except _ddb().exceptions.ConditionalCheckFailedException:
            continue
        except _ddb().exceptions.TransactionCanceledException as exc:
            if _cancelled_by_condition(exc):
                continue
            raise
    raise Conflict(f"{kind.value} {record_id}: too many concurrent writers")


def _encode_cursor(key: dict[str, Any] | None, scope: str = "") -> str | None:
    return cursors.seal(key, scope) if key else None


def _decode_cursor(cursor: str | None, scope: str = "") -> dict[str, Any] | None:
    return cursors.unseal(cursor, scope) if cursor else None  # InvalidCursor (a ValueError) if forged


def _range_condition(start: str | None, end: str | None) -> tuple[str, dict[str, Any]]:
    """created_at bounds on the index sort key (``<created>#<id>``); end is inclusive to the second."""
    if start and end:
        return " AND #s BETWEEN :lo AND :hi", {":lo": {"S": start}, ":hi": {"S": end + "~"}}
    if start:
        return " AND #s >= :lo", {":lo": {"S": start}}
    if end:
        return " AND #s <= :hi", {":hi": {"S": end + "~"}}
    return "", {}


def _index_query(
    kind: Kind, project_id: str, status: str | None, start: str | None, end: str | None
) -> dict[str, Any]:
    index, hash_value = (
        ("gsi2", f"P#{project_id}#{kind.value}#{status}")
        if status
        else (
            "gsi1",
            f"P#{project_id}#{kind.value}",
        )
    )
    extra, values = _range_condition(start, end)
    return {
        "TableName": get_settings().table_name,
        "IndexName": index,
        "KeyConditionExpression": f"#h = :h{extra}",
        "ExpressionAttributeNames": {"#h": f"{index}pk", **({"#s": f"{index}sk"} if extra else {})},
        "ExpressionAttributeValues": {":h": {"S": hash_value}, **values},
    }


def list_page(
    kind: Kind,
    project_id: str,
    *,
    status: str | None = None,
    start: str | None = None,
    end: str | None = None,
    limit: int = 10,
    cursor: str | None = None,
    newest_first: bool = True,
) -> Page:
    """One page of a project's records of a kind (optionally in one status, within created bounds)."""
    query = _index_query(kind, project_id, status, start, end)
    query.update({"Limit": limit, "ScanIndexForward": not newest_first})
    scope = cursors.scope(query["IndexName"], query["ExpressionAttributeValues"], not newest_first)
    start_key = _decode_cursor(cursor, scope)
    if start_key:
        query["ExclusiveStartKey"] = start_key
    result = _ddb().query(**query)
    return Page(
        [_from_item(i) for i in result.get("Items", [])],
        _encode_cursor(result.get("LastEvaluatedKey"), scope),
    )


def count(
    kind: Kind,
    project_id: str,
    *,
    status: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> int:
    """How many records match. Without time bounds: the count kept by every write (one read).
    With them: the index counts keys in the window (Select=COUNT; grows with the window only)."""
    if start is None and end is None:
        name = f"{kind.value}#{status}" if status else kind.value
        return counters.read(project_id, [name])[name]
    query = _index_query(kind, project_id, status, start, end)
    query["Select"] = "COUNT"
    total = 0
    while True:
        result = _ddb().query(**query)
        total += int(result.get("Count", 0))
        if "LastEvaluatedKey" not in result:
            return total
        query["ExclusiveStartKey"] = result["LastEvaluatedKey"]


def find_by_lookup(
    lookup_pk: str, *, limit: int = 100, ascending: bool = False, below: str | None = None
) -> list[Record]:
    """Records whose alternate key is ``lookup_pk`` (optionally with a sort key below ``below``)."""
    condition, values = "gsi3pk = :h", {":h": {"S": lookup_pk}}
    if below is not None:
        condition += " AND gsi3sk < :b"
        values[":b"] = {"S": below}
    result = _ddb().query(
        TableName=get_settings().table_name,
        IndexName="gsi3",
        KeyConditionExpression=condition,
        ExpressionAttributeValues=values,
        Limit=limit,
        ScanIndexForward=ascending,
    )
    return [_from_item(i) for i in result.get("Items", [])]


def get_many(kind: Kind, project_id: str, record_ids: list[str]) -> list[Record]:
    """Several records of one project by id (one BatchGetItem; missing ones are left out)."""
    if not record_ids:
        return []
    table = get_settings().table_name
    keys = [_key(kind, project_id, rid) for rid in dict.fromkeys(record_ids)]
    result = _ddb().batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})
    found = {r.id: r for r in (_from_item(i) for i in result["Responses"].get(table, []))}
    return [found[rid] for rid in dict.fromkeys(record_ids) if rid in found]
