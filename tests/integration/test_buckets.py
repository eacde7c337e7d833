"""Users' own buckets: authorizing with a real access check, revoking, listing, cross-project isolation."""

from __future__ import annotations

import json
import uuid
from typing import Any

from mediaflow.buckets.access import PROBE_PREFIX
from mediaflow.buckets.policy import bucket_policy
from mediaflow.settings import get_settings
from tests.integration.test_auth import create_project
from tests.support.aws import MotoStack
from tests.support.functions import load_function
from tests.support.lambda_events import FakeContext, api_event


def user_bucket(stack: MotoStack, project: str | None, name: str | None = None) -> str:
    """A bucket in moto; with ``project``, carrying the bucket policy the README tells users to apply."""
    bucket = name or f"user-{uuid.uuid4().hex[:12]}"
    s3 = stack.client("s3")
    s3.create_bucket(Bucket=bucket)
    if project:
        settings = get_settings()
        document = bucket_policy(bucket, project, settings.account_id, settings.stack_name)
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))
    return bucket


def call(function: str, method: str, resource: str, project: str, **kwargs: Any) -> tuple[int, Any]:
    event = api_event(method, resource, {"project_id": project}, project_id=project, **kwargs)
    response = load_function(function).lambda_handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"]) if response["body"] else None


def authority(project: str, bucket: str, operation: int | str) -> tuple[int, Any]:
    body = {"bucket": bucket, "operation": operation}
    return call("update_bucket_authority", "PUT", "/v1/{project_id}/authority", project, body=body)


def listed(project: str) -> dict[str, int]:
    status, body = call("list_buckets", "GET", "/v1/{project_id}/buckets", project)
    assert status == 200
    return {b["bucket"]: b["is_authorized"] for b in body["buckets"]}


def objects(project: str, **query: str) -> tuple[int, Any]:
    return call("list_bucket_objects", "GET", "/v1.0-ext/{project_id}/objects", project, query=query)


def test_grant_checks_access_and_leaves_no_probe_then_revoke(core_env: MotoStack) -> None:
    project, _ = create_project("buckets")
    bucket = user_bucket(core_env, project)
    assert authority(project, bucket, "1") == (200, {})
    assert listed(project) == {get_settings().bucket_name: 1, bucket: 1}
    s3 = core_env.client("s3")
    assert s3.list_objects_v2(Bucket=bucket, Prefix=PROBE_PREFIX).get("KeyCount", 0) == 0
    assert authority(project, bucket, 0) == (200, {})
    assert listed(project)[bucket] == 0
    assert authority(project, bucket, 1)[0] == 200  # granted again in place
    assert listed(project)[bucket] == 1


def test_refused_grants(core_env: MotoStack) -> None:
    project, _ = create_project("buckets-refused")
    status, body = authority(project, f"missing-{uuid.uuid4().hex[:8]}", 1)
    assert (status, body["error_code"]) == (400, "MPC.10202") and "does not exist" in body["error_msg"]
    no_policy = user_bucket(core_env, None)
    status, body = authority(project, no_policy, 1)
    assert (status, body["error_code"]) == (403, "MPC.10208")
    assert "bucket-policy" in body["error_msg"]
    status, body = authority(project, get_settings().bucket_name, 1)
    assert (status, body["error_code"]) == (400, "MPC.10202")
    assert authority(project, "Not_A_Bucket", 1)[1]["error_code"] == "MPC.10202"
    assert authority(project, no_policy, 7)[1]["error_code"] == "MPC.10202"
    assert authority(project, no_policy, 0)[1]["error_code"] == "MPC.10202"  # never authorized
    assert listed(project) == {get_settings().bucket_name: 1}


def test_a_bucket_meant_for_one_project_is_invisible_to_another(core_env: MotoStack) -> None:
    owner, _ = create_project("buckets-a")
    other, _ = create_project("buckets-b")
    bucket = user_bucket(core_env, owner)
    assert authority(owner, bucket, 1)[0] == 200
    status, body = authority(other, bucket, 1)  # its policy names the owner's project only
    assert (status, body["error_code"]) == (403, "MPC.10208")
    assert bucket not in listed(other)
    status, body = objects(other, bucket=bucket)
    assert (status, body["error_code"]) == (400, "MPC.10202")
    assert authority(other, bucket, 0)[1]["error_code"] == "MPC.10202"
    assert listed(owner)[bucket] == 1  # the other's attempts changed nothing


