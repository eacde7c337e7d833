"""Uploads into a project's own bucket (CreateUploadVideo ``StorageLocation``): the grant adds the
bucket's upload notification, the credentials write there, the upload path settles the video from
that bucket's event, and every other bucket is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediaflow.settings import get_settings, reset_settings
from mediaflow.storage.buckets import UPLOAD_NOTIFICATION_ID
from mediaflow.uploads.storage_location import bucket_named
from tests.integration.test_auth import create_project
from tests.integration.test_buckets import authority, user_bucket
from tests.integration.test_ingest_flow import api, connections, infos, ingest_env, run_all, sources, submit
from tests.integration.test_ingest_source import SourceServer
from tests.integration.test_upload_flow import (
    call,
    create_video,
    decode,
    drain_upload_events,
    get_video,
    published,
    upload,
)
from tests.support.aws import MotoStack, subscribe_events
from tests.support.clips import make_clip

__all__ = ["connections", "ingest_env", "sources"]  # fixtures of the URL-ingest tests, used here too

REFRESH = "/v1/{project_id}/videos/{VideoId}/refresh-upload"


def notification_ids(stack: MotoStack, bucket: str) -> set[str]:
    config = stack.client("s3").get_bucket_notification_configuration(Bucket=bucket)
    return {c["Id"] for c in config.get("QueueConfigurations", [])}


def create_status(project: str, location: str) -> tuple[int, dict]:
    body = {"Title": "clip", "FileName": "clip.mp4", "StorageLocation": location}
    params = {"project_id": project}
    return call("create_upload_video", "POST", "/v1/{project_id}/videos", params, project, body)


def refresh(project: str, video_id: str) -> tuple[int, dict]:
    params = {"project_id": project, "VideoId": video_id}
    return call("refresh_upload_video", "POST", REFRESH, params, project)


def granted_bucket(stack: MotoStack, name: str) -> tuple[str, str]:
    """A new project and a bucket of its own that it authorized."""
    project, _ = create_project(name)
    bucket = user_bucket(stack, project)
    assert authority(project, bucket, 1)[0] == 200
    return project, bucket


def test_the_grant_adds_the_upload_notification_and_the_revoke_removes_only_it(core_env: MotoStack) -> None:
    project, _ = create_project("ub-notify")
    bucket = user_bucket(core_env, project)
    s3, sqs = core_env.client("s3"), core_env.client("sqs")
    theirs = sqs.create_queue(QueueName=f"theirs-{bucket}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=theirs, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mine = {"Id": "theirs", "QueueArn": arn, "Events": ["s3:ObjectRemoved:*"]}
    config = {"QueueConfigurations": [mine]}
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)

    assert authority(project, bucket, 1)[0] == 200
    assert notification_ids(core_env, bucket) == {"theirs", UPLOAD_NOTIFICATION_ID}
    assert authority(project, bucket, 1)[0] == 200  # granted again: still one rule of ours
    rules = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    ours = [r for r in rules if r["Id"] == UPLOAD_NOTIFICATION_ID]
    assert len(ours) == 1 and ours[0]["QueueArn"] == core_env.attr("UploadEventsQueue", "Arn")
    assert authority(project, bucket, 0)[0] == 200
    assert notification_ids(core_env, bucket) == {"theirs"}


def test_an_upload_into_an_authorized_bucket_settles_its_video_there(
    core_env: MotoStack, clip_dir: Path
) -> None:
    project, bucket = granted_bucket(core_env, "ub-upload")
    drain_upload_events(core_env)  # the notification's s3:TestEvent
    events = subscribe_events(core_env)
    created = create_video(project, StorageLocation=f"{bucket}.s3.{get_settings().region}.amazonaws.com")
    address, _ = decode(created)
    assert address["Bucket"] == bucket
    upload(created, make_clip(clip_dir))
    assert core_env.client("s3").head_object(Bucket=bucket, Key=address["FileName"])["ContentLength"] > 0
    drain_upload_events(core_env)

    status, answer = get_video(project, created["VideoId"])
    assert status == 200 and answer["Video"]["Status"] == "UploadSucc"
    location = answer["Video"]["StorageLocation"]
    assert location.endswith("/" + bucket) and bucket_named(location) == bucket
    assert answer["Mezzanine"]["FileURL"] == f"{location}/{address['FileName']}"
    (event,) = published(core_env, events, created["VideoId"])
    assert event["event_type"] == "FileUploadComplete"
    assert event["payload"]["FileUrl"] == f"{location}/{address['FileName']}"

    status, again = refresh(project, created["VideoId"])
    assert status == 200 and decode(again)[0] == address  # the same bucket and key
    # The location GetVideoInfo answers names the same bucket again.
    assert decode(create_video(project, StorageLocation=location))[0]["Bucket"] == bucket


def test_an_object_at_the_key_in_another_bucket_does_not_settle_the_video(
    core_env: MotoStack, clip_dir: Path
) -> None:
    project, bucket = granted_bucket(core_env, "ub-other")
    created = create_video(project, StorageLocation=bucket)
    key = decode(created)[0]["FileName"]
    clip = make_clip(clip_dir)
    core_env.client("s3").upload_file(str(clip), get_settings().bucket_name, key)  # the media bucket
    drain_upload_events(core_env)
    assert get_video(project, created["VideoId"])[1]["Video"]["Status"] == "Uploading"


def test_an_upload_that_lands_after_the_revoke_fails_with_a_reason(
    core_env: MotoStack, clip_dir: Path
) -> None:
    project, bucket = granted_bucket(core_env, "ub-late")
    created = create_video(project, StorageLocation=bucket)
    upload(created, make_clip(clip_dir))  # its event is on the queue already
    assert authority(project, bucket, 0)[0] == 200
    drain_upload_events(core_env)
    video = get_video(project, created["VideoId"])[1]["Video"]
    assert (video["Status"], video["ErrorCode"]) == ("UploadFail", "InvalidStorage.NotFound")


def test_storage_locations_that_cannot_take_uploads_are_refused(
    core_env: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _ = create_project("ub-refused")
    other, _ = create_project("ub-refused-other")
    never = user_bucket(core_env, project)
    theirs = user_bucket(core_env, other)
    assert authority(other, theirs, 1)[0] == 200
    for location in (never, theirs, f"https://{theirs}.s3.amazonaws.com", "no_such_bucket"):
        status, answer = create_status(project, location)
        assert (status, answer["Code"]) == (404, "InvalidStorage.NotFound"), location
        assert set(answer) == {"RequestId", "HostId", "Code", "Message"}
    # The media bucket, by any of its names, is the default storage.
    media = get_settings().bucket_name
    assert decode(create_video(project, StorageLocation=media))[0]["Bucket"] == media

    revoked = user_bucket(core_env, project)
    assert authority(project, revoked, 1)[0] == 200
    video = create_video(project, StorageLocation=revoked)["VideoId"]
    assert authority(project, revoked, 0)[0] == 200
    assert create_status(project, revoked)[1]["Code"] == "InvalidStorage.NotFound"
    status, answer = refresh(project, video)
    assert (status, answer["Code"]) == (404, "InvalidStorage.NotFound")

    # A grant whose notification S3 refused (here: no queue configured) serves tasks, not uploads.
    monkeypatch.setenv("MEDIAFLOW_UPLOAD_EVENTS_QUEUE_ARN", "")
    reset_settings()
    silent = user_bucket(core_env, project)
    assert authority(project, silent, 1)[0] == 200
    status, answer = create_status(project, silent)
    assert (status, answer["Code"]) == (404, "InvalidStorage.NotFound")
    assert "does not report uploads" in answer["Message"]
    assert notification_ids(core_env, silent) == set()
    monkeypatch.undo()
    reset_settings()


@pytest.mark.parametrize(
    ("location", "bucket"),
    [
        ("my-videos", "my-videos"),
        ("my-videos.s3.us-east-1.amazonaws.com", "my-videos"),
        ("https://my-videos.s3-us-west-2.amazonaws.com/", "my-videos"),
        ("my.videos.s3.amazonaws.com", "my.videos"),
        ("http://127.0.0.1:4566/my-videos", "my-videos"),
        ("https://s3.us-east-1.amazonaws.com/my-videos", "my-videos"),
    ],
)
def test_storage_location_forms(location: str, bucket: str) -> None:
    assert bucket_named(location) == bucket


def test_url_ingest_stores_into_the_storage_location_and_a_revoke_ends_the_job(
    ingest_env: MotoStack, sources: SourceServer, clip_dir: Path
) -> None:
    project, bucket = granted_bucket(ingest_env, "ub-ingest")
    sources.files["mine.mp4"] = make_clip(clip_dir)
    (job,) = submit(project, [sources.url("mine.mp4")], StorageLocation=bucket)["UploadJobs"]
    run_all(ingest_env)
    info = infos(project, JobIds=job["JobId"])[1]["URLUploadInfoList"][0]
    assert info["Status"] == "SUCCESS", info
    video = get_video(project, info["MediaId"])[1]["Video"]
    assert video["Status"] == "UploadSucc" and video["StorageLocation"].endswith("/" + bucket)
    key = f"uploads/{project}/{info['MediaId']}/source.mp4"
    assert ingest_env.client("s3").head_object(Bucket=bucket, Key=key)["ContentLength"] > 0

    (late,) = submit(project, [sources.url("mine.mp4")], StorageLocation=bucket)["UploadJobs"]
    assert authority(project, bucket, 0)[0] == 200
    run_all(ingest_env)  # the queued job finds its bucket revoked: nothing is fetched
    info = infos(project, JobIds=late["JobId"])[1]["URLUploadInfoList"][0]
    assert (info["Status"], info["ErrorCode"]) == ("UPLOAD_FAIL", "InvalidStorage.NotFound")
    assert sources.hits("mine.mp4") == 1
    status, answer = api(
        "upload_media_by_url",
        "POST",
        project,
        body={"UploadURLs": sources.url("mine.mp4"), "StorageLocation": bucket},
    )
    assert (status, answer["Code"]) == (404, "InvalidStorage.NotFound")
