"""Upload credentials: STS credentials that can write exactly one object key, VOD-encoded.

``UploadAddress`` = Base64(JSON {Endpoint, Bucket, FileName, Region}); ``UploadAuth`` =
Base64(JSON {AccessKeyId, AccessKeySecret, SecurityToken, Expiration, ExpireUTCTime, Region}).
The role's own policy allows uploads under ``uploads/``; the session policy passed to AssumeRole
narrows the credentials to one key and the calls a single PUT or a multipart upload needs.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mediaflow import aws, clock
from mediaflow.settings import get_settings

# CreateMultipartUpload, UploadPart and CompleteMultipartUpload are all authorised by s3:PutObject.
UPLOAD_ACTIONS = ("s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")


@dataclass(frozen=True)
class UploadCredentials:
    upload_address: str
    upload_auth: str
    expires_at: datetime


def session_policy(bucket: str, key: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "UploadThisObjectOnly",
                "Effect": "Allow",
                "Action": list(UPLOAD_ACTIONS),
                "Resource": f"arn:aws:s3:::{bucket}/{key}",
            }
        ],
    }


def _b64json(value: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(value, separators=(",", ":")).encode("utf-8")).decode("ascii")


def issue(video_id: str, key: str, bucket: str | None = None) -> UploadCredentials:
    """Credentials for ``key`` in the media bucket, or in ``bucket`` (authorized: its policy lets
    the upload role write, and this session policy narrows that to the one key)."""
    settings = get_settings()
    bucket = bucket or settings.bucket_name
    seconds = settings.upload_credential_seconds
    response = aws.client("sts").assume_role(
        RoleArn=settings.upload_role_arn,
        RoleSessionName=f"upload-{video_id}"[:64],
        Policy=json.dumps(session_policy(bucket, key), separators=(",", ":")),
        DurationSeconds=seconds,
    )
    creds = response["Credentials"]
    expires_at: datetime = creds["Expiration"]
    auth = {
        "AccessKeyId": creds["AccessKeyId"],
        "AccessKeySecret": creds["SecretAccessKey"],
        "SecurityToken": creds["SessionToken"],
        "Expiration": str(seconds),
        "ExpireUTCTime": clock.iso_z(expires_at),
        "Region": settings.region,
    }
    address = {
        "Endpoint": settings.s3_endpoint_for_clients,
        "Bucket": bucket,
        "FileName": key,
        "Region": settings.region,
    }
    return UploadCredentials(_b64json(address), _b64json(auth), expires_at)
