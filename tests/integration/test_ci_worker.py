"""The SmartCover worker in one process: real ffmpeg on the cover test video (known bad stretches),
moto S3/DynamoDB/SNS/SQS; MediaResult; failures with a Code; the reaper; TaskFinish callbacks in
JSON and XML to a receiver, CallBack=no, the queue's NotifyConfig and TDMQ."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from mediaflow import aws, settings, xmlcodec
from mediaflow.ci import queues
from mediaflow.ci.cover_worker import COVER_JOBS
from mediaflow.ci.records import CoverJobDoc
from mediaflow.job_kinds import BY_KIND
from mediaflow.jobs import recovery, runner
from mediaflow.media.binaries import ffprobe_path, media_env
from mediaflow.notifications import config
from mediaflow.notifications.verify import verify
from mediaflow.records import store
from mediaflow.settings import get_settings
from tests.integration import test_notifications
from tests.integration.test_auth import create_project, create_project_doc
from tests.integration.test_ci_jobs import ci, describe, job_id_of, put_source, seed_request, submit
from tests.integration.test_notifications import drain
from tests.support.aws import MotoStack, received_events, subscribe_events
from tests.support.cover_clips import interval_at, make_cover_test_clip, make_flat_clip
from tests.support.receiver import receiver

fast_retries = test_notifications.fast_retries  # the fixture: loopback callbacks, quick retries
MAGIC = {"jpg": b"\xff\xd8\xff", "png": b"\x89PNG", "webp": b"RIFF"}


def cover(fmt: str = "jpg", width: int | None = 256, height: int | None = None, count: int = 5) -> str:
    size = (f"<Width>{width}</Width>" if width else "") + (f"<Height>{height}</Height>" if height else "")
    return f"<SmartCover><Format>{fmt}</Format>{size}<Count>{count}</Count><DeleteDuplicates>true</DeleteDuplicates></SmartCover>"  # noqa: E501


@pytest.fixture(scope="module")
def clip(clip_dir: Path) -> Path:
    return make_cover_test_clip(clip_dir)[0]


def run(project: str, job_id: str) -> dict[str, Any]:
    """Run workers until the job has ended (the waiting line is shared with other tests' jobs)."""
    for _ in range(50):
        if store.get(CoverJobDoc, project, job_id).status not in ("Submitted", "Running"):
            break
        if runner.run_next([COVER_JOBS], lambda: 120_000) == "idle":
            break
    return dict(describe(project, job_id, accept="application/json").body["JobsDetail"][0])


def image(key: str, dest: Path) -> tuple[str, bytes, tuple[int, int]]:
    s3 = aws.client("s3")
    kind = s3.head_object(Bucket=get_settings().bucket_name, Key=key)["ContentType"]
    s3.download_file(get_settings().bucket_name, key, str(dest))
    out = subprocess.run(
        [ffprobe_path(), "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", str(dest)],
        capture_output=True, check=True, env=media_env(), text=True,
    ).stdout  # fmt: skip
    width, height = out.strip().split(",")[:2]
    return kind, dest.read_bytes()[:4], (int(width), int(height))


def test_covers_come_from_good_stretches_with_the_requested_size(
    core_env: MotoStack, clip: Path, tmp_path: Path
) -> None:
    project, _ = create_project("ci-worker")
    put_source(project, clip)
    body = seed_request(inline=cover(), output="covers/${jobid}/sc-${number}.${ext}", callback="")
    job_id = job_id_of(submit(project, body))
    started = time.monotonic()
    detail = run(project, job_id)
    elapsed = time.monotonic() - started
    assert (detail["State"], detail["Code"], detail["Progress"]) == ("Success", "Success", "100"), detail
    assert detail["StartTime"] != "-" and detail["EndTime"] != "-" and detail["Message"] == ""
    output = detail["Operation"]["MediaResult"]["OutputFile"]
    names = [f"covers/{job_id}/sc-{i}.jpg" for i in range(5)]
    assert output == {
        "Bucket": get_settings().bucket_name, "Region": get_settings().region,
        "ObjectPrefix": f"outputs/{project}/", "ObjectName": names,
    }  # fmt: skip
    for name in names:
        kind, magic, size = image(output["ObjectPrefix"] + name, tmp_path / Path(name).name)
        assert (kind, magic[:3], size) == ("image/jpeg", MAGIC["jpg"], (256, 144))
    result = detail["Operation"]["SmartCoverResult"]
    assert (result["Width"], result["Height"], result["Format"], result["Fallback"]) == (
        "256",
        "144",
        "jpg",
        "false",
    )
    shots = [interval_at(float(c["Time"])) for c in result["Cover"]]
    assert all(s.label == "good" for s in shots), shots
    assert len({s.shot for s in shots}) == 5  # DeleteDuplicates: the repeated shot counts once
    scores = [float(c["Score"]) for c in result["Cover"]]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert elapsed < 10


@pytest.mark.parametrize(
    ("fmt", "width", "height", "expected"), [("png", None, 128, (228, 128)), ("webp", 400, 300, (400, 300))]
)
def test_formats_and_sizes(
    core_env: MotoStack, clip: Path, tmp_path: Path, fmt: str, width: int | None, height: int | None,
    expected: tuple[int, int],
) -> None:  # fmt: skip
    project, _ = create_project(f"ci-{fmt}")
    put_source(project, clip)
    body = seed_request(inline=cover(fmt, width, height, count=1), output="one.${ext}", callback="")
    detail = run(project, job_id_of(submit(project, body)))
    assert detail["State"] == "Success", detail
    (name,) = detail["Operation"]["MediaResult"]["OutputFile"]["ObjectName"]
    assert name == f"one.{fmt}"
    kind, magic, size = image(f"outputs/{project}/{name}", tmp_path / name)
    assert (kind, magic, size) == (f"image/{fmt}", MAGIC[fmt], expected)


def test_too_few_good_frames_still_succeed_and_say_so(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("ci-flat")
    put_source(project, make_flat_clip(clip_dir))
    detail = run(project, job_id_of(submit(project, seed_request(inline=cover(count=3), callback=""))))
    assert (detail["State"], detail["Code"]) == ("Success", "Success"), detail
    result = detail["Operation"]["SmartCoverResult"]
    assert result["Fallback"] == "true" and result["Message"] == detail["Message"] != ""
    names = detail["Operation"]["MediaResult"]["OutputFile"]["ObjectName"]
    assert 1 <= len(names) <= 3 and int(result["Count"]) == len(names)
    assert all(c["Fallback"] == "true" and c["Rejected"] for c in result["Cover"])


def test_non_media_and_vanished_inputs_fail_with_a_code(core_env: MotoStack) -> None:
    project, _ = create_project("ci-fail")
    put_source(project, b"just some text, not a video\n" * 50)
    detail = run(project, job_id_of(submit(project, seed_request(callback=""))))
    assert (detail["State"], detail["Code"]) == ("Failed", "InvalidInput") and detail["Message"]
    assert "MediaResult" not in detail["Operation"] and detail["EndTime"] != "-"
    job_id = job_id_of(submit(project, seed_request(callback="")))
    aws.client("s3").delete_object(Bucket=get_settings().bucket_name, Key=f"outputs/{project}/input/demo.mp4")
    assert run(project, job_id)["Code"] == "ResourceNotFound"


def test_recovery_fails_a_job_silent_on_its_last_attempt_and_publishes_once(
    core_env: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscriber = subscribe_events(core_env)
    project, _ = create_project("ci-reap")
    put_source(project)
    job_id = job_id_of(submit(project, seed_request(callback="")))
    monkeypatch.setenv("MEDIAFLOW_JOB_MAX_ATTEMPTS", "1")
    settings.reset_settings()
    while (claimed := runner.claim([COVER_JOBS])) is not None and claimed[1].id != job_id:
        runner.finish(
            COVER_JOBS, claimed[1].project_id, claimed[1].id, "Failed", {"error_code": "InternalError"}
        )
    assert claimed is not None
    job = claimed[1]
    assert not [
        r for r in recovery.sweep(BY_KIND) if r.startswith(f"{project}/{job_id}:")
    ]  # a fresh heartbeat
    monkeypatch.setenv("MEDIAFLOW_STALE_AFTER_S", "0.001")
    settings.reset_settings()
    time.sleep(0.01)
    assert f"{project}/{job_id}:Failed" in recovery.sweep(BY_KIND)  # silent on its last attempt
    late = runner.finish(COVER_JOBS, project, job_id, "Success", {}, claim_id=job.doc.claim_id)
    assert late.status == "Failed"  # a late worker changes nothing
    final = store.get(CoverJobDoc, project, job_id)
    assert (final.status, final.doc.error_code, final.lookup) == ("Failed", "InternalError", None)
    mine = [e for e in received_events(core_env, subscriber) if e["resource_id"] == job_id]
    assert (
        len(mine) == 1 and mine[0]["event_type"] == "TaskFinish" and mine[0]["payload"]["State"] == "Failed"
    )


def test_callbacks_in_json_and_xml_signed(fast_retries: MotoStack, clip: Path) -> None:
    project = create_project_doc("ci-cb")
    pid = project["project_id"]
    put_source(pid, clip)
    with receiver() as rx:
        ids = {
            fmt: job_id_of(
                submit(pid, seed_request(inline=cover(count=2), callback=rx.url, callback_format=fmt))
            )
            for fmt in ("JSON", "XML")
        }
        for job_id in ids.values():
            assert run(pid, job_id)["State"] == "Success"
        drain(fast_retries)
        received = {r.headers["Content-Type"]: r for r in rx.wait_for(2)}
    assert len(received) == 2
    as_json = received["application/json"]
    assert verify(project["signing_secret"], as_json.headers["X-Mediaflow-Signature"], as_json.body)
    body = json.loads(as_json.body)
    assert set(body) == {"EventName", "JobsDetail"} and body["EventName"] == "TaskFinish"
    (detail,) = body["JobsDetail"]
    assert detail == describe(pid, ids["JSON"], accept="application/json").body["JobsDetail"][0]
    assert len(detail["Operation"]["MediaResult"]["OutputFile"]["ObjectName"]) == 2
    as_xml = received["application/xml"].body.decode()
    assert as_xml.startswith("<Response><EventName>TaskFinish</EventName><JobsDetail>")
    root, parsed = xmlcodec.loads(as_xml)
    assert root == "Response" and parsed["JobsDetail"]["JobId"] == ids["XML"]
    assert parsed["JobsDetail"]["State"] == "Success"
    names = parsed["JobsDetail"]["Operation"]["MediaResult"]["OutputFile"]["ObjectName"]
    assert isinstance(names, list) and len(names) == 2  # the element repeats


def test_callback_no_suppresses_every_callback_and_the_project_config_is_the_fallback(
    fast_retries: MotoStack,
) -> None:
    pid = create_project_doc("ci-cb-no")["project_id"]
    put_source(pid)
    with receiver() as rx:
        config.put_config(pid, config.NotificationConfig(url=rx.url, format="JSON"))
        silent = job_id_of(submit(pid, seed_request(callback="no", callback_format="XML")))
        default = job_id_of(submit(pid, seed_request(callback="")))
        for job_id in (silent, default):
            assert run(pid, job_id)["State"] == "Failed"
        drain(fast_retries)
        received = rx.wait_for(1)
        time.sleep(0.2)
    assert len(rx.received) == 1
    (detail,) = json.loads(received[0].body)["JobsDetail"]
    assert detail["JobId"] == default


def test_queue_notify_config_with_the_jobs_format_and_tdmq(fast_retries: MotoStack) -> None:
    subscriber = subscribe_events(fast_retries)
    pid = create_project_doc("ci-cb-queue")["project_id"]
    put_source(pid)
    with receiver() as rx:
        notify = (
            "<NotifyConfig><State>On</State><Event>TaskFinish</Event><ResultFormat>JSON</ResultFormat>"
            f"<Type>Url</Type><Url>{rx.url}</Url></NotifyConfig>"
        )
        body = f"<Request><Name>q</Name><State>Active</State>{notify}</Request>"
        params = {"QueueId": queues.queue_id_for(pid)}
        assert ci("PUT", "/v1/{project_id}/queue/{QueueId}", pid, params=params, body=body).status == 200
        queue_json = job_id_of(submit(pid, seed_request(callback="")))
        as_xml = seed_request(callback="").replace(
            "</Request>", "<CallBackFormat>XML</CallBackFormat></Request>"
        )
        job_xml = job_id_of(submit(pid, as_xml))
        mq = "<CallBackType>TDMQ</CallBackType><CallBackMqConfig><MqRegion>gz</MqRegion><MqName>covers</MqName></CallBackMqConfig>"  # noqa: E501
        tdmq = job_id_of(submit(pid, seed_request(callback="", extra=mq)))
        for job_id in (queue_json, job_xml, tdmq):
            run(pid, job_id)
        drain(fast_retries)
        rx.wait_for(2)
        time.sleep(0.2)
    kinds = sorted(r.headers["Content-Type"] for r in rx.received)
    assert kinds == ["application/json", "application/xml"]
    (event,) = [e for e in received_events(fast_retries, subscriber) if e["resource_id"] == tdmq]
    assert (event["callback"], event["use_project_callback"], event["family"]) == (None, False, "ci")
    assert (store.get(CoverJobDoc, pid, tdmq).doc.callback.mq or {})["MqName"] == "covers"
