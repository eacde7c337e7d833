"""SQS (one message per URL-ingest job) -> stream the source into the video's upload key."""

from mediaflow.ingest.fetch_worker import handle_message
from mediaflow.sqs_handler import sqs_handler

lambda_handler = sqs_handler(
    lambda record, context: handle_message(record.body, context.get_remaining_time_in_millis),
    metric_prefix="UrlJob",
)
