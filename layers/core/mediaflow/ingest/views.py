"""How a URL-ingest job reads in GetURLUploadInfos and in the UploadByURLComplete event."""

from __future__ import annotations

from typing import Any

from mediaflow import clock
from mediaflow.ingest.records import UrlJobDoc
from mediaflow.jobs import cost
from mediaflow.records.model import Record
from mediaflow.records.states import UrlJobState

# Every entry carries all of seed 004's fields; values not known (yet) are "".
INFO_FIELDS = (
    "CreationTime",
    "Status",
    "ErrorCode",
    "ErrorMessage",
    "CompleteTime",
    "JobId",
    "UserData",
    "UploadURL",
    "MediaId",
    "FileSize",
)


def _iso(key_time: str | None) -> str:
    return clock.iso_z(clock.parse_key_time(key_time)) if key_time else ""


def url_upload_info(record: Record[UrlJobDoc]) -> dict[str, str]:
    """One ``URLUploadInfoList`` entry (VOD ``UrlUploadJobInfoDTO``)."""
    doc = record.doc
    size = doc.file_size
    return {
        "CreationTime": _iso(record.created_at),
        "Status": record.status,
        "ErrorCode": doc.error_code or "",
        "ErrorMessage": doc.error_message or "",
        "CompleteTime": _iso(doc.complete_time),
        "JobId": record.id,
        "UserData": doc.user_data or "",
        "UploadURL": doc.upload_url or "",
        "MediaId": doc.video_id or "",
        "FileSize": "" if size is None else str(size),
        # An extension (not in VOD): what the fetch and the probe of this job cost.
        "ComputeSeconds": f"{doc.compute_s:.3f}",
        "EstimatedCostUsd": f"{cost.usd(doc.gb_s):.6f}",
    }


def upload_by_url_complete(record: Record[UrlJobDoc], event_time: str) -> dict[str, Any]:
    """The VOD ``UploadByURLComplete`` callback body (success or fail)."""
    doc = record.doc
    body: dict[str, Any] = {
        "EventTime": event_time,
        "EventType": "UploadByURLComplete",
        "VideoId": doc.video_id or "",
        "JobId": record.id,
        "SourceURL": doc.upload_url or "",
        "Status": "success" if record.status == UrlJobState.SUCCESS else "fail",
    }
    if record.status == UrlJobState.SUCCESS:
        body["Size"] = int(doc.file_size or 0)
    else:
        body["ErrorCode"] = doc.error_code or ""
        body["ErrorMessage"] = doc.error_message or ""
    if doc.extend is not None:
        body["Extend"] = doc.extend
    return body
