"""MPC snapshot tasks: create (queued or synchronous), the query's view, the worker's run and the
``ThumbnailComplete`` event (``POST/GET/DELETE /v1/{project_id}/thumbnails``)."""

from __future__ import annotations

import shutil
import tarfile
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

from mediaflow.api import mpc_query
from mediaflow.jobs.kind import Failure, JobFailed, JobKind
from mediaflow.jobs.runner import Job
from mediaflow.mediaops import frames, sprites, tasks
from mediaflow.mediaops.records import ThumbnailTaskDoc
from mediaflow.mediaops.source import probe_source, require_video
from mediaflow.mediaops.thumbnail_params import (
    CreateThumbReq,
    ThumbnailPara,
    picture_names,
    points_ms,
    tar_name,
)
from mediaflow.records.model import Record
from mediaflow.records.states import THUMBNAIL, ThumbnailState
from mediaflow.settings import get_settings
from mediaflow.storage import objects

EVENT = "ThumbnailComplete"
SEQUENCE = "thumbnail"
MARGIN_S = 10.0
TYPES = {"jpg": "image/jpeg", "png": "image/png", "tar": "application/x-tar", "vtt": "text/vtt"}


def create(project_id: str, request: CreateThumbReq, budget_s: float) -> dict[str, Any]:
    source = tasks.source_of(project_id, request.input)
    out = tasks.output_of(project_id, request.output, source)
    out_dir = out.key
    task_id = tasks.new_task_id(project_id, SEQUENCE)
    if not request.original_dir:
        out_dir += f"{task_id}/"
    doc = ThumbnailTaskDoc(
        rank=tasks.RANK,
        task_id=task_id,
        source_key=source.key,
        source_bucket=source.bucket,
        output_dir=out_dir,
        output_bucket=out.bucket,
        user_data=request.user_data,
        request={"input": request.input.model_dump(), "output": request.output.model_dump()},
        params=request.thumbnail_para.model_dump(exclude_none=True),
        tar=request.tar == 0,
        sync=bool(request.sync),
    )
    record = tasks.queue(doc, project_id, wake_kind=None if request.sync else THUMBNAILS)
    if request.sync:
        record = tasks.run_sync(THUMBNAILS, record, budget_s)
    return created_view(record)


def _para(record: Record[ThumbnailTaskDoc]) -> ThumbnailPara:
    return ThumbnailPara.model_validate(record.doc.params)


def _file_names(record: Record[ThumbnailTaskDoc]) -> list[str]:
    return [n for n in record.doc.outputs if not n.endswith(".vtt") and "_sprite_" not in n]


def created_view(record: Record[ThumbnailTaskDoc]) -> dict[str, Any]:
    """The create call's answer (``CreateThumbnailsTaskResponse``)."""
    para, view = _para(record), tasks.common_view(record)
    points = para.dots_ms if para.type == "DOTS_MS" else para.dots
    point = points[0] if points else None
    names = _file_names(record)
    return {
        "task_id": view["task_id"],
        "status": view["status"],
        "create_time": view["create_time"],
        "output": view["output"],
        "output_file_name": names[0] if len(names) == 1 else ",".join(names),
        "thumbnail_time": "" if point is None or para.type == "TIME" else str(point),
        "description": view["description"],
    }


def task_view(record: Record[ThumbnailTaskDoc]) -> dict[str, Any]:
    """One ``ThumbTask`` of the query (plus the documented extensions: progress, sprite)."""
    view = tasks.common_view(record)
    names = _file_names(record)
    view["output"] = tasks.location(record.doc.output_dir)
    view |= {
        "output_file_name": names[0] if len(names) == 1 else ",".join(names),
        "thumbnail_info": [{"pic_name": name} for name in record.doc.pictures],
        "tar": 0 if record.doc.tar else 1,
    }
    if record.doc.sprite:
        view["sprite"] = record.doc.sprite
    return view


LIST = mpc_query.ListSpec(ThumbnailTaskDoc, tuple(sorted(THUMBNAIL.states)), task_view)


def _stem(record: Record[ThumbnailTaskDoc]) -> str:
    return PurePosixPath(record.doc.source_key).stem


