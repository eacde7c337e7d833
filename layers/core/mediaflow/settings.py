"""One settings model for every function, read from the environment when first asked for
(with the URL-ingest and CI groups nested in it).

Nothing reads ``os.environ`` at import time, so tests (and the local stack) can set the
environment before the first call.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

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


class CiSettings(BaseModel):
    model_config = {"populate_by_name": True, "extra": "ignore"}

    # Token queue of the SmartCover worker: each message means "a job is waiting".
    queue_url: str = Field("", alias="MEDIAFLOW_SMART_COVER_QUEUE_URL")
    # Largest request body accepted (a SmartCover request is well under 4 KiB).
    max_body_bytes: int = Field(64 * 1024, alias="MEDIAFLOW_CI_MAX_BODY_BYTES", ge=1024)
    # Seconds kept back from the invocation's remaining time for uploads and settling.
    safety_margin_s: float = Field(20.0, alias="MEDIAFLOW_SMART_COVER_MARGIN_S", ge=0)


class JobSettings(BaseModel):
    """The job runner's timing, shared by every kind of queued work."""

    model_config = {"populate_by_name": True, "extra": "ignore"}

    # A running job writes a heartbeat (with its progress) this often, and sees a cancel within it.
    heartbeat_s: float = Field(2.0, alias="MEDIAFLOW_HEARTBEAT_S", gt=0)
    # A running job silent this long is taken for dead (an out-of-memory kill, a timeout) and
    # put back in its line for another attempt; 15 heartbeats, so a slow write is never a death.
    stale_after_s: float = Field(30.0, alias="MEDIAFLOW_STALE_AFTER_S", gt=0)
    # Attempts of one job (the first included) before a dead worker fails it for good.
    max_attempts: int = Field(3, alias="MEDIAFLOW_JOB_MAX_ATTEMPTS", ge=1, le=10)
    # The watchdog queue: one delayed message per claim checks the job's heartbeat.
    watchdog_queue_url: str = Field("", alias="MEDIAFLOW_WATCHDOG_QUEUE_URL")
    # The function's memory (Lambda sets it), for the GB-seconds reported on jobs.
    function_memory_mb: int = Field(0, alias="AWS_LAMBDA_FUNCTION_MEMORY_SIZE", ge=0)
    # Lambda price per GB-second (x86, us-east-1, on-demand), for the cost reported on jobs.
    price_per_gb_s: float = Field(0.0000166667, alias="MEDIAFLOW_PRICE_PER_GB_S", ge=0)


