"""Runs one transcoding task (the ``TASKS`` job kind): probe, plan, then one pass or a split.

The job runner (``jobs.runner``) claims the most urgent waiting task, keeps its heartbeat and
progress, stops it on cancel, recovers it when its worker dies and settles it; this module only
says what one task does. The plan (``split_plan``, from the measured cost model) chooses: one
pass - probe, encode every rendition in one ffmpeg, upload - or a split: the task hands off to
its parts (``parts``: chunks and audio settings encoded in parallel, then the join), which end it.
The engine encodes from a presigned GET through the loopback relay: the source is read with
range requests, never copied whole to /tmp.
"""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from mediaflow.buckets import access
from mediaflow.encryption import hls, keys
from mediaflow.encryption.keys import KeyRef
from mediaflow.jobs.kind import Failure, HandedOff, JobFailed, JobKind
from mediaflow.jobs.runner import Job
from mediaflow.media.models import MediaInfo
from mediaflow.media.probe import ProbeError, probe
from mediaflow.mediaops.watermark_files import prepare_watermarks
from mediaflow.observability import logger, tracer_span
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.records.states import TaskState
from mediaflow.settings import get_settings
from mediaflow.storage import objects
from mediaflow.transcode import split_plan, task_events, video_tasks
from mediaflow.transcode.ffmpeg_args import MASTER_NAME
from mediaflow.transcode.media_views import source_info
from mediaflow.transcode.records import SplitInfo, TaskDoc, TaskOutput
from mediaflow.transcode.spec import RenditionSpec

SAFETY_MARGIN_S = 60.0  # kept back for uploads and settling (a fifth of a shorter invocation)
WORK_PREFIX = "work/"  # intermediate objects of split tasks; a lifecycle rule expires leftovers
TOO_LONG = "MPC.10069"
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".mp4": "video/mp4",
    ".m4s": "video/iso.segment",
    ".ts": "video/mp2t",
    ".mp3": "audio/mpeg",
    ".aac": "audio/aac",
}


def margin(remaining_s: float) -> float:
    return min(SAFETY_MARGIN_S, remaining_s / 5)


def _probe_source(task: TaskDoc) -> MediaInfo:
    url = objects.presigned_get(task.source_key, bucket=task.source_bucket)
    try:
        return probe(url, timeout_s=get_settings().probe_timeout_s)
    except ProbeError as exc:
        code = "MPC.10066" if exc.code == "NotMedia" else "MPC.10125"
        raise JobFailed(code, f"The input file cannot be transcoded: {exc.message}") from exc


def _decide(info: MediaInfo, renditions: list[RenditionSpec], remaining_s: float) -> split_plan.Decision:
    settings = get_settings()
    if info.duration_s > settings.max_source_seconds:
        raise JobFailed(
            TOO_LONG,
            f"The source lasts {info.duration_s:.0f} s, longer than the {settings.max_source_seconds:.0f} s "
            "a task accepts (MEDIAFLOW_MAX_SOURCE_SECONDS).",
        )
    try:
        return split_plan.decide(
            info,
            renditions,
            budget_s=remaining_s - margin(remaining_s),
            memory_mb=settings.jobs.function_memory_mb,
            parallel=settings.transcode_parallel,
            min_chunk_s=settings.min_chunk_s,
            mode=settings.transcode_split,
        )
    except split_plan.TooLong as exc:
        raise JobFailed(
            TOO_LONG, f"The task cannot be encoded within one function invocation: {exc}."
        ) from exc


def _split(job: Job[TaskDoc], info: MediaInfo, decision: split_plan.Decision) -> HandedOff:
    """Record the plan on the task, then make its parts; the task goes on in them."""
    from mediaflow.transcode import split_task
    from mediaflow.transcode.parts import PARTS

    task = job.record
    split = SplitInfo(
        chunk_s=decision.chunk_s,
        chunks=len(decision.chunks),
        source=info,
        work_prefix=f"{WORK_PREFIX}{task.project_id}/{task.id}/",
        reason=decision.reason,
        audio_parts=decision.audio_parts,
    )
    mine = job.claim_id

    def plan(current: Record[TaskDoc]) -> Record[TaskDoc] | None:
        if current.status != TaskState.TRANSCODING or current.doc.claim_id != mine:
            return None
        return current.evolve(split=split, chunks=split.chunks, progress=split_task.PLAN_WEIGHT)

    planned = store.update(TaskDoc, task.project_id, task.id, plan)
    if planned.doc.split is None or planned.doc.claim_id != mine:
        raise JobFailed("MPC.10212", "The task was canceled.")
    chunks = [(c.start_s, c.end_s) for c in decision.chunks]
    split_task.create_parts(PARTS, planned, chunks, decision.audio_parts, get_settings().transcode_parallel)
    logger.info("task split", extra={"task_id": task.id, "plan": decision.reason})
    return HandedOff()


def _upload(workdir: Path, files: list[str], task: TaskDoc, task_id: str) -> None:
    for relative in files:
        path = workdir / relative
        content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        key = task.output_dir + relative
        objects.upload_file(str(path), key, content_type, owner=task_id, bucket=task.output_bucket)


def encrypt_hls(project_id: str, ref: KeyRef, workdir: Path, produced: list[Any]) -> None:
    """AES-128 of every HLS output's segments (probed in the clear already), before any upload."""
    key = keys.load_key(project_id, ref.key_id)
    for result in produced:
        if result.pack_type in ("HLS", "HLS+DASH"):
            hls.encrypt_files(workdir, result.files, ref, key)


