"""SQS (fed by the media bucket's ObjectCreated notifications under uploads/) -> settle videos."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mediaflow import idempotency
from mediaflow.observability import logger, metrics
from mediaflow.uploads.upload_events import handle_message

processor = BatchProcessor(event_type=EventType.SQS)


def _record(record: SQSRecord) -> list[str]:
    receive_count = int(record.attributes.approximate_receive_count or 1)
    outcomes = handle_message(record.body, receive_count)
    for outcome in outcomes:
        metrics.add_metric(name=f"Upload{outcome.capitalize()}", unit="Count", value=1)
    return outcomes


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    idempotency.register_context(context)
    return process_partial_response(event=event, record_handler=_record, processor=processor, context=context)
