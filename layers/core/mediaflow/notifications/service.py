"""Notification API (MPC family): configuration, event names, signing secrets, deliveries, replay."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from mediaflow import clock
from mediaflow.api.mpc_errors import NOT_FOUND, invalid, operation_failed
from mediaflow.errors import Conflict, InvalidCursor, NotFound
from mediaflow.net import OutboundError, redact, validate_url
from mediaflow.notifications import config, deliveries
from mediaflow.notifications.records import DeliveryDoc
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.records.states import DELIVERY, DeliveryState
from mediaflow.settings import get_settings


class PutNotificationRequest(BaseModel):
    """Huawei's ``{notifications: [{event_name, status}]}``, extended with the callback URL and format."""

    notifications: list[config.EventSwitch] = Field(
        max_length=len(config.EVENT_NAMES),
        description="Required (as Huawei has it): a body that names nothing cannot wipe the configuration"
        " by accident. With a url and an empty list every event is sent.",
    )
    url: str | None = Field(None, max_length=2048, description="Callback URL (http/https, public address).")
    format: Literal["JSON", "XML"] = Field(
        "JSON", description="Body format for families that offer both (CI)."
    )


def _config_view(project_id: str, current: config.NotificationConfig) -> dict[str, Any]:
    secrets = config.list_secrets(project_id)
    return {
        "notifications": [s.model_dump() for s in current.notifications],
        "total": len(current.notifications),
        "url": current.url,
        "format": current.format,
        "signing_secrets": [{"secret_id": s.secret_id, "created_at": _iso(s.created_at)} for s in secrets],
    }


def _iso(key_time: str) -> str:
    return clock.iso_z(clock.parse_key_time(key_time))


def get_notification(project_id: str) -> dict[str, Any]:
    return _config_view(project_id, config.get_config(project_id))


def put_notification(project_id: str, request: PutNotificationRequest) -> dict[str, Any]:
    names = [s.event_name for s in request.notifications]
    unknown = sorted(set(names) - set(config.EVENT_NAMES))
    if unknown:
        raise invalid(f"unknown event_name {', '.join(unknown)}")
    if len(set(names)) != len(names):
        raise invalid("each event_name may appear once")
    if request.url:
        try:
            validate_url(request.url, allow_loopback=get_settings().allow_loopback)
        except OutboundError as exc:
            raise invalid(f"url: {exc.message}") from exc
    stored = config.put_config(
        project_id,
        config.NotificationConfig(
            url=request.url, format=request.format, notifications=request.notifications
        ),
    )
    return _config_view(project_id, stored)


def list_event_names() -> dict[str, Any]:
    return {"event_name": list(config.EVENT_NAMES), "total": len(config.EVENT_NAMES)}


def create_secret(project_id: str) -> dict[str, Any]:
    try:
        secret = config.create_secret(project_id)
    except Conflict as exc:
        raise operation_failed(str(exc)) from exc
    return {"secret_id": secret.secret_id, "secret": secret.value, "created_at": _iso(secret.created_at)}


def delete_secret(project_id: str, secret_id: str) -> None:
    try:
        config.delete_secret(project_id, secret_id)
    except NotFound as exc:
        raise NOT_FOUND from exc
    except Conflict as exc:
        raise operation_failed(str(exc)) from exc


def delivery_view(record: Record[DeliveryDoc]) -> dict[str, Any]:
    event = record.doc.event
    return {
        "delivery_id": record.id,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "resource_id": event.resource_id,
        "url": redact(record.doc.url),
        "format": record.doc.format,
        "status": record.status,
        "attempt_count": record.doc.attempt_count,
        "attempts": record.doc.attempts,
        "create_time": clock.iso_z(clock.parse_key_time(record.created_at)),
        "update_time": clock.iso_z(clock.parse_key_time(record.updated_at)) if record.updated_at else None,
    }


def list_deliveries(
    project_id: str, *, event_id: str | None, status: str | None, size: int, marker: str | None
) -> dict[str, Any]:
    if status is not None and status not in DELIVERY.states:
        raise invalid(f"status must be one of {', '.join(sorted(DELIVERY.states))}")
    if event_id:
        found = store.find_by_lookup(DeliveryDoc, deliveries.event_lookup(project_id, event_id))
        records = [r for r in found if r.project_id == project_id and (status is None or r.status == status)]
        return {"deliveries": [delivery_view(r) for r in records[:size]], "next_marker": None}
    try:
        page = store.list_page(DeliveryDoc, project_id, status=status, limit=size, cursor=marker)
    except InvalidCursor as exc:
        raise invalid("marker") from exc
    return {"deliveries": [delivery_view(r) for r in page.records], "next_marker": page.cursor}


def replay_delivery(project_id: str, the_id: str) -> dict[str, Any]:
    try:
        record = deliveries.replay(project_id, the_id)
    except NotFound as exc:
        raise NOT_FOUND from exc
    except Conflict as exc:
        raise operation_failed(str(exc)) from exc
    return {"delivery_id": record.id, "status": record.status}


def replay_failed(project_id: str, *, limit: int = 100) -> dict[str, Any]:
    """Replay every FAILED (dead-lettered) delivery of the project, up to ``limit`` per call."""
    page = store.list_page(DeliveryDoc, project_id, status=DeliveryState.FAILED, limit=limit)
    replayed = []
    for record in page.records:
        try:
            replayed.append(deliveries.replay(project_id, record.id).id)
        except Conflict:
            continue
    return {"replayed": replayed, "count": len(replayed), "more": page.cursor is not None}
