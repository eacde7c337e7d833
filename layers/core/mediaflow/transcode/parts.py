"""The parts of a split task (the ``PARTS`` job kind): a video chunk, the audio, the join.

Parts wait in the transcoding line beside tasks (the same workers claim both, by rank), and the
job runner gives them what every job has: a heartbeat, cancel within it, crash recovery, and
another attempt after a crash (``retry_crashes``: a part is retried up to ``max_attempts``; one
that keeps failing fails its task, which cancels the other parts and removes what they wrote).
When a part ends DONE its fan-in entry is added (once, however often the end is reported), the
next held chunk is let in, and the part whose end completes the fan-in makes the join. The join
writes the task's outputs and ends the task, with the cost of every part summed into it.
"""

from __future__ import annotations

import hashlib
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from mediaflow.encryption import aes, hls
from mediaflow.encryption import keys as hls_keys
from mediaflow.jobs import runner
from mediaflow.jobs.kind import Failure, JobFailed, JobKind
from mediaflow.jobs.runner import Job
from mediaflow.mediaops.watermark_files import prepare_watermarks
from mediaflow.records import fan_in, store
from mediaflow.records.model import Record
from mediaflow.records.states import PartState, TaskState
from mediaflow.settings import get_settings
from mediaflow.storage import objects
from mediaflow.transcode import chunk_media, split_task
from mediaflow.transcode.records import PartDoc, TaskDoc

SAFETY_MARGIN_S = 30.0


def _task(part: Record[PartDoc]) -> Record[TaskDoc]:
    return store.get(TaskDoc, part.project_id, part.doc.task_id)


def _content_type(name: str) -> str:
    from mediaflow.transcode.task_worker import CONTENT_TYPES

    return CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream")


def upload(path: Path, key: str, task: Record[TaskDoc], *, output: bool = True) -> int:
    """Store a file of the task: among its outputs (the output bucket), or with ``output=False``
    an intermediate object under the work prefix (always the media bucket)."""
    bucket = task.doc.output_bucket if output else None
    objects.upload_file(str(path), key, _content_type(path.name), owner=task.id, bucket=bucket)
    return path.stat().st_size


def run(job: Job[PartDoc]) -> dict[str, Any]:
    part = job.record
    task = _task(part)
    if task.status != TaskState.TRANSCODING or task.doc.split is None:
        raise JobFailed("Canceled", "the task has ended")
    workdir = Path(get_settings().transcode_work_dir) / f"mf-part-{part.id}-{uuid.uuid4().hex[:8]}"
    workdir.mkdir(parents=True)
    try:
        if part.doc.role == "video":
            return {"result": _video(job, task, workdir)}
        if part.doc.role == "audio":
            return {"result": _audio(job, task, workdir)}
        from mediaflow.transcode.join_task import run_join  # the join's own module

        return {"result": run_join(job, task, workdir)}
    except JobFailed as exc:  # a part's failure may be transient (the source unreadable for a while)
        retry = exc.code != "Canceled" and not job.should_stop()
        raise JobFailed(exc.code, exc.message, retryable=retry, **exc.changes) from exc
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _deadline(job: Job[PartDoc]) -> float:
    return max(10.0, job.remaining_s() - min(SAFETY_MARGIN_S, job.remaining_s() / 5))


def _video(job: Job[PartDoc], task: Record[TaskDoc], workdir: Path) -> dict[str, Any]:
    part, split = job.record.doc, task.doc.split
    assert split is not None
    source = objects.presigned_get(task.doc.source_key, expires_s=3600, bucket=task.doc.source_bucket)
    try:
        made = chunk_media.encode_chunk(
            source,
            task.doc.renditions,
            split.source,
            workdir,
            (part.start_s, part.end_s),
            on_progress=job.progress,
            should_stop=job.should_stop,
            deadline_s=_deadline(job),
            watermarks=prepare_watermarks(task.doc.watermarks, workdir),
        )
    except chunk_media.ChunkFailed as exc:
        raise JobFailed(exc.code, exc.message) from exc
    outputs = []
    for output in made:
        entry: dict[str, Any] = {"name": output.output_name, "codecs": output.codecs, "segments": []}
        entry["media"] = output.media.model_dump(mode="json") if output.media else None
        if output.segments:
            if task.doc.encryption is not None:  # the join's playlists carry the key line
                secret = hls_keys.load_key(task.project_id, task.doc.encryption.key_id)
                iv = bytes.fromhex(task.doc.encryption.iv_hex)
                for uri, _ in output.segments:
                    aes.encrypt_file(workdir / uri, secret, iv)
            for uri, duration in output.segments:
                size = upload(workdir / uri, task.doc.output_dir + uri, task)
                entry["segments"].append([uri, duration, size])
            if output.init:  # each chunk keeps its own init; the join names each distinct one once
                init = workdir / output.init
                name = output.init if part.index == 0 else f"{Path(output.init).stem}_{part.index:05d}.mp4"
                upload(init, task.doc.output_dir + name, task)
                entry["init"], entry["init_md5"] = name, hashlib.md5(init.read_bytes()).hexdigest()  # noqa: S324
        else:
            key = f"{split.work_prefix}{output.output_name}/{part.index:05d}.mp4"
            upload(workdir / output.files[0], key, task, output=False)
            entry["piece"] = key
        outputs.append(entry)
    return {"outputs": outputs}


