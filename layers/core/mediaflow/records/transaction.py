"""All-or-nothing writes of several records, plus guard items (such as name locks), at once.

``store.transact(ops)`` turns each operation into one ``TransactWriteItems`` entry: new records
must not exist, replaced and removed ones must still carry the version that was read, and a
guard brings its own item and condition. The per-project counts move in the same transaction
(one ``Update`` per count item: a transaction may touch each item once). A transaction that
collides with another in flight (``TransactionConflict``) is retried a few times.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from mediaflow import clock
from mediaflow.errors import Conflict
from mediaflow.records import counters
from mediaflow.records.model import Record

ATTEMPTS = 3


class Guard(Protocol):
    """An item written beside records whose condition must hold (e.g. a name lock)."""

    def transact_item(self, table: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class NewRecord:
    record: Record[Any]


@dataclass(frozen=True)
class ReplaceRecord:
    record: Record[Any]  # same kind, id and status as the stored one; ``version`` is the one read


@dataclass(frozen=True)
class RemoveRecord:
    record: Record[Any]  # as read; its ``version`` must still be current


Op = NewRecord | ReplaceRecord | RemoveRecord | Guard


class Cancelled(Conflict):
    """The transaction did not commit because the conditions of ``failed`` did not hold."""

    def __init__(self, failed: list[Op]) -> None:
        super().__init__(f"{len(failed)} condition(s) failed")
        self.failed = failed


def _version_is(version: int) -> dict[str, Any]:
    return {"ConditionExpression": "version = :v", "ExpressionAttributeValues": {":v": {"N": str(version)}}}


def _item(op: Op, table: str, now: str) -> dict[str, Any]:
    from mediaflow.records.store import key, to_item  # the store's own layout, not a copy of it

    if isinstance(op, NewRecord):
        stamped = replace(op.record, version=1, updated_at=now)
        put = {
            "TableName": table,
            "Item": to_item(stamped),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return {"Put": put}
    if isinstance(op, ReplaceRecord):
        stamped = replace(op.record, version=op.record.version + 1, updated_at=now)
        return {"Put": {"TableName": table, "Item": to_item(stamped), **_version_is(op.record.version)}}
    if isinstance(op, RemoveRecord):
        record_key = key(op.record.kind, op.record.project_id, op.record.id)
        return {"Delete": {"TableName": table, "Key": record_key, **_version_is(op.record.version)}}
    return op.transact_item(table)


def _count_moves(ops: Sequence[Op]) -> list[dict[str, Any]]:
    """One ``Update`` per count item, the moves of every created and removed record summed."""
    moves: Counter[tuple[str, str]] = Counter()
    for op in ops:
        if isinstance(op, NewRecord | RemoveRecord):
            made = (
                counters.on_create(op.record) if isinstance(op, NewRecord) else counters.on_remove(op.record)
            )
            for update in made:
                item = update["Update"]
                name = item["Key"]["sk"]["S"].removeprefix("COUNTER#COUNT#")
                moves[(op.record.project_id, name)] += int(item["ExpressionAttributeValues"][":d"]["N"])
    return [counters.count_update(p, name, d) for (p, name), d in sorted(moves.items()) if d]


def write_ops(ops: Sequence[Op], table: str, client: Any) -> None:
    now = clock.key_time(clock.now())
    items = [_item(op, table, now) for op in ops] + _count_moves(ops)
    for attempt in range(ATTEMPTS):
        try:
            client.transact_write_items(TransactItems=items)
            return
        except client.exceptions.TransactionCanceledException as exc:
            reasons = getattr(exc, "response", {}).get("CancellationReasons", [])
            codes = [str(r.get("Code", "None")) for r in reasons]
            failed = [op for op, code in zip(ops, codes, strict=False) if code == "ConditionalCheckFailed"]
            if failed:
                raise Cancelled(failed) from exc
            if "TransactionConflict" not in codes or attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
