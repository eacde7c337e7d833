"""Runs one SmartCover job (the ``COVER_JOBS`` job kind): probe, pick covers, upload.

The job runner claims the most urgent waiting job (JobLevel 2 before 1 before 0), keeps its
heartbeat, recovers it when its worker dies and settles it; the invocation that settles it
publishes its one TaskFinish. A job whose queue is paused is skipped at the claim and held in
Pause (the queue's pause may have raced its submit). Progress: 10 after the probe, 90 after the
pick, 100 on success.

The source is read from a presigned GET through the loopback relay (the static ffmpeg cannot
resolve host names), never copied to /tmp. Failure codes (``Code`` of a Failed job):
ResourceNotFound (the input is gone), ResourceDownloadFailed (it could not be read),
InvalidInput (not media, no video stream, undecodable), Timeout, InternalError.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mediaflow.buckets import access
from mediaflow.ci import callbacks, locations, pause_line, queues
from mediaflow.ci.records import CoverJobDoc, CoverResult, PickedCover
from mediaflow.errors import NotFound
from mediaflow.jobs import runner
from mediaflow.jobs.kind import Failure, JobFailed, JobKind, Skip
from mediaflow.jobs.runner import Job
from mediaflow.media import relay
from mediaflow.media.models import MediaInfo
from mediaflow.media.probe import ProbeError, ProbeErrorCode, probe
from mediaflow.observability import tracer_span
from mediaflow.records.model import Record
from mediaflow.records.states import CoverJobState
from mediaflow.settings import get_settings
from mediaflow.storage import keys, objects

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def handle_message(body: str, remaining_ms: Callable[[], int]) -> str:
    """One SQS message: a token (run the most urgent job) or a pause/resume sweep to continue."""
    message = json.loads(body or "{}")
    if isinstance(message, dict) and message.get("sweep") in ("hold", "release"):
        budget = max(1.0, remaining_ms() / 1000 - get_settings().ci.safety_margin_s)
        queues.sweep(str(message["project_id"]), str(message["sweep"]), budget)
        return "swept"
    return runner.run_next([COVER_JOBS], remaining_ms)


def _probe(key: str, timeout_s: float) -> MediaInfo:
    try:
        objects.head(key)
    except NotFound as exc:
        raise JobFailed("ResourceNotFound", "The input object does not exist.") from exc
    try:
        info = probe(objects.presigned_get(key), timeout_s=timeout_s)
    except ProbeError as exc:
        codes = {ProbeErrorCode.NOT_MEDIA: "InvalidInput", ProbeErrorCode.TIMEOUT: "Timeout"}
        code = codes.get(exc.code, "ResourceDownloadFailed")
        raise JobFailed(code, f"The input cannot be read as media: {exc.message}") from exc
    if info.video is None:
        raise JobFailed("InvalidInput", "The input has no video stream to take covers from.")
    return info


def _pick(job: CoverJobDoc, info: MediaInfo, workdir: Path, deadline_s: float) -> Any:
    from mediaflow.covers import PickError, PickErrorCode, pick_covers  # numpy: only the worker needs it

    params = job.params
    url = objects.presigned_get(job.source_key, expires_s=3600)
    with relay.serve(url, timeout_s=30.0) as local:
        try:
            return pick_covers(
                local,
                count=params.Count,
                width=params.Width,
                height=params.Height,
                fmt=params.Format,
                delete_duplicates=params.DeleteDuplicates,
                workdir=workdir,
                source_info=info,
                deadline_s=deadline_s,
            )
        except PickError as exc:
            if local.failure is not None:
                raise JobFailed("ResourceDownloadFailed", local.failure.message) from exc
            if exc.code == PickErrorCode.TIMEOUT:
                raise JobFailed("Timeout", "Picking covers did not finish in time.") from exc
            if exc.code in (PickErrorCode.NO_VIDEO, PickErrorCode.DECODE_FAILED):
                raise JobFailed("InvalidInput", f"The video cannot be decoded: {exc.message}") from exc
            raise


def _upload(record: Record[CoverJobDoc], picked: Any) -> list[PickedCover]:
    covers = []
    for cover in picked.covers:
        key = locations.cover_key(record.doc.output_pattern, cover.rank)
        bucket = record.doc.output_bucket
        objects.upload_file(cover.path, key, CONTENT_TYPES[picked.format], owner=record.id, bucket=bucket)
        covers.append(
            PickedCover(
                object_name=locations.object_name(record.project_id, key, bucket),
                rank=cover.rank,
                timestamp_s=cover.timestamp_s,
                score=cover.score,
                fallback=cover.fallback,
                rejected=cover.rejected,
                phash=cover.phash,
            )
        )
    return covers


def run(job: Job[CoverJobDoc]) -> dict[str, Any]:
    record, margin = job.record, get_settings().ci.safety_margin_s
    revoked = access.revoked_among(record.project_id, record.doc.output_bucket)
    if revoked is not None:
        raise JobFailed("InvalidArgument", f"The output bucket {revoked} is no longer authorized.")
    probe_s = max(1.0, min(get_settings().probe_timeout_s, job.remaining_s() - margin))
    with tracer_span("probe"):
        info = _probe(record.doc.source_key, probe_s)
    job.progress(10)
    workdir = Path(get_settings().transcode_work_dir) / f"mf-cover-{record.id}-{uuid.uuid4().hex[:8]}"
    try:
        with tracer_span("pick"):
            picked = _pick(record.doc, info, workdir, max(5.0, job.remaining_s() - margin))
        job.progress(90)
        with tracer_span("upload"):
            covers = _upload(record, picked)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result = CoverResult(
        object_prefix="" if record.doc.output_bucket else keys.output_prefix(record.project_id),
        format=picked.format,
        width=picked.width,
        height=picked.height,
        fallback=picked.fallback,
        message=picked.message,
        candidates=picked.candidates,
        covers=covers,
    )
    return {"result": result}


def _admit(record: Record[CoverJobDoc]) -> None:
    if queues.is_paused(record.project_id):
        raise Skip(record.id)


def _hold_skipped(records: list[Record[CoverJobDoc]]) -> None:
    by_project: dict[str, list[str]] = {}
    for record in records:
        by_project.setdefault(record.project_id, []).append(record.id)
    for project, job_ids in by_project.items():
        queues.hold(project, job_ids)


def _on_end(record: Record[CoverJobDoc]) -> None:
    if record.status in (CoverJobState.SUCCESS, CoverJobState.FAILED):
        callbacks.publish_task_finish(record)


def discard(record: Record[CoverJobDoc]) -> None:
    """Remove covers a failed attempt uploaded (only objects this job wrote)."""
    pattern, count = record.doc.output_pattern, record.doc.params.Count
    keys = (locations.cover_key(pattern, rank) for rank in range(count))
    objects.delete_owned(keys, record.id, bucket=record.doc.output_bucket)


COVER_JOBS: JobKind[CoverJobDoc] = JobKind(
    model=CoverJobDoc,
    line=pause_line.LINE,
    waiting=CoverJobState.SUBMITTED,
    running=CoverJobState.RUNNING,
    succeeded=CoverJobState.SUCCESS,
    failed=CoverJobState.FAILED,
    canceled=CoverJobState.CANCEL,
    run=run,
    queue_url=lambda: get_settings().ci.queue_url,
    crashed=Failure("InternalError", "Internal error."),
    lost=Failure("InternalError", "The smart cover worker stopped responding on every attempt."),
    on_end=_on_end,
    admit=_admit,
    on_skipped=_hold_skipped,
    discard=discard,
    cancelable=frozenset({CoverJobState.SUBMITTED, CoverJobState.PAUSE}),
)
