"""The waiting line of queued jobs, ordered by rank (priority) then age, shared by every worker.

A queued job carries an alternate key ``gsi3pk=WAITQ#<line>``, ``gsi3sk=<rank>#<created>#...``
where a lower rank is more urgent. Each SQS message is only a *token* ("there is work"): the
worker that receives one claims the most urgent waiting job with a conditional write, not the
job the token was sent for. So with a backlog, high priority always starts first, whatever order
SQS delivers tokens in, and a duplicate token can never start a job twice. A line may hold jobs
of several kinds (a task and the parts it was split into): the claim reads the kind of each entry.

A running job is indexed under ``RUNQ#<kind>`` by its last heartbeat, so the reaper finds the
silent ones with one query.
"""

from __future__ import annotations

from mediaflow import clock
from mediaflow.records import store
from mediaflow.records.model import LineEntry
from mediaflow.records.states import Kind

CANDIDATES = 10


def wait_key(line: str) -> str:
    return f"WAITQ#{line}"


def run_key(kind: Kind) -> str:
    return f"RUNQ#{kind.value}"


def waiting_lookup(line: str, rank: int, created_at: str, project_id: str, record_id: str) -> tuple[str, str]:
    return wait_key(line), f"{rank:02d}#{created_at}#{project_id}#{record_id}"


def running_lookup(kind: Kind, project_id: str, record_id: str) -> tuple[str, str]:
    """Running jobs are indexed by their last heartbeat, so a reaper finds the silent ones."""
    return run_key(kind), f"{clock.key_time(clock.now())}#{project_id}#{record_id}"


def heartbeat_time(lookup: tuple[str, str] | None) -> str | None:
    """The key time of a running job's last heartbeat (None when it is not running)."""
    if lookup is None or not lookup[0].startswith("RUNQ#"):
        return None
    return lookup[1].split("#", 1)[0]


def candidates(line: str) -> list[LineEntry]:
    """The most urgent waiting jobs of a line, most urgent first."""
    return store.line_entries(wait_key(line), limit=CANDIDATES)


def stale_running(kind: Kind, silent_since: str, *, limit: int = 50) -> list[LineEntry]:
    """Running jobs of a kind whose last heartbeat is older than ``silent_since`` (a key time)."""
    return store.line_entries(run_key(kind), limit=limit, below=silent_since)
