"""A split task's parts: made by the plan, let in under the task's cap, canceled with the task.

Part ids: ``<task>-a``, ``<task>-a01``... (the audio: one part per shared track or audio-only
output, ``chunk_media.audio_units``), ``<task>-v<index>`` (video chunks), ``<task>-j`` (the join).
The audio parts and up to ``parallel`` chunks wait in the transcoding line at once (rank of the task,
so priority holds against other tasks); the other chunks are HELD in the task's own line
(``HELDQ#<project>#<task>``, by index) and let in one by one as parts end, each with the time it
was let in as its age - so a huge task takes its turn with the tasks queued meanwhile instead of
starving them. The join is made (HELD -> WAITING) by the part whose end completes the fan-in.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from mediaflow import clock
from mediaflow.errors import Conflict, NotFound
from mediaflow.jobs import runner, waiting
from mediaflow.jobs.kind import JobKind
from mediaflow.records import fan_in, store
from mediaflow.records.model import Record, new_record
from mediaflow.records.states import PartState, TaskState
from mediaflow.settings import get_settings
from mediaflow.storage import objects
from mediaflow.transcode.records import PartDoc, TaskDoc

AUDIO, JOIN = "a", "j"
PLAN_WEIGHT, JOIN_WEIGHT, AUDIO_WEIGHT = 5, 5, 5  # percent of a split task's progress
BATCH = 100


def part_id(task_id: str, role: str, index: int = 0) -> str:
    if role == "video":
        return f"{task_id}-v{index:05d}"
    if role == "audio":
        return f"{task_id}-{AUDIO}" + (f"{index:02d}" if index else "")
    return f"{task_id}-{JOIN}"


def held_key(project_id: str, task_id: str) -> str:
    return f"HELDQ#{project_id}#{task_id}"


def _line(kind: JobKind[PartDoc], record: Record[PartDoc], created: str) -> tuple[str, str]:
    return waiting.waiting_lookup(kind.line, record.doc.rank, created, record.project_id, record.id)


def create_parts(
    kind: JobKind[PartDoc],
    task: Record[TaskDoc],
    chunks: list[tuple[float, float]],
    audio_parts: int,
    parallel: int,
) -> int:
    """Make every part of a planned task (idempotent: a re-run plan finds them made); returns how
    many the fan-in waits for. Wakes a worker per part let in."""
    pid, tid, now = task.project_id, task.id, clock.key_time(clock.now())
    rank = task.doc.rank
    made: list[Record[PartDoc]] = []
    for index in range(audio_parts):
        doc = PartDoc(rank=rank, task_id=tid, role="audio", index=index, end_s=chunks[-1][1])
        made.append(new_record(doc, pid, part_id(tid, "audio", index), now))
    for index, (start, end) in enumerate(chunks):
        doc = PartDoc(rank=rank, task_id=tid, role="video", index=index, start_s=start, end_s=end)
        made.append(new_record(doc, pid, part_id(tid, "video", index), now))
    fan_in.create(pid, tid, len(made))
    admit = parallel + audio_parts

    def make(position: int) -> bool:
        record, admitted = made[position], position < admit
        held = (held_key(pid, tid), f"{record.doc.index:07d}")
        if admitted:
            record = replace(record, status=PartState.WAITING, lookup=_line(kind, record, now))
        try:
            store.create(record if admitted else replace(record, lookup=held))
        except Conflict:
            return False  # made by an earlier run of this plan
        return admitted

    writers = get_settings().plan_writers  # a thousand parts in seconds, not minutes
    with ThreadPoolExecutor(max_workers=writers) as pool:
        let_in = sum(pool.map(make, range(len(made))))
    if let_in:
        runner.wake(kind, let_in)
    return len(made)


def _move(kind: JobKind[PartDoc], project_id: str, the_id: str, source: str, target: str) -> bool:
    moved = False

    def mutate(current: Record[PartDoc]) -> Record[PartDoc] | None:
        nonlocal moved
        moved = current.status == source
        if not moved:
            return None
        lookup = _line(kind, current, clock.key_time(clock.now())) if target == PartState.WAITING else None
        return replace(current, status=target, lookup=lookup)

    try:
        store.update(kind.model, project_id, the_id, mutate)
    except NotFound:
        return False
    return moved


def let_in_next(kind: JobKind[PartDoc], project_id: str, task_id: str, count: int = 1) -> int:
    """Move the next held chunks (by index) into the transcoding line; returns how many moved."""
    moved = 0
    for entry in store.line_entries(held_key(project_id, task_id), limit=count + 5):
        if moved == count:
            break
        moved += _move(kind, project_id, entry.id, PartState.HELD, PartState.WAITING)
    if moved:
        runner.wake(kind, moved)
    return moved


def start_join(kind: JobKind[PartDoc], task: Record[TaskDoc]) -> None:
    """Make the join part, let in at the head of the task's rank (made once, whoever calls)."""
    record = new_record(
        PartDoc(rank=task.doc.rank, task_id=task.id, role="join"),
        task.project_id,
        part_id(task.id, "join"),
        task.created_at,  # the oldest age of its rank: a task nearly done finishes first
    )
    with contextlib.suppress(Conflict):  # made already by another caller
        store.create(replace(record, lookup=None))
    if _move(kind, task.project_id, record.id, PartState.HELD, PartState.WAITING):
        runner.wake(kind)


