"""Crash recovery for every kind of job: a dead worker's job runs again, or ends.

A worker that dies (out of memory, a Lambda timeout, a killed process) stops its heartbeat. Two
things notice: the watchdog message armed at each claim (``runner.arm_watchdog``, delivered
``stale_after_s`` later: if the heartbeat is older than that, the job is recovered, otherwise the
message is re-armed for when it could next go stale), and a scheduled sweep of the running index
as a backstop. Recovering a job removes what its attempt left (``discard``) and puts it back in
its line at its old rank with a wake-up token, until ``max_attempts`` attempts died; then it ends
with the kind's ``lost`` failure. Each step is a conditional write on the dead attempt's
``claim_id``, so a watchdog and a sweep racing (or a duplicated message) recover a job once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mediaflow import clock
from mediaflow.errors import NotFound
from mediaflow.jobs import runner, waiting
from mediaflow.jobs.kind import J, JobKind
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.records.states import Kind
from mediaflow.settings import get_settings


def _silent_for(record: Record[Any]) -> float:
    beat = waiting.heartbeat_time(record.lookup)
    if beat is None:
        return 0.0
    return (clock.now() - clock.parse_key_time(beat)).total_seconds()


def recover(kind: JobKind[J], stale: Record[J]) -> str:
    """Put a dead attempt's job back in its line, or end it after its last attempt."""
    settings = get_settings().jobs
    dead = stale.doc.claim_id
    if stale.doc.attempt >= settings.max_attempts:
        lost = {"error_code": kind.lost.code, "error_message": kind.lost.message}
        final = runner.finish(kind, stale.project_id, stale.id, kind.failed, lost, claim_id=dead)
        if final.status == kind.failed and final.doc.claim_id == dead and kind.discard is not None:
            kind.discard(final)
        return str(final.status)
    if kind.discard is not None:
        kind.discard(stale)  # before it is back in the line: a new attempt starts from nothing
    return runner.requeue(kind, stale)


def check(kinds: Mapping[Kind, JobKind[Any]], body: str) -> str:
    """One watchdog message: recover the job if its attempt went silent, or look again later."""
    message = json.loads(body)
    kind = kinds.get(Kind(message["kind"]))
    if kind is None:
        return "unknown-kind"
    try:
        record = store.get(kind.model, str(message["project_id"]), str(message["id"]))
    except NotFound:
        return "gone"
    if record.status != kind.running or record.doc.claim_id != message.get("claim_id"):
        return "ended"
    stale_after = get_settings().jobs.stale_after_s
    silent = _silent_for(record)
    if silent >= stale_after:
        return recover(kind, record)
    runner.arm_watchdog(kind, record, delay_s=stale_after - silent)
    return "alive"


def sweep(kinds: Mapping[Kind, JobKind[Any]]) -> list[str]:
    """The scheduled backstop: recover every running job silent for longer than ``stale_after_s``."""
    cutoff = clock.key_time(clock.now_minus(get_settings().jobs.stale_after_s))
    outcomes = []
    for kind in kinds.values():
        for entry in waiting.stale_running(kind.model.KIND, cutoff):
            try:
                record = store.get(kind.model, entry.project_id, entry.id)
            except NotFound:
                continue
            if record.status == kind.running and _silent_for(record) >= get_settings().jobs.stale_after_s:
                outcomes.append(f"{record.project_id}/{record.id}:{recover(kind, record)}")
    return outcomes