class Settings(BaseModel):
    table_name: str = Field("mediaflow", alias="MEDIAFLOW_TABLE")
    bucket_name: str = Field("mediaflow-media", alias="MEDIAFLOW_BUCKET")
    events_topic_arn: str = Field("", alias="MEDIAFLOW_EVENTS_TOPIC_ARN")
    stage: str = Field("dev", alias="MEDIAFLOW_STAGE")
    # The deployment's account and stack: the bucket policy users apply names its roles.
    account_id: str = Field("123456789012", alias="MEDIAFLOW_ACCOUNT_ID")
    stack_name: str = Field("mediaflow", alias="MEDIAFLOW_STACK_NAME")
    region: str = Field("us-east-1", alias="AWS_REGION")
    upload_role_arn: str = Field("", alias="MEDIAFLOW_UPLOAD_ROLE_ARN")
    # Where an authorized bucket's upload notifications go (the grant writes them; see buckets.grants).
    upload_events_queue_arn: str = Field("", alias="MEDIAFLOW_UPLOAD_EVENTS_QUEUE_ARN")
    upload_credential_seconds: int = Field(3000, alias="MEDIAFLOW_UPLOAD_CREDENTIAL_SECONDS", ge=900, le=3600)
    # Where clients send uploads. Empty: the regional S3 endpoint. The local stack sets moto's URL.
    s3_public_endpoint: str = Field("", alias="MEDIAFLOW_S3_PUBLIC_ENDPOINT")
    cursor_key_arn: str = Field("", alias="MEDIAFLOW_CURSOR_KEY_ARN")  # mediaflow.cursors
    # A video whose source failed as non-media this many times is Damaged (RefreshUploadVideo refuses it).
    max_failed_uploads: int = Field(5, alias="MEDIAFLOW_MAX_FAILED_UPLOADS", ge=1)
    probe_timeout_s: float = Field(30.0, alias="MEDIAFLOW_PROBE_TIMEOUT_S", gt=0)
    # Browser origin allowed to read API answers (the console on its own origin); "" sends no header.
    cors_origin: str = Field("", alias="MEDIAFLOW_CORS_ORIGIN")
    # Only the local stack turns this on, so test receivers on 127.0.0.1 can get callbacks.
    allow_loopback: bool = Field(False, alias="MEDIAFLOW_ALLOW_LOOPBACK")
    # Callback delivery: success is a 2xx within the timeout; failures back off exponentially
    # (with jitter, capped) and keep trying for the whole window before the dead-letter queue.
    callback_timeout_s: float = Field(5.0, alias="MEDIAFLOW_CALLBACK_TIMEOUT_S", gt=0, le=30)
    callback_retry_base_s: float = Field(10.0, alias="MEDIAFLOW_CALLBACK_RETRY_BASE_S", gt=0)
    callback_retry_cap_s: float = Field(3600.0, alias="MEDIAFLOW_CALLBACK_RETRY_CAP_S", gt=0)
    callback_retry_window_s: float = Field(86400.0, alias="MEDIAFLOW_CALLBACK_RETRY_WINDOW_S", gt=0)
    callback_retry_queue_url: str = Field("", alias="MEDIAFLOW_CALLBACK_RETRY_QUEUE_URL")
    callback_dlq_url: str = Field("", alias="MEDIAFLOW_CALLBACK_DLQ_URL")
    # Transcoding: the token queue workers listen to, and how long an encode may take per source
    # second and rendition before a task is refused as too long for one function invocation.
    transcode_queue_url: str = Field("", alias="MEDIAFLOW_TRANSCODE_QUEUE_URL")
    # Long sources: the longest accepted, and how a task is split into chunks encoded in parallel
    # (see transcode/split_plan.py): at most ``transcode_parallel`` parts of one task in flight,
    # chunks of at least ``min_chunk_s``; ``transcode_split`` auto|always|never.
    max_source_seconds: float = Field(4 * 3600, alias="MEDIAFLOW_MAX_SOURCE_SECONDS", gt=0)
    transcode_parallel: int = Field(100, alias="MEDIAFLOW_TRANSCODE_PARALLEL", ge=1, le=1000)
    min_chunk_s: float = Field(6.0, alias="MEDIAFLOW_MIN_CHUNK_S", ge=2)
    transcode_split: Literal["auto", "always", "never"] = Field("auto", alias="MEDIAFLOW_TRANSCODE_SPLIT")
    # Concurrent writes while a split task's parts are made (each is its own transaction).
    plan_writers: int = Field(16, alias="MEDIAFLOW_PLAN_WRITERS", ge=1, le=64)
    # Threads of each ffmpeg (decode, filters, encoders); 0 lets ffmpeg choose (one per vCPU).
    ffmpeg_threads: int = Field(0, alias="MEDIAFLOW_FFMPEG_THREADS", ge=0, le=64)
    transcode_work_dir: str = Field("/tmp", alias="MEDIAFLOW_WORK_DIR")  # noqa: S108 - Lambda's scratch space
    # The KMS key that encrypts access key secrets (the vendors' SDK signatures need the secret).
    access_key_kms_key: str = Field("", alias="MEDIAFLOW_ACCESS_KEY_KMS_KEY")

    # Family-specific groups, read from the same environment.
    ingest: IngestSettings
    ci: CiSettings
    jobs: JobSettings

    model_config = {"populate_by_name": True, "extra": "ignore"}

    @property
    def s3_endpoint_for_clients(self) -> str:
        if self.s3_public_endpoint:
            return self.s3_public_endpoint
        return f"https://s3.{self.region}.amazonaws.com"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = dict(os.environ)
    env.setdefault("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    return Settings.model_validate({**env, "ingest": env, "ci": env, "jobs": env})


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
