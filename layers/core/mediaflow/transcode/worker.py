"""Runs one transcoding task: claim, probe, check it fits, encode, upload, settle, announce.

A worker invocation is woken by a token and claims the most urgent waiting task (see
``waiting``), so priority holds under a backlog and a duplicate token never encodes twice. While
ffmpeg runs, progress is written at most every ``PROGRESS_EVERY_S`` (which is also the
heartbeat the reaper watches) and a CANCELED state stops ffmpeg within that interval. Every path
out ends the task in a terminal state; a crash becomes FAILED ``MPC.10050``.

The engine encodes from a presigned GET through the loopback relay: the source is read with
range requests, never copied whole to /tmp. Splitting a long task into segments encoded in
parallel is the planned next step (the engine already cuts frame-exact GOP-aligned segments).
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from mediaflow import aws, clock
from mediaflow.jobs import store
from mediaflow.jobs.states import Kind
from mediaflow.media.models import MediaInfo
from mediaflow.media.probe import ProbeError, probe
from mediaflow.observability import logger
from mediaflow.settings import get_settings
from mediaflow.storage import objects
from mediaflow.transcode import video_link, waiting
from mediaflow.transcode.media_views import source_info
from mediaflow.transcode.spec import RenditionSpec
from mediaflow.transcode.task_events import publish_task_event

PROGRESS_EVERY_S = 2.0
SAFETY_MARGIN_S = 60.0
TOO_LONG = "MPC.10069"
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".mp4": "video/mp4",
    ".m4s": "video/iso.segment",
    ".ts": "video/mp2t",
    ".mp3": "audio/mpeg",
    ".aac": "audio/aac",
}


class TaskFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


def _mark_started(record: store.Record) -> store.Record:
    return replace(record, doc={**record.doc, "start_time": clock.key_time(clock.now()), "progress": 0})


def run_next(remaining_ms: Callable[[], int]) -> str:
    """Claim the most urgent waiting task and run it to a terminal state."""
    task = waiting.claim(Kind.TRANSCODE, "TRANSCODING", _mark_started)
    if task is None:
        return "idle"
    publish_task_event(task, "TranscodeStart")
    try:
        status, updates = _run(task, remaining_ms)
    except TaskFailed as exc:
        status, updates = "FAILED", {"error_code": exc.code, "description": exc.message}
    except Exception:
        logger.exception("transcoding task crashed", extra={"task_id": task.id})
        status, updates = "FAILED", {"error_code": "MPC.10050", "description": "System error."}
    return finish(task.project_id, task.id, status, updates)


def finish(project_id: str, task_id: str, status: str, updates: dict[str, Any]) -> str:
    """Settle a running task; a CANCELED one stays CANCELED (the cancel won the race)."""

    def settle(current: store.Record) -> store.Record | None:
        if current.status != "TRANSCODING":
            return None
        doc = {**current.doc, **updates, "end_time": clock.key_time(clock.now())}
        if status == "SUCCEEDED":
            doc["progress"] = 100
        return replace(current, status=status, lookup=None, doc=doc)

    final = store.update(Kind.TRANSCODE, project_id, task_id, settle)
    if final.status in ("SUCCEEDED", "FAILED") and final.doc.get("end_time") and final.status == status:
        publish_task_event(final, "TranscodeComplete")
    video_link.task_ended(final)
    logger.info("transcoding task ended", extra={"task_id": task_id, "status": final.status})
    return final.status


def _probe_source(key: str) -> MediaInfo:
    try:
        return probe(objects.presigned_get(key), timeout_s=get_settings().probe_timeout_s)
    except ProbeError as exc:
        code = "MPC.10066" if exc.code == "NotMedia" else "MPC.10125"
        raise TaskFailed(code, f"The input file cannot be transcoded: {exc.message}") from exc


def _check_fits(info: MediaInfo, renditions: list[RenditionSpec], remaining_s: float) -> None:
    outputs = max(1, sum(1 for r in renditions if not r.audio_only))
    estimate = info.duration_s * outputs * get_settings().transcode_seconds_per_source_second
    if estimate > remaining_s - SAFETY_MARGIN_S:
        raise TaskFailed(
            TOO_LONG,
            f"The task needs about {estimate:.0f} s of encoding, more than one function invocation allows "
            f"({remaining_s:.0f} s left); split the source or use fewer renditions.",
        )


class _Watch:
    """Progress writer and cancel detector, rate-bounded to one read-modify-write per interval."""

    def __init__(self, task: store.Record) -> None:
        self.task, self.last, self.stop, self.percent = task, 0.0, False, 0

    def on_progress(self, percent: float) -> None:
        self.percent = max(self.percent, min(99, int(percent)))
        self._tick()

    def should_stop(self) -> bool:
        self._tick()
        return self.stop

    def _tick(self) -> None:
        if time.monotonic() - self.last < PROGRESS_EVERY_S:
            return
        self.last = time.monotonic()
        kind, pid, tid = Kind.TRANSCODE, self.task.project_id, self.task.id

        def beat(current: store.Record) -> store.Record | None:
            if current.status != "TRANSCODING":
                return None
            lookup = waiting.running_lookup(kind, pid, tid)
            return replace(current, lookup=lookup, doc={**current.doc, "progress": self.percent})

        self.stop = store.update(kind, pid, tid, beat).status != "TRANSCODING"


def _upload(workdir: Path, files: list[str], out_dir: str) -> None:
    bucket, s3 = get_settings().bucket_name, aws.client("s3")
    for relative in files:
        path = workdir / relative
        extra = {"ContentType": CONTENT_TYPES.get(path.suffix, "application/octet-stream")}
        s3.upload_file(str(path), bucket, out_dir + relative, ExtraArgs=extra)


def _run(task: store.Record, remaining_ms: Callable[[], int]) -> tuple[str, dict[str, Any]]:
    from mediaflow.transcode.engine import encode  # imported here: only the worker needs it

    renditions = [RenditionSpec.model_validate(r) for r in task.doc["renditions"]]
    phases: dict[str, float] = {}
    began = time.monotonic()
    info = _probe_source(task.doc["source_key"])
    phases["probe_s"] = time.monotonic() - began
    _check_fits(info, renditions, remaining_ms() / 1000)
    workdir = Path(get_settings().transcode_work_dir) / f"mf-task-{task.id}-{uuid.uuid4().hex[:8]}"
    workdir.mkdir(parents=True)
    watch = _Watch(task)
    try:
        results = encode(
            objects.presigned_get(task.doc["source_key"], expires_s=3600),
            renditions,
            workdir,
            source_info=info,
            on_progress=watch.on_progress,
            should_stop=watch.should_stop,
            deadline_s=max(10.0, remaining_ms() / 1000 - SAFETY_MARGIN_S / 2),
        )
        phases["encode_s"] = time.monotonic() - began - phases["probe_s"]
        if watch.stop or any(r.status == "canceled" for r in results):
            return "CANCELED", {}
        produced = [r for r in results if r.status in ("ok", "clamped")]
        sizes = {r.template_id: sum((workdir / f).stat().st_size for f in r.files) for r in produced}
        for result in produced:
            _upload(workdir, result.files, task.doc["output_dir"])
        phases["upload_s"] = time.monotonic() - began - phases["probe_s"] - phases["encode_s"]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    logger.info("task phases", extra={"task_id": task.id, **{k: round(v, 3) for k, v in phases.items()}})
    detail = {
        "input_file": source_info(info),
        "multitask_info": [_task_info(r, sizes.get(r.template_id)) for r in results],
    }
    updates: dict[str, Any] = {
        "transcode_detail": detail,
        "output_file_name": [Path(r.main_file).name for r in produced if r.main_file],
        "outputs": [
            {"template_id": r.template_id, "files": r.files, "main_file": r.main_file} for r in produced
        ],
    }
    if not produced:
        first = next((r for r in results if r.error_code), None)
        updates.update(
            error_code=first.error_code if first else "MPC.10050",
            description=first.error_msg if first else "No output could be produced.",
        )
        return "FAILED", updates
    return "SUCCEEDED", updates


def _task_info(result: Any, size: int | None) -> dict[str, Any]:
    """One ``multitask_info`` entry: the output's media info, or why there is none."""
    info: dict[str, Any] = {"template_id": result.template_id}
    if result.error_code:
        info["error"] = {"error_code": result.error_code, "error_msg": result.error_msg or ""}
    if result.media_info is not None:
        info["output_file"] = source_info(result.media_info, size=size)
    return info


def reap(stale_after_s: float | None = None) -> list[str]:
    """Fail tasks whose worker went silent (crashed, timed out): no task stays TRANSCODING."""
    horizon = stale_after_s if stale_after_s is not None else get_settings().transcode_stale_after_s
    cutoff = clock.key_time(clock.now_minus(horizon))
    reaped = []
    for stale in store.find_by_lookup(
        waiting.run_key(Kind.TRANSCODE), limit=50, ascending=True, below=cutoff
    ):
        status = finish(
            stale.project_id,
            stale.id,
            "FAILED",
            {"error_code": "MPC.10050", "description": "The transcoding worker stopped responding."},
        )
        reaped.append(f"{stale.id}:{status}")
    return reaped