def run(job: Job[ThumbnailTaskDoc]) -> dict[str, Any]:
    record, para = job.record, _para(job.record)
    info = require_video(probe_source(record.doc.source_key, bucket=record.doc.source_bucket))
    try:
        times = points_ms(para, info.duration_s)
    except ValueError as exc:
        raise JobFailed("MPC.10202", f"Invalid request parameter: thumbnail_para.{exc}") from exc
    size = frames.fit(frames.display_size(info), para.width, para.height, para.max_length or 0)
    workdir = Path(get_settings().transcode_work_dir) / f"mf-thumb-{record.id}-{uuid.uuid4().hex[:8]}"
    deadline = max(5.0, job.remaining_s() - min(MARGIN_S, job.remaining_s() / 5))
    grab = frames.Grab(
        source=objects.presigned_get(record.doc.source_key, expires_s=3600, bucket=record.doc.source_bucket),
        info=info,
        times=[t / 1000 for t in times],
        size=size,
        fmt=para.extension,
        workdir=workdir,
        interval=float(para.time) if para.type == "TIME" else None,
    )
    try:
        try:
            shots = frames.grab(
                grab,
                on_progress=lambda p: job.progress(p * 0.9),
                should_stop=job.should_stop,
                deadline_s=deadline,
            )
        except frames.FrameError as exc:
            raise JobFailed(exc.code, exc.message) from exc
        return _store(record, para, workdir, shots, times, size, info.duration_s, deadline)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _store(
    record: Record[ThumbnailTaskDoc],
    para: ThumbnailPara,
    workdir: Path,
    shots: list[Path],
    times: list[int],
    size: frames.Size,
    duration_s: float,
    deadline_s: float,
) -> dict[str, Any]:
    """Name, pack (tar) and upload the pictures, and the sprite sheets when asked for."""
    names = picture_names(para, _stem(record), times)
    uploads: list[str] = []
    sprite: dict[str, Any] | None = None
    if para.sprite is not None:  # from the shots while they still carry their sequence names
        base = tar_name(para, _stem(record)).removesuffix(".tar")
        made = sprites.build(
            workdir, shots, size, times, int(duration_s * 1000), para.sprite, base, deadline_s=deadline_s
        )
        uploads += [*made.sheets, made.vtt]
        sprite = {
            "sheets": made.sheets,
            "webvtt": made.vtt,
            "tile_width": made.tile.width,
            "tile_height": made.tile.height,
            "column_count": para.sprite.column_count,
            "row_count": para.sprite.row_count,
        }
    if record.doc.tar:
        packed = tar_name(para, _stem(record))
        _pack(workdir, shots, names, packed)
        uploads.insert(0, packed)
    else:
        for shot, name in zip(shots, names, strict=True):
            shot.rename(workdir / name)
        uploads[:0] = names
    _upload_all(record, workdir, uploads)
    return {"outputs": uploads, "pictures": names, "times_ms": times, "sprite": sprite}


def _upload_all(record: Record[ThumbnailTaskDoc], workdir: Path, names: list[str]) -> None:
    for name in names:
        tasks.upload(record, str(workdir / name), name, TYPES[name.rsplit(".", 1)[-1]])


def _pack(workdir: Path, shots: list[Path], names: list[str], tar: str) -> None:
    with tarfile.open(workdir / tar, "w") as packed:
        for shot, name in zip(shots, names, strict=True):
            packed.add(shot, arcname=name)


def thumbnail_info(record: Record[ThumbnailTaskDoc]) -> dict[str, Any]:
    """The ``thumbnail_info`` of a ``ThumbnailComplete`` message."""
    view = task_view(record)
    status = {ThumbnailState.SUCCEEDED: "SUCCEED"}.get(ThumbnailState(record.status), "FAILED")
    return {
        **{k: view[k] for k in ("task_id", "create_time", "start_time", "end_time", "input", "output")},
        "status": status,
        "output_file_name": view["output_file_name"],
        "pic_info": view["thumbnail_info"],
        "user_data": view["user_data"],
        "description": view["description"],
        **({"sprite": view["sprite"]} if "sprite" in view else {}),
    }


def _on_end(record: Record[ThumbnailTaskDoc]) -> None:
    if record.status != ThumbnailState.CANCELED:
        tasks.publish_end(record, EVENT, "thumbnail_info", thumbnail_info(record))


def discard(record: Record[ThumbnailTaskDoc]) -> None:
    tasks.discard(
        record, objects.list_keys(record.doc.output_dir + _prefix(record), bucket=record.doc.output_bucket)
    )


def _prefix(record: Record[ThumbnailTaskDoc]) -> str:
    """What every object of the task starts with under its directory (all when it has its own)."""
    if ("/" + record.doc.output_dir).endswith(f"/{record.id}/"):
        return ""
    return (_para(record).output_filename or _stem(record)).split(".")[0]


def cancel(project_id: str, task_id: str) -> None:
    tasks.cancel(THUMBNAILS, project_id, task_id)


def query(project_id: str, **params: Any) -> dict[str, Any]:
    return mpc_query.query(LIST, project_id, **params)


THUMBNAILS: JobKind[ThumbnailTaskDoc] = JobKind(
    model=ThumbnailTaskDoc,
    line=tasks.LINE,
    waiting=ThumbnailState.WAITING,
    running=ThumbnailState.PROCESSING,
    succeeded=ThumbnailState.SUCCEEDED,
    failed=ThumbnailState.FAILED,
    canceled=ThumbnailState.CANCELED,
    run=run,
    queue_url=lambda: get_settings().transcode_queue_url,
    crashed=Failure("MPC.10050", "System error."),
    lost=Failure("MPC.10050", "The snapshot worker stopped responding on every attempt."),
    on_end=_on_end,
    discard=discard,
    cancelable=frozenset({ThumbnailState.WAITING, ThumbnailState.PROCESSING}),
)
