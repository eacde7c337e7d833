"""The S3 object operations of the core: the only module (with the multipart writer of
``storage.multipart`` and the bucket-level calls of ``storage.buckets``) that talks to S3. A missing
object is ``errors.NotFound``.

Every operation works on the media bucket unless ``bucket`` names another one: a bucket a project
authorized (``buckets.access``); callers never pass a bucket a user named without that check."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from mediaflow import aws
from mediaflow.errors import NotFound
from mediaflow.settings import get_settings

_MISSING = ("404", "NoSuchKey", "NotFound")
DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


@dataclass(frozen=True)
class ObjectHead:
    key: str
    size: int
    etag: str
    version_id: str


def _bucket(bucket: str | None = None) -> str:
    return bucket or get_settings().bucket_name


def head(key: str, *, bucket: str | None = None) -> ObjectHead:
    """The object's size and identity; ``NotFound`` when there is none."""
    try:
        found = aws.client("s3").head_object(Bucket=_bucket(bucket), Key=key)
    except Exception as exc:
        if aws.error_code(exc) in _MISSING:
            raise NotFound(key) from exc
        raise
    return ObjectHead(
        key, int(found.get("ContentLength", 0)), str(found.get("ETag", "")), str(found.get("VersionId") or "")
    )


def presigned_get(
    key: str, *, version_id: str | None = None, expires_s: int = 900, bucket: str | None = None
) -> str:
    """A short-lived GET URL, so ffprobe/ffmpeg read the object with range requests, not a copy."""
    params = {"Bucket": _bucket(bucket), "Key": key}
    if version_id:
        params["VersionId"] = version_id
    return str(aws.client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=expires_s))


def md5_of(
    key: str,
    *,
    should_stop: Callable[[], bool] | None = None,
    chunk: int = 1 << 20,
    bucket: str | None = None,
) -> str:
    """The object's MD5 (hex), streamed in ``chunk``-sized reads: never the whole object in memory.
    Raises ``NotFound``; ``InterruptedError`` when ``should_stop()`` turns true mid-read."""
    try:
        body = aws.client("s3").get_object(Bucket=_bucket(bucket), Key=key)["Body"]
    except Exception as exc:
        if aws.error_code(exc) in _MISSING:
            raise NotFound(key) from exc
        raise
    digest = hashlib.md5(usedforsecurity=False)
    try:
        for part in body.iter_chunks(chunk):
            digest.update(part)
            if should_stop is not None and should_stop():
                raise InterruptedError(key)
    finally:
        body.close()
    return digest.hexdigest()


def download_file(key: str, path: str, *, bucket: str | None = None) -> None:
    """Copy an object to a local file (small inputs such as watermark images); ``NotFound``."""
    try:
        aws.client("s3").download_file(_bucket(bucket), key, path)
    except Exception as exc:
        if aws.error_code(exc) in _MISSING:
            raise NotFound(key) from exc
        raise


OWNER = "mediaflow-job"  # object metadata naming the job that wrote it (x-amz-meta-mediaflow-job)


def upload_file(
    path: str, key: str, content_type: str, *, owner: str | None = None, bucket: str | None = None
) -> None:
    """Store a local file (multipart above boto3's threshold), marked with the job that wrote it."""
    extra: dict[str, object] = {"ContentType": content_type}
    if owner:
        extra["Metadata"] = {OWNER: owner}
    aws.client("s3").upload_file(path, _bucket(bucket), key, ExtraArgs=extra)


def owner_of(key: str, *, bucket: str | None = None) -> str | None:
    """The job that wrote an object (``upload_file``'s ``owner``), None if none or no object."""
    try:
        found = aws.client("s3").head_object(Bucket=_bucket(bucket), Key=key)
    except Exception as exc:
        if aws.error_code(exc) in _MISSING:
            return None
        raise
    return (found.get("Metadata") or {}).get(OWNER)


def delete_owned(keys: Iterable[str], owner: str, *, bucket: str | None = None) -> int:
    """Delete those of ``keys`` that ``owner`` wrote (a failed job never removes another's files)."""
    mine = [k for k in dict.fromkeys(keys) if owner_of(k, bucket=bucket) == owner]
    return delete_keys(mine, bucket=bucket)


def list_keys(prefix: str, *, bucket: str | None = None) -> list[str]:
    """Every key under ``prefix``."""
    paginator = aws.client("s3").get_paginator("list_objects_v2")
    return [
        o["Key"]
        for page in paginator.paginate(Bucket=_bucket(bucket), Prefix=prefix)
        for o in page.get("Contents", [])
    ]


@dataclass(frozen=True)
class Listed:
    key: str
    size: int
    last_modified: datetime


def list_page(
    prefix: str, *, bucket: str | None = None, after: str = "", limit: int = 100
) -> tuple[list[Listed], bool]:
    """Up to ``limit`` objects under ``prefix`` whose keys sort after ``after``; and whether more follow."""
    params: dict[str, object] = {"Bucket": _bucket(bucket), "Prefix": prefix, "MaxKeys": limit}
    if after:
        params["StartAfter"] = after
    found = aws.client("s3").list_objects_v2(**params)
    listed = [Listed(o["Key"], int(o.get("Size", 0)), o["LastModified"]) for o in found.get("Contents", [])]
    return listed, bool(found.get("IsTruncated"))


def delete_keys(keys: Iterable[str], *, bucket: str | None = None) -> int:
    """Delete objects (their current versions); returns how many were asked for."""
    wanted = list(dict.fromkeys(keys))
    s3 = aws.client("s3")
    for start in range(0, len(wanted), DELETE_BATCH):
        batch = [{"Key": k} for k in wanted[start : start + DELETE_BATCH]]
        s3.delete_objects(Bucket=_bucket(bucket), Delete={"Objects": batch, "Quiet": True})
    return len(wanted)


def read_bytes(key: str, *, bucket: str | None = None, max_bytes: int | None = None) -> bytes:
    """A small object's content; ``NotFound`` when there is none, ``ValueError`` above ``max_bytes``."""
    try:
        answer = aws.client("s3").get_object(Bucket=_bucket(bucket), Key=key)
    except Exception as exc:
        if aws.error_code(exc) in _MISSING:
            raise NotFound(key) from exc
        raise
    if max_bytes is not None and int(answer.get("ContentLength") or 0) > max_bytes:
        answer["Body"].close()
        raise ValueError(f"{key} is larger than {max_bytes} bytes")
    return bytes(answer["Body"].read())


def put_bytes(
    key: str,
    data: bytes,
    *,
    bucket: str | None = None,
    content_type: str | None = None,
    cache_control: str | None = None,
) -> None:
    extra = {"ContentType": content_type} if content_type else {}
    if cache_control:
        extra["CacheControl"] = cache_control
    aws.client("s3").put_object(Bucket=_bucket(bucket), Key=key, Body=data, **extra)


def public_url(key: str, *, bucket: str | None = None) -> str:
    """Where the object lives, as a path-style URL (it is private: this names it, it grants nothing)."""
    settings = get_settings()
    return f"{settings.s3_endpoint_for_clients.rstrip('/')}/{_bucket(bucket)}/{key}"
