"""What happens when an object lands under ``uploads/``: probe it, settle the video, announce it.

The same object version is processed once (Powertools idempotency on bucket/key/version),
even when S3 or SQS delivers the event twice. Stale events (an older version arriving after a
newer one was processed) are ignored. A file ffprobe cannot read as media ends the video in
``UploadFail`` with a reason; a transient probe failure is retried by SQS and, on the last
receive, also ends in ``UploadFail`` - no video stays ``Uploading`` because of a bad event.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Any
from urllib.parse import unquote_plus

from mediaflow import clock, idempotency
from mediaflow.errors import NotFound
from mediaflow.events.publisher import publish_for, request_callback
from mediaflow.jobs import store
from mediaflow.jobs.states import Kind
from mediaflow.media.probe import ProbeError, probe
from mediaflow.observability import logger
from mediaflow.settings import get_settings
from mediaflow.storage import keys, objects
from mediaflow.uploads import views

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


def _newer(obj: LandedObject, last: dict[str, Any] | None) -> bool:
    if not last:
        return True
    if obj.sequencer and last.get("sequencer"):
        # S3 sequencers of one key compare as hex strings of equal length after left-padding.
        width = max(len(obj.sequencer), len(last["sequencer"]))
        return obj.sequencer.rjust(width, "0") >= str(last["sequencer"]).rjust(width, "0")
    return obj.event_time >= str(last.get("event_time", ""))


def _settle(
    record: store.Record, obj: LandedObject, media: dict[str, Any] | None, failure: dict[str, str] | None
) -> store.Record | None:
    last = record.doc.get("last_source")
    if last and last.get("identity") == obj.identity:
        return None  # already settled by an earlier delivery
    if not _newer(obj, last):
        logger.info("stale upload event ignored", extra={"video_id": record.id, "key": obj.key})
        return None
    doc = {**record.doc, "last_source": {**asdict(obj), "identity": obj.identity}}
    if failure:
        doc.update(failure=failure, media=None, failed_uploads=int(doc.get("failed_uploads", 0)) + 1)
        return replace(record, status="UploadFail", doc=doc)
    doc.update(failure=None, media=media, size=obj.size, failed_uploads=0)
    return replace(record, status="UploadSucc", doc=doc)


def _probe(obj: LandedObject, final_attempt: bool) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    url = objects.presigned_get(obj.key, version_id=obj.version_id or None)
    try:
        info = probe(url, timeout_s=get_settings().probe_timeout_s)
    except ProbeError as exc:
        if exc.code in TRANSIENT_PROBE_CODES and not final_attempt:
            raise
        return None, {"code": exc.code, "message": exc.message}
    return info.model_dump(mode="json"), None


def _announce(record: store.Record) -> None:
    """Publish FileUploadComplete for a successful source (VOD never sends it for failures)."""
    source = record.doc["last_source"]
    moment = clock.now()
    publish_for(
        record,
        event_type="FileUploadComplete",
        family="vod",
        payload=views.file_upload_complete(record, clock.iso_z(moment)),
        callback=request_callback(record.doc.get("callback_url")),
        occurred_at=moment,
    )
    logger.info("source settled", extra={"video_id": record.id, "identity": source["identity"]})


def process_landed(obj: LandedObject, *, final_attempt: bool = False) -> str:
    """Settle one landed object. Returns what happened (for logs and tests)."""
    parsed = keys.parse_upload_key(obj.key)
    if parsed is None or obj.bucket != get_settings().bucket_name:
        logger.warning(
            "object outside the upload layout ignored", extra={"key": obj.key, "bucket": obj.bucket}
        )
        return "ignored"
    try:
        current = store.get(Kind.VIDEO, parsed.project_id, parsed.video_id)
    except NotFound:
        logger.warning("upload for an unknown video ignored", extra={"key": obj.key})
        return "orphan"
    last = current.doc.get("last_source") or {}
    if last.get("identity") == obj.identity and not current.doc.get("pending_event"):
        _settle_url_job(current)  # a retry after the URL job's own step failed
        return "duplicate"

    media, failure = (None, None)
    if last.get("identity") != obj.identity:
        media, failure = _probe(obj, final_attempt)
    settled = store.update(
        Kind.VIDEO,
        parsed.project_id,
        parsed.video_id,
        lambda r: _mark_pending(_settle(r, obj, media, failure)),
    )
    if settled.doc.get("last_source", {}).get("identity") != obj.identity:
        return "stale"
    if settled.status == "UploadSucc" and settled.doc.get("pending_event"):
        _announce(settled)
        settled = store.update(
            Kind.VIDEO, parsed.project_id, parsed.video_id, _clear_pending(settled.version)
        )
    if settled.doc.get("template_group_id") and settled.status in ("UploadSucc", "Transcoding"):
        from mediaflow.transcode.video_link import start_for_video  # only group uploads need it

        settled = start_for_video(settled)
    _settle_url_job(settled)
    return settled.status


def _settle_url_job(video: store.Record) -> None:
    """A video made by UploadMediaByURL: its job ends with this verdict (UploadByURLComplete)."""
    if video.doc.get("url_job_id"):
        from mediaflow.ingest.completion import video_settled

        video_settled(video)


def _mark_pending(record: store.Record | None) -> store.Record | None:
    if record is None or record.status != "UploadSucc":
        return record
    return replace(record, doc={**record.doc, "pending_event": True})


def _clear_pending(version: int) -> store.Mutation:
    def clear(record: store.Record) -> store.Record | None:
        if record.version != version or not record.doc.get("pending_event"):
            return None
        return replace(record, doc={**record.doc, "pending_event": False})

    return clear


def _process_once(landed: dict[str, Any], final_attempt: bool) -> str:
    fields = {k: v for k, v in landed.items() if k != "identity"}
    return process_landed(LandedObject(**fields), final_attempt=final_attempt)


@cache
def _guarded() -> Any:
    return idempotency.once(_process_once, key_path="identity", data_keyword="landed", name="upload-event")


def handle_message(body: str, receive_count: int, max_receives: int = 5) -> list[str]:
    """One SQS message from the bucket's notification (it may carry several records)."""
    final_attempt = receive_count >= max_receives
    return [
        _guarded()(landed={**asdict(obj), "identity": obj.identity}, final_attempt=final_attempt)
        for obj in landed_objects(json.loads(body))
    ]
