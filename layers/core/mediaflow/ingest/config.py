"""Settings of URL ingest, read from the environment on every call (cheap; tests change them).

They live here rather than in ``mediaflow.settings`` so the ingest package stays self-contained;
``allow_loopback`` is the shared outbound-HTTP setting and still comes from there.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, Field

GIB = 1 << 30
MIB = 1 << 20
S3_MIN_PART = 5 * MIB  # S3 refuses smaller parts (except the last one)
S3_MAX_PARTS = 10_000


class IngestSettings(BaseModel):
    model_config = {"populate_by_name": True, "extra": "ignore"}

    fetch_queue_url: str = Field("", alias="MEDIAFLOW_URL_FETCH_QUEUE_URL")
    # Largest source accepted; longer bodies fail SourceTooLarge (checked on Content-Length too).
    max_bytes: int = Field(20 * GIB, alias="MEDIAFLOW_URL_MAX_BYTES", ge=1)
    # Wall-clock budget of one job (DNS to the last part), kept below the worker's 900 s timeout.
    deadline_s: float = Field(840.0, alias="MEDIAFLOW_URL_FETCH_DEADLINE_S", gt=0)
    # Multipart part size; raised automatically so that max_bytes fits in 10,000 parts.
    part_bytes: int = Field(16 * MIB, alias="MEDIAFLOW_URL_PART_BYTES", ge=S3_MIN_PART)
    # Transient failures (connect, reset, timeout of one read, 408/429/5xx) are retried this many
    # times inside the invocation, waiting retry_base_s * 2^n (with jitter) in between.
    retries: int = Field(3, alias="MEDIAFLOW_URL_FETCH_RETRIES", ge=0, le=10)
    retry_base_s: float = Field(1.0, alias="MEDIAFLOW_URL_FETCH_RETRY_BASE_S", ge=0)
    # Receives of one fetch message before SQS dead-letters it (the queue's maxReceiveCount).
    max_receives: int = Field(3, alias="MEDIAFLOW_URL_FETCH_MAX_RECEIVES", ge=1)
    # A SessionId cannot be used again within this window (VOD: 10 minutes).
    session_window_s: int = Field(600, alias="MEDIAFLOW_URL_SESSION_WINDOW_S", ge=1)

    def part_size_for(self, max_bytes: int) -> int:
        """The part size that fits ``max_bytes`` into S3's 10,000 parts, in whole MiB."""
        needed = -(-max_bytes // S3_MAX_PARTS)
        return max(self.part_bytes, -(-needed // MIB) * MIB)


def ingest_settings() -> IngestSettings:
    return IngestSettings.model_validate(dict(os.environ))
