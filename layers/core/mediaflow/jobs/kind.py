"""What a kind of queued work tells the runner: its record model, its states, how to run one job
and what to do once one has ended. A new task kind is one ``JobKind`` and a worker function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from mediaflow.jobs.model import JobDoc
from mediaflow.records.model import Record

if TYPE_CHECKING:
    from mediaflow.jobs.runner import Job

J = TypeVar("J", bound=JobDoc)


class JobFailed(Exception):
    """The job cannot succeed: ``code`` and ``message`` in its family's words, plus any result
    fields worth keeping (e.g. MPC's per-rendition details)."""

    def __init__(self, code: str, message: str, *, retryable: bool = False, **changes: Any) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.changes = code, message, changes
        self.retryable = retryable  # worth another attempt (for kinds that retry crashes)


@dataclass(frozen=True)
class HandedOff:
    """What ``run`` returns when the job goes on elsewhere (its parts): it stays running."""

    changes: dict[str, Any] = field(default_factory=dict)


class Skip(Exception):
    """Raised by ``JobKind.admit`` inside a claim: leave this job where it is, try the next one."""


@dataclass(frozen=True)
class Failure:
    code: str
    message: str


@dataclass(frozen=True)
class JobKind(Generic[J]):
    model: type[J]
    line: str  # the waiting line its jobs are claimed from
    waiting: str  # status while in the line
    running: str  # status while a worker holds it
    succeeded: str
    failed: str
    canceled: str
    # Runs one claimed job to its end: returns the body changes of a success (or HandedOff),
    # raises JobFailed.
    run: Callable[[Job[J]], dict[str, Any] | HandedOff]
    # The token queue whose messages wake this kind's workers.
    queue_url: Callable[[], str]
    crashed: Failure  # the run raised something unexpected
    lost: Failure  # the worker died on every attempt
    # Called with a job just claimed, before it runs (only on its first attempt): e.g. a start event.
    on_start: Callable[[Record[J]], None] | None = None
    # Called once with the terminal record by whoever wrote the terminal state: events, links.
    on_end: Callable[[Record[J]], None] | None = None
    # Called after each heartbeat with the progress written (e.g. into a parent's fan-in).
    on_beat: Callable[[Record[J], int], None] | None = None
    # Called inside the claim's conditional write: may raise Skip (a paused queue holds its jobs).
    admit: Callable[[Record[J]], None] | None = None
    # Called after a claim with the jobs ``admit`` skipped.
    on_skipped: Callable[[list[Record[J]]], None] | None = None
    # Removes what a failed or abandoned attempt left behind (partial outputs).
    discard: Callable[[Record[J]], None] | None = None
    cancelable: frozenset[str] = field(default_factory=frozenset)  # states a cancel may end
    # An unexpected exception puts the job back for another attempt (up to max_attempts) instead
    # of failing it: for work whose crash may be transient (a part of a split task).
    retry_crashes: bool = False

    @property
    def ended(self) -> frozenset[str]:
        return frozenset({self.succeeded, self.failed, self.canceled})
