"""Every write of a URL-ingest job record, and the one place UploadByURLComplete is published.

Job item: ``sk=URL_JOB#<JobId>``, body ``ingest.records.UrlJobDoc``; alternate key
``gsi3pk=P#<project>#URL#<hash of the normalised URL>``, ``gsi3sk=<created>#<JobId>``
(GetURLUploadInfos by URL, newest first, one project only).

Exactly one event per job: the terminal write also sets ``pending_event``; the event is published
with an id derived from that write's version, then the flag is cleared. Whoever finds the flag
still set (a retried message, a repeated upload event) publishes the same event id again, which
the notifier and subscribers dedupe.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from mediaflow import clock
from mediaflow.events.publisher import publish_for, request_callback
from mediaflow.ingest import views
from mediaflow.ingest.codes import JobFailure
from mediaflow.ingest.records import FetchClaim, UrlJobDoc
from mediaflow.jobs import cost
from mediaflow.observability import logger
from mediaflow.records import store
from mediaflow.records.model import Record, new_record
from mediaflow.records.states import URL_JOB, UrlJobState, VideoState
from mediaflow.uploads.records import Failure, VideoDoc

U = UrlJobState
TERMINAL = URL_JOB.terminal
IN_FLIGHT = frozenset({U.DOWNLOADING, U.UPLOADING})
CLAIM_GRACE_S = 60.0  # a claim this long past its deadline belongs to a dead invocation


def lookup_pk(project_id: str, url_key: str) -> str:
    return f"P#{project_id}#URL#{url_key}"


def new_job(project_id: str, job_id: str, url_key: str, created_at: str, doc: UrlJobDoc) -> Record[UrlJobDoc]:
    lookup = (lookup_pk(project_id, url_key), f"{created_at}#{job_id}")
    return new_record(doc, project_id, job_id, created_at, lookup=lookup)


def get(project_id: str, job_id: str) -> Record[UrlJobDoc]:
    return store.get(UrlJobDoc, project_id, job_id)


def claim_id(record: Record[UrlJobDoc]) -> str | None:
    return record.doc.claim.id if record.doc.claim else None


def claim_is_stale(record: Record[UrlJobDoc]) -> bool:
    deadline = record.doc.claim.deadline_at if record.doc.claim else 0.0
    return time.time() > deadline + CLAIM_GRACE_S


def claim(project_id: str, job_id: str, deadline_s: float) -> tuple[Record[UrlJobDoc], bool]:
    """PENDING -> DOWNLOADING for this invocation only (a conditional write: one winner)."""
    mine = uuid.uuid4().hex

    def take(current: Record[UrlJobDoc]) -> Record[UrlJobDoc] | None:
        if current.status != U.PENDING:
            return None
        grant = FetchClaim(id=mine, deadline_at=time.time() + deadline_s)
        return current.evolve(status=U.DOWNLOADING, claim=grant)

    record = store.update(UrlJobDoc, project_id, job_id, take)
    return record, claim_id(record) == mine


def _owned(record: Record[UrlJobDoc], owner: str, *states: str) -> bool:
    return record.status in states and claim_id(record) == owner


def mark_uploading(
    project_id: str, job_id: str, owner: str, *, upload_id: str | None, file_size: int | None
) -> Record[UrlJobDoc]:
    """DOWNLOADING -> UPLOADING: the first bytes go to storage (``upload_id`` to abort later)."""

    def move(current: Record[UrlJobDoc]) -> Record[UrlJobDoc] | None:
        if not _owned(current, owner, U.DOWNLOADING):
            return None
        return current.evolve(status=U.UPLOADING, upload_id=upload_id, file_size=file_size)

    return store.update(UrlJobDoc, project_id, job_id, move)


def mark_stored(project_id: str, job_id: str, owner: str, *, size: int, version_id: str) -> Record[UrlJobDoc]:
    """UPLOADING -> UPLOAD_SUCCESS once the object is complete (unless the probe already settled it)."""

    def move(current: Record[UrlJobDoc]) -> Record[UrlJobDoc] | None:
        if not _owned(current, owner, U.UPLOADING):
            return None
        return current.evolve(
            status=U.UPLOAD_SUCCESS, upload_id=None, file_size=size, object_version=version_id
        )

    return store.update(UrlJobDoc, project_id, job_id, move)


def add_cost(project_id: str, job_id: str, seconds: float) -> Record[UrlJobDoc]:
    """Add one invocation's billed time to the job (its state does not change)."""

    def charge(current: Record[UrlJobDoc]) -> Record[UrlJobDoc]:
        spent = cost.charge(current.doc.compute_s, current.doc.gb_s, seconds)
        return current.evolve(compute_s=spent["compute_s"], gb_s=spent["gb_s"])

    return store.update(UrlJobDoc, project_id, job_id, charge)


