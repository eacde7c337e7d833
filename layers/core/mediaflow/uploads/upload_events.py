"""What the upload path does when an object lands under ``uploads/``: probe it, settle the video,
announce it. (``mediaflow.source_landed`` runs this and what depends on its verdict as one
idempotent step per object version, so a duplicated S3 or SQS event is processed once.)

Stale events (an older version arriving after a
newer one was processed) are ignored. A file ffprobe cannot read as media ends the video in
``UploadFail`` with a reason; a transient probe failure is retried by SQS and, on the last
receive, also ends in ``UploadFail`` - no video stays ``Uploading`` because of a bad event.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import unquote_plus

from mediaflow import clock
from mediaflow.buckets.access import is_authorized
from mediaflow.errors import NotFound
from mediaflow.events.publisher import publish_for, request_callback
from mediaflow.media.models import MediaInfo
from mediaflow.media.probe import ProbeError, probe
from mediaflow.observability import logger
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.records.states import VideoState
from mediaflow.settings import get_settings
from mediaflow.storage import keys, objects
from mediaflow.uploads import views
from mediaflow.uploads.records import Failure, LandedSource, VideoDoc

# Failures worth another SQS receive; anything else is a verdict on the file.
TRANSIENT_PROBE_CODES = frozenset({"Timeout", "ProbeFailed", "SourceUnavailable"})


@dataclass(frozen=True)
class LandedObject:
    bucket: str
    key: str
    size: int
    etag: str
    version_id: str
    sequencer: str
    event_time: str

    @property
    def identity(self) -> str:
        """One object version: its VersionId (the bucket is versioned), else ETag plus sequencer."""
        return f"{self.bucket}/{self.key}#{self.version_id or (self.etag + ':' + self.sequencer)}"


def landed_objects(s3_event: dict[str, Any]) -> list[LandedObject]:
    """ObjectCreated records of an S3 notification; ``s3:TestEvent`` and others yield nothing."""
    found = []
    for record in s3_event.get("Records") or []:
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        s3 = record.get("s3", {})
        obj = s3.get("object", {})
        found.append(
            LandedObject(
                bucket=s3.get("bucket", {}).get("name", ""),
                key=unquote_plus(obj.get("key", "")),
                size=int(obj.get("size") or 0),
                etag=str(obj.get("eTag") or obj.get("etag") or ""),
                version_id=str(obj.get("versionId") or ""),
                sequencer=str(obj.get("sequencer") or ""),
                event_time=str(record.get("eventTime") or ""),
            )
        )
    return found


def _newer(obj: LandedObject, last: LandedSource | None) -> bool:
    if last is None:
        return True
    if obj.sequencer and last.sequencer:
        # S3 sequencers of one key compare as hex strings of equal length after left-padding.
        width = max(len(obj.sequencer), len(last.sequencer))
        return obj.sequencer.rjust(width, "0") >= last.sequencer.rjust(width, "0")
    return obj.event_time >= last.event_time


def _settle(
    record: Record[VideoDoc], obj: LandedObject, media: MediaInfo | None, failure: Failure | None
) -> Record[VideoDoc] | None:
    last = record.doc.last_source
    if last and last.identity == obj.identity:
        return None  # already settled by an earlier delivery
    if not _newer(obj, last):
        logger.info("stale upload event ignored", extra={"video_id": record.id, "key": obj.key})
        return None
    landed = LandedSource(**asdict(obj), identity=obj.identity)
    if failure:
        failed = record.doc.failed_uploads + 1
        return record.evolve(
            status=VideoState.UPLOAD_FAIL,
            last_source=landed,
            failure=failure,
            media=None,
            failed_uploads=failed,
        )
    return record.evolve(
        status=VideoState.UPLOAD_SUCC,
        last_source=landed,
        failure=None,
        media=media,
        size=obj.size,
        failed_uploads=0,
        pending_event=True,  # FileUploadComplete is published, then the flag cleared
    )


def _in_video_bucket(video: Record[VideoDoc], obj: LandedObject) -> bool:
    """Only the bucket the video's credentials were for counts (the queue hears every bucket that
    has Mediaflow's upload notification)."""
    if obj.bucket != (video.doc.bucket or get_settings().bucket_name):
        logger.warning("upload in another bucket than its video's ignored", extra={"bucket": obj.bucket})
        return False
    return True


