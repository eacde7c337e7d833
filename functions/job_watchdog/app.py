"""SQS (delayed watchdog messages, one per claim) -> recover a job whose worker went silent."""

from mediaflow.job_kinds import BY_KIND
from mediaflow.jobs import recovery
from mediaflow.sqs_handler import sqs_handler

lambda_handler = sqs_handler(
    lambda record, _context: recovery.check(BY_KIND, record.body), metric_prefix="Watchdog"
)