def _terminal(current: Record[UrlJobDoc], status: str, **fields: Any) -> Record[UrlJobDoc]:
    return current.evolve(
        status=status,
        **fields,
        claim=None,
        upload_id=None,
        complete_time=clock.key_time(clock.now()),
        pending_event=True,
    )


def fail(project_id: str, job_id: str, failure: JobFailure, *, owner: str | None = None) -> Record[UrlJobDoc]:
    """End a job that has not finished (owned by ``owner`` when given) with ``failure``'s code."""

    def end(current: Record[UrlJobDoc]) -> Record[UrlJobDoc] | None:
        if current.status in TERMINAL or current.status == U.UPLOAD_SUCCESS:
            return None  # the object is stored: only the probe's verdict ends the job now
        if owner is not None and claim_id(current) != owner:
            return None
        status = failure.status if current.status != U.PENDING else U.DOWNLOAD_FAIL
        return _terminal(current, status, error_code=failure.code, error_message=failure.message)

    record = store.update(UrlJobDoc, project_id, job_id, end)
    if record.status in (U.DOWNLOAD_FAIL, U.UPLOAD_FAIL):
        _fail_video(record)
    return announce(record)


def settle_from_video(
    project_id: str, job_id: str, video: Record[VideoDoc], *, cost_s: float = 0.0
) -> Record[UrlJobDoc]:
    """The upload path settled the job's video: SUCCESS, or UPLOAD_FAIL with the probe's reason
    (``cost_s``: the seconds the probe's invocation spent on it)."""
    source = video.doc.last_source

    def end(current: Record[UrlJobDoc]) -> Record[UrlJobDoc] | None:
        if current.status not in (U.UPLOADING, U.UPLOAD_SUCCESS):
            return None  # not written by this job (yet), or already settled
        expected = current.doc.object_version
        if expected and source and source.version_id and expected != source.version_id:
            return None  # another source replaced the one this job stored
        if video.status == VideoState.UPLOAD_FAIL:
            failure = video.doc.failure or Failure()
            code = failure.code or "NotMedia"
            message = failure.message or "The file is not audio or video."
            return _terminal(current, U.UPLOAD_FAIL, error_code=code, error_message=message, **spent(current))
        return _terminal(current, U.SUCCESS, file_size=source.size if source else 0, **spent(current))

    def spent(current: Record[UrlJobDoc]) -> dict[str, float]:
        return cost.charge(current.doc.compute_s, current.doc.gb_s, cost_s)

    return announce(store.update(UrlJobDoc, project_id, job_id, end))


def announce(record: Record[UrlJobDoc]) -> Record[UrlJobDoc]:
    """Publish UploadByURLComplete if the terminal write is not announced yet; clear the flag."""
    if not record.doc.pending_event:
        return record
    moment = clock.now()
    publish_for(
        record,
        event_type="UploadByURLComplete",
        family="vod",
        payload=views.upload_by_url_complete(record, clock.iso_z(moment)),
        callback=request_callback(record.doc.callback_url),
        occurred_at=moment,
    )
    logger.info("url job settled", extra={"job_id": record.id, "status": record.status})

    def clear(current: Record[UrlJobDoc]) -> Record[UrlJobDoc] | None:
        if current.version != record.version or not current.doc.pending_event:
            return None
        return current.evolve(pending_event=False)

    return store.update(UrlJobDoc, record.project_id, record.id, clear)


def _fail_video(job: Record[UrlJobDoc]) -> None:
    """A video whose URL job failed before any object landed ends UploadFail with the same reason
    (it would otherwise stay Uploading); RefreshUploadVideo can still give it a source."""

    def end(current: Record[VideoDoc]) -> Record[VideoDoc] | None:
        if current.status != VideoState.UPLOADING or current.doc.last_source:
            return None
        failure = Failure(code=job.doc.error_code, message=job.doc.error_message)
        return current.evolve(status=VideoState.UPLOAD_FAIL, failure=failure)

    store.update(VideoDoc, job.project_id, job.doc.video_id, end)
