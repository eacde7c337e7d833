"""CI records: the SmartCover job, the SmartCover template and the project's media queue."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, Field

from mediaflow.ci.models import CoverParams, NotifySpec
from mediaflow.jobs.model import JobDoc
from mediaflow.records.model import RecordDoc
from mediaflow.records.states import Kind


class JobCallback(BaseModel):
    """What the job itself asked for (CallBack, CallBackFormat, CallBackType, CallBackMqConfig)."""

    url: str | None = None
    format: str | None = None
    type: str = "Url"
    mq: dict[str, Any] | None = None


class PickedCover(BaseModel):
    object_name: str
    rank: int
    timestamp_s: float
    score: dict[str, float]
    fallback: bool = False
    rejected: str | None = None
    phash: str | None = None


class CoverResult(BaseModel):
    object_prefix: str
    format: str
    width: int
    height: int
    fallback: bool = False
    message: str = ""
    candidates: int = 0
    covers: list[PickedCover] = Field(default_factory=list)


class CoverJobDoc(JobDoc):
    KIND: ClassVar[Kind] = Kind.SMART_COVER

    tag: str = "SmartCover"
    queue_id: str
    bucket: str
    region: str
    input_object: str
    source_key: str
    template_id: str | None = None
    template_name: str | None = None
    smart_cover: dict[str, str] | None = None  # the inline parameters as CI echoes them
    params: CoverParams
    output: dict[str, str]  # Region, Bucket, Object as given
    output_pattern: str  # the full key of every cover, with ${number} still in it
    output_bucket: str | None = None  # an authorized bucket; None: the media bucket
    user_data: str | None = None
    job_level: int = 0
    callback: JobCallback = JobCallback()
    result: CoverResult | None = None


class CiTemplateDoc(RecordDoc):
    KIND: ClassVar[Kind] = Kind.CI_TEMPLATE

    tag: str = "SmartCover"
    name: str
    params: CoverParams
    smart_cover: dict[str, str]


class CiQueueDoc(RecordDoc):
    KIND: ClassVar[Kind] = Kind.CI_QUEUE

    name: str = "default"
    notify: NotifySpec = NotifySpec()
