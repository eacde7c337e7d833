"""Bucket-level S3 calls (HeadBucket, GetBucketPolicy, ListBuckets, the bucket's notification
configuration), behind domain errors: what the bucket authorization (``buckets.grants``) needs to
check that Mediaflow really may use a bucket, and to hear of uploads into it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from mediaflow import aws
from mediaflow.errors import MediaflowError
from mediaflow.storage import keys

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


# The notification Mediaflow adds to an authorized bucket so uploads into it reach the upload path
# (the media bucket has the same one from the template). Other configurations are kept as found.
UPLOAD_NOTIFICATION_ID = "mediaflow-uploads"
UPLOAD_PREFIX = keys.UPLOADS


class NotificationRefused(MediaflowError):
    """S3 refused the bucket's notification configuration (not allowed, or overlapping rules)."""


def _rewrite_notifications(bucket: str, rule: dict[str, Any] | None) -> None:
    """Replace Mediaflow's upload rule in the bucket's configuration by ``rule`` (None: drop it)."""
    s3 = aws.client("s3")
    try:
        config = dict(s3.get_bucket_notification_configuration(Bucket=bucket))
        config.pop("ResponseMetadata", None)
        queues = config.get("QueueConfigurations", [])
        kept = [c for c in queues if c.get("Id") != UPLOAD_NOTIFICATION_ID]
        if rule is None and len(kept) == len(queues):
            return  # nothing of ours there
        config["QueueConfigurations"] = kept + ([rule] if rule else [])
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    except Exception as exc:
        if aws.error_code(exc):
            raise NotificationRefused(f"{aws.error_code(exc)}: {exc}") from exc
        raise


def watch_uploads(bucket: str, queue_arn: str) -> None:
    """Send the bucket's ObjectCreated events under ``uploads/`` to ``queue_arn`` (idempotent)."""
    rule = {
        "Id": UPLOAD_NOTIFICATION_ID,
        "QueueArn": queue_arn,
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": UPLOAD_PREFIX}]}},
    }
    _rewrite_notifications(bucket, rule)


def unwatch_uploads(bucket: str) -> None:
    """Remove Mediaflow's upload notification from the bucket, keeping every other one."""
    _rewrite_notifications(bucket, None)
