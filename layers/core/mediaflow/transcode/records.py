"""MPC records: the transcoding task, the custom template and the template group."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from mediaflow.encryption.keys import KeyRef
from mediaflow.jobs.model import JobDoc
from mediaflow.media.models import MediaInfo
from mediaflow.records.model import RecordDoc
from mediaflow.records.states import Kind
from mediaflow.transcode.overlays import WatermarkSpec
from mediaflow.transcode.spec import RenditionSpec


class TaskOutput(BaseModel):
    template_id: int
    files: list[str]  # relative to the task's output directory
    main_file: str | None


class SplitInfo(BaseModel):
    """How a long task was split (``split_plan``): what every part needs to do its share."""

    chunk_s: float
    chunks: int
    source: MediaInfo  # probed once by the plan; parts do not probe again
    work_prefix: str  # intermediate objects (pieces, audio tracks), removed by the join
    audio_parts: int = 1  # parts sharing the audio encodes (split_plan.MAX_AUDIO_PARTS at most)
    reason: str = ""


class TaskDoc(JobDoc):
    KIND: ClassVar[Kind] = Kind.TRANSCODE
    COUNTED_BY_TIME: ClassVar[bool] = True  # ListTranscodingTask totals over start_time/end_time

    task_id: int
    source_key: str
    output_dir: str  # ends in '/' ('' for the root of an authorized bucket)
    source_bucket: str | None = None  # an authorized bucket; None: the media bucket
    output_bucket: str | None = None
    encryption: KeyRef | None = None  # HLS AES-128: the key's id, URL and IV (never the key)
    trans_template_id: list[int]
    renditions: list[RenditionSpec]  # resolved at creation: a later template edit changes nothing
    user_data: str | None = None
    priority: int = 6
    video_id: str | None = None  # a video's template-group task
    request: dict[str, Any] = Field(
        default_factory=dict
    )  # input/output as the caller named them (echoed by the query)
    tips: str | None = None
    transcode_detail: dict[str, Any] | None = None
    output_file_name: list[str] = Field(default_factory=list)
    outputs: list[TaskOutput] = Field(default_factory=list)
    chunks: int = 0  # parts the source was encoded in (0 until it is planned; 1: a single pass)
    split: SplitInfo | None = None
    watermarks: list[WatermarkSpec] = Field(default_factory=list)  # resolved at creation


class PartDoc(JobDoc):
    """One part of a split task: a chunk of the video (every rendition), the audio, or the join."""

    KIND: ClassVar[Kind] = Kind.TRANSCODE_PART
    COUNTED: ClassVar[bool] = False  # never listed: a part's writes are single conditional puts

    task_id: str  # the task record's id (same project)
    role: Literal["video", "audio", "join"]
    index: int = 0
    start_s: float = 0.0
    end_s: float = 0.0
    result: dict[str, Any] = Field(default_factory=dict)  # what it produced, for the join


class TemplateDoc(RecordDoc):
    KIND: ClassVar[Kind] = Kind.TEMPLATE

    template: dict[str, Any]  # the MPC template JSON (``Template.view()``)
    group_id: str | None = None  # set when a template group owns it


class TemplateGroupDoc(RecordDoc):
    KIND: ClassVar[Kind] = Kind.TEMPLATE_GROUP

    group: dict[str, Any]  # the definition as shown (``GroupDefinition``)
    template_ids: list[int]
