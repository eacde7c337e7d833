"""Issue 2, tried as a new user would: over HTTP against the local stack, real uploads, real ffprobe."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig

from tests.e2e.conftest import Api, Project
from tests.support.clips import make_clip, make_large_clip, make_text_file
from tests.support.uploads import s3_for

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-foundation")


def decode(answer: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return json.loads(base64.b64decode(answer["UploadAddress"])), json.loads(
        base64.b64decode(answer["UploadAuth"])
    )


def create(api: Api, project: Project, **fields: Any) -> dict[str, Any]:
    response = api.call(
        "POST",
        f"/v1/{project.project_id}/videos",
        project.token,
        json={"Title": "e2e", "FileName": "e2e.mp4", **fields},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def s3_with(answer: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    address, auth = decode(answer)
    client = s3_for(address, auth)
    return client, address


def upload(answer: dict[str, Any], path: Path) -> None:
    client, address = s3_with(answer)
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    client.upload_file(str(path), address["Bucket"], address["FileName"], Config=config)


def wait_for(
    api: Api, project: Project, video_id: str, statuses: set[str], timeout_s: float = 30
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        answer = api.call("GET", f"/v1/{project.project_id}/videos/{video_id}", project.token).json()
        if answer["Video"]["Status"] in statuses or time.monotonic() > deadline:
            return dict(answer)
        time.sleep(0.2)


@pytest.fixture(scope="module")
def subscriber(api: Api) -> str:
    """A user's own SQS queue on the domain-event topic, filtered to FileUploadComplete."""
    sqs, sns = api.aws("sqs"), api.aws("sns")
    url = sqs.create_queue(QueueName="e2e-subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=api.ref("EventsTopic"),
        Protocol="sqs",
        Endpoint=arn,
        Attributes={
            "RawMessageDelivery": "true",
            "FilterPolicy": json.dumps({"event_type": ["FileUploadComplete"]}),
        },
    )
    return str(url)


def events_for(api: Api, queue_url: str, video_id: str, settle_s: float = 1.0) -> list[dict[str, Any]]:
    sqs, found = api.aws("sqs"), []
    deadline = time.monotonic() + settle_s
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        ):
            body = json.loads(message["Body"])
            if body["resource_id"] == video_id:
                found.append(body)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        time.sleep(0.1)
    return found


def test_create_upload_video_answers_vod_fields(api: Api, project: Project) -> None:
    answer = create(api, project)
    assert set(answer) == {"RequestId", "VideoId", "UploadAddress", "UploadAuth"}
    address, auth = decode(answer)
    assert set(address) == {"Endpoint", "Bucket", "FileName", "Region"}
    assert address["FileName"] == f"uploads/{project.project_id}/{answer['VideoId']}/source.mp4"
    assert set(auth) == {
        "AccessKeyId",
        "AccessKeySecret",
        "SecurityToken",
        "Expiration",
        "ExpireUTCTime",
        "Region",
    }
    assert auth["Expiration"] == "3000"


def test_multipart_upload_with_issued_credentials_ends_upload_succ_once(
    api: Api, project: Project, subscriber: str, clip_dir: Path
) -> None:
    answer = create(api, project, UserData=json.dumps({"Extend": "e2e"}))
    clip = make_large_clip(clip_dir, min_bytes=12 * MIB)
    upload(answer, clip)
    video = wait_for(api, project, answer["VideoId"], {"UploadSucc", "UploadFail"})
    assert video["Video"]["Status"] == "UploadSucc", video
    assert video["Video"]["Size"] == clip.stat().st_size
    assert video["Video"]["Duration"] > 0
    assert video["Mezzanine"]["VideoStreamList"][0]["CodecName"] == "h264"
    (event,) = events_for(api, subscriber, answer["VideoId"])
    assert event["payload"]["EventType"] == "FileUploadComplete"
    assert event["payload"]["Extend"] == "e2e"


