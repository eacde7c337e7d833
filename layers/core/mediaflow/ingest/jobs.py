"""Every write of a URL-ingest job record, and the one place UploadByURLComplete is published.

Job item: ``sk=URL_JOB#<JobId>``; alternate key ``gsi3pk=P#<project>#URL#<hash of the normalised
URL>``, ``gsi3sk=<created>#<JobId>`` (GetURLUploadInfos by URL, newest first, one project only).

Exactly one event per job: the terminal write also sets ``pending_event``; the event is published
with an id derived from that write's version, then the flag is cleared. Whoever finds the flag
still set (a retried message, a repeated upload event) publishes the same event id again, which
the notifier and subscribers dedupe.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from typing import Any

from mediaflow import clock
from mediaflow.events.publisher import publish_for, request_callback
from mediaflow.ingest import views
from mediaflow.ingest.codes import JobFailure
from mediaflow.jobs import store
from mediaflow.jobs.states import URL_JOB, Kind
from mediaflow.observability import logger

TERMINAL = URL_JOB.terminal
IN_FLIGHT = frozenset({"DOWNLOADING", "UPLOADING"})
CLAIM_GRACE_S = 60.0  # a claim this long past its deadline belongs to a dead invocation


def lookup_pk(project_id: str, url_key: str) -> str:
    return f"P#{project_id}#URL#{url_key}"


def new_job(project_id: str, job_id: str, url_key: str, created_at: str, doc: dict[str, Any]) -> store.Record:
    return store.Record(
        kind=Kind.URL_JOB,
        project_id=project_id,
        id=job_id,
        status=URL_JOB.initial,
        created_at=created_at,
        doc={"file_size": None, "error_code": None, "error_message": None, "complete_time": None, **doc},
        lookup=(lookup_pk(project_id, url_key), f"{created_at}#{job_id}"),
    )


def get(project_id: str, job_id: str) -> store.Record:
    return store.get(Kind.URL_JOB, project_id, job_id)


def claim_id(record: store.Record) -> str | None:
    return (record.doc.get("claim") or {}).get("id")


def claim_is_stale(record: store.Record) -> bool:
    deadline = float((record.doc.get("claim") or {}).get("deadline_at") or 0)
    return time.time() > deadline + CLAIM_GRACE_S


def claim(project_id: str, job_id: str, deadline_s: float) -> tuple[store.Record, bool]:
    """PENDING -> DOWNLOADING for this invocation only (a conditional write: one winner)."""
    mine = uuid.uuid4().hex

    def take(current: store.Record) -> store.Record | None:
        if current.status != "PENDING":
            return None
        grant = {"id": mine, "deadline_at": time.time() + deadline_s}
        return replace(current, status="DOWNLOADING", doc={**current.doc, "claim": grant})

    record = store.update(Kind.URL_JOB, project_id, job_id, take)
    return record, claim_id(record) == mine


def _owned(record: store.Record, owner: str, *states: str) -> bool:
    return record.status in states and claim_id(record) == owner


def mark_uploading(
    project_id: str, job_id: str, owner: str, *, upload_id: str | None, file_size: int | None
) -> store.Record:
    """DOWNLOADING -> UPLOADING: the first bytes go to storage (``upload_id`` to abort later)."""

    def move(current: store.Record) -> store.Record | None:
        if not _owned(current, owner, "DOWNLOADING"):
            return None
        doc = {**current.doc, "upload_id": upload_id, "file_size": file_size}
        return replace(current, status="UPLOADING", doc=doc)

    return store.update(Kind.URL_JOB, project_id, job_id, move)


def mark_stored(project_id: str, job_id: str, owner: str, *, size: int, version_id: str) -> store.Record:
    """UPLOADING -> UPLOAD_SUCCESS once the object is complete (unless the probe already settled it)."""

    def move(current: store.Record) -> store.Record | None:
        if not _owned(current, owner, "UPLOADING"):
            return None
        doc = {**current.doc, "upload_id": None, "file_size": size, "object_version": version_id}
        return replace(current, status="UPLOAD_SUCCESS", doc=doc)

    return store.update(Kind.URL_JOB, project_id, job_id, move)


def _terminal(current: store.Record, status: str, **fields: Any) -> store.Record:
    doc = {
        **current.doc,
        **fields,
        "claim": None,
        "upload_id": None,
        "complete_time": clock.key_time(clock.now()),
        "pending_event": True,
    }
    return replace(current, status=status, doc=doc)


def fail(project_id: str, job_id: str, failure: JobFailure, *, owner: str | None = None) -> store.Record:
    """End a job that has not finished (owned by ``owner`` when given) with ``failure``'s code."""

    def end(current: store.Record) -> store.Record | None:
        if current.status in TERMINAL or current.status == "UPLOAD_SUCCESS":
            return None  # the object is stored: only the probe's verdict ends the job now
        if owner is not None and claim_id(current) != owner:
            return None
        status = failure.status if current.status != "PENDING" else "DOWNLOAD_FAIL"
        return _terminal(current, status, error_code=failure.code, error_message=failure.message)

    record = store.update(Kind.URL_JOB, project_id, job_id, end)
    if record.status in ("DOWNLOAD_FAIL", "UPLOAD_FAIL"):
        _fail_video(record)
    return announce(record)


