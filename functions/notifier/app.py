"""SQS -> callbacks. Two sources: domain events (the topic's subscription) and the retry queue."""

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mediaflow.events.model import DomainEvent
from mediaflow.notifications import deliveries
from mediaflow.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS)


def _record(record: SQSRecord) -> list[str]:
    message = json.loads(record.body)
    if "delivery_id" in message:
        outcomes = [deliveries.handle_retry(message)]
    else:
        outcomes = deliveries.handle_event(DomainEvent.model_validate(message))
    for outcome in outcomes:
        metrics.add_metric(name=f"Callback{outcome.capitalize()}", unit="Count", value=1)
    return outcomes


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(event=event, record_handler=_record, processor=processor, context=context)
