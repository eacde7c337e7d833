"""Bucket-level S3 calls (HeadBucket, GetBucketPolicy, ListBuckets), behind domain errors: what the
bucket authorization (``buckets.access``) needs to check that Mediaflow really may use a bucket."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from mediaflow import aws
from mediaflow.errors import MediaflowError

_MISSING = ("404", "NoSuchBucket", "NotFound")
_DENIED = ("403", "AccessDenied", "Forbidden", "AllAccessDisabled")


class BucketMissing(MediaflowError):
    """No bucket of that name exists."""


class BucketDenied(MediaflowError):
    """The bucket exists but Mediaflow's role may not use it."""


def _raise(exc: Exception, bucket: str) -> None:
    code = aws.error_code(exc)
    if code in _MISSING:
        raise BucketMissing(bucket) from exc
    if code in _DENIED:
        raise BucketDenied(bucket) from exc


def head(bucket: str) -> str:
    """HeadBucket: the bucket's region (empty when S3 does not say)."""
    try:
        found = aws.client("s3").head_bucket(Bucket=bucket)
    except Exception as exc:
        _raise(exc, bucket)
        raise
    headers = (found.get("ResponseMetadata") or {}).get("HTTPHeaders") or {}
    return str(found.get("BucketRegion") or headers.get("x-amz-bucket-region") or "")


def policy(bucket: str) -> dict[str, Any] | None:
    """The bucket policy as a document; None when the bucket has none or we may not read it."""
    try:
        text = aws.client("s3").get_bucket_policy(Bucket=bucket)["Policy"]
    except Exception as exc:
        if aws.error_code(exc) in ("NoSuchBucketPolicy", *_DENIED):
            return None
        _raise(exc, bucket)
        raise
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def creation_dates() -> dict[str, datetime]:
    """The creation time of every bucket of this account (ListBuckets); {} when not allowed."""
    try:
        listed = aws.client("s3").list_buckets().get("Buckets", [])
    except Exception as exc:
        if aws.error_code(exc) in _DENIED:
            return {}
        raise
    return {str(b["Name"]): b["CreationDate"] for b in listed if "CreationDate" in b}