def test_one_bucket_belongs_to_one_project_at_a_time(core_env: MotoStack) -> None:
    first, _ = create_project("buckets-first")
    second, _ = create_project("buckets-second")
    bucket = user_bucket(core_env, first)
    settings = get_settings()
    both = bucket_policy(bucket, first, settings.account_id, settings.stack_name)
    both["Statement"] += bucket_policy(bucket, second, settings.account_id, settings.stack_name)["Statement"]
    core_env.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps(both))
    assert authority(first, bucket, 1)[0] == 200
    assert authority(second, bucket, 1)[1]["error_code"] == "MPC.10202"
    assert authority(first, bucket, 0)[0] == 200
    assert authority(second, bucket, 1)[0] == 200


def test_objects_of_an_authorized_bucket_and_of_the_media_bucket(core_env: MotoStack) -> None:
    project, _ = create_project("buckets-objects")
    bucket = user_bucket(core_env, project)
    s3 = core_env.client("s3")
    for key in ("in/a.mp4", "in/b.mov", "in/c.txt", "other/d.mp4", f"{PROBE_PREFIX}x/y"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"12345")
    status, body = objects(project, bucket=bucket)
    assert (status, body["error_code"]) == (400, "MPC.10202")  # not authorized yet
    authority(project, bucket, 1)
    status, body = objects(project, bucket=bucket, prefix="in/")
    assert status == 200
    assert [o["file_name"] for o in body["objects"]] == ["in/a.mp4", "in/b.mov", "in/c.txt"]
    assert body["objects"][0]["size"] == 5 and len(body["objects"][0]["last_modified"]) == 14
    _, body = objects(project, bucket=bucket, type="mp4,mov")
    assert [o["file_name"] for o in body["objects"]] == ["in/a.mp4", "in/b.mov", "other/d.mp4"]
    _, first = objects(project, bucket=bucket, prefix="in/", size="2")
    assert first["is_truncated"] == 1 and first["next_marker"] == "in/b.mov"
    _, rest = objects(project, bucket=bucket, prefix="in/", size="2", marker=first["next_marker"])
    assert [o["file_name"] for o in rest["objects"]] == ["in/c.txt"] and rest["is_truncated"] == 0
    assert objects(project, bucket=bucket, prefix="../x")[1]["error_code"] == "MPC.10202"
    media = get_settings().bucket_name
    s3.put_object(Bucket=media, Key=f"outputs/{project}/mine.mp4", Body=b"1")
    s3.put_object(Bucket=media, Key="outputs/someone-else/theirs.mp4", Body=b"1")
    _, body = objects(project, bucket=media)
    assert [o["file_name"] for o in body["objects"]] == [f"outputs/{project}/mine.mp4"]
    status, body = objects(project, bucket=media, prefix="outputs/someone-else/")
    assert (status, body["error_code"]) == (400, "MPC.10202")
    authority(project, bucket, 0)
    assert objects(project, bucket=bucket)[1]["error_code"] == "MPC.10202"  # revoked: refused at once


def test_smart_cover_outputs_go_to_an_authorized_bucket_only(core_env: MotoStack) -> None:
    from mediaflow.ci import locations
    from mediaflow.ci.models import OutputTarget
    from mediaflow.errors import ApiError

    project, _ = create_project("buckets-ci")
    bucket = user_bucket(core_env, project)
    target = OutputTarget(Region=get_settings().region, Bucket=bucket, Object="covers/c-${number}.jpg")
    try:
        locations.output_pattern(project, target, count=3, fmt="jpg", job_id="j1")
        raise AssertionError("an unauthorized bucket was accepted")
    except ApiError as exc:
        assert exc.code == "InvalidArgument" and "Operation.Output.Bucket" in exc.message
    authority(project, bucket, 1)
    assert (
        locations.output_pattern(project, target, count=3, fmt="jpg", job_id="j1") == "covers/c-${number}.jpg"
    )
    assert locations.output_bucket(project, target) == bucket
    assert locations.object_name(project, "covers/c-0.jpg", bucket) == "covers/c-0.jpg"
