"""The fetch worker's safety nets: every job ends in a terminal state with exactly one event, even
when its invocation died, its message could not be queued, the fetch crashed, or publishing failed."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from mediaflow import aws
from mediaflow.ingest import fetch_worker as worker
from mediaflow.ingest import url_jobs as jobs
from mediaflow.ingest.fetcher import Fetch
from mediaflow.settings import get_settings, reset_settings
from tests.integration.test_auth import create_project
from tests.integration.test_ingest_flow import completions, infos, ingest_env, submit, subscriber
from tests.integration.test_ingest_source import SourceServer, loopback_only, serve_sources
from tests.integration.test_upload_flow import get_video
from tests.support.aws import MotoStack
from tests.support.functions import load_function
from tests.support.lambda_events import FakeContext, sqs_event

__all__ = ["ingest_env", "subscriber"]  # fixtures, used by name below


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return loopback_only(monkeypatch)


@pytest.fixture
def sources() -> Any:
    with serve_sources() as server:
        yield server


def new_job(project: str, sources: SourceServer, name: str = "a.mp4") -> str:
    sources.files.setdefault(name, b"bytes")
    return str(submit(project, [sources.url(name)])["UploadJobs"][0]["JobId"])


def status_of(project: str, job_id: str) -> dict[str, str]:
    _, found = infos(project, JobIds=job_id)
    return dict(found["URLUploadInfoList"][0])


def test_a_stale_claim_ends_the_job_and_aborts_its_upload(
    ingest_env: MotoStack, subscriber: str, sources: SourceServer
) -> None:
    project, _ = create_project("worker-stale")
    job_id = new_job(project, sources)
    job = jobs.get(project, job_id)
    _, mine = jobs.claim(project, job_id, -3600)  # as if its invocation had died long ago
    claimed = jobs.get(project, job_id)
    s3 = aws.client("s3")
    upload_id = s3.create_multipart_upload(Bucket=get_settings().bucket_name, Key=job.doc.object_key)[
        "UploadId"
    ]
    jobs.mark_uploading(project, job_id, jobs.claim_id(claimed) or "", upload_id=upload_id, file_size=None)

    assert mine and worker.run_job(project, job_id, remaining_s=120) == "abandoned"
    info = status_of(project, job_id)
    assert (info["Status"], info["ErrorCode"]) == ("DOWNLOAD_FAIL", "SourceTimeout")
    assert s3.list_multipart_uploads(Bucket=get_settings().bucket_name).get("Uploads", []) == []
    assert [e["resource_id"] for e in completions(ingest_env, subscriber)] == [job_id]
    assert worker.run_job(project, job_id, remaining_s=120) == "duplicate"
    assert completions(ingest_env, subscriber) == []
    assert sources.hits("a.mp4") == 0


def test_a_fresh_claim_is_left_alone(ingest_env: MotoStack, sources: SourceServer) -> None:
    project, _ = create_project("worker-fresh")
    job_id = new_job(project, sources)
    jobs.claim(project, job_id, 600)
    assert worker.run_job(project, job_id, remaining_s=120) == "in-progress"
    assert status_of(project, job_id)["Status"] == "DOWNLOADING" and sources.hits("a.mp4") == 0


def test_a_crash_inside_the_fetch_ends_the_job_internal_error(
    ingest_env: MotoStack, subscriber: str, sources: SourceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _ = create_project("worker-crash")
    job_id = new_job(project, sources)

    def crash(self: Fetch) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(Fetch, "run", crash)
    assert worker.run_job(project, job_id, remaining_s=120) == "failed"
    info = status_of(project, job_id)
    assert (info["Status"], info["ErrorCode"]) == ("DOWNLOAD_FAIL", "InternalError")
    _, video = get_video(project, info["MediaId"])
    assert video["Video"]["Status"] == "UploadFail"
    assert len(completions(ingest_env, subscriber)) == 1


def test_a_job_whose_message_cannot_be_queued_fails_at_once(
    ingest_env: MotoStack, subscriber: str, sources: SourceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _ = create_project("worker-queue")
    sqs = aws.client("sqs")

    def refuse(**kwargs: Any) -> dict[str, Any]:
        return {
            "Failed": [
                {"Id": e["Id"], "Code": "InternalError", "SenderFault": False} for e in kwargs["Entries"]
            ]
        }

    monkeypatch.setattr(sqs, "send_message_batch", refuse)
    job_id = new_job(project, sources)
    info = status_of(project, job_id)
    assert (info["Status"], info["ErrorCode"]) == ("DOWNLOAD_FAIL", "InternalError")
    assert [e["payload"]["ErrorCode"] for e in completions(ingest_env, subscriber)] == ["InternalError"]


def test_an_event_that_failed_to_publish_is_published_by_the_next_delivery(
    ingest_env: MotoStack, subscriber: str, sources: SourceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _ = create_project("worker-publish")
    sources.statuses["gone.mp4"] = 404
    job_id = str(submit(project, [sources.url("gone.mp4")])["UploadJobs"][0]["JobId"])
    topic = get_settings().events_topic_arn
    monkeypatch.setenv("MEDIAFLOW_EVENTS_TOPIC_ARN", topic + "-gone")  # SNS refuses: the topic is not there
    reset_settings()
    with pytest.raises(Exception, match=r"NotFound|does not exist"):
        worker.run_job(project, job_id, remaining_s=120)  # the message will come back
    assert status_of(project, job_id)["Status"] == "DOWNLOAD_FAIL"
    monkeypatch.setenv("MEDIAFLOW_EVENTS_TOPIC_ARN", topic)
    reset_settings()
    assert worker.run_job(project, job_id, remaining_s=120) == "duplicate"
    assert worker.run_job(project, job_id, remaining_s=120) == "duplicate"
    (event,) = completions(ingest_env, subscriber)
    assert event["payload"]["ErrorCode"] == "SourceNotFound" and sources.hits("gone.mp4") == 1


def test_the_upload_path_settles_a_job_even_if_its_first_attempt_failed(
    ingest_env: MotoStack, subscriber: str, sources: SourceServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook in upload_events also runs on a redelivered (duplicate) upload event."""
    project, _ = create_project("worker-hook")
    job_id = new_job(project, sources, "notes.mp4")
    assert worker.run_job(project, job_id, remaining_s=120) == "stored"
    assert status_of(project, job_id)["Status"] == "UPLOAD_SUCCESS"
    real = jobs.settle_from_video
    calls: list[str] = []

    def flaky(project_id: str, job: str, video: Any, **kwargs: Any) -> Any:
        calls.append(job)
        if len(calls) == 1:
            raise RuntimeError("DynamoDB hiccup")
        return real(project_id, job, video, **kwargs)

    monkeypatch.setattr(jobs, "settle_from_video", flaky)
    sqs, url = ingest_env.client("sqs"), ingest_env.ref("UploadEventsQueue")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    event = sqs_event(messages, ingest_env.attr("UploadEventsQueue", "Arn"))
    handler = load_function("upload_event").lambda_handler
    with pytest.raises(BatchProcessingError):
        handler(event, FakeContext())  # the video settled, the job did not: SQS redelivers
    assert handler(event, FakeContext()) == {"batchItemFailures": []}
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    info = status_of(project, job_id)
    assert (info["Status"], info["ErrorCode"]) == ("UPLOAD_FAIL", "NotMedia")
    assert len(calls) == 2 and len(completions(ingest_env, subscriber)) == 1


def test_a_message_sqs_gave_up_on_ends_its_job(
    ingest_env: MotoStack, subscriber: str, sources: SourceServer
) -> None:
    project, _ = create_project("worker-dlq")
    job_id = new_job(project, sources)
    jobs.claim(project, job_id, 600)  # an invocation that then died, again and again, until the DLQ
    body = worker.message_body(project, job_id)
    message = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "Body": body,
        "Attributes": {"ApproximateReceiveCount": "4"},
    }
    handler = load_function("url_fetch_dead_letters").lambda_handler
    assert handler(sqs_event([message], "arn:aws:sqs:us-east-1:123456789012:UrlFetchDLQ"), FakeContext()) == {
        "batchItemFailures": []
    }
    info = status_of(project, job_id)
    assert (info["Status"], info["ErrorCode"]) == ("DOWNLOAD_FAIL", "SourceTimeout")
    assert [e["resource_id"] for e in completions(ingest_env, subscriber)] == [job_id]
    assert worker.handle_dead_letter(body) == "ended"  # a second copy changes nothing
    assert sources.hits("a.mp4") == 0
