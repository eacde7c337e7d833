"""The waiting line of queued jobs, ordered by priority then age, shared by every worker.

A queued job carries an alternate key ``gsi3pk=WAITQ#<KIND>``, ``gsi3sk=<rank>#<created>#...``
where a lower rank is more urgent. Each SQS message is only a *token* ("there is work"): the
worker that receives one claims the most urgent waiting job with a conditional write, not the
job the token was sent for. So with a backlog, high priority always starts first, whatever order
SQS delivers tokens in, and a duplicate token can never start a job twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace

from mediaflow import clock
from mediaflow.errors import Conflict, NotFound
from mediaflow.jobs import store
from mediaflow.jobs.states import Kind

CANDIDATES = 10


def wait_key(kind: Kind) -> str:
    return f"WAITQ#{kind.value}"


def run_key(kind: Kind) -> str:
    return f"RUNQ#{kind.value}"


def waiting_lookup(
    kind: Kind, rank: int, created_at: str, project_id: str, record_id: str
) -> tuple[str, str]:
    return wait_key(kind), f"{rank:02d}#{created_at}#{project_id}#{record_id}"


def running_lookup(kind: Kind, project_id: str, record_id: str) -> tuple[str, str]:
    """Running jobs are indexed by their last heartbeat, so a reaper finds the silent ones."""
    return run_key(kind), f"{clock.key_time(clock.now())}#{project_id}#{record_id}"


def claim(
    kind: Kind, running_status: str, start: Callable[[store.Record], store.Record]
) -> store.Record | None:
    """Move the most urgent waiting job to ``running_status``; None when nothing is waiting."""
    token = uuid.uuid4().hex  # tells our claim apart from a concurrent worker's
    for candidate in store.find_by_lookup(wait_key(kind), limit=CANDIDATES, ascending=True):

        def take(current: store.Record) -> store.Record | None:
            if current.lookup is None or current.lookup[0] != wait_key(kind):
                return None  # claimed, canceled or paused since the index was read
            started = start(current)
            return replace(
                started,
                status=running_status,
                lookup=running_lookup(kind, current.project_id, current.id),
                doc={**started.doc, "claim_id": token},
            )

        try:
            claimed = store.update(kind, candidate.project_id, candidate.id, take)
        except (Conflict, NotFound):
            continue
        if claimed.doc.get("claim_id") == token:
            return claimed
    return None
