"""What a VOD client does with CreateUploadVideo's answer: an S3 client from the decoded
UploadAddress and UploadAuth (S3 stands where OSS stood: Endpoint, Region, Bucket, FileName)."""

from __future__ import annotations

from typing import Any

import boto3


def s3_for(address: dict[str, Any], auth: dict[str, Any]) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=address["Endpoint"],
        region_name=address["Region"],
        aws_access_key_id=auth["AccessKeyId"],
        aws_secret_access_key=auth["AccessKeySecret"],
        aws_session_token=auth["SecurityToken"],
    )
