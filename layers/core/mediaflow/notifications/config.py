"""A project's notification configuration and signing secrets (the only module that stores them).

Items: ``pk=P#<project>``, ``sk=NOTIFY#CONFIG`` (url, body format, per-event switches) and
``sk=NOTIFY#SECRET#<id>`` (one per active signing secret; at most two, so rotation is
create-new, deploy, delete-old while both sign).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from mediaflow import aws, clock, ids
from mediaflow.errors import Conflict, NotFound
from mediaflow.notifications.signing import new_secret
from mediaflow.settings import get_settings

# Every event name Mediaflow can send (GET /notification/event).
EVENT_NAMES = (
    "FileUploadComplete",
    "UploadByURLComplete",
    "TranscodeStart",
    "TranscodeComplete",
    "ThumbnailComplete",
    "AnimatedGraphicsComplete",
    "ParseComplete",
    "RemuxComplete",
    "TaskFinish",
)
MAX_SECRETS = 2


class EventSwitch(BaseModel):
    event_name: str
    status: Literal["ON", "OFF"] = "ON"


class NotificationConfig(BaseModel):
    url: str | None = None
    format: Literal["JSON", "XML"] = "JSON"
    notifications: list[EventSwitch] = Field(default_factory=list)
    updated_at: str | None = None

    def enabled(self, event_name: str) -> bool:
        """With a URL and no switches every event is sent; with switches, those turned ON."""
        if not self.url:
            return False
        if not self.notifications:
            return True
        return any(s.event_name == event_name and s.status == "ON" for s in self.notifications)


class SigningSecret(BaseModel):
    secret_id: str
    created_at: str
    value: str


def _ddb() -> Any:
    return aws.client("dynamodb")


def _table() -> str:
    return get_settings().table_name


def get_config(project_id: str) -> NotificationConfig:
    item = (
        _ddb()
        .get_item(TableName=_table(), Key={"pk": {"S": f"P#{project_id}"}, "sk": {"S": "NOTIFY#CONFIG"}})
        .get("Item")
    )
    return NotificationConfig.model_validate_json(item["doc"]["S"]) if item else NotificationConfig()


def put_config(project_id: str, config: NotificationConfig) -> NotificationConfig:
    stored = config.model_copy(update={"updated_at": clock.iso_z(clock.now())})
    _ddb().put_item(
        TableName=_table(),
        Item={
            "pk": {"S": f"P#{project_id}"},
            "sk": {"S": "NOTIFY#CONFIG"},
            "kind": {"S": "notify-config"},
            "doc": {"S": stored.model_dump_json()},
        },
    )
    return stored


def list_secrets(project_id: str) -> list[SigningSecret]:
    result = _ddb().query(
        TableName=_table(),
        KeyConditionExpression="pk = :p AND begins_with(sk, :s)",
        ExpressionAttributeValues={":p": {"S": f"P#{project_id}"}, ":s": {"S": "NOTIFY#SECRET#"}},
        ConsistentRead=True,
    )
    secrets = [SigningSecret.model_validate(json.loads(i["doc"]["S"])) for i in result.get("Items", [])]
    return sorted(secrets, key=lambda s: s.created_at)


def create_secret(project_id: str) -> SigningSecret:
    if len(list_secrets(project_id)) >= MAX_SECRETS:
        raise Conflict("a project has at most two signing secrets; delete the old one first")
    secret = SigningSecret(
        secret_id=ids.new_hex_id(), created_at=clock.key_time(clock.now()), value=new_secret()
    )
    _ddb().put_item(
        TableName=_table(),
        Item={
            "pk": {"S": f"P#{project_id}"},
            "sk": {"S": f"NOTIFY#SECRET#{secret.secret_id}"},
            "kind": {"S": "signing-secret"},
            "doc": {"S": secret.model_dump_json()},
        },
        ConditionExpression="attribute_not_exists(pk)",
    )
    return secret


def delete_secret(project_id: str, secret_id: str) -> None:
    current = list_secrets(project_id)
    if secret_id not in {s.secret_id for s in current}:
        raise NotFound(f"secret {secret_id}")
    if len(current) == 1:
        raise Conflict("a project keeps at least one signing secret")
    _ddb().delete_item(
        TableName=_table(), Key={"pk": {"S": f"P#{project_id}"}, "sk": {"S": f"NOTIFY#SECRET#{secret_id}"}}
    )
