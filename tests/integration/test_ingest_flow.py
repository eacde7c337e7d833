"""UploadMediaByURL -> fetch worker -> the upload path (probe) -> job settled, in-process against moto,
with a source server on 127.0.0.1 (MEDIAFLOW_ALLOW_LOOPBACK=true) and real ffprobe."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from mediaflow.settings import reset_settings
from tests.integration.test_auth import create_project
from tests.integration.test_ingest_source import SourceServer, loopback_only, serve_sources
from tests.integration.test_upload_flow import drain_upload_events, get_video
from tests.support.aws import MotoStack
from tests.support.clips import make_large_clip, make_text_file
from tests.support.functions import load_function
from tests.support.lambda_events import FakeContext, api_event, sqs_event

MIB = 1 << 20
RESOURCE = "/v1/{project_id}/url-uploads"
COST_FIELDS = {"ComputeSeconds", "EstimatedCostUsd"}  # an extension: what the job cost
SEED_FIELDS = {
    "CreationTime",
    "Status",
    "ErrorCode",
    "ErrorMessage",
    "CompleteTime",
    "JobId",
    "UserData",
    "UploadURL",
    "MediaId",
    "FileSize",
}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def ingest_env(core_env: MotoStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoStack]:
    monkeypatch.setenv("MEDIAFLOW_ALLOW_LOOPBACK", "true")
    monkeypatch.setenv("MEDIAFLOW_URL_PART_BYTES", str(5 * MIB))
    monkeypatch.setenv("MEDIAFLOW_URL_FETCH_RETRY_BASE_S", "0.01")
    reset_settings()
    discard_fetches(core_env)  # never run other tests' jobs
    yield core_env
    reset_settings()


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return loopback_only(monkeypatch)


@pytest.fixture
def sources() -> Iterator[SourceServer]:
    with serve_sources() as server:
        yield server


@pytest.fixture
def subscriber(core_env: MotoStack) -> str:
    """A queue on the domain-event topic, standing in for a user's subscriber."""
    drain_upload_events(core_env)  # leftovers of other tests settle (and publish) before we listen
    sqs, sns = core_env.client("sqs"), core_env.client("sns")
    url = sqs.create_queue(QueueName=f"ingest-sub-{os.urandom(4).hex()}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    attributes = {
        "RawMessageDelivery": "true",
        "FilterPolicy": json.dumps({"event_type": ["UploadByURLComplete"]}),
    }
    sns.subscribe(TopicArn=core_env.ref("EventsTopic"), Protocol="sqs", Endpoint=arn, Attributes=attributes)
    return str(url)


