"""Settings of the CI family, read from the environment on every call (cheap; tests change them).

They live here rather than in ``mediaflow.settings`` so the package stays self-contained; the
shared settings (bucket, region, loopback callbacks, probe timeout) still come from there.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, Field


class CiSettings(BaseModel):
    model_config = {"populate_by_name": True, "extra": "ignore"}

    # Token queue of the SmartCover worker: each message means "a job is waiting".
    queue_url: str = Field("", alias="MEDIAFLOW_SMART_COVER_QUEUE_URL")
    # Largest request body accepted (a SmartCover request is well under 4 KiB).
    max_body_bytes: int = Field(64 * 1024, alias="MEDIAFLOW_CI_MAX_BODY_BYTES", ge=1024)
    # A Running job whose worker has been silent this long is failed by the reaper (the worker's
    # Lambda timeout is 300 s, so a live worker is never taken for a dead one).
    stale_after_s: float = Field(600.0, alias="MEDIAFLOW_SMART_COVER_STALE_AFTER_S", gt=0)
    # Seconds kept back from the invocation's remaining time for uploads and settling.
    safety_margin_s: float = Field(20.0, alias="MEDIAFLOW_SMART_COVER_MARGIN_S", ge=0)


def ci_settings() -> CiSettings:
    return CiSettings.model_validate(dict(os.environ))
