"""SQS tokens -> run the most urgent waiting transcoding task (one per token)."""

from mediaflow.sqs_handler import sqs_handler
from mediaflow.transcode import worker

lambda_handler = sqs_handler(
    lambda _record, context: worker.run_next(context.get_remaining_time_in_millis), metric_prefix="Task"
)
