"""boto3 clients, created once per process and only when first used.

boto3 honours ``AWS_ENDPOINT_URL`` by itself, so no endpoint is ever passed here: the same code
talks to AWS in Lambda and to moto on the local stack.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import boto3  # imported lazily: it is the largest part of a cold start
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)
    if service == "s3":
        config = config.merge(Config(signature_version="s3v4"))
    return boto3.client(service, config=config)  # type: ignore[call-overload]  # service is a runtime name


def reset_clients() -> None:
    """Drop cached clients (tests switch endpoints between moto servers)."""
    client.cache_clear()


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError, '' for anything else."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""
