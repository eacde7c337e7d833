"""The only module that reads and writes records in DynamoDB.

Item layout (single table, see README "Data design"):

    pk      = P#<project>                sk     = <KIND>#<id>
    gsi1pk  = P#<project>#<KIND>          gsi1sk = <created>#<id>     (a kind, by creation time)
    gsi2pk  = P#<project>#<KIND>#<status> gsi2sk = <created>#<id>     (a kind in one status)
    gsi3pk/gsi3sk                                                     (optional alternate lookup)
    kind, project_id, id, status, version, created_at, updated_at, doc (the body's JSON)

Because the partition key carries the project, a lookup can only ever see the caller's items.
Every change is a read-modify-write conditioned on ``version``; losers re-read and retry. The
same transaction moves the project's counts (``counters``), so totals are one read. Callers pass
the body model (``store.get(TaskDoc, ...)``), never a kind name, so what comes back is typed.
Failures come out as domain errors: ``NotFound``, ``Conflict``, ``InvalidCursor``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from mediaflow import aws, clock, cursors
from mediaflow.errors import Conflict, InvalidCursor, NotFound
from mediaflow.records import counters
from mediaflow.records.model import D, LineEntry, Page, Record, RecordDoc
from mediaflow.records.states import Kind, machine
from mediaflow.records.transaction import Op, write_ops
from mediaflow.settings import get_settings


def key(kind: Kind, project_id: str, record_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"P#{project_id}"}, "sk": {"S": f"{kind.value}#{record_id}"}}


def to_item(record: Record[Any]) -> dict[str, Any]:
    kind, pid = record.kind.value, record.project_id
    sort = f"{record.created_at}#{record.id}"
    item: dict[str, Any] = {
        **key(record.kind, pid, record.id),
        "kind": {"S": kind},
        "project_id": {"S": pid},
        "id": {"S": record.id},
        "status": {"S": str(record.status)},
        "version": {"N": str(record.version)},
        "created_at": {"S": record.created_at},
        "updated_at": {"S": record.updated_at or record.created_at},
        "doc": {"S": record.doc.model_dump_json()},
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


def _from_item(model: type[D], item: dict[str, Any]) -> Record[D]:
    if item["kind"]["S"] != model.KIND.value:
        raise TypeError(f"item of kind {item['kind']['S']} read as {model.__name__}")
    lookup = (item["gsi3pk"]["S"], item["gsi3sk"]["S"]) if "gsi3pk" in item else None
    return Record(
        project_id=item["project_id"]["S"],
        id=item["id"]["S"],
        status=item["status"]["S"],
        created_at=item["created_at"]["S"],
        doc=model.model_validate_json(item["doc"]["S"]),
        version=int(item["version"]["N"]),
        updated_at=item.get("updated_at", {}).get("S", ""),
        lookup=lookup,
        expires_at=int(item["expires_at"]["N"]) if "expires_at" in item else None,
    )


def _ddb() -> Any:
    return aws.client("dynamodb")


def _table() -> str:
    return get_settings().table_name


def _cancelled_by_condition(exc: Exception) -> bool:
    reasons = getattr(exc, "response", {}).get("CancellationReasons", [])
    return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)


def create(record: Record[D]) -> Record[D]:
    """Insert a new record in a state its kind starts in; ``Conflict`` if the id exists."""
    if not machine(record.kind).may_start_in(record.status):
        raise ValueError(f"{record.kind.value} must start in {machine(record.kind).initial}")
    stamped = replace(record, version=1, updated_at=record.updated_at or clock.key_time(clock.now()))
    put = {"TableName": _table(), "Item": to_item(stamped), "ConditionExpression": "attribute_not_exists(pk)"}
    if not record.doc.COUNTED:
        try:
            _ddb().put_item(**put)
        except _ddb().exceptions.ConditionalCheckFailedException as exc:
            if not landed(put):
                raise Conflict(f"{record.kind.value} {record.id} exists") from exc
        return stamped
    try:
        _ddb().transact_write_items(TransactItems=[{"Put": put}, *counters.on_create(stamped)])
    except _ddb().exceptions.TransactionCanceledException as exc:
        if not _cancelled_by_condition(exc):
            raise
        if not landed(put):
            raise Conflict(f"{record.kind.value} {record.id} exists") from exc
    return stamped


def landed(put: dict[str, Any]) -> bool:
    """True when the item a conditional Put refused is exactly the one it carries: botocore retried
    a write that had landed (a timeout). DynamoDB itself dedupes a retried transaction by its
    client token; moto does not, and a bare put has no token."""
    item = put["Item"]
    found = (
        _ddb()
        .get_item(TableName=put["TableName"], Key={"pk": item["pk"], "sk": item["sk"]}, ConsistentRead=True)
        .get("Item")
    )
    return found == item


def get(model: type[D], project_id: str, record_id: str, *, consistent: bool = True) -> Record[D]:
    found = (
        _ddb()
        .get_item(TableName=_table(), Key=key(model.KIND, project_id, record_id), ConsistentRead=consistent)
        .get("Item")
    )
    if not found:
        raise NotFound(f"{model.KIND.value} {record_id}")
    return _from_item(model, found)


Mutation = Callable[[Record[D]], Record[D] | None]


def update(
    model: type[D], project_id: str, record_id: str, mutate: Mutation[D], *, attempts: int = 5
) -> Record[D]:
    """Apply ``mutate`` to the current record and write it if nobody wrote in between.

    ``mutate`` returns the new record, or None to leave it unchanged (then the current record is
    returned). A status change must be an edge of the kind's state machine.
    """
    for _ in range(attempts):
        current = get(model, project_id, record_id)
        changed = mutate(current)
        if changed is None:
            return current
        machine(model.KIND).check(current.status, changed.status)
        written = replace(changed, version=current.version + 1, updated_at=clock.key_time(clock.now()))
        put = {
            "TableName": _table(),
            "Item": to_item(written),
            "ConditionExpression": "version = :v",
            "ExpressionAttributeValues": {":v": {"N": str(current.version)}},
        }
        try:
            if written.status == current.status or not model.COUNTED:
                _ddb().put_item(**put)
            else:
                moves = counters.on_status_change(current, str(written.status))
                _ddb().transact_write_items(TransactItems=[{"Put": put}, *moves])
            return written
        except _ddb().exceptions.ConditionalCheckFailedException:
            continue
        except _ddb().exceptions.TransactionCanceledException as exc:
            if _cancelled_by_condition(exc):
                continue
            raise
    raise Conflict(f"{model.KIND.value} {record_id}: too many concurrent writers")


def transact(ops: Sequence[Op]) -> None:
    """Commit several record writes (and guard items such as name locks) all or none; raises
    ``transaction.Cancelled`` naming the operations whose condition failed."""
    write_ops(ops, _table(), _ddb())


def _encode_cursor(key: dict[str, Any] | None, scope: str = "") -> str | None:
    return cursors.seal(key, scope) if key else None


def _decode_cursor(cursor: str | None, scope: str = "") -> dict[str, Any] | None:
    return cursors.unseal(cursor, scope) if cursor else None  # InvalidCursor if forged or foreign


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
    if status:
        index, hash_value = "gsi2", f"P#{project_id}#{kind.value}#{status}"
    else:
        index, hash_value = "gsi1", f"P#{project_id}#{kind.value}"
    extra, values = _range_condition(start, end)
    return {
        "TableName": _table(),
        "IndexName": index,
        "KeyConditionExpression": f"#h = :h{extra}",
        "ExpressionAttributeNames": {"#h": f"{index}pk", **({"#s": f"{index}sk"} if extra else {})},
        "ExpressionAttributeValues": {":h": {"S": hash_value}, **values},
    }


def _query(query: dict[str, Any]) -> dict[str, Any]:
    try:
        return dict(_ddb().query(**query))
    except Exception as exc:
        if aws.error_code(exc) == "ValidationException" and "ExclusiveStartKey" in query:
            raise InvalidCursor("invalid cursor") from exc  # a start key this index cannot have made
        raise


def list_page(
    model: type[D],
    project_id: str,
    *,
    status: str | None = None,
    start: str | None = None,
    end: str | None = None,
    limit: int = 10,
    cursor: str | None = None,
    newest_first: bool = True,
) -> Page[D]:
    """One page of a project's records of a kind (optionally in one status, within created bounds)."""
    query = _index_query(model.KIND, project_id, status, start, end)
    query.update({"Limit": limit, "ScanIndexForward": not newest_first})
    scope = cursors.scope(query["IndexName"], query["ExpressionAttributeValues"], not newest_first)
    start_key = _decode_cursor(cursor, scope)
    if start_key:
        query["ExclusiveStartKey"] = start_key
    result = _query(query)
    return Page(
        [_from_item(model, i) for i in result.get("Items", [])],
        _encode_cursor(result.get("LastEvaluatedKey"), scope),
    )


