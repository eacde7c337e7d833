"""CreateUploadVideo -> upload with the issued credentials -> S3 event -> probe -> event, in-process.

Real moto (S3, SQS, SNS, STS, DynamoDB from the template) and real ffprobe on lavfi clips.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig

from mediaflow.settings import reset_settings
from tests.integration.test_auth import create_project
from tests.support.aws import MotoStack
from tests.support.clips import make_clip, make_large_clip, make_text_file
from tests.support.functions import load_function
from tests.support.lambda_events import FakeContext, api_event, sqs_event
from tests.support.uploads import s3_for

MIB = 1024 * 1024


def call(
    function: str, method: str, resource: str, params: dict[str, str], project: str | None, body: Any = None
) -> tuple[int, dict[str, Any]]:
    handler = load_function(function).lambda_handler
    response = handler(api_event(method, resource, params, project_id=project, body=body), FakeContext())
    return response["statusCode"], json.loads(response["body"])


def create_video(project: str, **fields: Any) -> dict[str, Any]:
    body = {"Title": "clip", "FileName": "clip.mp4", **fields}
    status, answer = call(
        "create_upload_video", "POST", "/v1/{project_id}/videos", {"project_id": project}, project, body
    )
    assert status == 200, answer
    return answer


def get_video(project: str, video_id: str, caller: str | None = None) -> tuple[int, dict[str, Any]]:
    return call(
        "get_video",
        "GET",
        "/v1/{project_id}/videos/{VideoId}",
        {"project_id": project, "VideoId": video_id},
        caller or project,
    )


def decode(created: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return json.loads(base64.b64decode(created["UploadAddress"])), json.loads(
        base64.b64decode(created["UploadAuth"])
    )


def upload(created: dict[str, Any], path: Path) -> None:
    """Exactly what a client does: decoded credentials, decoded endpoint, the transfer manager."""
    address, auth = decode(created)
    s3 = s3_for(address, auth)
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    s3.upload_file(str(path), address["Bucket"], address["FileName"], Config=config)


def drain_upload_events(stack: MotoStack, *, deliver_twice: bool = False) -> list[dict[str, Any]]:
    """Receive the bucket's notifications and run the upload-event function on them."""
    sqs = stack.client("sqs")
    url, arn = stack.ref("UploadEventsQueue"), stack.attr("UploadEventsQueue", "Arn")
    responses = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
        )
        messages = got.get("Messages", [])
        if not messages:
            return responses
        event = sqs_event(messages, arn)
        handler = load_function("upload_event").lambda_handler
        for _ in range(2 if deliver_twice else 1):
            result = handler(event, FakeContext())
            assert result == {"batchItemFailures": []}, result
            responses.append(result)
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture
def events_queue(core_env: MotoStack) -> str:
    """A queue subscribed to the domain-event topic, standing in for a user's subscriber."""
    sqs, sns = core_env.client("sqs"), core_env.client("sns")
    url = sqs.create_queue(QueueName=f"subscriber-{os.urandom(4).hex()}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=core_env.ref("EventsTopic"),
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    drain_upload_events(core_env)  # the bucket's s3:TestEvent and leftovers of other tests
    return str(url)


def published(stack: MotoStack, queue_url: str, video_id: str) -> list[dict[str, Any]]:
    sqs, found = stack.client("sqs"), []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return [e for e in found if e["resource_id"] == video_id]
        for m in messages:
            found.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def test_multipart_upload_is_probed_and_announced_once(
    core_env: MotoStack, events_queue: str, clip_dir: Path
) -> None:
    project, _ = create_project("uploads")
    created = create_video(project, UserData={"Extend": '{"order":42}'})
    clip = make_large_clip(clip_dir, min_bytes=12 * MIB)
    upload(created, clip)  # > 5 MiB: three parts
    drain_upload_events(core_env, deliver_twice=True)

    status, answer = get_video(project, created["VideoId"])
    assert status == 200
    video = answer["Video"]
    assert video["Status"] == "UploadSucc"
    assert video["Size"] == clip.stat().st_size
    assert video["Duration"] == pytest.approx(float(answer["Mezzanine"]["Duration"]), abs=0.001)
    assert answer["Mezzanine"]["VideoStreamList"][0]["CodecName"] == "h264"

    (event,) = published(core_env, events_queue, created["VideoId"])
    assert event["event_type"] == "FileUploadComplete"
    assert event["payload"]["VideoId"] == created["VideoId"]
    assert event["payload"]["Size"] == clip.stat().st_size
    assert event["payload"]["Extend"] == '{"order":42}'
    assert event["payload"]["FileUrl"].endswith(decode(created)[0]["FileName"])


def test_small_clip_reports_duration_and_streams(
    core_env: MotoStack, events_queue: str, clip_dir: Path
) -> None:
    project, _ = create_project("small")
    created = create_video(project)
    upload(created, make_clip(clip_dir, seconds=3, width=320, height=240, fps=25))
    drain_upload_events(core_env)
    _, answer = get_video(project, created["VideoId"])
    assert answer["Video"]["Status"] == "UploadSucc"
    assert answer["Video"]["Duration"] == pytest.approx(3.0, abs=0.05)
    mezzanine = answer["Mezzanine"]
    assert (mezzanine["Width"], mezzanine["Height"]) == (320, 240)
    assert mezzanine["AudioStreamList"][0]["CodecName"] == "aac"


def test_a_text_file_ends_upload_fail_with_a_reason_and_no_event(
    core_env: MotoStack, events_queue: str, clip_dir: Path
) -> None:
    project, _ = create_project("text")
    created = create_video(project)
    upload(created, make_text_file(clip_dir))
    drain_upload_events(core_env)
    _, answer = get_video(project, created["VideoId"])
    assert answer["Video"]["Status"] == "UploadFail"
    assert answer["Video"]["ErrorCode"] == "NotMedia"
    assert answer["Video"]["ErrorMessage"]
    assert published(core_env, events_queue, created["VideoId"]) == []


def test_refresh_keeps_the_key_and_an_overwrite_is_processed_again(
    core_env: MotoStack, events_queue: str, clip_dir: Path
) -> None:
    project, _ = create_project("refresh")
    created = create_video(project)
    upload(created, make_clip(clip_dir, seconds=2))
    drain_upload_events(core_env)

    status, refreshed = call(
        "refresh_upload_video",
        "POST",
        "/v1/{project_id}/videos/{VideoId}/refresh-upload",
        {"project_id": project, "VideoId": created["VideoId"]},
        project,
    )
    assert status == 200
    assert refreshed["VideoId"] == created["VideoId"]
    assert decode(refreshed)[0]["FileName"] == decode(created)[0]["FileName"]
    assert decode(refreshed)[1]["AccessKeyId"] != decode(created)[1]["AccessKeyId"]
    assert decode(refreshed)[1]["Expiration"] == "3000"

    upload(refreshed, make_clip(clip_dir, seconds=4))
    drain_upload_events(core_env)
    _, answer = get_video(project, created["VideoId"])
    assert answer["Video"]["Duration"] == pytest.approx(4.0, abs=0.05)
    events = published(core_env, events_queue, created["VideoId"])
    assert len(events) == 2
    assert events[0]["event_id"] != events[1]["event_id"]
    assert events[0]["version"] < events[1]["version"]


def test_refresh_of_a_missing_or_foreign_video_is_not_found(core_env: MotoStack) -> None:
    mine, _ = create_project("mine")
    theirs, _ = create_project("theirs")
    foreign = create_video(theirs)["VideoId"]
    for video_id in (foreign, "0" * 32, "not-an-id"):
        status, answer = call(
            "refresh_upload_video",
            "POST",
            "/v1/{project_id}/videos/{VideoId}/refresh-upload",
            {"project_id": mine, "VideoId": video_id},
            mine,
        )
        assert (status, answer["Code"]) == (404, "InvalidVideo.NotFound")
        assert set(answer) == {"RequestId", "HostId", "Code", "Message"}
        status, answer = get_video(mine, video_id)
        assert (status, answer["Code"]) == (404, "InvalidVideo.NotFound")


def test_a_video_whose_sources_keep_failing_is_damaged(
    core_env: MotoStack, clip_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAFLOW_MAX_FAILED_UPLOADS", "2")
    reset_settings()
    project, _ = create_project("damaged")
    created = create_video(project)
    params = {"project_id": project, "VideoId": created["VideoId"]}
    resource = "/v1/{project_id}/videos/{VideoId}/refresh-upload"
    text = make_text_file(clip_dir)
    upload(created, text)
    drain_upload_events(core_env)
    status, again = call("refresh_upload_video", "POST", resource, params, project)
    assert status == 200  # one failure: the remedy is to upload again
    upload(again, text)
    drain_upload_events(core_env)
    status, answer = call("refresh_upload_video", "POST", resource, params, project)
    assert (status, answer["Code"], answer["Message"]) == (
        400,
        "InvalidVideo.Damaged",
        "The video has been Damaged.",
    )
    reset_settings()


def test_a_path_for_another_project_is_forbidden_even_past_the_authorizer(core_env: MotoStack) -> None:
    mine, _ = create_project("a")
    theirs, _ = create_project("b")
    status, answer = call(
        "create_upload_video",
        "POST",
        "/v1/{project_id}/videos",
        {"project_id": theirs},
        mine,
        {"Title": "t", "FileName": "a.mp4"},
    )
    assert (status, answer["Code"]) == (403, "Forbidden")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"FileName": "a.mp4"}, "MissingParameter"),
        ({"Title": "t", "FileName": "a.txt"}, "InvalidFileName.Extension"),
        ({"Title": "t" * 129, "FileName": "a.mp4"}, "LengthExceededMax"),
        ({"Title": "t", "FileName": "a.mp4", "Tags": ",".join(str(i) for i in range(17))}, "TagsExceededMax"),
        ({"Title": "t", "FileName": "a.mp4", "TemplateGroupId": "nope"}, "InvalidTemplateGroupId.NotFound"),
        ("{not json", "InvalidParameter"),
    ],
)
def test_bad_requests_get_the_vod_error_shape(core_env: MotoStack, body: Any, code: str) -> None:
    project, _ = create_project("bad")
    status, answer = call(
        "create_upload_video", "POST", "/v1/{project_id}/videos", {"project_id": project}, project, body
    )
    assert status in (400, 404)
    assert answer["Code"] == code
    assert answer["RequestId"] and answer["Message"]