def test_clip_duration_and_streams_are_probed(api: Api, project: Project, clip_dir: Path) -> None:
    answer = create(api, project)
    upload(answer, make_clip(clip_dir, seconds=3, width=640, height=360, fps=30))
    video = wait_for(api, project, answer["VideoId"], {"UploadSucc", "UploadFail"})
    assert video["Video"]["Status"] == "UploadSucc"
    assert video["Video"]["Duration"] == pytest.approx(3.0, abs=1 / 30 + 0.03)
    assert (video["Mezzanine"]["Width"], video["Mezzanine"]["Height"]) == (640, 360)
    assert video["Mezzanine"]["AudioStreamList"]


def test_text_file_ends_upload_fail_with_reason(
    api: Api, project: Project, subscriber: str, clip_dir: Path
) -> None:
    answer = create(api, project, FileName="notes.mp4")
    upload(answer, make_text_file(clip_dir))
    video = wait_for(api, project, answer["VideoId"], {"UploadSucc", "UploadFail"})
    assert video["Video"]["Status"] == "UploadFail"
    assert video["Video"]["ErrorCode"] == "NotMedia"
    assert events_for(api, subscriber, answer["VideoId"], settle_s=0.5) == []


def test_refresh_gives_new_credentials_for_the_same_key_and_an_overwrite_is_processed(
    api: Api, project: Project, clip_dir: Path
) -> None:
    answer = create(api, project)
    upload(answer, make_clip(clip_dir, seconds=2))
    assert wait_for(api, project, answer["VideoId"], {"UploadSucc"})["Video"]["Duration"] == pytest.approx(
        2, abs=0.1
    )
    refreshed = api.call(
        "POST", f"/v1/{project.project_id}/videos/{answer['VideoId']}/refresh-upload", project.token
    )
    assert refreshed.status_code == 200
    again = refreshed.json()
    assert again["VideoId"] == answer["VideoId"]
    assert decode(again)[0]["FileName"] == decode(answer)[0]["FileName"]
    assert decode(again)[1]["SecurityToken"] != decode(answer)[1]["SecurityToken"]
    upload(again, make_clip(clip_dir, seconds=4))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        video = wait_for(api, project, answer["VideoId"], {"UploadSucc"})
        if video["Video"]["Duration"] == pytest.approx(4, abs=0.1):
            break
        time.sleep(0.2)
    assert video["Video"]["Duration"] == pytest.approx(4, abs=0.1)


def test_tokens_and_tenant_isolation(api: Api, project: Project) -> None:
    other = api.new_project("e2e-other")
    video_id = create(api, project)["VideoId"]
    path = f"/v1/{project.project_id}/videos/{video_id}"

    wrong = api.call("GET", path, "mf_" + "x" * 43)
    assert wrong.status_code == 401
    assert api.call("GET", path, None).status_code == 401
    bearer = api.call("GET", path, None, headers={"Authorization": f"Bearer {project.token}"})
    assert bearer.status_code == 200

    assert api.call("GET", path, other.token).status_code == 403  # another project's path
    foreign = api.call("GET", f"/v1/{other.project_id}/videos/{video_id}", other.token)
    missing = api.call("GET", f"/v1/{other.project_id}/videos/{'0' * 32}", other.token)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["Code"] == missing.json()["Code"] == "InvalidVideo.NotFound"
    assert foreign.json()["Message"] == missing.json()["Message"]


def test_errors_use_the_vod_shape_with_the_request_id(api: Api, project: Project) -> None:
    response = api.call(
        "POST", f"/v1/{project.project_id}/videos", project.token, json={"Title": "t", "FileName": "a.exe"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["Code"] == "InvalidFileName.Extension"
    assert body["RequestId"] == response.headers["X-Amzn-RequestId"]
    assert set(body) == {"RequestId", "HostId", "Code", "Message"}


def test_openapi_document_is_served(api: Api) -> None:
    response = api.call("GET", "/openapi.json", None)
    assert response.status_code == 200
    assert "/v1/{project_id}/videos" in response.json()["paths"]
