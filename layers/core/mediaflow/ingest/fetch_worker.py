"""The fetch worker: one SQS message names one job; the job is fetched at most once.

A job is claimed with a conditional write (PENDING -> DOWNLOADING), so a duplicated message finds
it claimed and does nothing. Retries of transient source failures happen inside the invocation
(``fetcher``); SQS redelivery is only the safety net for an invocation that died: the queue's
visibility timeout is longer than the function's, so a redelivered message for a job still in
flight means its claim's deadline has passed, and the job ends SourceTimeout (its multipart
upload aborted). Every job therefore ends in a terminal state with one UploadByURLComplete.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from mediaflow.buckets.access import is_authorized
from mediaflow.errors import NotFound
from mediaflow.ingest import url_jobs as jobs
from mediaflow.ingest.codes import JobFailure
from mediaflow.ingest.fetcher import Fetch
from mediaflow.ingest.records import UrlJobDoc
from mediaflow.net import redact
from mediaflow.net.transport import Deadline
from mediaflow.observability import logger
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.records.states import UrlJobState
from mediaflow.settings import IngestSettings, get_settings
from mediaflow.storage.multipart import abort_upload
from mediaflow.uploads.records import VideoDoc

SAFETY_S = 45.0  # kept back from the invocation's time for the final writes and the event
REVOKED = JobFailure("InvalidStorage.NotFound", "The StorageLocation's authorization was revoked.")
CRASHED = JobFailure("InternalError", "The job failed unexpectedly; submit the URL again.")


def message_body(project_id: str, job_id: str) -> str:
    return json.dumps({"project_id": project_id, "job_id": job_id}, separators=(",", ":"))


def handle_message(body: str, remaining_ms: Callable[[], int]) -> str:
    message = json.loads(body)
    return run_job(str(message["project_id"]), str(message["job_id"]), remaining_s=remaining_ms() / 1000)


def run_job(project_id: str, job_id: str, *, remaining_s: float) -> str:
    """Process one job message; returns what happened (for logs, metrics and tests)."""
    try:
        job = jobs.get(project_id, job_id)
    except NotFound:
        logger.warning("fetch message for an unknown job", extra={"job_id": job_id})
        return "orphan"
    if job.status in jobs.TERMINAL or job.status == UrlJobState.UPLOAD_SUCCESS:
        jobs.announce(job)  # a publish that failed after the terminal write happens now
        return "duplicate"
    if job.status in jobs.IN_FLIGHT:
        if not jobs.claim_is_stale(job):
            return "in-progress"  # another invocation holds the claim
        _abandon(job)
        return "abandoned"
    settings = get_settings().ingest
    budget = min(settings.deadline_s, remaining_s - SAFETY_S)
    if budget <= 1:
        raise RuntimeError("too little time left in this invocation to fetch")  # SQS retries
    job, mine = jobs.claim(project_id, job_id, budget)
    if not mine:
        return "duplicate"
    began = time.monotonic()
    try:
        return _fetch(job, budget, settings)
    finally:
        jobs.add_cost(project_id, job_id, time.monotonic() - began)


def _fetch(job: Record[UrlJobDoc], budget_s: float, settings: IngestSettings) -> str:
    owner = jobs.claim_id(job) or ""
    if job.doc.bucket and not is_authorized(job.project_id, job.doc.bucket):
        jobs.fail(job.project_id, job.id, REVOKED, owner=owner)  # revoked while the job waited
        return "failed"

    def first_write(upload_id: str | None, size: int | None) -> None:
        moved = jobs.mark_uploading(job.project_id, job.id, owner, upload_id=upload_id, file_size=size)
        if moved.status != UrlJobState.UPLOADING or jobs.claim_id(moved) != owner:
            raise JobFailure("InternalError", "The job was taken over by another worker.")

    fetch = Fetch(
        url=job.doc.fetch_url,
        bucket=job.doc.bucket or get_settings().bucket_name,
        key=job.doc.object_key,
        max_bytes=settings.max_bytes,
        part_size=settings.part_size_for(settings.max_bytes),
        deadline=Deadline(budget_s),
        on_first_write=first_write,
        allow_loopback=get_settings().allow_loopback,
        retries=settings.retries,
        retry_base_s=settings.retry_base_s,
    )
    context = {"job_id": job.id, "url": redact(job.doc.fetch_url)}
    try:
        stored = fetch.run()
    except JobFailure as failure:
        logger.info("url job failed", extra={**context, "code": failure.code, "attempts": fetch.attempts})
        jobs.fail(job.project_id, job.id, failure, owner=owner)
        return "failed"
    except Exception:
        logger.exception("url fetch crashed", extra=context)
        jobs.fail(job.project_id, job.id, CRASHED, owner=owner)
        return "failed"
    logger.info("source stored", extra={**context, "size": stored.size, "attempts": stored.attempts})
    try:
        jobs.mark_stored(job.project_id, job.id, owner, size=stored.size, version_id=stored.version_id)
    except Exception:  # the object has landed: the upload path's verdict settles the job anyway
        logger.exception("could not record the stored source", extra=context)
    return "stored"


def handle_dead_letter(body: str) -> str:
    """A message SQS gave up on (every invocation for it died): end its job, so no job is left
    DOWNLOADING or UPLOADING forever."""
    message = json.loads(body)
    try:
        job = jobs.get(str(message["project_id"]), str(message["job_id"]))
    except NotFound:  # expired or never existed: nothing is left to end
        return "ended"
    if job.status in jobs.TERMINAL:
        return "ended"
    _abandon(job)
    return "abandoned"


def _abandon(job: Record[UrlJobDoc]) -> None:
    """A claim past its deadline: its invocation died. Unless its object landed (then the upload
    path's verdict stands), nothing can land any more: abort the multipart upload, end the job."""
    video = store.get(VideoDoc, job.project_id, job.doc.video_id)
    landed = job.status == UrlJobState.UPLOADING and video.doc.last_source
    if landed and jobs.settle_from_video(job.project_id, job.id, video).status in jobs.TERMINAL:
        return
    upload_id = job.doc.upload_id
    if upload_id:
        abort_upload(job.doc.bucket or get_settings().bucket_name, job.doc.object_key, upload_id)
    failure = JobFailure("SourceTimeout", "The transfer did not finish within its time limit.")
    jobs.fail(job.project_id, job.id, failure, owner=jobs.claim_id(job))
