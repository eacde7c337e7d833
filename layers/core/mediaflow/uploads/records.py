"""The video record (VOD): what CreateUploadVideo / UploadMediaByURL made and what the upload path
learnt about its source."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field

from mediaflow.media.models import MediaInfo
from mediaflow.records.model import RecordDoc
from mediaflow.records.states import Kind


class LandedSource(BaseModel):
    """One object version that landed at the video's key (from the S3 event)."""

    bucket: str
    key: str
    size: int
    etag: str
    version_id: str
    sequencer: str
    event_time: str
    identity: str


class Failure(BaseModel):
    code: str | None = None
    message: str | None = None


class VideoDoc(RecordDoc):
    KIND: ClassVar[Kind] = Kind.VIDEO
    COUNTED_BY_TIME: ClassVar[bool] = True  # GetVideoList totals over StartTime/EndTime

    title: str | None = None
    file_name: str | None = None
    file_size: int | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    template_group_id: str | None = None  # None also for VOD's "no transcoding" group
    user_data: str | None = None
    callback_url: str | None = None
    extend: str | None = None
    object_key: str = ""
    bucket: str | None = None  # an authorized bucket (StorageLocation); None: the media bucket
    failed_uploads: int = 0
    upload_generation: int = 1
    url_job_id: str | None = None  # made by UploadMediaByURL
    last_source: LandedSource | None = None
    media: MediaInfo | None = None
    size: int | None = None
    failure: Failure | None = None
    pending_event: bool = False  # FileUploadComplete of the settled source not published yet
    transcode_task_id: str | None = None  # the template group's task
    transcode_source: str | None = None  # the source identity that task was started for
    streams: list[dict[str, Any]] = Field(default_factory=list)  # VOD StreamInfos once the task ended
