"""Calling MPC routes in-process (the function's own handler, as API Gateway would) and running
the worker until a task ends: the helpers of the media-operation integration tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mediaflow import aws
from mediaflow.jobs import runner
from mediaflow.settings import get_settings
from tests.support.functions import load_function
from tests.support.lambda_events import FakeContext, api_event

WHERE = {"location": "us-east-1"}


def call(
    function: str,
    method: str,
    path: str,
    project: str,
    *,
    body: Any = None,
    query: dict[str, str] | None = None,
    multi: dict[str, list[str]] | None = None,
) -> tuple[int, Any]:
    event = api_event(
        method, "/v1/{project_id}" + path, {"project_id": project}, project_id=project, body=body, query=query
    )
    if multi:
        event["multiValueQueryStringParameters"] = multi
        event["queryStringParameters"] = {k: v[-1] for k, v in multi.items()}
    response = load_function(function).lambda_handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"]) if response["body"] else None


def put_source(project: str, path: Path, name: str | None = None) -> str:
    """Store a local file under the project's outputs prefix; returns the object key."""
    key = f"outputs/{project}/src/{name or path.name}"
    aws.client("s3").upload_file(str(path), get_settings().bucket_name, key)
    return key


def obs(key: str) -> dict[str, str]:
    return {"bucket": get_settings().bucket_name, **WHERE, "object": key}


def drain(kinds: list[Any], remaining_ms: int = 600_000) -> None:
    """Run the worker until the shared line is empty."""
    while runner.run_next(kinds, lambda: remaining_ms) != "idle":
        pass


def download(key: str, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    aws.client("s3").download_file(get_settings().bucket_name, key, str(dest))
    return dest


def keys(prefix: str) -> list[str]:
    listing = aws.client("s3").list_objects_v2(Bucket=get_settings().bucket_name, Prefix=prefix)
    return sorted(o["Key"] for o in listing.get("Contents", []))
