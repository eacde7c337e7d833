"""MPC metadata extraction (``POST/GET/DELETE /v1/{project_id}/extract-metadata``): the probe the
upload path uses (``media.probe``, one implementation) plus the object's MD5, streamed from S3 in
1 MiB reads (never the whole file in memory).

``metadata`` follows the SDK's ``MetaData``: ``size`` (bytes), ``duration_ms`` (seconds with
decimals: the SDK's name, its documented unit), ``duration`` (whole seconds), ``format``, ``md5``,
``bitrate`` (bit/s) and one entry per video/audio stream (``VideoInfo``/``AudioInfo``), each with
the documented extensions ``profile``, ``language`` and, for video, ``display_aspect_ratio``,
``sample_aspect_ratio``, ``fps`` (exact) and the display size after rotation. With ``sync`` 1 the
create call answers the metadata itself, unless the object is larger than what MD5 can stream
within the API's time (``SYNC_MAX_BYTES``): then the task is queued and answered WAITING. With an
``output``, the metadata is also written there as JSON (``file_name``, default
``<input name>_metadata.json``).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mediaflow.api import mpc_query
from mediaflow.api.mpc_errors import invalid
from mediaflow.errors import NotFound
from mediaflow.jobs.kind import Failure, JobFailed, JobKind
from mediaflow.jobs.runner import Job
from mediaflow.media.models import AudioStreamInfo, MediaInfo, VideoStreamInfo
from mediaflow.mediaops import tasks
from mediaflow.mediaops.records import ExtractTaskDoc
from mediaflow.mediaops.source import INPUT_MISSING, probe_source
from mediaflow.records.model import Record
from mediaflow.records.states import EXTRACT_METADATA, MediaTaskState
from mediaflow.settings import get_settings
from mediaflow.storage import objects
from mediaflow.transcode.locations import ObsObjInfo
from mediaflow.transcode.media_views import codec_name, source_info

EVENT = "ParseComplete"
SEQUENCE = "extract"
SYNC_MAX_BYTES = 1 << 30  # MD5 streams ~100 MB/s from S3 in Lambda: 1 GiB fits the API's 25 s
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,179}$")


class CreateExtractTaskReq(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: ObsObjInfo
    output: ObsObjInfo | None = None
    user_data: str | None = Field(None, max_length=1024)
    sync: int = Field(0, ge=0, le=1, description="1: answer the metadata in this call")


def create(project_id: str, request: CreateExtractTaskReq, budget_s: float) -> dict[str, Any]:
    source = tasks.source_of(project_id, request.input)
    file_name = None
    if request.output is not None:
        given = request.output.file_name
        if given is not None and (not _NAME.match(given) or ".." in given):
            raise invalid("output.file_name allows letters, digits, '.', '_' and '-' (no paths)")
        stem = re.sub(r"[^A-Za-z0-9_-]", "_", PurePosixPath(source.key).stem)[:80] or "source"
        file_name = given or f"{stem}_metadata.json"
    sync = bool(request.sync) and objects.head(source.key, bucket=source.bucket).size <= SYNC_MAX_BYTES
    doc = ExtractTaskDoc(
        rank=tasks.RANK,
        task_id=tasks.new_task_id(project_id, SEQUENCE),
        source_key=source.key,
        source_bucket=source.bucket,
        output_dir=(out := tasks.output_of(project_id, request.output, source)).key,
        output_bucket=out.bucket,
        user_data=request.user_data,
        request={
            "input": request.input.model_dump(),
            **({"output": request.output.model_dump()} if request.output else {}),
        },
        file_name=file_name,
        sync=sync,
    )
    record = tasks.queue(doc, project_id, wake_kind=None if sync else EXTRACTS)
    if sync:
        record = tasks.run_sync(EXTRACTS, record, budget_s)
    view = task_view(record)
    keep = ("task_id", "status", "create_time", "output", "description", "metadata")
    return {**{k: view[k] for k in keep if k in view}, "output_file_name": record.doc.file_name or ""}


def task_view(record: Record[ExtractTaskDoc]) -> dict[str, Any]:
    view = tasks.common_view(record)
    if record.doc.file_name:
        view["output"] = {**view["output"], "file_name": record.doc.file_name}
    elif "output" not in record.doc.request:
        view.pop("output")
    if record.doc.metadata is not None:
        view["metadata"] = record.doc.metadata
    return view


LIST = mpc_query.ListSpec(
    ExtractTaskDoc, tuple(sorted({*EXTRACT_METADATA.states, "INIT"})), task_view, "tasks"
)


def _video(stream: VideoStreamInfo) -> dict[str, Any]:
    duration = stream.duration_s or 0.0
    return {
        "width": stream.display_width,
        "height": stream.display_height,
        "bitrate": round((stream.bitrate or 0) / 1000),
        "bitrate_bps": int(stream.bitrate or 0),
        "frame_rate": round(stream.frame_rate or 0),
        "codec": codec_name(stream.codec),
        "duration": str(round(duration)),
        "duration_ms": str(round(duration * 1000)),
        "rotate": float(stream.rotation),
        "profile": stream.profile or "",
        "fps": round(stream.frame_rate or 0.0, 3),
        "coded_width": stream.width,
        "coded_height": stream.height,
        "display_aspect_ratio": stream.display_aspect_ratio or "",
        "sample_aspect_ratio": stream.sample_aspect_ratio or 1.0,
        "pix_fmt": stream.pix_fmt or "",
        "language": stream.language or "",
    }


def _audio(stream: AudioStreamInfo) -> dict[str, Any]:
    duration = stream.duration_s or 0.0
    return {
        "codec": codec_name(stream.codec),
        "sample": int(stream.sample_rate or 0),
        "channels": int(stream.channels or 0),
        "bitrate": round((stream.bitrate or 0) / 1000),
        "bitrate_bps": int(stream.bitrate or 0),
        "duration": str(round(duration)),
        "duration_ms": str(round(duration * 1000)),
        "profile": stream.profile or "",
        "channel_layout": stream.channel_layout or "",
        "language": stream.language or "",
    }


def metadata(info: MediaInfo, size: int, md5: str) -> dict[str, Any]:
    """``MetaData`` of the SDK (plus the documented per-stream extensions)."""
    return {
        "size": size,
        "duration_ms": round(info.duration_s, 3),
        "duration": round(info.duration_s),
        "format": source_info(info)["format"],
        "md5": md5,
        "bitrate": int(info.bitrate or 0),
        "video": [_video(v) for v in info.videos or ([info.video] if info.video else [])],
        "audio": [_audio(a) for a in info.audio],
    }


def run(job: Job[ExtractTaskDoc]) -> dict[str, Any]:
    record = job.record
    info = probe_source(record.doc.source_key, bucket=record.doc.source_bucket)
    try:
        head = objects.head(record.doc.source_key, bucket=record.doc.source_bucket)
        md5 = objects.md5_of(
            record.doc.source_key, should_stop=job.should_stop, bucket=record.doc.source_bucket
        )
    except NotFound as exc:
        raise JobFailed(INPUT_MISSING, "The input file does not exist or cannot be read.") from exc
    except InterruptedError as exc:
        raise JobFailed("MPC.10212", "The task was canceled.") from exc
    found = metadata(info, head.size, md5)
    if record.doc.file_name:
        with tempfile.NamedTemporaryFile("w", suffix=".json", dir=get_settings().transcode_work_dir) as out:
            json.dump(found, out, indent=2)
            out.flush()
            tasks.upload(record, out.name, record.doc.file_name, "application/json")
    return {"metadata": found, "outputs": [record.doc.file_name] if record.doc.file_name else []}


def parse_info(record: Record[ExtractTaskDoc]) -> dict[str, Any]:
    """The ``parse_info`` of a ``ParseComplete`` message (MPC documents no body for it)."""
    view = task_view(record)
    return {**view, "status": "SUCCEED" if record.status == MediaTaskState.SUCCEED else "FAILED"}


def _on_end(record: Record[ExtractTaskDoc]) -> None:
    if record.status != MediaTaskState.CANCELED:
        tasks.publish_end(record, EVENT, "parse_info", parse_info(record))


def discard(record: Record[ExtractTaskDoc]) -> None:
    if record.doc.file_name:
        tasks.discard(record, [record.doc.output_dir + record.doc.file_name])


def cancel(project_id: str, task_id: str) -> None:
    tasks.cancel(EXTRACTS, project_id, task_id)


def query(project_id: str, **params: Any) -> dict[str, Any]:
    return mpc_query.query(LIST, project_id, **params)


EXTRACTS: JobKind[ExtractTaskDoc] = JobKind(
    model=ExtractTaskDoc,
    line=tasks.LINE,
    waiting=MediaTaskState.WAITING,
    running=MediaTaskState.PROCESSING,
    succeeded=MediaTaskState.SUCCEED,
    failed=MediaTaskState.FAILED,
    canceled=MediaTaskState.CANCELED,
    run=run,
    queue_url=lambda: get_settings().transcode_queue_url,
    crashed=Failure("MPC.10050", "System error."),
    lost=Failure("MPC.10050", "The metadata worker stopped responding on every attempt."),
    on_end=_on_end,
    discard=discard,
    cancelable=frozenset({MediaTaskState.WAITING, MediaTaskState.PROCESSING}),
)
