"""Creating and canceling MPC transcoding tasks (``POST``/``DELETE /v1/{project_id}/transcodings``).

A task is queued as WAITING in the priority line (9 before 6) with its renditions resolved from
the templates at creation, so editing a template later never changes a queued task. Cancel
works on WAITING tasks (the contract) and also stops a TRANSCODING one: the worker sees the
CANCELED state within a couple of seconds and kills ffmpeg.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic.json_schema import JsonDict

from mediaflow import clock
from mediaflow.api.mpc_errors import TASK_NOT_CANCELABLE, invalid
from mediaflow.encryption import keys
from mediaflow.encryption.keys import Encryption, KeyRef
from mediaflow.errors import Conflict, NotFound
from mediaflow.jobs import runner, waiting
from mediaflow.mediaops.watermarks import MAX_WATERMARKS, WatermarkRequest
from mediaflow.mediaops.watermarks import resolve as resolve_watermarks
from mediaflow.records import counters, store
from mediaflow.records.model import Record, new_record
from mediaflow.storage import objects
from mediaflow.transcode.locations import ObsObjInfo, input_place, output_place
from mediaflow.transcode.overlays import WatermarkSpec
from mediaflow.transcode.presets import PRESETS
from mediaflow.transcode.records import TaskDoc
from mediaflow.transcode.spec import RenditionSpec

MAX_TEMPLATES = 9
# For the OpenAPI document: distinct system template ids or custom ones (from 100000)
TEMPLATE_IDS: JsonDict = {
    "uniqueItems": True,
    "items": {"type": "integer", "anyOf": [{"enum": list(sorted(PRESETS))}, {"minimum": 100000}]},
}
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class CreateTranscodingRequest(BaseModel):
    input: ObsObjInfo
    output: ObsObjInfo
    trans_template_id: list[int] = Field(
        min_length=1, max_length=MAX_TEMPLATES, json_schema_extra=TEMPLATE_IDS
    )
    output_filenames: list[str] | None = Field(None, max_length=MAX_TEMPLATES)
    user_data: str | None = Field(None, max_length=1024)
    priority: Literal[6, 9] = Field(6, description="9 = high, 6 = medium (default)")
    watermarks: list[WatermarkRequest] | None = Field(
        None, max_length=MAX_WATERMARKS, description="image (input + template_id/image_watermark) or text"
    )
    encryption: Encryption | None = Field(None, description="hls_encrypt: AES-128 of the HLS outputs")

    @field_validator("output_filenames")
    @classmethod
    def _safe_names(cls, value: list[str] | None) -> list[str] | None:
        for name in value or []:
            if not _SAFE_NAME.match(name) or ".." in name:
                raise ValueError("output_filenames allow letters, digits, '.', '_' and '-' (no paths)")
        return value


def _rank(priority: int) -> int:
    return 0 if priority == 9 else 1


def default_name(stem: str, index: int, template_id: int) -> str:
    safe_stem = re.sub(r"[^A-Za-z0-9_-]", "_", stem)[:80] or "output"
    return f"{safe_stem}_{index + 1}_{template_id}"


def resolve_renditions(project_id: str, template_ids: list[int], names: list[str]) -> list[RenditionSpec]:
    """Templates (presets or the project's own) as renditions; an unknown id is an invalid parameter
    (MPC.10202, as the issue asks for every bad parameter)."""
    from mediaflow.transcode import template_store  # the template side lives in its own modules

    renditions = []
    for template_id, name in zip(template_ids, names, strict=True):
        try:
            renditions.append(template_store.rendition(project_id, template_id, name))
        except NotFound as exc:
            raise invalid(f"trans_template_id {template_id} does not exist") from exc
    return renditions


def queue_task(
    project_id: str,
    *,
    source_key: str,
    out_dir: str,
    renditions: list[RenditionSpec],
    template_ids: list[int],
    user_data: str | None = None,
    priority: int = 6,
    video_id: str | None = None,
    request: dict[str, Any] | None = None,
    task_id: int | None = None,
    watermarks: list[WatermarkSpec] | None = None,
    source_bucket: str | None = None,
    output_bucket: str | None = None,
    encryption: KeyRef | None = None,
) -> Record[TaskDoc]:
    """Queue a task (used by the API and by a video's template group) and wake a worker.

    With ``task_id`` given (reserved earlier with ``reserve_task_id``) a retry finds the task
    already queued and returns it instead of queuing a second one.
    """
    if task_id is None:
        task_id = reserve_task_id(project_id)
    created = clock.key_time(clock.now())
    doc = TaskDoc(
        rank=_rank(priority),
        task_id=task_id,
        source_key=source_key,
        output_dir=out_dir,
        source_bucket=source_bucket,
        output_bucket=output_bucket,
        encryption=encryption,
        trans_template_id=template_ids,
        renditions=renditions,
        user_data=user_data,
        priority=priority,
        video_id=video_id,
        request=request or {},
        watermarks=watermarks or [],
    )
    line = waiting.waiting_lookup(doc.KIND.value, doc.rank, created, project_id, str(task_id))
    try:
        stored = store.create(new_record(doc, project_id, str(task_id), created, lookup=line))
    except Conflict:
        return store.get(TaskDoc, project_id, str(task_id))
    wake_worker()
    return stored


def reserve_task_id(project_id: str) -> int:
    return counters.next_id(project_id, "transcode")


def wake_worker() -> None:
    from mediaflow.transcode.task_worker import TASKS  # the worker side is imported only to wake it

    runner.wake(TASKS)


def create_task(project_id: str, request: CreateTranscodingRequest) -> dict[str, Any]:
    source_place, out_place = input_place(project_id, request.input), output_place(project_id, request.output)
    source, out_dir = source_place.key, out_place.key
    names = request.output_filenames or []
    if names and len(names) != len(request.trans_template_id):
        raise invalid("output_filenames must give one name per trans_template_id")
    if len(set(request.trans_template_id)) != len(request.trans_template_id):
        raise invalid("trans_template_id must not repeat a template")
    stem = PurePosixPath(source).stem
    names = names or [default_name(stem, i, t) for i, t in enumerate(request.trans_template_id)]
    if len(set(names)) != len(names):
        raise invalid("output_filenames must be distinct")
    renditions = resolve_renditions(project_id, request.trans_template_id, names)
    watermarks = resolve_watermarks(project_id, request.watermarks or [])
    try:
        objects.head(source, bucket=source_place.bucket)
    except NotFound as exc:
        raise invalid("input.object does not exist") from exc
    hls_outputs = any(r.pack_type in ("HLS", "HLS+DASH") for r in renditions)
    if request.encryption and request.encryption.hls_encrypt and not hls_outputs:
        raise invalid("encryption.hls_encrypt needs at least one HLS output")
    record = queue_task(
        project_id,
        source_key=source,
        out_dir=out_dir,
        renditions=renditions,
        template_ids=request.trans_template_id,
        user_data=request.user_data,
        priority=request.priority,
        request={"input": request.input.model_dump(), "output": request.output.model_dump()},
        watermarks=watermarks,
        source_bucket=source_place.bucket,
        output_bucket=out_place.bucket,
        encryption=keys.store_key(project_id, request.encryption),
    )
    return {"task_id": record.doc.task_id}


def cancel_task(project_id: str, task_id: str) -> None:
    """WAITING ends at once; TRANSCODING too, and its worker stops within a heartbeat."""
    from mediaflow.transcode.task_worker import TASKS

    if not task_id.isdigit():
        raise invalid("task_id must be an integer")
    try:
        runner.cancel(TASKS, project_id, str(int(task_id)), "Canceled by the user.")
    except (NotFound, Conflict) as exc:
        raise TASK_NOT_CANCELABLE from exc