def api(
    function: str, method: str, project: str, *, body: Any = None, query: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    event = api_event(method, RESOURCE, {"project_id": project}, project_id=project, body=body, query=query)
    response = load_function(function).lambda_handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"])


def submit(project: str, urls: list[str], **fields: Any) -> dict[str, Any]:
    body = {"UploadURLs": ",".join(quote(u, safe="") for u in urls), **fields}
    status, answer = api("upload_media_by_url", "POST", project, body=body)
    assert status == 200, answer
    return answer


def infos(project: str, **query: str) -> tuple[int, dict[str, Any]]:
    return api("get_url_upload_infos", "GET", project, query=query)


def drain_fetches(stack: MotoStack, *, deliver_twice: bool = False) -> list[str]:
    """Receive the fetch queue's messages and run the worker on them, as the event source would."""
    sqs, handler, outcomes = stack.client("sqs"), load_function("url_fetch_worker").lambda_handler, []
    url, arn = stack.ref("UrlFetchQueue"), stack.attr("UrlFetchQueue", "Arn")
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    ):
        for message in messages:
            for _ in range(2 if deliver_twice else 1):
                result = handler(sqs_event([message], arn), FakeContext())
                assert result == {"batchItemFailures": []}, result
                outcomes.append(message["MessageId"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return outcomes


def discard_fetches(stack: MotoStack) -> None:
    sqs, url = stack.client("sqs"), stack.ref("UrlFetchQueue")
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def completions(stack: MotoStack, queue_url: str) -> list[dict[str, Any]]:
    sqs, found = stack.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found


def run_all(stack: MotoStack, **kw: bool) -> None:
    drain_fetches(stack, **kw)
    drain_upload_events(stack)


def test_three_urls_end_with_success_and_two_distinct_failures(
    ingest_env: MotoStack, subscriber: str, sources: SourceServer, clip_dir: Path
) -> None:
    project, _ = create_project("ingest-three")
    clip = make_large_clip(clip_dir, min_bytes=12 * MIB)  # three 5 MiB parts
    sources.files.update({"clip.mp4": clip, "notes.mp4": make_text_file(clip_dir)})
    urls = [sources.url("clip.mp4"), sources.url("missing.mp4"), sources.url("notes.mp4")]
    user_data = {"Extend": '{"batch":7}'}
    answer = submit(
        project,
        urls,
        UserData=json.dumps(user_data),
        UploadMetadatas=json.dumps([{"SourceURL": urls[0], "Title": "The clip"}]),
    )
    assert [j["SourceURL"] for j in answer["UploadJobs"]] == urls
    job_ids = [j["JobId"] for j in answer["UploadJobs"]]
    _, pending = infos(project, JobIds=",".join(job_ids))
    assert [i["Status"] for i in pending["URLUploadInfoList"]] == ["PENDING"] * 3

    run_all(ingest_env)

    status, found = infos(project, JobIds=",".join([*job_ids, "0" * 32]))
    assert status == 200 and found["NonExists"] == ["0" * 32]
    clip_info, missing, text = found["URLUploadInfoList"]
    assert all(set(i) == SEED_FIELDS | COST_FIELDS for i in found["URLUploadInfoList"])
    assert (clip_info["Status"], clip_info["ErrorCode"], clip_info["FileSize"]) == (
        "SUCCESS",
        "",
        str(clip.stat().st_size),
    )
    assert (missing["Status"], missing["ErrorCode"]) == ("DOWNLOAD_FAIL", "SourceNotFound")
    assert (text["Status"], text["ErrorCode"]) == ("UPLOAD_FAIL", "NotMedia")
    assert "404" in missing["ErrorMessage"] and text["ErrorMessage"]
    for info in found["URLUploadInfoList"]:
        assert ISO_Z.match(info["CreationTime"]) and ISO_Z.match(info["CompleteTime"])
        assert json.loads(info["UserData"]) == user_data

    _, video = get_video(project, clip_info["MediaId"])
    assert (video["Video"]["Status"], video["Video"]["Title"]) == ("UploadSucc", "The clip")
    assert video["Video"]["Size"] == clip.stat().st_size
    _, failed_video = get_video(project, missing["MediaId"])
    assert (failed_video["Video"]["Status"], failed_video["Video"]["ErrorCode"]) == (
        "UploadFail",
        "SourceNotFound",
    )

    events = {e["resource_id"]: e for e in completions(ingest_env, subscriber)}
    assert len(events) == 3 and set(events) == set(job_ids)
    ok = events[job_ids[0]]["payload"]
    assert ok == {
        "EventTime": ok["EventTime"],
        "EventType": "UploadByURLComplete",
        "VideoId": clip_info["MediaId"],
        "JobId": job_ids[0],
        "SourceURL": urls[0],
        "Status": "success",
        "Size": clip.stat().st_size,
        "Extend": '{"batch":7}',
    }
    assert events[job_ids[1]]["payload"]["Status"] == "fail"
    assert events[job_ids[2]]["payload"]["ErrorCode"] == "NotMedia"

    run_all(ingest_env)  # nothing left to do: no second event
    assert completions(ingest_env, subscriber) == []


def test_a_duplicated_message_fetches_once(
    ingest_env: MotoStack, subscriber: str, sources: SourceServer, clip_dir: Path
) -> None:
    project, _ = create_project("ingest-dup")
    sources.files["once.mp4"] = make_large_clip(clip_dir, min_bytes=12 * MIB)
    (job,) = submit(project, [sources.url("once.mp4")])["UploadJobs"]
    drain_fetches(ingest_env, deliver_twice=True)
    drain_upload_events(ingest_env, deliver_twice=True)
    assert sources.hits("once.mp4") == 1
    _, found = infos(project, JobIds=job["JobId"])
    assert found["URLUploadInfoList"][0]["Status"] == "SUCCESS"
    assert [e["resource_id"] for e in completions(ingest_env, subscriber)] == [job["JobId"]]


def test_lookup_by_url_is_per_project_and_newest_first(ingest_env: MotoStack, sources: SourceServer) -> None:
    mine, _ = create_project("ingest-mine")
    theirs, _ = create_project("ingest-theirs")
    sources.files["same.mp4"] = b"not really media"
    url = sources.url("same.mp4")
    first = submit(mine, [url])["UploadJobs"][0]["JobId"]
    second = submit(mine, [url])["UploadJobs"][0]["JobId"]
    foreign = submit(theirs, [url])["UploadJobs"][0]["JobId"]
    unknown = sources.url("never.mp4")

    status, found = infos(mine, UploadURLs=f"{quote(url, safe='')},{quote(unknown, safe='')}")
    assert status == 200
    assert [i["JobId"] for i in found["URLUploadInfoList"]] == [second, first]
    assert found["NonExists"] == [unknown]
    _, by_host_case = infos(mine, UploadURLs=url.replace("http://", "HTTP://"))  # not encoded: also fine
    assert {i["JobId"] for i in by_host_case["URLUploadInfoList"]} == {first, second}
    _, crossing = infos(mine, JobIds=f"{foreign},{first}", UploadURLs=quote(unknown, safe=""))  # JobIds win
    assert (crossing["NonExists"], [i["JobId"] for i in crossing["URLUploadInfoList"]]) == (
        [foreign],
        [first],
    )


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"JobIds": ",".join(f"{i:032x}" for i in range(11))}, "InvalidParameter"),
        (
            {"UploadURLs": ",".join(f"http%3A%2F%2Fa.example%2F{i}.mp4" for i in range(11))},
            "InvalidParameter",
        ),
        ({}, "MissingParameter"),
    ],
)
def test_get_url_upload_infos_limits(core_env: MotoStack, query: dict[str, str], code: str) -> None:
    project, _ = create_project("ingest-limits")
    status, answer = infos(project, **query)
    assert (status, answer["Code"]) == (400, code)
    assert set(answer) == {"RequestId", "HostId", "Code", "Message"}


