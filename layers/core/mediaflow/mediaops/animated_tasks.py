"""MPC animated-graphics tasks (``POST/GET/DELETE /v1/{project_id}/animated-graphics``): create,
the query's view (``tasks`` + ``total``, as ``ListAnimatedGraphicsTaskResponse``; ``is_truncated``
too), the worker's run and the ``AnimatedGraphicsComplete`` event."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

from mediaflow.api import mpc_query
from mediaflow.api.mpc_errors import invalid
from mediaflow.jobs.kind import Failure, JobFailed, JobKind
from mediaflow.jobs.runner import Job
from mediaflow.mediaops import animation, tasks
from mediaflow.mediaops.frames import FrameError
from mediaflow.mediaops.records import AnimatedTaskDoc
from mediaflow.mediaops.source import probe_source, require_video
from mediaflow.records.model import Record
from mediaflow.records.states import ANIMATED_GRAPHICS, MediaTaskState
from mediaflow.settings import get_settings
from mediaflow.storage import objects

EVENT = "AnimatedGraphicsComplete"
SEQUENCE = "animated"
MARGIN_S = 10.0
TYPES = {"gif": "image/gif", "webp": "image/webp"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,179}$")


def _file_name(request: animation.CreateAnimatedGraphicsTaskReq, source_key: str) -> str:
    ext = request.output_param.format
    given = request.output.file_name
    if given is not None:
        if not _NAME.match(given) or ".." in given:
            raise invalid("output.file_name allows letters, digits, '.', '_' and '-' (no paths)")
        return given if given.lower().endswith(f".{ext}") else f"{given}.{ext}"
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", PurePosixPath(source_key).stem)[:80] or "animation"
    return f"{stem}.{ext}"


def create(project_id: str, request: animation.CreateAnimatedGraphicsTaskReq) -> dict[str, Any]:
    source = tasks.source_of(project_id, request.input)
    doc = AnimatedTaskDoc(
        rank=tasks.RANK,
        task_id=tasks.new_task_id(project_id, SEQUENCE),
        source_key=source.key,
        source_bucket=source.bucket,
        output_dir=(out := tasks.output_of(project_id, request.output, source)).key,
        output_bucket=out.bucket,
        user_data=request.user_data,
        request={"input": request.input.model_dump(), "output": request.output.model_dump()},
        output_param=request.output_param.model_dump(),
        file_name=_file_name(request, source.key),
    )
    record = tasks.queue(doc, project_id, wake_kind=ANIMATIONS)
    return {"task_id": str(record.doc.task_id)}


def task_view(record: Record[AnimatedTaskDoc]) -> dict[str, Any]:
    view = tasks.common_view(record)
    view["output"] = {**view["output"], "file_name": record.doc.file_name}
    view["output_param"] = record.doc.output_param
    if record.doc.result:
        view["result"] = record.doc.result  # extension: the produced size, frames and bytes
    return view


LIST = mpc_query.ListSpec(
    AnimatedTaskDoc, tuple(sorted({*ANIMATED_GRAPHICS.states, "INIT"})), task_view, "tasks"
)


def run(job: Job[AnimatedTaskDoc]) -> dict[str, Any]:
    record = job.record
    param = animation.AnimatedGraphicsOutputParam.model_validate(record.doc.output_param)
    info = require_video(probe_source(record.doc.source_key, bucket=record.doc.source_bucket))
    start_s = param.start / 1000
    if start_s >= info.duration_s:
        raise JobFailed(
            "MPC.10202",
            f"Invalid request parameter: output_param.start is beyond the source's {info.duration_s:.3f} s",
        )
    span_s = min(param.end / 1000, info.duration_s) - start_s
    size, rate = animation.output_size(param, info), animation.frame_rate(param, info)
    try:
        animation.check_budget(size, rate, span_s)
    except ValueError as exc:
        raise JobFailed("MPC.10202", f"Invalid request parameter: output_param: {exc}") from exc
    workdir = Path(get_settings().transcode_work_dir) / f"mf-anim-{record.id}-{uuid.uuid4().hex[:8]}"
    deadline = max(5.0, job.remaining_s() - min(MARGIN_S, job.remaining_s() / 5))
    try:
        made = animation.render(
            objects.presigned_get(record.doc.source_key, expires_s=3600, bucket=record.doc.source_bucket),
            param.format,
            start_s,
            span_s,
            size,
            rate,
            workdir,
            f"animation.{param.format}",
            on_progress=job.progress,
            should_stop=job.should_stop,
            deadline_s=deadline,
        )
        tasks.upload(record, str(made), record.doc.file_name, TYPES[param.format])
        result = {
            "width": size.width,
            "height": size.height,
            "frame_rate": rate,
            "duration_ms": round(span_s * 1000),
        }
        return {"outputs": [record.doc.file_name], "result": {**result, "size": made.stat().st_size}}
    except FrameError as exc:
        raise JobFailed(exc.code, exc.message) from exc
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def animated_graphics_info(record: Record[AnimatedTaskDoc]) -> dict[str, Any]:
    """The ``animated_graphics_info`` of an ``AnimatedGraphicsComplete`` message."""
    view = task_view(record)
    return {**view, "status": "SUCCEED" if record.status == MediaTaskState.SUCCEED else "FAILED"}


def _on_end(record: Record[AnimatedTaskDoc]) -> None:
    if record.status != MediaTaskState.CANCELED:
        tasks.publish_end(record, EVENT, "animated_graphics_info", animated_graphics_info(record))


def discard(record: Record[AnimatedTaskDoc]) -> None:
    tasks.discard(record, [record.doc.output_dir + record.doc.file_name])


def cancel(project_id: str, task_id: str) -> None:
    tasks.cancel(ANIMATIONS, project_id, task_id)


def query(project_id: str, **params: Any) -> dict[str, Any]:
    return mpc_query.query(LIST, project_id, **params)


ANIMATIONS: JobKind[AnimatedTaskDoc] = JobKind(
    model=AnimatedTaskDoc,
    line=tasks.LINE,
    waiting=MediaTaskState.WAITING,
    running=MediaTaskState.PROCESSING,
    succeeded=MediaTaskState.SUCCEED,
    failed=MediaTaskState.FAILED,
    canceled=MediaTaskState.CANCELED,
    run=run,
    queue_url=lambda: get_settings().transcode_queue_url,
    crashed=Failure("MPC.10050", "System error."),
    lost=Failure("MPC.10050", "The animation worker stopped responding on every attempt."),
    on_end=_on_end,
    discard=discard,
    cancelable=frozenset({MediaTaskState.WAITING, MediaTaskState.PROCESSING}),
)
