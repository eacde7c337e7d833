"""The S3 operations the core performs on the media bucket: the only module (with the multipart
writer of ``storage.multipart``) that talks to S3. A missing object is ``errors.NotFound``."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

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


def _bucket() -> str:
    return get_settings().bucket_name


def head(key: str) -> ObjectHead:
    """The object's size and identity; ``NotFound`` when there is none."""
    try:
        found = aws.client("s3").head_object(Bucket=_bucket(), Key=key)
    except Exception as exc:
        if aws.error_code(exc) in _MISSING:
            raise NotFound(key) from exc
        raise
    return ObjectHead(
        key, int(found.get("ContentLength", 0)), str(found.get("ETag", "")), str(found.get("VersionId") or "")
    )


def presigned_get(key: str, *, version_id: str | None = None, expires_s: int = 900) -> str:
    """A short-lived GET URL, so ffprobe/ffmpeg read the object with range requests, not a copy."""
    params = {"Bucket": _bucket(), "Key": key}
    if version_id:
        params["VersionId"] = version_id
    return str(aws.client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=expires_s))


def md5_of(key: str, *, should_stop: Callable[[], bool] | None = None, chunk: int = 1 << 20) -> str:
    """The object's MD5 (hex), streamed in ``chunk``-sized reads: never the whole object in memory.
    Raises ``NotFound``; ``InterruptedError`` when ``should_stop()`` turns true mid-read."""
    try:
        body = aws.client("s3").get_object(Bucket=_bucket(), Key=key)["Body"]
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


def download_file(key: str, path: str) -> None:
    """Copy an object to a local file (small inputs such as watermark images); ``NotFound``."""
    try:
        aws.client("s3").download_file(_bucket(), key, path)
    except Exception as exc:
        if aws.error_code(exc) in _MISSING:
            raise NotFound(key) from exc
        raise


OWNER = "mediaflow-job"  # object metadata naming the job that wrote it (x-amz-meta-mediaflow-job)


def upload_file(path: str, key: str, content_type: str, *, owner: str | None = None) -> None:
    """Store a local file (multipart above boto3's threshold), marked with the job that wrote it."""
    extra: dict[str, object] = {"ContentType": content_type}
    if owner:
        extra["Metadata"] = {OWNER: owner}
    aws.client("s3").upload_file(path, _bucket(), key, ExtraArgs=extra)


def owner_of(key: str) -> str | None:
    """The job that wrote an object (``upload_file``'s ``owner``), None if none or no object."""
    try:
        found = aws.client("s3").head_object(Bucket=_bucket(), Key=key)
    except Exception as exc:
        if aws.error_code(exc) in _MISSING:
            return None
        raise
    return (found.get("Metadata") or {}).get(OWNER)


def delete_owned(keys: Iterable[str], owner: str) -> int:
    """Delete those of ``keys`` that ``owner`` wrote (a failed job never removes another's files)."""
    return delete_keys([k for k in dict.fromkeys(keys) if owner_of(k) == owner])


def list_keys(prefix: str) -> list[str]:
    """Every key under ``prefix``."""
    paginator = aws.client("s3").get_paginator("list_objects_v2")
    return [
        o["Key"]
        for page in paginator.paginate(Bucket=_bucket(), Prefix=prefix)
        for o in page.get("Contents", [])
    ]


def delete_keys(keys: Iterable[str]) -> int:
    """Delete objects (their current versions); returns how many were asked for."""
    wanted = list(dict.fromkeys(keys))
    s3 = aws.client("s3")
    for start in range(0, len(wanted), DELETE_BATCH):
        batch = [{"Key": k} for k in wanted[start : start + DELETE_BATCH]]
        s3.delete_objects(Bucket=_bucket(), Delete={"Objects": batch, "Quiet": True})
    return len(wanted)


def read_bytes(key: str, *, max_bytes: int) -> bytes:
    """A small object's content; ``NotFound`` when there is none, ``ValueError`` above ``max_bytes``."""
    s3 = aws.client("s3")
    try:
        answer = s3.get_object(Bucket=_bucket(), Key=key)
    except Exception as exc:
        if aws.error_code(exc) in _MISSING:
            raise NotFound(key) from exc
        raise
    if int(answer.get("ContentLength") or 0) > max_bytes:
        raise ValueError(f"{key} is larger than {max_bytes} bytes")
    return bytes(answer["Body"].read())


def put_bytes(key: str, data: bytes, content_type: str, *, cache_control: str | None = None) -> None:
    extra = {"CacheControl": cache_control} if cache_control else {}
    aws.client("s3").put_object(Bucket=_bucket(), Key=key, Body=data, ContentType=content_type, **extra)


def public_url(key: str) -> str:
    """Where the object lives, as a path-style URL (it is private: this names it, it grants nothing)."""
    settings = get_settings()
    return f"{settings.s3_endpoint_for_clients.rstrip('/')}/{settings.bucket_name}/{key}"
