"""SQS (fed by the media bucket's ObjectCreated notifications under uploads/) -> settle videos."""

from mediaflow.source_landed import handle_message
from mediaflow.sqs_handler import sqs_handler

lambda_handler = sqs_handler(
    lambda record, _context: handle_message(
        record.body, int(record.attributes.approximate_receive_count or 1)
    ),
    metric_prefix="Upload",
)
