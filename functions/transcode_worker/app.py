"""SQS tokens -> run the most urgent waiting transcoding task (one per token)."""

from mediaflow.jobs import runner
from mediaflow.sqs_handler import sqs_handler
from mediaflow.transcode.task_worker import TASKS

lambda_handler = sqs_handler(
    lambda _record, context: runner.run_next([TASKS], context.get_remaining_time_in_millis),
    metric_prefix="Task",
)
