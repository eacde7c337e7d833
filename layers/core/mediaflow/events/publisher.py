"""The one place domain events leave the core: the SNS topic.

Message attributes ``event_type``, ``project_id`` and ``family`` let subscribers filter (an SQS
queue or Lambda of the user's own, the notifier). Publishing is at-least-once: a caller that
fails after its state change is retried, re-publishes the same ``event_id``, and consumers dedupe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from mediaflow import aws, clock
from mediaflow.events.model import CallbackTarget, DomainEvent, new_event
from mediaflow.observability import logger
from mediaflow.records.model import Record
from mediaflow.settings import get_settings


class PublishError(RuntimeError):
    pass


def publish(event: DomainEvent) -> str:
    topic = get_settings().events_topic_arn
    if not topic:
        raise PublishError("MEDIAFLOW_EVENTS_TOPIC_ARN is not set")
    response = aws.client("sns").publish(
        TopicArn=topic,
        Message=event.model_dump_json(),
        MessageAttributes={
            "event_type": {"DataType": "String", "StringValue": event.event_type},
            "project_id": {"DataType": "String", "StringValue": event.project_id},
            "family": {"DataType": "String", "StringValue": event.family},
        },
    )
    logger.info(
        "event published",
        extra={"event_id": event.event_id, "event_type": event.event_type, "resource_id": event.resource_id},
    )
    return str(response["MessageId"])


def publish_for(
    record: Record[Any],
    *,
    event_type: str,
    family: Literal["vod", "mpc", "ci"],
    payload: dict[str, Any],
    callback: CallbackTarget | None = None,
    use_project_callback: bool = True,
    occurred_at: datetime | None = None,
) -> DomainEvent:
    """Publish the event of ``record``'s current state (its kind, id and version identify it)."""
    event = new_event(
        event_type=event_type,
        family=family,
        project_id=record.project_id,
        resource_kind=record.kind.value,
        resource_id=record.id,
        version=record.version,
        occurred_at=occurred_at or clock.now(),
        payload=payload,
        callback=callback,
        use_project_callback=use_project_callback,
    )
    publish(event)
    return event


def request_callback(url: str | None, fmt: Literal["JSON", "XML"] = "JSON") -> CallbackTarget | None:
    """The per-request callback target, if the request named one."""
    return CallbackTarget(url=url, format=fmt) if url else None