def _probe(
    video: Record[VideoDoc], obj: LandedObject, final_attempt: bool
) -> tuple[MediaInfo | None, Failure | None]:
    if video.doc.bucket and not is_authorized(video.project_id, video.doc.bucket):
        # revoked after the credentials were issued: Mediaflow may no longer read the source
        revoked = "The bucket's authorization was revoked."
        return None, Failure(code="InvalidStorage.NotFound", message=revoked)
    # obj.bucket is the video's own bucket (checked by _in_video_bucket)
    url = objects.presigned_get(obj.key, version_id=obj.version_id or None, bucket=obj.bucket)
    try:
        info = probe(url, timeout_s=get_settings().probe_timeout_s)
    except ProbeError as exc:
        if exc.code in TRANSIENT_PROBE_CODES and not final_attempt:
            raise
        return None, Failure(code=exc.code, message=exc.message)
    return info, None


def _announce(record: Record[VideoDoc]) -> None:
    """Publish FileUploadComplete for a successful source (VOD never sends it for failures)."""
    moment = clock.now()
    publish_for(
        record,
        event_type="FileUploadComplete",
        family="vod",
        payload=views.file_upload_complete(record, clock.iso_z(moment)),
        callback=request_callback(record.doc.callback_url),
        occurred_at=moment,
    )
    identity = record.doc.last_source.identity if record.doc.last_source else ""
    logger.info("source settled", extra={"video_id": record.id, "identity": identity})


@dataclass(frozen=True)
class Settled:
    outcome: str  # what happened, for logs and metrics
    video: Record[VideoDoc] | None  # the video as it stands, when the object was one of ours


def process_landed(obj: LandedObject, *, final_attempt: bool = False) -> Settled:
    """Settle one landed object on its video (probe, status, FileUploadComplete)."""
    parsed = keys.parse_upload_key(obj.key)
    if parsed is None:
        logger.warning(
            "object outside the upload layout ignored", extra={"key": obj.key, "bucket": obj.bucket}
        )
        return Settled("ignored", None)
    try:
        current = store.get(VideoDoc, parsed.project_id, parsed.video_id)
    except NotFound:
        logger.warning("upload for an unknown video ignored", extra={"key": obj.key})
        return Settled("orphan", None)
    if not _in_video_bucket(current, obj):
        return Settled("ignored", None)
    last = current.doc.last_source
    if last and last.identity == obj.identity and not current.doc.pending_event:
        return Settled("duplicate", current)  # a retry after a later step failed

    media, failure = (None, None)
    if not last or last.identity != obj.identity:
        media, failure = _probe(current, obj, final_attempt)
    settled = store.update(
        VideoDoc, parsed.project_id, parsed.video_id, lambda r: _settle(r, obj, media, failure)
    )
    if not settled.doc.last_source or settled.doc.last_source.identity != obj.identity:
        return Settled("stale", settled)
    if settled.status == VideoState.UPLOAD_SUCC and settled.doc.pending_event:
        _announce(settled)
        settled = store.update(VideoDoc, parsed.project_id, parsed.video_id, _clear_pending(settled.version))
    return Settled(str(settled.status), settled)


def _clear_pending(version: int) -> store.Mutation[VideoDoc]:
    def clear(record: Record[VideoDoc]) -> Record[VideoDoc] | None:
        if record.version != version or not record.doc.pending_event:
            return None
        return record.evolve(pending_event=False)

    return clear
