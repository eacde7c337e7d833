"""The one way the core sends SQS messages (tokens, fetch jobs, retries, watchdogs)."""

from __future__ import annotations

from collections.abc import Sequence

from mediaflow import aws

BATCH = 10  # SQS SendMessageBatch takes at most ten entries
MAX_DELAY_S = 900  # SQS delays a message at most 15 minutes


class QueueNotConfigured(RuntimeError):
    pass


def send(queue_url: str, bodies: Sequence[str], *, delay_s: int = 0) -> list[int]:
    """Send ``bodies`` in batches; returns the indexes of the messages SQS refused (none: [])."""
    if not queue_url:
        raise QueueNotConfigured("the queue URL is not configured")
    sqs, refused = aws.client("sqs"), []
    delay = max(0, min(MAX_DELAY_S, int(delay_s)))
    for start in range(0, len(bodies), BATCH):
        entries = [
            {"Id": str(start + i), "MessageBody": body, "DelaySeconds": delay}
            for i, body in enumerate(bodies[start : start + BATCH])
        ]
        failed = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed") or []
        refused += [int(f["Id"]) for f in failed]
    return refused


def send_all(queue_url: str, bodies: Sequence[str], *, delay_s: int = 0) -> None:
    """Send every message or raise (a caller that cannot lose one is retried as a whole)."""
    refused = send(queue_url, bodies, delay_s=delay_s)
    if refused:
        raise RuntimeError(f"{len(refused)} of {len(bodies)} messages were not sent")