def settle_from_video(project_id: str, job_id: str, video: store.Record) -> store.Record:
    """The upload path settled the job's video: SUCCESS, or UPLOAD_FAIL with the probe's reason."""
    source = video.doc.get("last_source") or {}

    def end(current: store.Record) -> store.Record | None:
        if current.status not in ("UPLOADING", "UPLOAD_SUCCESS"):
            return None  # not written by this job (yet), or already settled
        expected = current.doc.get("object_version")
        if expected and source.get("version_id") and expected != source["version_id"]:
            return None  # another source replaced the one this job stored
        if video.status == "UploadFail":
            failure = video.doc.get("failure") or {}
            code = failure.get("code") or "NotMedia"
            message = failure.get("message") or "The file is not audio or video."
            return _terminal(current, "UPLOAD_FAIL", error_code=code, error_message=message)
        return _terminal(current, "SUCCESS", file_size=int(source.get("size") or 0))

    return announce(store.update(Kind.URL_JOB, project_id, job_id, end))


def announce(record: store.Record) -> store.Record:
    """Publish UploadByURLComplete if the terminal write is not announced yet; clear the flag."""
    if not record.doc.get("pending_event"):
        return record
    moment = clock.now()
    publish_for(
        record,
        event_type="UploadByURLComplete",
        family="vod",
        payload=views.upload_by_url_complete(record, clock.iso_z(moment)),
        callback=request_callback(record.doc.get("callback_url")),
        occurred_at=moment,
    )
    logger.info("url job settled", extra={"job_id": record.id, "status": record.status})

    def clear(current: store.Record) -> store.Record | None:
        if current.version != record.version or not current.doc.get("pending_event"):
            return None
        return replace(current, doc={**current.doc, "pending_event": False})

    return store.update(Kind.URL_JOB, record.project_id, record.id, clear)


def _fail_video(job: store.Record) -> None:
    """A video whose URL job failed before any object landed ends UploadFail with the same reason
    (it would otherwise stay Uploading); RefreshUploadVideo can still give it a source."""
    video_id = job.doc.get("video_id")
    if not video_id:
        return

    def end(current: store.Record) -> store.Record | None:
        if current.status != "Uploading" or current.doc.get("last_source"):
            return None
        failure = {"code": job.doc.get("error_code"), "message": job.doc.get("error_message")}
        doc = {**current.doc, "failure": failure}
        return replace(current, status="UploadFail", doc=doc)

    store.update(Kind.VIDEO, job.project_id, video_id, end)
