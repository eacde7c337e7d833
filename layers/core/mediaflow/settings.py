"""One settings model for every function, read from the environment when first asked for.

Nothing reads ``os.environ`` at import time, so tests (and the local stack) can set the
environment before the first call.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    table_name: str = Field("mediaflow", alias="MEDIAFLOW_TABLE")
    bucket_name: str = Field("mediaflow-media", alias="MEDIAFLOW_BUCKET")
    events_topic_arn: str = Field("", alias="MEDIAFLOW_EVENTS_TOPIC_ARN")
    stage: str = Field("dev", alias="MEDIAFLOW_STAGE")
    region: str = Field("us-east-1", alias="AWS_REGION")
    upload_role_arn: str = Field("", alias="MEDIAFLOW_UPLOAD_ROLE_ARN")
    upload_credential_seconds: int = Field(3000, alias="MEDIAFLOW_UPLOAD_CREDENTIAL_SECONDS", ge=900, le=3600)
    # Where clients send uploads. Empty: the regional S3 endpoint. The local stack sets moto's URL.
    s3_public_endpoint: str = Field("", alias="MEDIAFLOW_S3_PUBLIC_ENDPOINT")
    # A video whose source failed as non-media this many times is Damaged (RefreshUploadVideo refuses it).
    max_failed_uploads: int = Field(5, alias="MEDIAFLOW_MAX_FAILED_UPLOADS", ge=1)
    probe_timeout_s: float = Field(30.0, alias="MEDIAFLOW_PROBE_TIMEOUT_S", gt=0)
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
    transcode_seconds_per_source_second: float = Field(0.5, alias="MEDIAFLOW_TRANSCODE_COST", gt=0)
    transcode_work_dir: str = Field("/tmp", alias="MEDIAFLOW_WORK_DIR")  # noqa: S108 - Lambda's scratch space
    # A running task whose worker has been silent this long is failed by the reaper.
    transcode_stale_after_s: float = Field(1200.0, alias="MEDIAFLOW_TRANSCODE_STALE_AFTER_S", gt=0)

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
    return Settings.model_validate(env)


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
