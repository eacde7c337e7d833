"""SQS tokens -> run the most urgent waiting transcoding work (one per token): a task, a part of a
split task (a chunk, the audio, the join) or a remux task - they share one line."""

from mediaflow.jobs import runner
from mediaflow.remux.worker import REMUX
from mediaflow.sqs_handler import sqs_handler
from mediaflow.transcode.parts import PARTS
from mediaflow.transcode.task_worker import TASKS

lambda_handler = sqs_handler(
    lambda _record, context: runner.run_next([TASKS, PARTS, REMUX], context.get_remaining_time_in_millis),
    metric_prefix="Task",
)
