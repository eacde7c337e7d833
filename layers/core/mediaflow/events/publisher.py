"""The one place domain events leave the core: the SNS topic.

Message attributes ``event_type``, ``project_id`` and ``family`` let subscribers filter (an SQS
queue or Lambda of the user's own, the notifier). Publishing is at-least-once: a caller that
fails after its state change is retried, re-publishes the same ``event_id``, and consumers dedupe.
"""

from __future__ import annotations

from mediaflow import aws
from mediaflow.events.model import DomainEvent
from mediaflow.observability import logger
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
