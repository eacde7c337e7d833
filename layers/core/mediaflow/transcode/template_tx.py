"""All-or-nothing writes of template and group records together with their name locks.

A name must be unique per project, and only a conditional write of one item can promise that:
each template (and each group) owns a lock item ``pk=P#<project>``, ``sk=TPLNAME#<name>`` (or
``GRPNAME#<name>``) holding its id, written in the same ``TransactWriteItems`` as the record. Two
creates racing for one name both try to put the lock with ``attribute_not_exists``; exactly one
transaction commits. Renames release the old lock (conditioned on still owning it) and claim the
new one in the same transaction; deletes remove both.

Records keep ``jobs/store.py``'s item layout (its ``_to_item``/``_key`` build them) and the same
version discipline: new records must not exist, replaced and removed ones must still carry the
version that was read. The per-project counts the store keeps (``<KIND>``, ``<KIND>#<status>``)
move in the same transaction. This is the generic operation proposed for ``jobs/store.py`` as
``store.transact(records_new, records_replaced, records_removed, guards)``; until it lands there,
it lives here, used only by templates and groups.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from mediaflow import aws, clock
from mediaflow.errors import Conflict
from mediaflow.jobs import counters
from mediaflow.jobs.store import Record
from mediaflow.jobs.store import _key as record_key  # the store's own layout, not a copy of it
from mediaflow.jobs.store import _to_item as record_item
from mediaflow.settings import get_settings

ATTEMPTS = 3  # a transaction that collides with another in flight (TransactionConflict) is retried


@dataclass(frozen=True)
class NameLock:
    project_id: str
    scope: str  # TPLNAME | GRPNAME
    name: str
    owner: str  # the id of the template or group that holds the name

    def key(self) -> dict[str, dict[str, str]]:
        return {"pk": {"S": f"P#{self.project_id}"}, "sk": {"S": f"{self.scope}#{self.name}"}}


@dataclass(frozen=True)
class NewRecord:
    record: Record


@dataclass(frozen=True)
class ReplaceRecord:
    record: Record  # same kind, id and status as the stored one; ``version`` is the one read


@dataclass(frozen=True)
class RemoveRecord:
    record: Record  # as read; its ``version`` must still be current


@dataclass(frozen=True)
class Claim:
    lock: NameLock  # fails when anyone holds the name


@dataclass(frozen=True)
class Release:
    lock: NameLock  # fails unless ``lock.owner`` still holds it


@dataclass(frozen=True)
class Reassign:
    lock: NameLock  # the new owner
    previous_owner: str


Op = NewRecord | ReplaceRecord | RemoveRecord | Claim | Release | Reassign


class Cancelled(Conflict):
    """The transaction did not commit because the conditions of ``failed`` did not hold."""

    def __init__(self, failed: list[Op]) -> None:
        super().__init__(f"{len(failed)} condition(s) failed")
        self.failed = failed


def _owner_is(owner: str) -> dict[str, Any]:
    return {
        "ConditionExpression": "#o = :o",
        "ExpressionAttributeNames": {"#o": "owner"},
        "ExpressionAttributeValues": {":o": {"S": owner}},
    }


def _absent() -> dict[str, Any]:
    return {"ConditionExpression": "attribute_not_exists(pk)"}


def _lock_item(lock: NameLock) -> dict[str, Any]:
    return {**lock.key(), "kind": {"S": "name-lock"}, "owner": {"S": lock.owner}}


def _version_is(version: int) -> dict[str, Any]:
    return {"ConditionExpression": "version = :v", "ExpressionAttributeValues": {":v": {"N": str(version)}}}


def _item(op: Op, table: str, now: str) -> dict[str, Any]:
    if isinstance(op, NewRecord):
        stamped = replace(op.record, version=1, updated_at=now)
        return {
            "Put": {
                "TableName": table,
                "Item": record_item(stamped),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
    if isinstance(op, ReplaceRecord):
        stamped = replace(op.record, version=op.record.version + 1, updated_at=now)
        return {"Put": {"TableName": table, "Item": record_item(stamped), **_version_is(op.record.version)}}
    if isinstance(op, RemoveRecord):
        key = record_key(op.record.kind, op.record.project_id, op.record.id)
        return {"Delete": {"TableName": table, "Key": key, **_version_is(op.record.version)}}
    if isinstance(op, Claim):
        return {
            "Put": {
                "TableName": table,
                "Item": _lock_item(op.lock),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
    if isinstance(op, Release):
        return {"Delete": {"TableName": table, "Key": op.lock.key(), **_owner_is(op.lock.owner)}}
    return {"Put": {"TableName": table, "Item": _lock_item(op.lock), **_owner_is(op.previous_owner)}}


def _count_moves(ops: Sequence[Op]) -> list[dict[str, Any]]:
    """One ``Update`` per count item (a transaction may touch each item once)."""
    moves: Counter[tuple[str, str]] = Counter()
    for op in ops:
        if isinstance(op, NewRecord | RemoveRecord):
            delta = 1 if isinstance(op, NewRecord) else -1
            kind, project = op.record.kind.value, op.record.project_id
            moves[(project, kind)] += delta
            moves[(project, f"{kind}#{op.record.status}")] += delta
    return [counters.count_update(p, name, d) for (p, name), d in sorted(moves.items()) if d]


def write(ops: Sequence[Op]) -> None:
    """Commit every operation or none; raises ``Cancelled`` naming the operations whose check failed."""
    table, client = get_settings().table_name, aws.client("dynamodb")
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


def claims_failed(exc: Cancelled, scope: str) -> list[NameLock]:
    """The name locks of ``scope`` this transaction could not take (their names are in use)."""
    return [op.lock for op in exc.failed if isinstance(op, Claim) and op.lock.scope == scope]


def read_lock(project_id: str, scope: str, name: str) -> str | None:
    """Who holds a name (the template or group id), or None."""
    key = NameLock(project_id, scope, name, "").key()
    item = aws.client("dynamodb").get_item(TableName=get_settings().table_name, Key=key).get("Item")
    return str(item["owner"]["S"]) if item else None
