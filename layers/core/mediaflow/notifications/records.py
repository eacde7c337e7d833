"""The delivery record: one domain event to one callback URL, with its attempts."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from mediaflow.events.model import DomainEvent
from mediaflow.records.model import RecordDoc
from mediaflow.records.states import Kind


class DeliveryDoc(RecordDoc):
    KIND: ClassVar[Kind] = Kind.DELIVERY

    event: DomainEvent
    url: str
    format: Literal["JSON", "XML"]
    attempts: list[dict[str, Any]] = Field(default_factory=list)
    attempt_count: int = 0
    cycle_started_at: float = 0.0
    lease_until: float = 0.0
