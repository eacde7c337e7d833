"""Event sources: SQS event source mappings, Schedule rules and SNS subscriptions of functions.

SQS follows Lambda's poller: long-poll up to BatchSize (within MaximumBatchingWindowInSeconds),
invoke once per batch, delete what succeeded - all on success, all but ``batchItemFailures`` with
ReportBatchItemFailures (an invalid report fails the whole batch), none on a function error.
Failed messages reappear after the queue's VisibilityTimeout, and moto's own RedrivePolicy moves
them to the DLQ: measured with moto 5.2.5, a message received ``maxReceiveCount`` times is moved
on the next ReceiveMessage call, as in AWS, so no redrive is implemented here.
Bodies pass through ``S3EventNormalizer`` first (see ``local.s3events``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from local.cfn import ACCOUNT_ID, REGION
from local.resources import Clients
from local.runtime import Invocation
from local.s3events import S3EventNormalizer
from local.views import Schedule, SnsEvent, SqsMapping

log = logging.getLogger("local.pollers")
Invoke = Callable[[str, Any], Invocation]
SNS_ATTEMPTS = 3  # Lambda's asynchronous invocation: the first try plus two retries


def sqs_record(message: dict[str, Any], body: str, queue_arn: str) -> dict[str, Any]:
    """A Records[] entry of Lambda's SQS event."""
    attributes = {}
    for key, value in (message.get("MessageAttributes") or {}).items():
        binary = value.get("BinaryValue")
        attributes[key] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": base64.b64encode(binary).decode() if binary is not None else None,
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": [base64.b64encode(b).decode() for b in value.get("BinaryListValues", [])],
            "dataType": value.get("DataType"),
        }
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": attributes,
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's checksum
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_ids(result: Any, batch_ids: list[str]) -> set[str]:
    """Ids to keep after a ReportBatchItemFailures response; a malformed report keeps them all."""
    if result is None or result == {}:
        return set()
    failures = result.get("batchItemFailures") if isinstance(result, dict) else None
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return set(batch_ids)
    ids = set()
    for failure in failures:
        item = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not item or item not in batch_ids:
            log.warning("invalid batchItemFailures entry %r: the whole batch fails", failure)
            return set(batch_ids)
        ids.add(item)
    return ids


class QueuePoller(threading.Thread, ABC):
    """Polls one queue and feeds one function, Lambda event-source-mapping style."""

    def __init__(
        self,
        function_id: str,
        queue_arn: str,
        clients: Clients,
        invoke: Invoke,
        stop: threading.Event,
        batch_size: int = 10,
        window: float = 0.0,
    ) -> None:
        super().__init__(name=f"poller-{function_id}", daemon=True)
        self.function_id, self.queue_arn = function_id, queue_arn
        self.sqs = Clients(clients.endpoint).sqs  # one client per thread
        self.invoke, self.stop = invoke, stop
        self.batch_size, self.window = batch_size, window
        self.queue_url = ""

    def run(self) -> None:
        self.queue_url = self.sqs.get_queue_url(QueueName=self.queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
        while not self.stop.is_set():
            try:
                messages = self._receive()
                if messages:
                    self.process(messages)
            except Exception:
                if self.stop.is_set():
                    return
                log.exception("%s: poller error", self.function_id)
                self.stop.wait(1)

    def _receive(self, wait: int = 1) -> list[dict[str, Any]]:
        """Long-poll for a first message, then gather up to BatchSize within the batching window."""
        messages: list[dict[str, Any]] = []
        deadline = 0.0
        while len(messages) < self.batch_size and not self.stop.is_set():
            got = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, self.batch_size - len(messages)),
                WaitTimeSeconds=0 if messages else wait,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if got and not messages:
                deadline = time.monotonic() + self.window
            messages.extend(got)
            if not messages or time.monotonic() >= deadline:
                break
            if not got:
                self.stop.wait(0.1)
        return messages

    def delete(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages[start : start + 10])
            ]
            failed = self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries).get("Failed")
            if failed:
                log.warning("%s: could not delete %s", self.function_id, failed)

    @abstractmethod
    def process(self, messages: list[dict[str, Any]]) -> None:
        """Invoke the function with ``messages`` and settle them (each source does it its own way)."""


