"""Where a SmartCover job waits: the shared priority line, or its project's pause line.

- Submitted: in the waiting line (``jobs.waiting``, ``WAITQ#SMART_COVER``) with rank
  ``2 - JobLevel``, so JobLevel 2 is claimed before 1 before 0, then the oldest first. SQS
  messages are only tokens: a worker claims the most urgent waiting job, never "the job of the
  token", so a duplicate token cannot run a job twice.
- Pause: out of the waiting line (no worker can claim it) and in the project's pause line
  (``PAUSEQ#SMART_COVER#<project>``, same rank order), from which a resume puts jobs back in
  priority order, one token each.

Every move is a conditional state change (``records.store``), so a cancel racing a pause or a
resume leaves one consistent state.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

from mediaflow import queues
from mediaflow.ci.records import CoverJobDoc
from mediaflow.errors import NotFound
from mediaflow.jobs import waiting
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.records.states import CoverJobState, Kind
from mediaflow.settings import get_settings

KIND = Kind.SMART_COVER
LINE = KIND.value
TOKEN = json.dumps({"line": LINE})
BATCH = 100


def rank(job_level: int) -> int:
    return 2 - job_level


def waiting_lookup(record: Record[CoverJobDoc]) -> tuple[str, str]:
    return waiting.waiting_lookup(LINE, record.doc.rank, record.created_at, record.project_id, record.id)


def pause_key(project_id: str) -> str:
    return f"PAUSEQ#{KIND.value}#{project_id}"


def pause_lookup(record: Record[CoverJobDoc]) -> tuple[str, str]:
    return pause_key(record.project_id), f"{record.doc.rank:02d}#{record.created_at}#{record.id}"


def _send(bodies: list[str]) -> None:
    queues.send_all(get_settings().ci.queue_url, bodies)


def wake(count: int = 1) -> None:
    """``count`` tokens: each lets one worker claim the most urgent waiting job."""
    _send([TOKEN] * count)


def continue_later(project_id: str, action: str) -> None:
    """Hand a sweep that ran out of time to a worker (``cover_worker.handle_message``)."""
    _send([json.dumps({"line": LINE, "sweep": action, "project_id": project_id})])


def _move(project_id: str, job_id: str, source: str, target: str) -> bool:
    moved = False

    def mutate(current: Record[CoverJobDoc]) -> Record[CoverJobDoc] | None:
        nonlocal moved
        moved = False
        if current.status != source:
            return None
        moved = True
        lookup = pause_lookup(current) if target == CoverJobState.PAUSE else waiting_lookup(current)
        return replace(current, status=target, lookup=lookup)

    try:
        store.update(CoverJobDoc, project_id, job_id, mutate)
    except NotFound:
        return False
    return moved


def hold(project_id: str, job_id: str) -> bool:
    """Submitted -> Pause; False when the job was no longer Submitted."""
    return _move(project_id, job_id, CoverJobState.SUBMITTED, CoverJobState.PAUSE)


def release(project_id: str, job_id: str) -> bool:
    """Pause -> Submitted, back in the waiting line (the caller sends the token)."""
    return _move(project_id, job_id, CoverJobState.PAUSE, CoverJobState.SUBMITTED)


def hold_all(project_id: str, budget_s: float) -> bool:
    """Hold every Submitted job of the project; False when the budget ran out first."""
    ends, cursor = time.monotonic() + budget_s, None
    while True:
        page = store.list_page(
            CoverJobDoc, project_id, status=CoverJobState.SUBMITTED, limit=BATCH, cursor=cursor
        )
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
        batch = store.line_entries(pause_key(project_id), limit=BATCH)
        moved = sum(release(project_id, entry.id) for entry in batch)
        if moved:
            wake(moved)
        if len(batch) < BATCH or not moved:
            return True
        if time.monotonic() > ends:
            return False
