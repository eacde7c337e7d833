"""The record of one remux task."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from mediaflow.encryption.keys import KeyRef
from mediaflow.jobs.model import JobDoc
from mediaflow.records.states import Kind

Format = Literal["HLS", "DASH", "MP4"]


class RemuxDoc(JobDoc):
    KIND: ClassVar[Kind] = Kind.REMUX
    COUNTED_BY_TIME: ClassVar[bool] = True  # ListRemuxTask totals over start_time/end_time

    task_id: int
    source_bucket: str | None = None  # an authorized bucket; None: the media bucket
    source_key: str
    output_bucket: str | None = None
    output_dir: str  # ends in '/' ('' for the root of an authorized bucket)
    output_name: str  # file name without extension
    format: Format
    segment_duration: int = 5
    remove_meta: bool = False
    user_data: str | None = None
    encryption: KeyRef | None = None
    request: dict[str, Any] = Field(default_factory=dict)  # input/output as the caller named them
    files: list[str] = Field(default_factory=list)  # what it wrote, relative to output_dir
    main_file: str | None = None
    output_metadata: dict[str, Any] | None = None
    source_seconds: float = 0.0  # for the usage counters
