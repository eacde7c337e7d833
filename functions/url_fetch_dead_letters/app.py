"""SQS (the URL fetch dead-letter queue) -> end the jobs whose fetches kept dying."""

from mediaflow.ingest.fetch_worker import handle_dead_letter
from mediaflow.sqs_handler import sqs_handler

lambda_handler = sqs_handler(lambda record, _context: handle_dead_letter(record.body), metric_prefix="UrlJob")
