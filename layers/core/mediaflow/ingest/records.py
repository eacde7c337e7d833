"""The URL-ingest job record (UploadMediaByURL) and the used-SessionId record."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from mediaflow.records.model import RecordDoc
from mediaflow.records.states import Kind


class FetchClaim(BaseModel):
    id: str
    deadline_at: float  # epoch seconds; a claim well past it belongs to a dead invocation


class UrlJobDoc(RecordDoc):
    KIND: ClassVar[Kind] = Kind.URL_JOB

    upload_url: str
    fetch_url: str
    video_id: str
    object_key: str
    bucket: str | None = None  # an authorized bucket (StorageLocation); None: the media bucket
    user_data: str | None = None
    callback_url: str | None = None
    extend: str | None = None
    file_size: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    complete_time: str | None = None
    claim: FetchClaim | None = None
    upload_id: str | None = None  # the multipart upload in flight (aborted if the job dies)
    object_version: str | None = None
    pending_event: bool = False  # UploadByURLComplete of the terminal write not published yet
    compute_s: float = 0.0  # the fetch's and the probe's invocations (jobs.cost)
    gb_s: float = 0.0


class UrlSessionDoc(RecordDoc):
    KIND: ClassVar[Kind] = Kind.URL_SESSION

    used_at: int
