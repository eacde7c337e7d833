"""The one job runner: claim -> heartbeat/progress/cancel -> run -> finish -> event.

``run_next`` claims the most urgent waiting job of a line with a conditional write (a new
``claim_id`` per attempt), arms the watchdog (``recovery``), and runs it under a heartbeat: a
thread that every ``heartbeat_s`` writes the job's progress and its running-index key, and reads
its state back - so a cancel (or a takeover after this worker was given up for dead) is seen
within one heartbeat, whatever the work is doing. Every way out ends the job: a success, a
``JobFailed`` with the family's code, a crash (the kind's ``crashed`` failure), or a cancel that
already ended it. Only the attempt holding the claim can settle it, so a zombie's late write is
refused. Whoever writes a terminal state (a worker, a cancel, the reaper) calls the kind's
``on_end`` once, which publishes its event.

Cost: the wall time of the invocation's work and its memory size are added to the job
(``compute_s``, ``gb_s``) when it settles.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Generic

from mediaflow import clock, queues
from mediaflow.errors import Conflict, NotFound
from mediaflow.jobs import cost, waiting
from mediaflow.jobs.kind import HandedOff, J, JobFailed, JobKind, Skip
from mediaflow.observability import logger, tracer_span
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.settings import get_settings

CLAIM_ROUNDS = 3  # rounds of claiming when every candidate was skipped (and thereby moved aside)


class Job(Generic[J]):
    """A claimed job as its work sees it: the record, the time left, progress and stop signals."""

    def __init__(self, kind: JobKind[J], record: Record[J], remaining_ms: Callable[[], int]) -> None:
        self.kind, self.record, self._remaining_ms = kind, record, remaining_ms
        self.percent, self.started = 0, time.monotonic()
        self.stopped = threading.Event()  # canceled, or the claim was taken over
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._beat_loop, name=f"heartbeat-{record.id}", daemon=True)

    @property
    def claim_id(self) -> str:
        return self.record.doc.claim_id or ""

    def remaining_s(self) -> float:
        return self._remaining_ms() / 1000

    def progress(self, percent: float) -> None:
        """Record progress (0-99 while running); the next heartbeat writes it."""
        self.percent = max(self.percent, min(99, int(percent)))

    def should_stop(self) -> bool:
        return self.stopped.is_set()

    def beat(self) -> None:
        """Write progress and the heartbeat now; notice a cancel or a takeover."""
        kind, mine = self.kind, self.claim_id

        def mutate(current: Record[J]) -> Record[J] | None:
            if current.status != kind.running or current.doc.claim_id != mine:
                self.stopped.set()
                return None
            lookup = waiting.running_lookup(kind.model.KIND, current.project_id, current.id)
            return replace(current.evolve(progress=max(current.doc.progress, self.percent)), lookup=lookup)

        try:
            written = store.update(kind.model, self.record.project_id, self.record.id, mutate)
            if kind.on_beat is not None and not self.stopped.is_set():
                kind.on_beat(written, written.doc.progress)
        except NotFound:
            self.stopped.set()
        except Conflict:
            pass  # a concurrent writer (a cancel): the next beat reads what it wrote

    def _beat_loop(self) -> None:
        every = get_settings().jobs.heartbeat_s
        while not self._halt.wait(every):
            try:
                self.beat()
            except Exception:  # a failed heartbeat is retried at the next one
                logger.warning("heartbeat failed", extra={"job_id": self.record.id}, exc_info=True)

    def __enter__(self) -> Job[J]:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._halt.set()
        self._thread.join(10)


def claim(kinds: Sequence[JobKind[Any]]) -> tuple[JobKind[Any], Record[Any]] | None:
    """Claim the most urgent waiting job of the kinds' shared line (None when nothing waits)."""
    by_kind = {k.model.KIND: k for k in kinds}
    line = kinds[0].line
    for _ in range(CLAIM_ROUNDS):
        skipped: dict[JobKind[Any], list[Record[Any]]] = {}
        claimed = None
        for entry in waiting.candidates(line):
            kind = by_kind.get(entry.kind)
            if kind is None:
                continue
            claimed = _take(kind, entry.project_id, entry.id, skipped)
            if claimed is not None:
                break
        for kind, records in skipped.items():
            if kind.on_skipped:
                kind.on_skipped(records)
        if claimed is not None:
            return claimed
        if not skipped:
            return None
    return None