def test_ten_unknown_ids_are_all_non_existent(core_env: MotoStack) -> None:
    project, _ = create_project("ingest-ten")
    ids = [f"{i:032x}" for i in range(9)] + ["not-an-id"]
    status, answer = infos(project, JobIds=",".join(ids))
    assert (status, answer["NonExists"], answer["URLUploadInfoList"]) == (200, ids, [])


GOOD = "http://media.example.com/a.mp4"


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        (
            {"UploadURLs": ",".join(f"http://a.example/{i}.mp4" for i in range(21))},
            "InvalidParameter.UploadURLs",
            "at most 20",
        ),
        ({"UploadURLs": "http://a.example/stream"}, "InvalidParameter.UploadURLs", "FileExtension"),
        ({"UploadURLs": "http://a.example/a.txt"}, "InvalidParameter.UploadURLs", "extension"),
        (
            {"UploadURLs": GOOD, "UploadMetadatas": [{"SourceURL": "http://other.example/b.mp4"}]},
            "InvalidParameter",
            "SourceURL",
        ),
        ({"UploadURLs": GOOD, "UploadMetadatas": "[{"}, "InvalidParameter", "JSON array"),
        (
            {"UploadURLs": GOOD, "UploadMetadatas": [{"SourceURL": GOOD, "Title": "t" * 129}]},
            "LengthExceededMax",
            "128",
        ),
        (
            {"UploadURLs": GOOD, "UploadMetadatas": [{"SourceURL": GOOD, "Title": "😀"}]},
            "IllegalCharacters",
            "Title",
        ),
        (
            {"UploadURLs": GOOD, "UploadMetadatas": [{"SourceURL": GOOD, "FileExtension": "txt"}]},
            "InvalidFileName.Extension",
            "",
        ),
        ({"UploadURLs": GOOD, "SessionId": "has space"}, "InvalidParameter", "SessionId"),
        ({"UploadURLs": GOOD, "UserData": {"Extend": "x" * 513}}, "LengthExceededMax", "512"),
        (
            {"UploadURLs": GOOD, "UserData": {"MessageCallback": {"CallbackURL": "http://10.0.0.1/cb"}}},
            "InvalidParameter",
            "CallbackURL",
        ),
        ({}, "MissingParameter", "UploadURLs"),
    ],
)
def test_bad_requests_get_vod_errors(
    core_env: MotoStack, body: dict[str, Any], code: str, fragment: str
) -> None:
    project, _ = create_project("ingest-bad")
    status, answer = api("upload_media_by_url", "POST", project, body=body)
    assert (status, answer["Code"]) == (400, code), answer
    assert fragment in answer["Message"]


def test_metadata_gives_an_extension_and_a_session_id_is_used_once(ingest_env: MotoStack) -> None:
    project, _ = create_project("ingest-session")
    url = "http://media.example.com/stream?id=42"
    body = {
        "UploadURLs": quote(url, safe=""),
        "UploadMetadatas": [{"SourceURL": url, "FileExtension": "mov", "Title": "Stream", "Tags": "a, b"}],
        "SessionId": "batch-1",
    }
    status, answer = api("upload_media_by_url", "POST", project, body=body)
    assert status == 200, answer
    _, again = api("upload_media_by_url", "POST", project, body=body)
    assert again["Code"] == "InvalidParameter.SessionId"
    other, _ = create_project("ingest-session-other")
    assert api("upload_media_by_url", "POST", other, body=body)[0] == 200  # sessions are per project
    _, found = infos(project, JobIds=answer["UploadJobs"][0]["JobId"])
    _, video = get_video(project, found["URLUploadInfoList"][0]["MediaId"])
    assert (video["Video"]["Title"], video["Video"]["Tags"]) == ("Stream", "a,b")
