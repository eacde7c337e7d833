"""Create, cancel, retry and delete remux tasks (``/v1/{project_id}/remux``, ``.../remux/task``).

A task is queued WAITING in the transcoding line (rank 1, like a priority-6 transcoding task) and
run by the transcoding workers. Cancel ends a WAITING task and stops a PROCESSING one within a
heartbeat. Retry puts a FAILED task back in the line from the start (a new first attempt). Delete
removes the record of an ended task (SUCCEED, FAILED, CANCELED), never its output files.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from mediaflow import clock
from mediaflow.api.mpc_errors import TASK_NOT_CANCELABLE, invalid, operation_failed
from mediaflow.encryption import keys
from mediaflow.encryption.keys import Encryption
from mediaflow.errors import ApiError, Conflict, NotFound
from mediaflow.jobs import runner, waiting
from mediaflow.records import counters, store
from mediaflow.records.model import Record, new_record
from mediaflow.records.states import RemuxState
from mediaflow.records.transaction import RemoveRecord
from mediaflow.remux.media import EXTENSION
from mediaflow.remux.records import RemuxDoc
from mediaflow.storage import objects
from mediaflow.transcode.ffmpeg_args import check_output_name
from mediaflow.transcode.locations import ObsObjInfo, input_place, output_place

RANK = 1
NOT_ENDED = ApiError(400, "MPC.10213", "Operation failed. The task is not in the final state.")


class RemuxOutputParam(BaseModel):
    format: Literal["HLS", "DASH", "MP4"] = Field(description="HLS, DASH or MP4")
    segment_duration: int = Field(5, ge=2, le=10, description="seconds, HLS and DASH")
    remove_meta: bool = False

    @field_validator("format", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class CreateRemuxRequest(BaseModel):
    input: ObsObjInfo
    output: ObsObjInfo
    output_param: RemuxOutputParam
    user_data: str | None = Field(None, max_length=1024)
    encryption: Encryption | None = Field(None, description="hls_encrypt (HLS only): a Mediaflow extension")


class RetryRequest(BaseModel):
    task_id: str = Field(min_length=1, max_length=20)


def _output_name(request: CreateRemuxRequest, source_key: str) -> str:
    wanted = request.output.file_name
    if wanted:
        name = wanted
        for extension in EXTENSION.values():
            name = name.removesuffix(extension)
        problem = check_output_name(name)
        if problem:
            raise invalid(f"output.file_name: {problem}")
        return name
    return re.sub(r"[^A-Za-z0-9_-]", "_", PurePosixPath(source_key).stem)[:80] or "output"


def create(project_id: str, request: CreateRemuxRequest) -> dict[str, Any]:
    source, out = input_place(project_id, request.input), output_place(project_id, request.output)
    fmt = request.output_param.format
    if request.encryption and request.encryption.hls_encrypt and fmt != "HLS":
        raise invalid("encryption.hls_encrypt needs output_param.format HLS")
    name = _output_name(request, source.key)
    try:
        objects.head(source.key, bucket=source.bucket)
    except NotFound as exc:
        raise invalid("input.object does not exist") from exc
    task_id = counters.next_id(project_id, "remux")
    created = clock.key_time(clock.now())
    doc = RemuxDoc(
        rank=RANK,
        task_id=task_id,
        source_bucket=source.bucket,
        source_key=source.key,
        output_bucket=out.bucket,
        output_dir=out.key,
        output_name=name,
        format=fmt,
        segment_duration=request.output_param.segment_duration,
        remove_meta=request.output_param.remove_meta,
        user_data=request.user_data,
        encryption=keys.store_key(project_id, request.encryption),
        request={"input": request.input.model_dump(), "output": request.output.model_dump()},
    )
    line = waiting.waiting_lookup(doc_line(), RANK, created, project_id, str(task_id))
    store.create(new_record(doc, project_id, str(task_id), created, lookup=line))
    wake()
    return {"task_id": str(task_id)}


def doc_line() -> str:
    from mediaflow.remux.worker import REMUX

    return REMUX.line


def wake() -> None:
    from mediaflow.remux.worker import REMUX

    runner.wake(REMUX)


def _task_id(raw: str) -> str:
    if not raw.isdigit() or len(raw) > 18:
        raise invalid("task_id must be an integer")
    return str(int(raw))


def cancel(project_id: str, task_id: str) -> None:
    from mediaflow.remux.worker import REMUX

    try:
        runner.cancel(REMUX, project_id, _task_id(task_id), "Canceled by the user.")
    except (NotFound, Conflict) as exc:
        raise TASK_NOT_CANCELABLE from exc


def retry(project_id: str, task_id: str) -> dict[str, Any]:
    """A FAILED task back in the line, as new (its first attempt, no error, no result)."""
    tid = _task_id(task_id)

    def back(current: Record[RemuxDoc]) -> Record[RemuxDoc] | None:
        if current.status != RemuxState.FAILED:
            return None
        line = waiting.waiting_lookup(doc_line(), RANK, current.created_at, project_id, tid)
        fresh = current.evolve(
            status=RemuxState.WAITING,
            attempt=0,
            progress=0,
            claim_id=None,
            start_time=None,
            end_time=None,
            error_code=None,
            error_message=None,
            files=[],
            main_file=None,
            output_metadata=None,
        )
        return replace(fresh, lookup=line)

    try:
        updated = store.update(RemuxDoc, project_id, tid, back)
    except NotFound as exc:
        raise operation_failed("the task does not exist") from exc
    if updated.status != RemuxState.WAITING:
        raise operation_failed("only a FAILED task can be retried")
    wake()
    return {}


def delete(project_id: str, task_id: str) -> None:
    try:
        record = store.get(RemuxDoc, project_id, _task_id(task_id))
    except NotFound as exc:
        raise operation_failed("the task does not exist") from exc
    if record.status not in (RemuxState.SUCCEED, RemuxState.FAILED, RemuxState.CANCELED):
        raise NOT_ENDED
    try:
        store.transact([RemoveRecord(record)])
    except Conflict as exc:
        raise NOT_ENDED from exc
