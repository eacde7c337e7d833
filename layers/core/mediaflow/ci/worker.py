"""Runs one SmartCover job: claim, probe, pick covers, upload, settle, announce (TaskFinish).

Shaped like the transcoding worker: a token wakes an invocation, which claims the most urgent
waiting job (``lines``: JobLevel 2 before 1 before 0) with a conditional write, so a duplicate
token never runs a job twice. A job whose queue is paused is skipped at the claim and held in
Pause (the queue's pause may have raced its submit). Progress - 10 after the probe, 90 after the
pick, 100 on success - doubles as the heartbeat the reaper watches. Every path ends in a terminal
state, and the invocation that settles the job publishes its one TaskFinish event.

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
from dataclasses import replace
from pathlib import Path
from typing import Any

from mediaflow import aws, clock
from mediaflow.ci import callbacks, locations, queues
from mediaflow.ci.config import ci_settings
from mediaflow.ci.models import CoverParams
from mediaflow.errors import Conflict
from mediaflow.jobs import store
from mediaflow.jobs.states import Kind
from mediaflow.media import relay
from mediaflow.media.models import MediaInfo
from mediaflow.media.probe import ProbeError, ProbeErrorCode, probe
from mediaflow.observability import logger
from mediaflow.settings import get_settings
from mediaflow.storage import keys, objects
from mediaflow.transcode import waiting

KIND = Kind.SMART_COVER
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
CLAIM_ROUNDS = 3


class JobFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class QueuePaused(Conflict):
    """Raised inside the claim to skip a job whose queue is paused (the claim tries the next)."""


def handle_message(body: str, remaining_ms: Callable[[], int]) -> str:
    """One SQS message: a token (run the most urgent job) or a pause/resume sweep to continue."""
    message = json.loads(body or "{}")
    if isinstance(message, dict) and message.get("sweep") in ("hold", "release"):
        budget = max(1.0, remaining_ms() / 1000 - ci_settings().safety_margin_s)
        queues.sweep(str(message["project_id"]), str(message["sweep"]), budget)
        return "swept"
    return run_next(remaining_ms)


def _claim() -> store.Record | None:
    paused: dict[str, bool] = {}
    skipped: dict[str, list[str]] = {}

    def start(current: store.Record) -> store.Record:
        project = current.project_id
        if project not in paused:
            paused[project] = queues.is_paused(project)
        if paused[project]:
            skipped.setdefault(project, []).append(current.id)
            raise QueuePaused(current.id)
        doc = {**current.doc, "start_time": clock.key_time(clock.now()), "progress": 0}
        return replace(current, doc=doc)

    for _ in range(CLAIM_ROUNDS):
        skipped.clear()
        job = waiting.claim(KIND, "Running", start)
        for project, job_ids in skipped.items():
            queues.hold(project, job_ids)
        if job is not None or not skipped:
            return job
    return None  # only paused jobs at the head of the line; they are held now


def run_next(remaining_ms: Callable[[], int]) -> str:
    """Claim the most urgent waiting job and run it to a terminal state."""
    job = _claim()
    if job is None:
        return "idle"
    try:
        status, updates = "Success", _run(job, remaining_ms)
    except JobFailed as exc:
        status, updates = "Failed", {"code": exc.code, "message": exc.message}
    except Exception:
        logger.exception("smart cover job crashed", extra={"job_id": job.id})
        status, updates = "Failed", {"code": "InternalError", "message": "Internal error."}
    return finish(job.project_id, job.id, status, updates)


def finish(project_id: str, job_id: str, status: str, updates: dict[str, Any]) -> str:
    """Settle a Running job; only the call that settles it publishes TaskFinish."""
    settled = False

    def settle(current: store.Record) -> store.Record | None:
        nonlocal settled
        settled = current.status == "Running"
        if not settled:
            return None
        doc = {**current.doc, **updates, "end_time": clock.key_time(clock.now())}
        if status == "Success":
            doc["progress"] = 100
        return replace(current, status=status, lookup=None, doc=doc)

    final = store.update(KIND, project_id, job_id, settle)
    if settled:
        callbacks.publish_task_finish(final)
    logger.info("smart cover job ended", extra={"job_id": job_id, "status": final.status})
    return final.status


def _beat(job: store.Record, progress: int) -> None:
    """Progress, and the heartbeat (the running line's sort key) the reaper watches."""

    def beat(current: store.Record) -> store.Record | None:
        if current.status != "Running":
            return None
        lookup = waiting.running_lookup(KIND, current.project_id, current.id)
        return replace(current, lookup=lookup, doc={**current.doc, "progress": progress})

    store.update(KIND, job.project_id, job.id, beat)


def _probe(key: str, timeout_s: float) -> MediaInfo:
    try:
        aws.client("s3").head_object(Bucket=get_settings().bucket_name, Key=key)
    except Exception as exc:
        if aws.error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            raise JobFailed("ResourceNotFound", "The input object does not exist.") from exc
        raise
    try:
        info = probe(objects.presigned_get(key), timeout_s=timeout_s)
    except ProbeError as exc:
        codes = {ProbeErrorCode.NOT_MEDIA: "InvalidInput", ProbeErrorCode.TIMEOUT: "Timeout"}
        code = codes.get(exc.code, "ResourceDownloadFailed")
        raise JobFailed(code, f"The input cannot be read as media: {exc.message}") from exc
    if info.video is None:
        raise JobFailed("InvalidInput", "The input has no video stream to take covers from.")
    return info


def _pick(job: store.Record, info: MediaInfo, workdir: Path, deadline_s: float) -> Any:
    from mediaflow.covers import PickError, PickErrorCode, pick_covers  # numpy: only the worker needs it

    params = CoverParams.model_validate(job.doc["params"])
    url = objects.presigned_get(job.doc["source_key"], expires_s=3600)
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


def _upload(job: store.Record, picked: Any) -> list[dict[str, Any]]:
    bucket, s3 = get_settings().bucket_name, aws.client("s3")
    covers = []
    for cover in picked.covers:
        key = locations.cover_key(job.doc["output_pattern"], cover.rank)
        s3.upload_file(cover.path, bucket, key, ExtraArgs={"ContentType": CONTENT_TYPES[picked.format]})
        covers.append(
            {
                "object_name": locations.object_name(job.project_id, key),
                "rank": cover.rank,
                "timestamp_s": cover.timestamp_s,
                "score": cover.score,
                "fallback": cover.fallback,
                "rejected": cover.rejected,
                "phash": cover.phash,
            }
        )
    return covers


def _run(job: store.Record, remaining_ms: Callable[[], int]) -> dict[str, Any]:
    margin = ci_settings().safety_margin_s
    probe_s = max(1.0, min(get_settings().probe_timeout_s, remaining_ms() / 1000 - margin))
    info = _probe(job.doc["source_key"], probe_s)
    _beat(job, 10)
    workdir = Path(get_settings().transcode_work_dir) / f"mf-cover-{job.id}-{uuid.uuid4().hex[:8]}"
    try:
        picked = _pick(job, info, workdir, max(5.0, remaining_ms() / 1000 - margin))
        _beat(job, 90)
        covers = _upload(job, picked)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "object_prefix": keys.output_prefix(job.project_id),
        "format": picked.format,
        "width": picked.width,
        "height": picked.height,
        "fallback": picked.fallback,
        "message": picked.message,
        "candidates": picked.candidates,
        "covers": covers,
    }
    return {"result": result, "code": "Success", "message": picked.message if picked.fallback else ""}


def reap(stale_after_s: float | None = None) -> list[str]:
    """Fail Running jobs whose worker went silent (crashed, timed out): none stays Running."""
    horizon = stale_after_s if stale_after_s is not None else ci_settings().stale_after_s
    cutoff = clock.key_time(clock.now_minus(horizon))
    reaped = []
    for stale in store.find_by_lookup(waiting.run_key(KIND), limit=50, ascending=True, below=cutoff):
        status = finish(
            stale.project_id,
            stale.id,
            "Failed",
            {"code": "InternalError", "message": "The smart cover worker stopped responding."},
        )
        reaped.append(f"{stale.id}:{status}")
    return reaped
