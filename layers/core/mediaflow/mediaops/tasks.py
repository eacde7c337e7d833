"""What the three MPC media task kinds share: ids, queueing, cancel, the synchronous run, the
common view fields and the completion event.

Every kind waits in the transcoding line and is run by the transcoding worker (``TranscodeWorker``:
it has the ffmpeg layer, the memory and the scratch space; its crash recovery covers them). They
rank with priority-9 transcodings (``RANK``): their work is bounded (a few seeks, at most 60 s of
animation, one probe), so they never wait behind a long encode backlog of normal priority.

A synchronous request (a single snapshot, a metadata extraction) is queued like any other task,
then claimed and run by the API function itself (``runner.run_now``); if a worker claimed it first,
the call waits for it to end within the same budget.
"""

from __future__ import annotations

import time
from pathlib import PurePosixPath
from typing import Any, TypeVar

from mediaflow import clock
from mediaflow.api.mpc_errors import TASK_NOT_CANCELABLE, invalid
from mediaflow.errors import Conflict, NotFound
from mediaflow.events.publisher import publish_for
from mediaflow.jobs import runner, waiting
from mediaflow.jobs.kind import JobKind
from mediaflow.mediaops.records import MediaTaskDoc
from mediaflow.records import counters, store
from mediaflow.records.model import Record, new_record
from mediaflow.settings import get_settings
from mediaflow.storage import objects
from mediaflow.transcode.locations import ObsObjInfo, Place, input_place, output_place

M = TypeVar("M", bound=MediaTaskDoc)
LINE = "TRANSCODE"  # the transcoding line (``TaskDoc.KIND``): one worker function runs all
RANK = 0
SYNC_POLL_S = 0.2


def source_of(project_id: str, given: ObsObjInfo) -> Place:
    """The input inside the project or a bucket it authorized; it must exist (MPC.10202 naming the
    field otherwise)."""
    place = input_place(project_id, given)
    try:
        objects.head(place.key, bucket=place.bucket)
    except NotFound as exc:
        raise invalid("input.object does not exist") from exc
    return place


def output_of(project_id: str, given: ObsObjInfo | None, source: Place) -> Place:
    """The output directory; without an output, the directory ``<input name>/`` of the project's
    output prefix in the media bucket."""
    if given is not None:
        return output_place(project_id, given)
    stem = PurePosixPath(source.key).stem or "output"
    return Place(None, f"outputs/{project_id}/{stem}/")


def new_task_id(project_id: str, sequence: str) -> int:
    return counters.next_id(project_id, sequence)


def queue(doc: M, project_id: str, *, wake_kind: JobKind[Any] | None) -> Record[M]:
    """Store the task in the waiting line; wake a worker unless it runs synchronously."""
    created = clock.key_time(clock.now())
    task_id = str(doc.task_id)
    line = waiting.waiting_lookup(LINE, doc.rank, created, project_id, task_id)
    stored = store.create(new_record(doc, project_id, task_id, created, lookup=line))
    if wake_kind is not None:
        runner.wake(wake_kind)
    return stored


def run_sync(kind: JobKind[M], record: Record[M], budget_s: float) -> Record[M]:
    """Run a just-queued task here and return it ended (or as it stands when the budget ran out)."""
    deadline = time.monotonic() + budget_s

    def remaining_ms() -> int:
        return max(0, int((deadline - time.monotonic()) * 1000))

    if runner.run_now(kind, record.project_id, record.id, remaining_ms) is None:
        while time.monotonic() < deadline:  # a worker holds it: wait for its end
            current = store.get(kind.model, record.project_id, record.id)
            if current.status in kind.ended:
                return current
            time.sleep(SYNC_POLL_S)
    return store.get(kind.model, record.project_id, record.id)


def cancel(kind: JobKind[M], project_id: str, task_id: str) -> None:
    """WAITING ends at once; PROCESSING too, and its worker stops within a heartbeat."""
    if not task_id.isdigit() or len(task_id) > 18:
        raise invalid("task_id must be an integer")
    try:
        runner.cancel(kind, project_id, str(int(task_id)), "Canceled by the user.")
    except (NotFound, Conflict) as exc:
        raise TASK_NOT_CANCELABLE from exc


def compact(key_time: str | None) -> str:
    return clock.compact(clock.parse_key_time(key_time)) if key_time else ""


def location(key: str, given: dict[str, Any] | None = None) -> dict[str, Any]:
    settings = get_settings()
    shown = {"bucket": settings.bucket_name, "location": settings.region, "object": key}
    return {**shown, **{k: v for k, v in (given or {}).items() if v is not None}}


def common_view(record: Record[M]) -> dict[str, Any]:
    """The fields every MPC media task shows (``CommonTaskMeta`` plus input/output)."""
    doc = record.doc
    return {
        "task_id": str(doc.task_id),
        "status": str(record.status),
        "create_time": compact(record.created_at),
        "start_time": compact(doc.start_time),
        "end_time": compact(doc.end_time),
        "error_code": doc.error_code or "",
        "description": doc.error_message or "",
        "user_data": doc.user_data or "",
        "input": location(doc.source_key, doc.request.get("input")),
        "output": location(doc.output_dir, doc.request.get("output")),
        "progress": doc.progress,
    }


def publish_end(record: Record[Any], event_type: str, info_key: str, info: dict[str, Any]) -> None:
    """The completion event through the one notification path (SNS, then callbacks)."""
    publish_for(
        record, event_type=event_type, family="mpc", payload={"event_type": event_type, info_key: info}
    )


def owner(record: Record[Any]) -> str:
    """The owner mark of the objects a task writes (ids are per kind, so the kind is part of it)."""
    return record.id + "/" + record.kind.value


def upload(record: Record[Any], path: str, name: str, content_type: str) -> str:
    key = record.doc.output_dir + name
    objects.upload_file(path, key, content_type, owner=owner(record), bucket=record.doc.output_bucket)
    return key


def discard(record: Record[Any], keys: list[str]) -> None:
    """Remove what an attempt uploaded among ``keys`` (only objects this task wrote)."""
    objects.delete_owned(keys, owner(record), bucket=record.doc.output_bucket)
