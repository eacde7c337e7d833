"""SQS tokens -> run the most urgent waiting work of the transcoding line (one per token): a task,
a part of a split task (a chunk, the audio, the join), an MPC media task (snapshots, an animated
GIF/WebP, a metadata extraction) or a remux task - they share one line, this function's ffmpeg
layer, memory and scratch space."""

from mediaflow.jobs import runner
from mediaflow.mediaops.animated_tasks import ANIMATIONS
from mediaflow.mediaops.extract_tasks import EXTRACTS
from mediaflow.mediaops.thumbnails import THUMBNAILS
from mediaflow.remux.worker import REMUX
from mediaflow.sqs_handler import sqs_handler
from mediaflow.transcode.parts import PARTS
from mediaflow.transcode.task_worker import TASKS

KINDS = [TASKS, PARTS, THUMBNAILS, ANIMATIONS, EXTRACTS, REMUX]

lambda_handler = sqs_handler(
    lambda _record, context: runner.run_next(KINDS, context.get_remaining_time_in_millis),
    metric_prefix="Task",
)