def _count_window(kind: Kind, project_id: str, status: str | None, start: str, end: str) -> int:
    """Keys in a window of at most a minute at each edge (Select=COUNT; bounded by one minute's
    creations, never by the width of the window)."""
    query = _index_query(kind, project_id, status, start, end)
    query["Select"] = "COUNT"
    total = 0
    while True:
        result = _ddb().query(**query)
        total += int(result.get("Count", 0))
        if "LastEvaluatedKey" not in result:
            return total
        query["ExclusiveStartKey"] = result["LastEvaluatedKey"]


def count(
    model: type[RecordDoc],
    project_id: str,
    *,
    status: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> int:
    """How many records match: the counts kept by every write, a bounded number of reads
    whatever the size of the table or of the window (see ``counters.window``)."""
    kind = model.KIND
    if start is None and end is None:
        return counters.read_total(project_id, kind, status)
    if not model.COUNTED_BY_TIME:
        raise ValueError(f"{kind.value} keeps no counts by time")
    plan = counters.window(start, end)
    inside = counters.read_buckets(project_id, kind, status, plan.buckets)
    inside += sum(_count_window(kind, project_id, status, lo, hi) for lo, hi in plan.edges)
    return counters.read_total(project_id, kind, status) - inside if plan.subtract_from_total else inside


def find_by_lookup(
    model: type[D], lookup_pk: str, *, limit: int = 100, ascending: bool = False, below: str | None = None
) -> list[Record[D]]:
    """Records whose alternate key is ``lookup_pk`` (optionally with a sort key below ``below``)."""
    return [_from_item(model, i) for i in _lookup_items(lookup_pk, limit, ascending, below)]


def line_entries(lookup_pk: str, *, limit: int = 100, below: str | None = None) -> list[LineEntry]:
    """The first items under an alternate key in sort order, whatever their kind."""
    return [
        LineEntry(Kind(i["kind"]["S"]), i["project_id"]["S"], i["id"]["S"], i["gsi3sk"]["S"])
        for i in _lookup_items(lookup_pk, limit, True, below)
    ]


def _lookup_items(lookup_pk: str, limit: int, ascending: bool, below: str | None) -> list[dict[str, Any]]:
    condition, values = "gsi3pk = :h", {":h": {"S": lookup_pk}}
    if below is not None:
        condition += " AND gsi3sk < :b"
        values[":b"] = {"S": below}
    result = _ddb().query(
        TableName=_table(),
        IndexName="gsi3",
        KeyConditionExpression=condition,
        ExpressionAttributeValues=values,
        Limit=limit,
        ScanIndexForward=ascending,
    )
    return list(result.get("Items", []))


def get_many(model: type[D], project_id: str, record_ids: list[str]) -> list[Record[D]]:
    """Several records of one project by id (one BatchGetItem; missing ones are left out)."""
    if not record_ids:
        return []
    table = _table()
    keys = [key(model.KIND, project_id, rid) for rid in dict.fromkeys(record_ids)]
    result = _ddb().batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})
    found = {r.id: r for r in (_from_item(model, i) for i in result["Responses"].get(table, []))}
    return [found[rid] for rid in dict.fromkeys(record_ids) if rid in found]
