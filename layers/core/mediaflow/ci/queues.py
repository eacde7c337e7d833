"""The project's CI media queue (``p<32 hex>``): its state, its NotifyConfig, pause and resume.

Each project has exactly one queue, made on first use (a submit, or ``GET /queue``); its id is
derived from the project id, so it is found with one consistent read and two first uses cannot
make two queues. ``DescribeMediaQueues`` / ``UpdateMediaQueue`` follow CI.

Pause semantics (CI: "no new scheduling, queued jobs stay paused, running jobs unaffected"):
- State Paused: every Submitted job moves to Pause (out of the waiting line); a job submitted
  while paused is answered in state Pause; a worker that finds a job of a paused queue at the head
  of the line skips it and holds it too (closing the race with a concurrent submit). Running jobs
  finish. Cancel works on Submitted and Pause jobs.
- State Active: the paused jobs go back to Submitted in priority order, one token each.
Both sweeps run in the request for up to ``SWEEP_BUDGET_S``; a worker finishes a longer one.
After holding, the queue is read again: if it was resumed meanwhile, the held jobs are released.
"""

from __future__ import annotations

import uuid
from typing import Any

from mediaflow import clock
from mediaflow.api.ci_errors import invalid
from mediaflow.ci import pause_line, views
from mediaflow.ci.models import NotifySpec, QueueUpdate
from mediaflow.ci.records import CiQueueDoc, CoverJobDoc
from mediaflow.errors import Conflict, NotFound
from mediaflow.net import OutboundError, validate_url
from mediaflow.records import store
from mediaflow.records.model import Record, new_record
from mediaflow.records.states import QueueState
from mediaflow.settings import get_settings

_NAMESPACE = uuid.UUID("2d5b8f0e-7c41-4a8e-b6d3-9e1f0a2c4b57")
DEFAULT_NAME = "default"
CATEGORIES = ("CateAll", "Transcoding", "SpeedTranscoding")
SWEEP_BUDGET_S = 5.0
MAX_IDS = 10


def queue_id_for(project_id: str) -> str:
    return "p" + uuid.uuid5(_NAMESPACE, project_id).hex


def ensure(project_id: str) -> Record[CiQueueDoc]:
    """The project's queue, created Active on first use."""
    queue_id = queue_id_for(project_id)
    try:
        return store.get(CiQueueDoc, project_id, queue_id)
    except NotFound:
        pass
    record = new_record(CiQueueDoc(name=DEFAULT_NAME), project_id, queue_id, clock.key_time(clock.now()))
    try:
        return store.create(record)
    except Conflict:
        return store.get(CiQueueDoc, project_id, queue_id)


def is_paused(project_id: str) -> bool:
    return ensure(project_id).status == QueueState.PAUSED


def notify_config(queue: Record[CiQueueDoc]) -> NotifySpec:
    return queue.doc.notify


def _check_url(notify: NotifySpec | None) -> None:
    if notify is None or not notify.Url or notify.Type == "TDMQ":
        return
    try:
        validate_url(notify.Url, allow_loopback=get_settings().allow_loopback)
    except OutboundError as exc:
        raise invalid(f"NotifyConfig.Url: {exc.message}") from exc


def update(project_id: str, queue_id: str, request: QueueUpdate) -> Record[CiQueueDoc]:
    if queue_id != queue_id_for(project_id):
        raise invalid(f"QueueId {queue_id} does not exist")
    _check_url(request.NotifyConfig)
    ensure(project_id)

    def change(current: Record[CiQueueDoc]) -> Record[CiQueueDoc]:
        notify = request.NotifyConfig if request.NotifyConfig is not None else current.doc.notify
        return current.evolve(status=request.State, name=request.Name, notify=notify)

    updated = store.update(CiQueueDoc, project_id, queue_id, change)
    sweep(project_id, "hold" if updated.status == QueueState.PAUSED else "release", SWEEP_BUDGET_S)
    return store.get(CiQueueDoc, project_id, queue_id)


def sweep(project_id: str, action: str, budget_s: float) -> None:
    """Hold (queue Paused) or release (Active) the project's waiting jobs; a worker continues
    what does not fit in ``budget_s``."""
    if action == "hold":
        done = pause_line.hold_all(project_id, budget_s)
        if done and not is_paused(project_id):  # resumed while we were holding
            action, done = "release", pause_line.release_all(project_id, budget_s)
    else:
        done = pause_line.release_all(project_id, budget_s)
    if not done:
        pause_line.continue_later(project_id, action)


def hold(project_id: str, job_ids: list[str]) -> None:
    """Hold jobs found Submitted while their queue is Paused; release them again if the queue
    was resumed in between (its own sweep may have run before our hold)."""
    for job_id in dict.fromkeys(job_ids):
        pause_line.hold(project_id, job_id)
    if not is_paused(project_id):
        pause_line.release_all(project_id, SWEEP_BUDGET_S)


def admit(job: Record[CoverJobDoc]) -> Record[CoverJobDoc]:
    """A job just put in the waiting line: wake a worker, or hold it when the queue is paused."""
    if not is_paused(job.project_id):
        pause_line.wake()
        return job
    hold(job.project_id, [job.id])
    return store.get(CoverJobDoc, job.project_id, job.id)


def _page(value: str | None, name: str, default: int, high: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or not 1 <= int(value) <= high:
        raise invalid(f"{name} must be an integer in [1, {high}]")
    return int(value)


def describe(
    project_id: str,
    *,
    request_id: str,
    queue_ids: str | None,
    state: str | None,
    category: str | None,
    page_number: str | None,
    page_size: str | None,
) -> dict[str, Any]:
    """DescribeMediaQueues over the project's one queue."""
    number, size = _page(page_number, "pageNumber", 1, 100_000), _page(page_size, "pageSize", 10, 100)
    if state not in (None, "", "All", "Active", "Paused"):  # cos-python-sdk-v5 sends All by default
        raise invalid("state must be All, Active or Paused")
    if category not in (None, "", *CATEGORIES):
        raise invalid(f"category must be one of {', '.join(CATEGORIES)}")
    ids = [i.strip() for i in (queue_ids or "").split(",") if i.strip()]
    if len(ids) > MAX_IDS:
        raise invalid(f"queueIds accepts at most {MAX_IDS} ids")
    queue = ensure(project_id)
    matches = (
        (not ids or queue.id in ids)
        and state in (None, "", "All", queue.status)
        and category in (None, "", "CateAll", views.QUEUE_CATEGORY)
    )
    listed = [views.queue_view(queue)] if matches and number == 1 else []
    return {
        "RequestId": request_id,
        "TotalCount": str(1 if matches else 0),
        "PageNumber": str(number),
        "PageSize": str(size),
        "QueueList": listed,
        "NonExistPIDs": [i for i in dict.fromkeys(ids) if i != queue.id],
    }