def _take(
    kind: JobKind[J], project_id: str, record_id: str, skipped: dict[JobKind[Any], list[Record[Any]]]
) -> tuple[JobKind[J], Record[J]] | None:
    token = uuid.uuid4().hex  # tells our claim apart from a concurrent worker's
    wait_key = waiting.wait_key(kind.line)

    def take(current: Record[J]) -> Record[J] | None:
        if current.status != kind.waiting or current.lookup is None or current.lookup[0] != wait_key:
            return None  # claimed, canceled or paused since the line was read
        if kind.admit is not None:
            try:
                kind.admit(current)
            except Skip:
                skipped.setdefault(kind, []).append(current)
                return None
        now = clock.key_time(clock.now())
        started = current.evolve(
            status=kind.running,
            claim_id=token,
            attempt=current.doc.attempt + 1,
            progress=0,
            start_time=current.doc.start_time or now,
        )
        return replace(started, lookup=waiting.running_lookup(kind.model.KIND, project_id, record_id))

    try:
        claimed = store.update(kind.model, project_id, record_id, take)
    except (Conflict, NotFound):
        return None
    return (kind, claimed) if claimed.doc.claim_id == token and claimed.status == kind.running else None


def run_next(kinds: Sequence[JobKind[Any]], remaining_ms: Callable[[], int]) -> str:
    """Claim the most urgent waiting job of the kinds' shared line and run it to its end."""
    claimed = claim(kinds)
    if claimed is None:
        return "idle"
    kind, record = claimed
    return _run(kind, record, remaining_ms)


def run_now(kind: JobKind[J], project_id: str, record_id: str, remaining_ms: Callable[[], int]) -> str | None:
    """Claim this one waiting job (not the line's most urgent) and run it here, for an API call
    that answers synchronously; None when a worker claimed it first."""
    claimed = _take(kind, project_id, record_id, {})
    return None if claimed is None else _run(kind, claimed[1], remaining_ms)


def _run(kind: JobKind[J], record: Record[J], remaining_ms: Callable[[], int]) -> str:
    began = time.monotonic()
    arm_watchdog(kind, record)
    if record.doc.attempt == 1 and kind.on_start is not None:
        kind.on_start(record)
    context = {"job_id": record.id, "kind": kind.model.KIND.value, "attempt": record.doc.attempt}
    logger.info("job claimed", extra=context)
    status, changes, crashed = kind.failed, {}, False
    with Job(kind, record, remaining_ms) as job, tracer_span(f"run {kind.model.KIND.value}"):
        try:
            outcome = kind.run(job)
            if isinstance(outcome, HandedOff):
                return _hand_off(kind, job, outcome.changes, time.monotonic() - began)
            changes, status = outcome, kind.succeeded
        except JobFailed as exc:
            changes = {**exc.changes, "error_code": exc.code, "error_message": exc.message}
            crashed = exc.retryable
        except Exception as exc:
            logger.exception("job crashed", extra=context)
            message = f"{kind.crashed.message} ({type(exc).__name__}: {str(exc)[:200]})"
            changes = {"error_code": kind.crashed.code, "error_message": message}
            crashed = True
    elapsed = time.monotonic() - began
    if crashed and kind.retry_crashes and record.doc.attempt < get_settings().jobs.max_attempts:
        return requeue(kind, job.record, cost_s=elapsed)  # a crash may be transient: another attempt
    final = finish(kind, record.project_id, record.id, status, changes, claim_id=job.claim_id, cost_s=elapsed)
    mine = final.doc.claim_id == job.claim_id
    if kind.discard is not None and mine and final.status in (kind.failed, kind.canceled):
        kind.discard(final)  # only the attempt that held it: a zombie never deletes a live one's files
    logger.info("job ended", extra={**context, "status": final.status, "seconds": round(elapsed, 3)})
    return str(final.status)


def _hand_off(kind: JobKind[J], job: Job[J], changes: dict[str, Any], seconds: float) -> str:
    """The job goes on elsewhere (e.g. in parts of its own): it stays running, out of the running
    index (the parts carry the heartbeats now), without a claim, its cost so far recorded."""
    mine = job.claim_id

    def release(current: Record[J]) -> Record[J] | None:
        if current.status != kind.running or current.doc.claim_id != mine:
            return None
        fields = {**changes, **cost_changes(current.doc, seconds), "claim_id": None}
        return replace(current.evolve(**fields), lookup=None)

    final = store.update(kind.model, job.record.project_id, job.record.id, release)
    logger.info("job handed off", extra={"job_id": job.record.id, "status": final.status})
    return "handed-off"


