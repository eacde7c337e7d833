"""One shape for every SQS-fed function: per-record failures reported back to SQS (so only the
failed messages are retried), JSON logs with the Lambda context, a metric per outcome, and the
invocation's context handed to idempotency so in-progress records expire with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mediaflow import idempotency
from mediaflow.observability import logger, metrics

Outcome = str | list[str]
RecordHandler = Callable[[SQSRecord, LambdaContext], Outcome]
LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def metric_name(prefix: str, outcome: str) -> str:
    return prefix + "".join(part.capitalize() for part in outcome.replace("_", "-").split("-"))


def sqs_handler(record_handler: RecordHandler, *, metric_prefix: str) -> LambdaHandler:
    processor = BatchProcessor(event_type=EventType.SQS)

    def each(record: SQSRecord, lambda_context: LambdaContext) -> Outcome:
        outcome = record_handler(record, lambda_context)
        for name in [outcome] if isinstance(outcome, str) else outcome:
            metrics.add_metric(name=metric_name(metric_prefix, name), unit=MetricUnit.Count, value=1)
        return outcome

    @logger.inject_lambda_context
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        idempotency.register_context(context)
        response = process_partial_response(
            event=event, record_handler=each, processor=processor, context=context
        )
        return dict(response)

    return handler
