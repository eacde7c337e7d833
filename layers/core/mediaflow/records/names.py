"""Unique names per project: a lock item per name, written in the same transaction as its record.

A name must be unique per project, and only a conditional write of one item can promise that:
the owner of a name (a template, a group) holds a lock item ``pk=P#<project>``,
``sk=<SCOPE>#<name>`` with its id, written by ``store.transact`` together with the record. Two
creates racing for one name both try to put the lock with ``attribute_not_exists``; exactly one
transaction commits. A rename releases the old lock (conditioned on still owning it) and claims
the new one in the same transaction; a delete removes both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediaflow import aws
from mediaflow.records.transaction import Cancelled
from mediaflow.settings import get_settings


@dataclass(frozen=True)
class NameLock:
    project_id: str
    scope: str  # TPLNAME | GRPNAME
    name: str
    owner: str  # the id of the record that holds the name

    def key(self) -> dict[str, dict[str, str]]:
        return {"pk": {"S": f"P#{self.project_id}"}, "sk": {"S": f"{self.scope}#{self.name}"}}

    def item(self) -> dict[str, Any]:
        return {**self.key(), "kind": {"S": "name-lock"}, "owner": {"S": self.owner}}


def _owner_is(owner: str) -> dict[str, Any]:
    return {
        "ConditionExpression": "#o = :o",
        "ExpressionAttributeNames": {"#o": "owner"},
        "ExpressionAttributeValues": {":o": {"S": owner}},
    }


@dataclass(frozen=True)
class Claim:
    """Take a name; fails when anyone holds it."""

    lock: NameLock

    def transact_item(self, table: str) -> dict[str, Any]:
        put = {
            "TableName": table,
            "Item": self.lock.item(),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        return {"Put": put}


@dataclass(frozen=True)
class Release:
    """Give a name up; fails unless ``lock.owner`` still holds it."""

    lock: NameLock

    def transact_item(self, table: str) -> dict[str, Any]:
        return {"Delete": {"TableName": table, "Key": self.lock.key(), **_owner_is(self.lock.owner)}}


@dataclass(frozen=True)
class Reassign:
    """Hand a name from ``previous_owner`` to ``lock.owner``."""

    lock: NameLock
    previous_owner: str

    def transact_item(self, table: str) -> dict[str, Any]:
        return {"Put": {"TableName": table, "Item": self.lock.item(), **_owner_is(self.previous_owner)}}


def claims_failed(exc: Cancelled, scope: str) -> list[NameLock]:
    """The name locks of ``scope`` a transaction could not take (their names are in use)."""
    return [op.lock for op in exc.failed if isinstance(op, Claim) and op.lock.scope == scope]


def holder(project_id: str, scope: str, name: str) -> str | None:
    """Who holds a name (the owner's id), or None."""
    lock_key = NameLock(project_id, scope, name, "").key()
    item = aws.client("dynamodb").get_item(TableName=get_settings().table_name, Key=lock_key).get("Item")
    return str(item["owner"]["S"]) if item else None
