"""SQS -> callbacks. Two sources: domain events (the topic's subscription) and the retry queue."""

import json

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from mediaflow.events.model import DomainEvent
from mediaflow.notifications import deliveries
from mediaflow.sqs_handler import Outcome, sqs_handler


def _record(record: SQSRecord, _context: LambdaContext) -> Outcome:
    message = json.loads(record.body)
    if "delivery_id" in message:
        return deliveries.handle_retry(message)
    return deliveries.handle_event(DomainEvent.model_validate(message))


lambda_handler = sqs_handler(_record, metric_prefix="Callback")