def _audio(job: Job[PartDoc], task: Record[TaskDoc], workdir: Path) -> dict[str, Any]:
    split = task.doc.split
    assert split is not None
    source = objects.presigned_get(task.doc.source_key, expires_s=3600, bucket=task.doc.source_bucket)
    tracks, results = chunk_media.encode_audio(
        source,
        task.doc.renditions,
        split.source,
        workdir,
        on_progress=job.progress,
        should_stop=job.should_stop,
        deadline_s=_deadline(job),
        share=(job.record.doc.index, split.audio_parts),
    )
    by_name = {r.output_name: r for r in results}
    made: list[dict[str, Any]] = []
    for track in tracks:
        result = by_name[track.spec.output_name]
        if result.status not in ("ok", "clamped"):
            raise JobFailed(
                result.error_code or "MPC.10050", result.error_msg or "the audio could not be encoded"
            )
        bitrate = result.media_info.bitrate if result.media_info else None
        entry: dict[str, Any] = {
            "name": track.spec.output_name,
            "pack": track.spec.pack_type,
            "users": list(track.users),
        }
        entry |= {
            "files": result.files,
            "bitrate": bitrate or 0,
            "media": result.media_info.model_dump(mode="json") if result.media_info else None,
        }
        if track.spec.pack_type == "HLS":
            if task.doc.encryption is not None:
                secret = hls_keys.load_key(task.project_id, task.doc.encryption.key_id)
                hls.encrypt_files(workdir, result.files, task.doc.encryption, secret)
            for name in result.files:
                upload(workdir / name, task.doc.output_dir + name, task)
        else:
            entry["key"] = f"{split.work_prefix}audio/{result.files[0]}"
            upload(workdir / result.files[0], entry["key"], task, output=False)
        made.append(entry)
    finals = [r for r in results if r.output_name not in {t.spec.output_name for t in tracks}]
    for result in finals:  # the task's audio-only outputs (MP3, ADTS), whole
        for name in result.files:
            upload(workdir / name, task.doc.output_dir + name, task)
    return {"tracks": made, "audio_only": [r.model_dump(mode="json") for r in finals]}


def discard(part: Record[PartDoc]) -> None:
    """Remove what this part's attempt may have written (only objects its task wrote)."""
    try:
        task = _task(part)
    except Exception:  # the task is gone: nothing of it to keep either
        return
    split, doc = task.doc.split, part.doc
    if split is None or doc.role == "join":
        return
    keys: list[str] = []
    bucket = task.doc.output_bucket
    if doc.role == "audio":  # this part's own HLS audio renditions (its share of the units)
        units = chunk_media.audio_units(task.doc.renditions, split.source)[doc.index :: split.audio_parts]
        for unit in units:
            if unit.pack_type == "HLS" and unit.output_name.endswith(chunk_media.AUDIO_HLS):
                keys += objects.list_keys(task.doc.output_dir + unit.output_name, bucket=bucket)
        objects.delete_owned(keys, task.id, bucket=bucket)
        return
    for spec in task.doc.renditions:
        name = spec.output_name
        if spec.pack_type in ("HLS", "HLS+DASH") and not spec.audio_only:
            first, last = round(doc.start_s / spec.hls_interval), round(doc.end_s / spec.hls_interval) + 1
            keys += [
                task.doc.output_dir + f"{name}_{n:03d}.{ext}"
                for n in range(first, last)
                for ext in ("ts", "m4s")
            ]
        objects.delete_owned([f"{split.work_prefix}{name}/{doc.index:05d}.mp4"], task.id)
    objects.delete_owned(keys, task.id, bucket=bucket)


def _on_beat(part: Record[PartDoc], percent: int) -> None:
    fan_in.set_progress(part.project_id, part.doc.task_id, part.id, percent)


def _on_end(part: Record[PartDoc]) -> None:
    from mediaflow.transcode.task_worker import TASKS

    task = _task(part)
    if part.status == PartState.DONE and part.doc.role != "join":
        marked = fan_in.mark_done(
            part.project_id, task.id, part.id, compute_s=part.doc.compute_s, gb_s=part.doc.gb_s
        )
        if part.doc.role == "video" and marked.first:
            split_task.let_in_next(PARTS, part.project_id, task.id)
        if marked.completes and task.status == TaskState.TRANSCODING:
            split_task.start_join(PARTS, task)
    elif part.status == PartState.FAILED and task.status == TaskState.TRANSCODING:
        what = {
            "video": f"chunk {part.doc.index} ({part.doc.start_s:g}-{part.doc.end_s:g} s)",
            "audio": "the audio",
            "join": "the join",
        }[part.doc.role]
        code = part.doc.error_code if (part.doc.error_code or "").startswith("MPC.") else "MPC.10050"
        message = f"{what} failed: {part.doc.error_message or 'unknown error'}"
        runner.finish(
            TASKS, task.project_id, task.id, TaskState.FAILED, {"error_code": code, "error_message": message}
        )


PARTS: JobKind[PartDoc] = JobKind(
    model=PartDoc,
    line=TaskDoc.KIND.value,  # the same line (and workers) as tasks
    waiting=PartState.WAITING,
    running=PartState.RUNNING,
    succeeded=PartState.DONE,
    failed=PartState.FAILED,
    canceled=PartState.CANCELED,
    run=run,
    queue_url=lambda: get_settings().transcode_queue_url,
    crashed=Failure("MPC.10050", "The part crashed on every attempt."),
    lost=Failure("MPC.10050", "The part's worker stopped responding on every attempt."),
    on_end=_on_end,
    on_beat=_on_beat,
    discard=discard,
    cancelable=frozenset({PartState.HELD, PartState.WAITING, PartState.RUNNING}),
    retry_crashes=True,
)


def elapsed_since(began: float) -> float:
    return time.monotonic() - began