def all_part_ids(task: Record[TaskDoc]) -> list[str]:
    split = task.doc.split
    chunks, audio = (split.chunks, split.audio_parts) if split else (0, 1)
    ids = [part_id(task.id, "video", i) for i in range(chunks)]
    return [*(part_id(task.id, "audio", k) for k in range(audio)), *ids, part_id(task.id, "join")]


def parts_of(task: Record[TaskDoc]) -> list[Record[PartDoc]]:
    """Every part of a split task that exists (BatchGetItems of 100)."""
    ids = all_part_ids(task)
    found: list[Record[PartDoc]] = []
    for start in range(0, len(ids), BATCH):
        found += store.get_many(PartDoc, task.project_id, ids[start : start + BATCH])
    return found


def cancel_parts(kind: JobKind[PartDoc], task: Record[TaskDoc], message: str) -> int:
    """End every part that has not ended (a running one stops within its heartbeat)."""
    ended = 0
    for part in parts_of(task):
        if part.status in kind.ended:
            continue
        try:
            runner.cancel(kind, part.project_id, part.id, message)
            ended += 1
        except (Conflict, NotFound):
            continue
    return ended


def remove_work(task: Record[TaskDoc]) -> None:
    """Delete the task's intermediate objects (pieces, audio tracks); the lifecycle rule on
    ``work/`` removes what a straggler writes afterwards."""
    if task.doc.split:
        objects.delete_keys(objects.list_keys(task.doc.split.work_prefix))
    fan_in.delete(task.project_id, task.id)


def progress(task: Record[TaskDoc], state: fan_in.FanIn | None = None) -> int:
    """A split task's progress: the plan, then each part weighted by its share, then the join."""
    split = task.doc.split
    if split is None or state is None or not state.total:
        return task.doc.progress
    chunks = max(1, split.chunks)
    audio = max(0, state.total - chunks)  # audio parts
    share = (100 - PLAN_WEIGHT - JOIN_WEIGHT - (AUDIO_WEIGHT if audio else 0)) / chunks
    weights = {part_id(task.id, "video", i): share for i in range(chunks)}
    for k in range(audio):
        weights[part_id(task.id, "audio", k)] = AUDIO_WEIGHT / audio
    done = sum(w for pid, w in weights.items() if pid in state.done)
    running = sum(weights.get(pid, 0) * p / 100 for pid, p in state.progress.items() if pid not in state.done)
    return min(99, max(task.doc.progress, round(PLAN_WEIGHT + done + running)))


def running_progress(project_id: str, tasks: list[Record[TaskDoc]]) -> dict[str, int]:
    """The weighted progress of the split tasks among ``tasks`` still running (one batch read)."""
    split = [t for t in tasks if t.doc.split is not None and t.status == TaskState.TRANSCODING]
    states = fan_in.read_many(project_id, [t.id for t in split][:BATCH])
    return {t.id: progress(t, states.get(t.id)) for t in split}


def result_of(parts: list[Record[PartDoc]], role: str) -> list[dict[str, Any]]:
    return [p.doc.result for p in sorted(parts, key=lambda p: p.doc.index) if p.doc.role == role]
