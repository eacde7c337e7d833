"""``StorageLocation`` (CreateUploadVideo): which bucket an upload goes into.

VOD names a storage by its host (``outin-xxx.oss-cn-shanghai.aliyuncs.com``); here it is an S3
bucket, named by its bare name, its virtual-hosted host (``<bucket>.s3.<region>.amazonaws.com``) or
the path-style URL GetVideoInfo answers (``<endpoint>/<bucket>``). Empty: the media bucket. Any
other bucket must be one this project authorized whose grant set up its upload notification
(``buckets.access.upload_refusal``); everything else is VOD's ``InvalidStorage.NotFound``.
"""

from __future__ import annotations

import re

from mediaflow.buckets.access import upload_refusal
from mediaflow.errors import ApiError
from mediaflow.settings import get_settings

_VIRTUAL_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]+)\.s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com$")


def not_found(reason: str) -> ApiError:
    return ApiError(404, "InvalidStorage.NotFound", f"The StorageLocation does not exist: {reason}.")


def bucket_named(location: str) -> str:
    """The bucket a StorageLocation names (not yet checked)."""
    text = location.strip()
    text = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", text).rstrip("/")
    if "/" in text:  # the path-style URL GetVideoInfo answers: the bucket is its last segment
        text = text.rsplit("/", 1)[1]
    match = _VIRTUAL_HOST.match(text)
    return match["bucket"] if match else text


def upload_bucket(project_id: str, location: str | None) -> str | None:
    """None for the media bucket; the authorized bucket an upload may go into; else the VOD error."""
    if not location:
        return None
    bucket = bucket_named(location)
    if bucket == get_settings().bucket_name:
        return None
    require_uploads(project_id, bucket)
    return bucket


def require_uploads(project_id: str, bucket: str) -> None:
    """VOD's ``InvalidStorage.NotFound`` unless uploads may go into this authorized bucket now."""
    refusal = upload_refusal(project_id, bucket)
    if refusal:
        raise not_found(refusal)
