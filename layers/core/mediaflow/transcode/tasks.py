"""Creating and canceling MPC transcoding tasks (``POST``/``DELETE /v1/{project_id}/transcodings``).

A task is queued as WAITING in the priority line (9 before 6) with its renditions resolved from
the templates at creation, so editing a template later never changes a queued task. Cancel
works on WAITING tasks (the contract) and also stops a TRANSCODING one: the worker sees the
CANCELED state within a couple of seconds and kills ffmpeg.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic.json_schema import JsonDict

from mediaflow import aws, clock
from mediaflow.errors import ApiError, Conflict, NotFound
from mediaflow.jobs import counters, store
from mediaflow.jobs.states import TRANSCODE, Kind
from mediaflow.settings import get_settings
from mediaflow.transcode import waiting
from mediaflow.transcode.locations import ObsObjInfo, input_key, invalid, output_dir
from mediaflow.transcode.presets import PRESETS
from mediaflow.transcode.spec import RenditionSpec

MAX_TEMPLATES = 9
# For the OpenAPI document: distinct system template ids or custom ones (from 100000)
TEMPLATE_IDS: JsonDict = {
    "uniqueItems": True,
    "items": {"type": "integer", "anyOf": [{"enum": list(sorted(PRESETS))}, {"minimum": 100000}]},
}
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
CANCEL_FAILED = ApiError(400, "MPC.10212", "Operation failed. The task does not exist or has already ended.")


class CreateTranscodingRequest(BaseModel):
    input: ObsObjInfo
    output: ObsObjInfo
    trans_template_id: list[int] = Field(
        min_length=1, max_length=MAX_TEMPLATES, json_schema_extra=TEMPLATE_IDS
    )
    output_filenames: list[str] | None = Field(None, max_length=MAX_TEMPLATES)
    user_data: str | None = Field(None, max_length=1024)
    priority: Literal[6, 9] = Field(6, description="9 = high, 6 = medium (default)")

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


def _head(key: str) -> dict[str, Any]:
    try:
        return dict(aws.client("s3").head_object(Bucket=get_settings().bucket_name, Key=key))
    except Exception as exc:
        if aws.error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            raise invalid("input.object does not exist") from exc
        raise


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
) -> store.Record:
    """Queue a task (used by the API and by a video's template group) and wake a worker.

    With ``task_id`` given (reserved earlier with ``reserve_task_id``) a retry finds the task
    already queued and returns it instead of queuing a second one.
    """
    if task_id is None:
        task_id = reserve_task_id(project_id)
    created = clock.key_time(clock.now())
    record = store.Record(
        kind=Kind.TRANSCODE,
        project_id=project_id,
        id=str(task_id),
        status=TRANSCODE.initial,
        created_at=created,
        doc={
            "task_id": task_id,
            "source_key": source_key,
            "output_dir": out_dir,
            "trans_template_id": template_ids,
            "renditions": [r.model_dump(mode="json") for r in renditions],
            "user_data": user_data,
            "priority": priority,
            "progress": 0,
            "video_id": video_id,
            "request": request or {},
        },
        lookup=waiting.waiting_lookup(Kind.TRANSCODE, _rank(priority), created, project_id, str(task_id)),
    )
    try:
        stored = store.create(record)
    except Conflict:
        return store.get(Kind.TRANSCODE, project_id, str(task_id))
    wake_worker()
    return stored


def reserve_task_id(project_id: str) -> int:
    return counters.next_id(project_id, "transcode")


def wake_worker() -> None:
    queue = get_settings().transcode_queue_url
    if not queue:
        raise RuntimeError("MEDIAFLOW_TRANSCODE_QUEUE_URL is not set")
    aws.client("sqs").send_message(QueueUrl=queue, MessageBody='{"kind":"TRANSCODE"}')


def create_task(project_id: str, request: CreateTranscodingRequest) -> dict[str, Any]:
    source = input_key(project_id, request.input)
    out_dir = output_dir(project_id, request.output)
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
    _head(source)
    record = queue_task(
        project_id,
        source_key=source,
        out_dir=out_dir,
        renditions=renditions,
        template_ids=request.trans_template_id,
        user_data=request.user_data,
        priority=request.priority,
        request={"input": request.input.model_dump(), "output": request.output.model_dump()},
    )
    return {"task_id": record.doc["task_id"]}


def cancel_task(project_id: str, task_id: str) -> None:
    if not task_id.isdigit():
        raise invalid("task_id must be an integer")

    def cancel(current: store.Record) -> store.Record:
        if current.status not in ("WAITING", "TRANSCODING"):
            raise Conflict("task already ended")
        doc = {**current.doc, "end_time": clock.key_time(clock.now()), "description": "Canceled by the user."}
        return replace(current, status="CANCELED", lookup=None, doc=doc)

    try:
        store.update(Kind.TRANSCODE, project_id, str(int(task_id)), cancel)
    except (NotFound, Conflict) as exc:
        raise CANCEL_FAILED from exc
