"""Records of the MPC media operations: three job kinds and the watermark template.

Each task keeps the request as the caller named it (``request``: input/output/parameters, echoed
by the query and the events), what the worker needs (``source_key``, ``output_dir``), and what it
made (``outputs``: keys relative to ``output_dir``). The job fields (states, claim, progress,
cost, error) are ``JobDoc``'s.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from mediaflow.jobs.model import JobDoc
from mediaflow.records.model import RecordDoc
from mediaflow.records.states import Kind


class MediaTaskDoc(JobDoc):
    task_id: int
    source_key: str
    output_dir: str  # ends in '/' ('' for the root of an authorized bucket)
    source_bucket: str | None = None  # None: the media bucket; else a bucket the project authorized
    output_bucket: str | None = None
    user_data: str | None = None
    request: dict[str, Any] = Field(default_factory=dict)  # input/output as named (echoed)
    outputs: list[str] = Field(default_factory=list)  # object names under output_dir
    sync: bool = False  # answered by the create call itself


class ThumbnailTaskDoc(MediaTaskDoc):
    KIND: ClassVar[Kind] = Kind.THUMBNAIL
    COUNTED_BY_TIME: ClassVar[bool] = True

    params: dict[str, Any]  # the validated thumbnail_para (``snapshots.SnapshotParams``)
    tar: bool = False
    pictures: list[str] = Field(default_factory=list)  # picture names (inside the tar when packed)
    times_ms: list[int] = Field(default_factory=list)  # the time of each picture
    sprite: dict[str, Any] | None = None  # sheets and WebVTT track (the extension's result)


class AnimatedTaskDoc(MediaTaskDoc):
    KIND: ClassVar[Kind] = Kind.ANIMATED_GRAPHICS
    COUNTED_BY_TIME: ClassVar[bool] = True

    output_param: dict[str, Any]  # as given (echoed)
    file_name: str  # the output object's name under output_dir
    result: dict[str, Any] = Field(default_factory=dict)  # width, height, frames, size


class ExtractTaskDoc(MediaTaskDoc):
    KIND: ClassVar[Kind] = Kind.EXTRACT_METADATA
    COUNTED_BY_TIME: ClassVar[bool] = True

    file_name: str | None = None  # where the metadata JSON is written (when an output is given)
    metadata: dict[str, Any] | None = None


class WatermarkTemplateDoc(RecordDoc):
    KIND: ClassVar[Kind] = Kind.WATERMARK_TEMPLATE

    template: dict[str, Any]  # the template as shown (``WatermarkTemplate`` without its id)
