"""The fields every job record carries, whatever its kind (``JobDoc``), owned by the runner.

A job kind's body subclasses ``JobDoc`` and adds its own request and result fields; the runner
writes only these: where the job waits (``rank``), which attempt holds it (``claim_id``,
``attempt``), how far it got (``progress``, ``start_time``, ``end_time``), why it failed
(``error_code``, ``error_message``, rendered in each family's own words by its views), and what it
cost (``compute_s``, ``gb_s``: billed duration and GB-seconds summed over every invocation).
"""

from __future__ import annotations

from mediaflow.records.model import RecordDoc


class JobDoc(RecordDoc):
    rank: int = 0  # place in the waiting line: lower runs first
    progress: int = 0  # 0-100
    start_time: str | None = None  # key time of the first claim
    end_time: str | None = None  # key time of the terminal state
    claim_id: str | None = None  # the attempt that holds the job; a zombie's writes are refused
    attempt: int = 0  # claims so far (crash recovery puts a job back at most max_attempts times)
    error_code: str | None = None
    error_message: str | None = None
    compute_s: float = 0.0
    gb_s: float = 0.0