def requeue(kind: JobKind[J], stale: Record[J], *, cost_s: float = 0.0) -> str:
    """Put an attempt's job back in its line at its old rank (and wake a worker); a no-op unless
    that attempt still holds it. Returns "requeued" or the job's status."""
    dead = stale.doc.claim_id

    def back(current: Record[J]) -> Record[J] | None:
        if current.status != kind.running or current.doc.claim_id != dead:
            return None
        line = waiting.waiting_lookup(
            kind.line, current.doc.rank, current.created_at, current.project_id, current.id
        )
        fields = {**cost_changes(current.doc, cost_s), "claim_id": None, "progress": 0}
        return replace(current.evolve(status=kind.waiting, **fields), lookup=line)

    requeued = store.update(kind.model, stale.project_id, stale.id, back)
    if requeued.status == kind.waiting and requeued.version != stale.version:
        wake(kind)
        logger.warning(
            "job requeued for another attempt",
            extra={"job_id": stale.id, "kind": kind.model.KIND.value, "attempt": stale.doc.attempt},
        )
        return "requeued"
    return str(requeued.status)


def cost_changes(doc: Any, seconds: float) -> dict[str, float]:
    """The body changes that add one invocation's billed time to a job's cost."""
    return _cost(doc.compute_s, doc.gb_s, seconds)


def _cost(compute_s: float, gb_s: float, seconds: float) -> dict[str, float]:
    return cost.charge(compute_s, gb_s, seconds)


def end(
    kind: JobKind[J],
    project_id: str,
    record_id: str,
    status: str,
    changes: dict[str, Any],
    *,
    claim_id: str | None = None,
    only_from: frozenset[str] | None = None,
    cost_s: float = 0.0,
) -> tuple[Record[J], bool]:
    """End a job that has not ended (held by ``claim_id``, in one of ``only_from``, when given);
    the call that ends it calls ``on_end`` once. Returns the record as it stands and whether this
    call ended it."""
    ended = False

    def settle(current: Record[J]) -> Record[J] | None:
        nonlocal ended
        ended = False
        if current.status in kind.ended or (claim_id is not None and current.doc.claim_id != claim_id):
            return None
        if only_from is not None and current.status not in only_from:
            return None
        ended = True
        fields = {**changes, "end_time": clock.key_time(clock.now())}
        fields |= _cost(
            fields.get("compute_s", current.doc.compute_s), fields.get("gb_s", current.doc.gb_s), cost_s
        )
        if status == kind.succeeded:
            fields["progress"] = 100
        return replace(current.evolve(status=status, **fields), lookup=None)

    final = store.update(kind.model, project_id, record_id, settle)
    if ended and kind.on_end is not None:
        kind.on_end(final)
    return final, ended


def finish(
    kind: JobKind[J],
    project_id: str,
    record_id: str,
    status: str,
    changes: dict[str, Any],
    *,
    claim_id: str | None = None,
    cost_s: float = 0.0,
) -> Record[J]:
    """``end`` for a worker or the reaper: the record as it stands afterwards."""
    return end(kind, project_id, record_id, status, changes, claim_id=claim_id, cost_s=cost_s)[0]


def cancel(kind: JobKind[J], project_id: str, record_id: str, message: str) -> Record[J]:
    """End a job in one of ``kind.cancelable`` as canceled (a running one stops within a heartbeat).
    ``Conflict`` when it is in another state, ``NotFound`` when it does not exist."""

    changes = {"error_message": message}
    final, ended = end(kind, project_id, record_id, kind.canceled, changes, only_from=kind.cancelable)
    if not ended:
        raise Conflict(str(final.status))
    return final


def wake(kind: JobKind[Any], count: int = 1) -> None:
    """``count`` tokens: each lets one worker claim the most urgent waiting job of the line."""
    queues.send_all(kind.queue_url(), [json.dumps({"line": kind.line})] * count)


def watchdog_message(kind: JobKind[Any], record: Record[Any]) -> str:
    return json.dumps(
        {
            "kind": kind.model.KIND.value,
            "project_id": record.project_id,
            "id": record.id,
            "claim_id": record.doc.claim_id,
        }
    )


def arm_watchdog(kind: JobKind[Any], record: Record[Any], delay_s: float | None = None) -> None:
    """A delayed message that checks this attempt's heartbeat once it could have gone stale
    (``recovery.check``): a dead worker is found within ``stale_after_s`` plus one delivery."""
    settings = get_settings().jobs
    if not settings.watchdog_queue_url:
        return  # no watchdog (a unit test): the scheduled sweep still finds silent jobs
    delay = settings.stale_after_s + 1 if delay_s is None else delay_s
    queues.send_all(settings.watchdog_queue_url, [watchdog_message(kind, record)], delay_s=int(delay) + 1)
