"""Tencent's own SDK (cos-python-sdk-v5, unchanged) against the local stack: only the endpoint (the
CI host suffix on the gateway's port) and the keys change. SmartCover jobs (seed 002: create,
describe, list, cancel), templates and queues through the host-style ``<Bucket>.<endpoint>`` routes;
errors parse into CosServiceError with Code/Message/Resource/RequestId; an operation Mediaflow lacks
is ``NotImplemented``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from qcloud_cos.cos_exception import CosServiceError

from tests.e2e.conftest import Api, Project
from tests.support.clips import make_clip
from tests.support.sdks import CI_ENDPOINT, ci_client, next_second

DONE = ("Success", "Failed", "Cancel")


@pytest.fixture(scope="module")
def project(api: Api, clip_dir: Path) -> Project:
    created = api.new_project("e2e-sdk-tencent")
    key = f"outputs/{created.project_id}/input/sdk.mp4"
    api.aws("s3").upload_file(str(make_clip(clip_dir, seconds=3)), api.ref("MediaBucket"), key)
    return created


@pytest.fixture(scope="module")
def ci(api: Api, project: Project) -> Any:
    return ci_client(api.endpoint, project.access_key_id, project.access_key_secret)


def smart_cover_job(bucket: str, **operation: Any) -> dict[str, Any]:
    """Seed 002's request, naming this deployment's bucket and region."""
    return {
        "Tag": "SmartCover",
        "Input": {"Object": "input/sdk.mp4"},
        "Operation": {
            "SmartCover": {"Format": "jpg", "Width": "320", "Count": "2", "DeleteDuplicates": "true"},
            "Output": {"Region": "us-east-1", "Bucket": bucket, "Object": "sdk/cover-${number}.jpg"},
            "JobLevel": "2",
            **operation,
        },
        "CallBack": "no",
    }


def wait_job(ci: Any, bucket: str, job_id: str, timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        (job,) = ci.ci_get_media_jobs(Bucket=bucket, JobIDs=job_id)["JobsDetail"]
        if job["State"] in DONE or time.monotonic() > deadline:
            return dict(job)
        time.sleep(1)


def test_seed_002_smart_cover_job_runs_and_is_described_and_listed(api: Api, ci: Any) -> None:
    bucket = api.ref("MediaBucket")
    created = ci.ci_create_media_jobs(Bucket=bucket, Jobs=smart_cover_job(bucket), Lst={})
    (submitted,) = created["JobsDetail"]
    assert submitted["State"] == "Submitted" and submitted["Tag"] == "SmartCover"
    job = wait_job(ci, bucket, submitted["JobId"])
    assert job["State"] == "Success", job
    names = job["Operation"]["MediaResult"]["OutputFile"]["ObjectName"]
    names = names if isinstance(names, list) else [names]
    assert [n.endswith(".jpg") for n in names] == [True] * len(names) and 1 <= len(names) <= 2
    listed = ci.ci_list_media_jobs(Bucket=bucket, Tag="SmartCover", States="Success", Size=10)
    assert submitted["JobId"] in [j["JobId"] for j in listed["JobsDetail"]]
    both = ci.ci_get_media_jobs(Bucket=bucket, JobIDs=f"{submitted['JobId']},j{'0' * 31}")
    assert both["NonExistJobIds"] == f"j{'0' * 31}"


def test_queue_pause_cancel_resume_and_templates(api: Api, ci: Any) -> None:
    bucket = api.ref("MediaBucket")
    (queue,) = ci.ci_get_media_queue(Bucket=bucket)["QueueList"]
    paused = {"Name": queue["Name"], "State": "Paused", "NotifyConfig": {"State": "Off"}}
    assert (
        ci.ci_update_media_queue(Bucket=bucket, QueueId=queue["QueueId"], Request=paused)["Queue"][0]["State"]
        == "Paused"
    )
    (waiting,) = ci.ci_create_media_jobs(Bucket=bucket, Jobs=smart_cover_job(bucket), Lst={})["JobsDetail"]
    assert waiting["State"] == "Pause"
    assert ci.ci_cancel_jobs(Bucket=bucket, JobID=waiting["JobId"]) == ""
    assert wait_job(ci, bucket, waiting["JobId"])["State"] == "Cancel"
    active = {**paused, "State": "Active"}
    next_second()  # q-sign signs no body: the same PUT path within one second is a replay
    assert (
        ci.ci_update_media_queue(Bucket=bucket, QueueId=queue["QueueId"], Request=active)["Queue"][0]["State"]
        == "Active"
    )

    template = {"Tag": "SmartCover", "Name": "sdk-covers", "SmartCover": {"Format": "png", "Count": "3"}}
    made = ci.ci_create_template(Bucket=bucket, Template=template)["Template"]
    assert made["Name"] == "sdk-covers" and made["TemplateId"]
    found = ci.ci_get_template(Bucket=bucket, Ids=made["TemplateId"])
    assert [t["TemplateId"] for t in found["TemplateList"]] == [made["TemplateId"]]


def test_errors_parse_into_cos_service_errors(api: Api, ci: Any) -> None:
    bucket = api.ref("MediaBucket")
    bad = smart_cover_job(bucket)
    bad["Operation"]["SmartCover"]["Count"] = "11"
    with pytest.raises(CosServiceError) as invalid:
        ci.ci_create_media_jobs(Bucket=bucket, Jobs=bad, Lst={})
    assert (invalid.value.get_status_code(), invalid.value.get_error_code()) == (400, "InvalidArgument")
    assert invalid.value.get_resource_location() == f"{bucket}.{CI_ENDPOINT}/jobs"
    assert invalid.value.get_request_id()
    with pytest.raises(CosServiceError) as lacking:
        ci.ci_delete_template(Bucket=bucket, TemplateId="t0")
    assert (lacking.value.get_status_code(), lacking.value.get_error_code()) == (404, "NotImplemented")
    with pytest.raises(CosServiceError) as no_bucket:
        ci.ci_get_media_queue(Bucket="not-this-deployments-bucket")
    assert no_bucket.value.get_error_code() == "NoSuchBucket"