class SqsPoller(QueuePoller):
    def __init__(
        self,
        mapping: SqsMapping,
        clients: Clients,
        invoke: Invoke,
        stop: threading.Event,
        normalizer: S3EventNormalizer,
    ) -> None:
        super().__init__(
            mapping.function_id,
            mapping.queue_arn,
            clients,
            invoke,
            stop,
            mapping.batch_size,
            mapping.batching_window,
        )
        self.mapping = mapping
        self.normalizer = normalizer

    def process(self, messages: list[dict[str, Any]]) -> None:
        records, batch, dropped = [], [], []
        for message in messages:
            body = self.normalizer.normalize(message["Body"], message["MessageId"])
            if body is None:
                dropped.append(message)
                continue
            records.append(sqs_record(message, body, self.queue_arn))
            batch.append(message)
        if dropped:
            log.debug("%s: dropped %d spurious S3 event message(s)", self.function_id, len(dropped))
            self.delete(dropped)
        if not records:
            return
        outcome = self.invoke(self.function_id, {"Records": records})
        if outcome.error is not None:
            log.warning(
                "%s: batch of %d failed (%s); messages return after the visibility timeout",
                self.function_id,
                len(batch),
                outcome.error.get("errorType"),
            )
            return
        keep: set[str] = set()
        if self.mapping.report_batch_item_failures:
            keep = failed_ids(outcome.result, [m["MessageId"] for m in batch])
        if keep:
            log.info("%s: %d of %d record(s) reported failed", self.function_id, len(keep), len(batch))
        self.delete([m for m in batch if m["MessageId"] not in keep])


class SnsPoller(QueuePoller):
    """SNS -> Lambda through a private SQS queue subscribed to the topic (asynchronous invoke)."""

    def __init__(
        self,
        event: SnsEvent,
        queue_arn: str,
        subscription_arn: str,
        clients: Clients,
        invoke: Invoke,
        stop: threading.Event,
    ) -> None:
        super().__init__(event.function_id, queue_arn, clients, invoke, stop, batch_size=1)
        self.subscription_arn = subscription_arn

    def process(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            envelope = json.loads(message["Body"])
            record = {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": self.subscription_arn,
                "Sns": {
                    "Type": envelope.get("Type", "Notification"),
                    "MessageId": envelope.get("MessageId"),
                    "TopicArn": envelope.get("TopicArn"),
                    "Subject": envelope.get("Subject"),
                    "Message": envelope.get("Message"),
                    "Timestamp": envelope.get("Timestamp"),
                    "SignatureVersion": envelope.get("SignatureVersion", "1"),
                    "Signature": envelope.get("Signature", ""),
                    "SigningCertUrl": envelope.get("SigningCertURL", ""),
                    "UnsubscribeUrl": envelope.get("UnsubscribeURL", ""),
                    "MessageAttributes": envelope.get("MessageAttributes", {}),
                },
            }
            outcome = self.invoke(self.function_id, {"Records": [record]})
            attempts = int((message.get("Attributes") or {}).get("ApproximateReceiveCount", 1))
            if outcome.error is None or attempts >= SNS_ATTEMPTS:
                if outcome.error is not None:
                    log.error(
                        "%s: SNS message %s dropped after %d attempts",
                        self.function_id,
                        envelope.get("MessageId"),
                        attempts,
                    )
                self.delete([message])


def subscribe_sns(event: SnsEvent, clients: Clients, stack_name: str) -> tuple[str, str]:
    """Create the private queue for an SNS event and subscribe it; returns (queue ARN, sub ARN)."""
    name = f"{stack_name}-{event.function_id}-{event.event_name}-sns"[:80]
    url = clients.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    found = clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    arn = found["Attributes"]["QueueArn"]
    attributes = {"FilterPolicy": json.dumps(event.filter_policy)} if event.filter_policy else {}
    sub = clients.sns.subscribe(
        TopicArn=event.topic_arn,
        Protocol="sqs",
        Endpoint=arn,
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )
    return arn, sub["SubscriptionArn"]


RATE = re.compile(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> float | None:
    """Seconds between runs of a ``rate(...)`` expression; None for cron and anything else."""
    match = RATE.fullmatch(expression.strip())
    if not match:
        return None
    return int(match.group(1)) * UNIT_SECONDS[match.group(2).rstrip("s")]


class ScheduleTimer(threading.Thread):
    """Invokes a function every ``rate(...)``, first one period after start (like EventBridge)."""

    def __init__(self, schedule: Schedule, period: float, invoke: Invoke, stop: threading.Event) -> None:
        super().__init__(name=f"schedule-{schedule.function_id}", daemon=True)
        self.schedule, self.period, self.invoke, self.stop = schedule, period, invoke, stop

    def event(self) -> Any:
        if self.schedule.input is not None:
            return json.loads(self.schedule.input)
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{self.schedule.event_name}"],
            "detail": {},
        }

    def run(self) -> None:
        while not self.stop.wait(self.period):
            outcome = self.invoke(self.schedule.function_id, self.event())
            if outcome.error is not None:
                log.warning("%s: scheduled run failed: %s", self.schedule.function_id, outcome.error)