def check_buckets(project_id: str, task: TaskDoc) -> None:
    """A task waiting while its bucket was revoked does not start."""
    revoked = access.revoked_among(project_id, task.source_bucket, task.output_bucket)
    if revoked is not None:
        raise JobFailed("MPC.10202", f"Invalid request parameter: bucket {revoked} is no longer authorized.")


def run(job: Job[TaskDoc]) -> dict[str, Any] | HandedOff:
    from mediaflow.transcode.engine import encode  # imported here: only the worker needs it

    task = job.record.doc
    phases: dict[str, float] = {}
    began = time.monotonic()
    check_buckets(job.record.project_id, task)
    with tracer_span("probe"):
        info = _probe_source(task)
    phases["probe_s"] = time.monotonic() - began
    decision = _decide(info, task.renditions, job.remaining_s())
    if decision.split:
        return _split(job, info, decision)
    workdir = Path(get_settings().transcode_work_dir) / f"mf-task-{job.record.id}-{uuid.uuid4().hex[:8]}"
    workdir.mkdir(parents=True)
    try:
        watermarks = prepare_watermarks(task.watermarks, workdir)
        with tracer_span("encode"):
            results = encode(
                objects.presigned_get(task.source_key, expires_s=3600, bucket=task.source_bucket),
                task.renditions,
                workdir,
                source_info=info,
                on_progress=job.progress,
                should_stop=job.should_stop,
                deadline_s=max(10.0, job.remaining_s() - margin(job.remaining_s()) / 2),
                watermarks=watermarks,
            )
        phases["encode_s"] = time.monotonic() - began - phases["probe_s"]
        if job.should_stop() or any(r.status == "canceled" for r in results):
            raise JobFailed("MPC.10212", "The task was canceled.")  # the cancel already ended it
        produced = [r for r in results if r.status in ("ok", "clamped")]
        if task.encryption is not None:
            encrypt_hls(job.record.project_id, task.encryption, workdir, produced)
        sizes = {r.template_id: sum((workdir / f).stat().st_size for f in r.files) for r in produced}
        with tracer_span("upload"):
            for result in produced:
                _upload(workdir, result.files, task, job.record.id)
        phases["upload_s"] = time.monotonic() - began - phases["probe_s"] - phases["encode_s"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    logger.info(
        "task phases", extra={"task_id": job.record.id, **{k: round(v, 3) for k, v in phases.items()}}
    )
    detail = {
        "input_file": source_info(info),
        "multitask_info": [_task_info(r, sizes.get(r.template_id)) for r in results],
    }
    changes: dict[str, Any] = {
        "transcode_detail": detail,
        "output_file_name": [Path(r.main_file).name for r in produced if r.main_file],
        "chunks": 1,
        "outputs": [
            TaskOutput(template_id=r.template_id, files=r.files, main_file=r.main_file) for r in produced
        ],
    }
    if not produced:
        first = next((r for r in results if r.error_code), None)
        code = first.error_code if first and first.error_code else "MPC.10050"
        message = (first.error_msg or "") if first else "No output could be produced."
        raise JobFailed(code, message, **changes)
    return changes


def _task_info(result: Any, size: int | None) -> dict[str, Any]:
    """One ``multitask_info`` entry: the output's media info, or why there is none."""
    info: dict[str, Any] = {"template_id": result.template_id}
    if result.error_code:
        info["error"] = {"error_code": result.error_code, "error_msg": result.error_msg or ""}
    if result.media_info is not None:
        info["output_file"] = source_info(result.media_info, size=size)
    return info


def discard(task: Record[TaskDoc]) -> None:
    """Remove what an attempt may have uploaded: the renditions' files and the master playlist,
    only objects this task wrote (another task's outputs in the same folder stay)."""
    doc, bucket = task.doc, task.doc.output_bucket
    found = [
        key
        for r in doc.renditions
        for key in objects.list_keys(doc.output_dir + r.output_name, bucket=bucket)
    ]
    objects.delete_owned([*found, doc.output_dir + f"{MASTER_NAME}.m3u8"], task.id, bucket=bucket)


def _on_start(task: Record[TaskDoc]) -> None:
    task_events.publish_task_event(task, "TranscodeStart")


def _on_end(task: Record[TaskDoc]) -> None:
    from mediaflow.usage import record as usage

    if task.doc.split is not None and task.status != TaskState.SUCCEEDED:
        _end_parts(task)
    usage.task_ended(task)
    if task.status in (TaskState.SUCCEEDED, TaskState.FAILED):
        task_events.publish_task_event(task, "TranscodeComplete")
    video_tasks.task_ended(task)


def _end_parts(task: Record[TaskDoc]) -> None:
    """A split task that failed or was canceled: stop its parts, remove what they wrote."""
    from mediaflow.transcode import split_task
    from mediaflow.transcode.parts import PARTS

    split_task.cancel_parts(PARTS, task, "The task ended.")
    discard(task)
    split_task.remove_work(task)


TASKS: JobKind[TaskDoc] = JobKind(
    model=TaskDoc,
    line=TaskDoc.KIND.value,
    waiting=TaskState.WAITING,
    running=TaskState.TRANSCODING,
    succeeded=TaskState.SUCCEEDED,
    failed=TaskState.FAILED,
    canceled=TaskState.CANCELED,
    run=run,
    queue_url=lambda: get_settings().transcode_queue_url,
    crashed=Failure("MPC.10050", "System error."),
    lost=Failure("MPC.10050", "The transcoding worker stopped responding on every attempt."),
    on_start=_on_start,
    on_end=_on_end,
    discard=discard,
    cancelable=frozenset({TaskState.WAITING, TaskState.TRANSCODING}),
)
