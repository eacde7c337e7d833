"""SQS tokens -> run the most urgent waiting SmartCover job (one per token), or continue a
pause/resume sweep that did not fit in its API call."""

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mediaflow.ci import worker
from mediaflow.observability import logger, metrics

processor = BatchProcessor(event_type=EventType.SQS)
_context: list[LambdaContext] = []


def _record(record: SQSRecord) -> str:
    outcome = worker.handle_message(record.body, _context[0].get_remaining_time_in_millis)
    metrics.add_metric(name=f"SmartCover{outcome.capitalize()}", unit="Count", value=1)
    return outcome


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _context[:] = [context]
    return process_partial_response(event=event, record_handler=_record, processor=processor, context=context)
