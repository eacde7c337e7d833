"""Where a SmartCover job waits: the shared priority line, or its project's pause line.

- Submitted: in the waiting line of ``mediaflow.transcode.waiting`` (``WAITQ#SMART_COVER``) with
  rank ``2 - JobLevel``, so JobLevel 2 is claimed before 1 before 0, then the oldest first. SQS
  messages are only tokens: a worker claims the most urgent waiting job, never "the job of the
  token", so a duplicate token cannot run a job twice.
- Pause: out of the waiting line (no worker can claim it) and in the project's pause line
  (``PAUSEQ#SMART_COVER#<project>``, same rank order), from which a resume puts jobs back in
  priority order, one token each.

Every move is a conditional state change (``jobs.store``), so a cancel racing a pause or a
resume leaves one consistent state.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

from mediaflow import aws
from mediaflow.ci.config import ci_settings
from mediaflow.errors import NotFound
from mediaflow.jobs import store
from mediaflow.jobs.states import Kind
from mediaflow.transcode import waiting

KIND = Kind.SMART_COVER
TOKEN = json.dumps({"kind": KIND.value})
BATCH = 100


def rank(record: store.Record) -> int:
    return 2 - int(record.doc.get("job_level", 0))


def waiting_lookup(record: store.Record) -> tuple[str, str]:
    return waiting.waiting_lookup(KIND, rank(record), record.created_at, record.project_id, record.id)


def pause_key(project_id: str) -> str:
    return f"PAUSEQ#{KIND.value}#{project_id}"


def pause_lookup(record: store.Record) -> tuple[str, str]:
    return pause_key(record.project_id), f"{rank(record):02d}#{record.created_at}#{record.id}"


def _send(bodies: list[str]) -> None:
    url = ci_settings().queue_url
    if not url:
        raise RuntimeError("MEDIAFLOW_SMART_COVER_QUEUE_URL is not set")
    sqs = aws.client("sqs")
    for start in range(0, len(bodies), 10):
        chunk = bodies[start : start + 10]
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)]
        failed = sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed") or []
        if failed:
            raise RuntimeError(f"{len(failed)} SmartCover tokens were not sent")


def wake(count: int = 1) -> None:
    """``count`` tokens: each lets one worker claim the most urgent waiting job."""
    _send([TOKEN] * count)


def continue_later(project_id: str, action: str) -> None:
    """Hand a sweep that ran out of time to a worker (``worker.handle_message``)."""
    _send([json.dumps({"kind": KIND.value, "sweep": action, "project_id": project_id})])


def _move(project_id: str, job_id: str, source: str, target: str) -> bool:
    moved = False

    def mutate(current: store.Record) -> store.Record | None:
        nonlocal moved
        moved = False
        if current.status != source:
            return None
        moved = True
        lookup = pause_lookup(current) if target == "Pause" else waiting_lookup(current)
        return replace(current, status=target, lookup=lookup)

    try:
        store.update(KIND, project_id, job_id, mutate)
    except NotFound:
        return False
    return moved


def hold(project_id: str, job_id: str) -> bool:
    """Submitted -> Pause; False when the job was no longer Submitted."""
    return _move(project_id, job_id, "Submitted", "Pause")


def release(project_id: str, job_id: str) -> bool:
    """Pause -> Submitted, back in the waiting line (the caller sends the token)."""
    return _move(project_id, job_id, "Pause", "Submitted")


def hold_all(project_id: str, budget_s: float) -> bool:
    """Hold every Submitted job of the project; False when the budget ran out first."""
    ends, cursor = time.monotonic() + budget_s, None
    while True:
        page = store.list_page(KIND, project_id, status="Submitted", limit=BATCH, cursor=cursor)
        for record in page.records:
            hold(project_id, record.id)
        cursor = page.cursor
        if cursor is None:
            return True
        if time.monotonic() > ends:
            return False


def release_all(project_id: str, budget_s: float) -> bool:
    """Put the project's paused jobs back, in priority order, one token each; False when the
    budget ran out first."""
    ends = time.monotonic() + budget_s
    while True:
        batch = store.find_by_lookup(pause_key(project_id), limit=BATCH, ascending=True)
        moved = sum(release(project_id, r.id) for r in batch)
        if moved:
            wake(moved)
        if len(batch) < BATCH or not moved:
            return True
        if time.monotonic() > ends:
            return False
