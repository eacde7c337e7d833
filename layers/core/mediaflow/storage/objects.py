"""The few S3 operations the core performs on the media bucket."""

from __future__ import annotations

from mediaflow import aws
from mediaflow.settings import get_settings


def presigned_get(key: str, *, version_id: str | None = None, expires_s: int = 900) -> str:
    """A short-lived GET URL, so ffprobe/ffmpeg read the object with range requests, not a copy."""
    params = {"Bucket": get_settings().bucket_name, "Key": key}
    if version_id:
        params["VersionId"] = version_id
    return str(aws.client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=expires_s))


def public_url(key: str) -> str:
    """Where the object lives, as a path-style URL (it is private: this names it, it grants nothing)."""
    settings = get_settings()
    return f"{settings.s3_endpoint_for_clients.rstrip('/')}/{settings.bucket_name}/{key}"
