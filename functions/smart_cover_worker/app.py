"""SQS tokens -> run the most urgent waiting SmartCover job (one per token), or continue a
pause/resume sweep that did not fit in its API call."""

from mediaflow.ci import cover_worker
from mediaflow.sqs_handler import sqs_handler

lambda_handler = sqs_handler(
    lambda record, context: cover_worker.handle_message(record.body, context.get_remaining_time_in_millis),
    metric_prefix="SmartCover",
)
