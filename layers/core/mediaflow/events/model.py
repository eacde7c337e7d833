"""The one event shape, for every family.

``payload`` is the family's own callback body (VOD event JSON, CI ``JobsDetail``, MPC
``transcode_info``), so a notifier can deliver it as the family documents. The envelope adds
what vendors' users miss: a stable ``event_id`` (the same for every re-publication of one state
change, so duplicates are recognisable), and the resource's state ``version`` (to order events).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from mediaflow import clock

_NAMESPACE = uuid.UUID("6f0c1a36-5a3e-4c7e-9f5e-0d6f1b2a9c11")


class CallbackTarget(BaseModel):
    """A per-request callback (VOD ``UserData.MessageCallback``, CI ``CallBack``)."""

    url: str
    format: Literal["JSON", "XML"] = "JSON"


class DomainEvent(BaseModel):
    event_id: str
    event_type: str
    family: Literal["vod", "mpc", "ci"]
    project_id: str
    resource_kind: str
    resource_id: str
    version: int = Field(ge=1)
    occurred_at: str
    payload: dict[str, Any]
    callback: CallbackTarget | None = None
    # False when the request said so (CI ``CallBack=no``): no project-level callback either.
    use_project_callback: bool = True


def event_id_for(project_id: str, resource_kind: str, resource_id: str, version: int, event_type: str) -> str:
    """Deterministic: re-publishing the same state change yields the same id."""
    return str(uuid.uuid5(_NAMESPACE, f"{project_id}/{resource_kind}/{resource_id}/{version}/{event_type}"))


def new_event(
    *,
    event_type: str,
    family: Literal["vod", "mpc", "ci"],
    project_id: str,
    resource_kind: str,
    resource_id: str,
    version: int,
    occurred_at: datetime,
    payload: dict[str, Any],
    callback: CallbackTarget | None = None,
    use_project_callback: bool = True,
) -> DomainEvent:
    return DomainEvent(
        event_id=event_id_for(project_id, resource_kind, resource_id, version, event_type),
        event_type=event_type,
        family=family,
        project_id=project_id,
        resource_kind=resource_kind,
        resource_id=resource_id,
        version=version,
        occurred_at=clock.key_time(occurred_at),
        payload=payload,
        callback=callback,
        use_project_callback=use_project_callback,
    )
