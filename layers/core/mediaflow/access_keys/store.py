"""Access key records (the only module that reads or writes them).

- ``pk=AK#<AccessKeyId>, sk=AK``: project, status (Enabled|Disabled), the encrypted secret, dates;
  one GetItem per signed request. ``gsi1pk=P#<project>#ACCESSKEY`` lists a project's keys.
- The project item counts its Enabled keys (``active_access_keys``): every change of a key's status
  moves the counter in the same transaction, conditioned on ``< 2``, so two racing creates can never
  leave three active keys.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

from mediaflow import aws, clock
from mediaflow.access_keys import crypto
from mediaflow.errors import Conflict, NotFound
from mediaflow.records import store
from mediaflow.settings import get_settings

MAX_ACTIVE = 2
ENABLED, DISABLED = "Enabled", "Disabled"
_ID_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits


class LimitExceeded(Conflict):
    """The project already has two active keys."""


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    project_id: str
    status: str
    created_at: str
    updated_at: str
    description: str = ""

    def view(self) -> dict[str, str]:
        """Huawei IAM's credential shape (``access``, ``status`` active|inactive...); the secret is
        never shown again after creation."""
        return {
            "access": self.access_key_id,
            "status": "active" if self.status == ENABLED else "inactive",
            "description": self.description,
            "create_time": self.created_at,
            "update_time": self.updated_at,
        }


def new_access_key_id() -> str:
    """20 characters like Huawei's AKs: ``MF`` + 18 upper-case letters and digits (~93 bits)."""
    return "MF" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(18))


def new_secret() -> str:
    """40 letters and digits (~238 bits)."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


def _key(access_key_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"AK#{access_key_id}"}, "sk": {"S": "AK"}}


def _project_key(project_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"P#{project_id}"}, "sk": {"S": "PROJECT"}}


def _from_item(item: dict[str, Any]) -> AccessKey:
    return AccessKey(
        access_key_id=item["access_key_id"]["S"],
        project_id=item["project_id"]["S"],
        status=item["status"]["S"],
        created_at=item["created_at"]["S"],
        updated_at=item["updated_at"]["S"],
        description=item.get("description", {}).get("S", ""),
    )


def _counter_update(project_id: str, delta: int) -> dict[str, Any]:
    table = get_settings().table_name
    update: dict[str, Any] = {
        "TableName": table,
        "Key": _project_key(project_id),
        "UpdateExpression": "SET active_access_keys = if_not_exists(active_access_keys, :zero) + :delta",
        "ExpressionAttributeValues": {":zero": {"N": "0"}, ":delta": {"N": str(delta)}},
    }
    if delta > 0:
        update["ConditionExpression"] = (
            "attribute_exists(pk) AND (attribute_not_exists(active_access_keys) OR active_access_keys < :max)"
        )
        update["ExpressionAttributeValues"][":max"] = {"N": str(MAX_ACTIVE)}
    return {"Update": update}


def _transact(items: list[dict[str, Any]], project_id: str) -> None:
    ddb = aws.client("dynamodb")
    try:
        ddb.transact_write_items(TransactItems=items)
    except ddb.exceptions.TransactionCanceledException as exc:
        reasons = [r.get("Code", "") for r in exc.response.get("CancellationReasons", [])]
        if reasons and reasons[0] == "ConditionalCheckFailed" and "Update" in items[0]:
            raise LimitExceeded(f"project {project_id} already has {MAX_ACTIVE} active access keys") from exc
        raise Conflict("the access key changed meanwhile; try again") from exc


def create(project_id: str, description: str = "") -> tuple[AccessKey, str]:
    """A new Enabled key; returns it with its secret in clear (the only time the secret exists)."""
    now = clock.iso_z(clock.now())
    key = AccessKey(new_access_key_id(), project_id, ENABLED, now, now, description)
    secret = new_secret()
    item = {
        **_key(key.access_key_id),
        "kind": {"S": "access_key"},
        "access_key_id": {"S": key.access_key_id},
        "project_id": {"S": project_id},
        "status": {"S": ENABLED},
        "created_at": {"S": now},
        "updated_at": {"S": now},
        "description": {"S": description},
        "secret_ct": {"B": crypto.encrypt(secret, key.access_key_id, project_id)},
        "gsi1pk": {"S": f"P#{project_id}#ACCESSKEY"},
        "gsi1sk": {"S": f"{clock.key_time(clock.now())}#{key.access_key_id}"},
    }
    put = {
        "TableName": get_settings().table_name,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(pk)",
    }
    try:
        _transact([_counter_update(project_id, +1), {"Put": put}], project_id)
    except Conflict:
        if not store.landed(put):  # else a retried transaction that had gone through
            raise
    return key, secret


def get(access_key_id: str) -> tuple[AccessKey, bytes] | None:
    """The key and its encrypted secret, or None. One strongly consistent GetItem."""
    found = (
        aws.client("dynamodb")
        .get_item(TableName=get_settings().table_name, Key=_key(access_key_id), ConsistentRead=True)
        .get("Item")
    )
    if not found or found.get("kind", {}).get("S") != "access_key":
        return None
    return _from_item(found), bytes(found["secret_ct"]["B"])


def secret_of(access_key_id: str) -> tuple[AccessKey, str] | None:
    found = get(access_key_id)
    if found is None:
        return None
    key, ciphertext = found
    return key, crypto.decrypt(ciphertext, key.access_key_id, key.project_id)


def owned(project_id: str, access_key_id: str) -> AccessKey:
    found = get(access_key_id)
    if found is None or found[0].project_id != project_id:
        raise NotFound(access_key_id)
    return found[0]


def list_keys(project_id: str) -> list[AccessKey]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": get_settings().table_name,
        "IndexName": "gsi1",
        "KeyConditionExpression": "gsi1pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": f"P#{project_id}#ACCESSKEY"}},
    }
    while True:
        page = aws.client("dynamodb").query(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return [_from_item(item) for item in items]


def set_status(project_id: str, access_key_id: str, status: str) -> AccessKey:
    """Enable or disable a key (a no-op when it already has that status)."""
    key = owned(project_id, access_key_id)
    if key.status == status:
        return key
    now = clock.iso_z(clock.now())
    update = {
        "TableName": get_settings().table_name,
        "Key": _key(access_key_id),
        "UpdateExpression": "SET #s = :new, updated_at = :now",
        "ConditionExpression": "#s = :old AND project_id = :p",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {
            ":new": {"S": status},
            ":old": {"S": key.status},
            ":now": {"S": now},
            ":p": {"S": project_id},
        },
    }
    delta = +1 if status == ENABLED else -1
    _transact([_counter_update(project_id, delta), {"Update": update}], project_id)
    return AccessKey(key.access_key_id, project_id, status, key.created_at, now, key.description)


def delete(project_id: str, access_key_id: str) -> None:
    key = owned(project_id, access_key_id)
    delete_item = {
        "TableName": get_settings().table_name,
        "Key": _key(access_key_id),
        "ConditionExpression": "#s = :old AND project_id = :p",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":old": {"S": key.status}, ":p": {"S": project_id}},
    }
    items: list[dict[str, Any]] = [{"Delete": delete_item}]
    if key.status == ENABLED:
        items.insert(0, _counter_update(project_id, -1))
    _transact(items, project_id)
