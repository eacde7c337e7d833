"""Issue 6 over HTTP against the local stack: seed 002's two requests as XML and as JSON, the job
running to Success with covers in S3 and a TaskFinish callback, pause/resume/cancel, XXE.

The seed's requests are sent as written except for what must name this deployment: Output.Bucket
and Output.Region (the media bucket and its region), the TemplateId (created first) and CallBack
(a receiver on 127.0.0.1 instead of callback.demo.com)."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from mediaflow import xmlcodec
from mediaflow.media.binaries import ffprobe_path, media_env
from mediaflow.notifications.verify import verify
from tests.e2e.conftest import Api, Project
from tests.support.cover_clips import make_cover_test_clip
from tests.support.receiver import Receiver, receiver

INLINE = (
    "<SmartCover><Format>jpg</Format><Width>1280</Width><Height>960</Height><Count>5</Count>"
    "<DeleteDuplicates>true</DeleteDuplicates></SmartCover>"
)
LISTS = frozenset({"JobsDetail", "ObjectName", "Cover", "QueueList", "NonExistJobIds", "NonExistPIDs"})
DONE = ("Success", "Failed", "Cancel")


@pytest.fixture(scope="module")
def project(api: Api, clip_dir: Path) -> Project:
    created = api.new_project("e2e-smart-cover")
    clip, _ = make_cover_test_clip(clip_dir)
    key = f"outputs/{created.project_id}/input/demo.mp4"
    api.aws("s3").upload_file(str(clip), api.ref("MediaBucket"), key)
    return created


@pytest.fixture(scope="module")
def rx() -> Iterator[Receiver]:
    with receiver() as running:
        yield running


def send(
    api: Api, project: Project, method: str, path: str, body: str | None = None, **headers: str
) -> requests.Response:
    return api.call(method, f"/v1/{project.project_id}{path}", project.token, data=body, headers=headers)


def parse(response: requests.Response) -> tuple[str, dict[str, Any]]:
    if response.headers["Content-Type"].startswith("application/json"):
        ((root, body),) = response.json().items()
        return root, body
    return xmlcodec.loads(response.text, list_fields=LISTS)


def seed(api: Api, how: str, callback: str, level: int = 0) -> str:
    """Seed 002's request (see the module docstring for the three substitutions)."""
    return (
        "<Request><Tag>SmartCover</Tag><Input><Object>input/demo.mp4</Object></Input><Operation>"
        f"{how}<Output><Region>us-east-1</Region><Bucket>{api.ref('MediaBucket')}</Bucket>"
        "<Object>output/smartcover-${number}.jpg</Object></Output><UserData>This is my data.</UserData>"
        f"<JobLevel>{level}</JobLevel></Operation><CallBack>{callback}</CallBack>"
        "<CallBackFormat>JSON</CallBackFormat></Request>"
    )


def documented(api: Api, how: str, answer: str) -> str:
    """Seed 002's response with this job's JobId, CreationTime and QueueId, bucket and region."""
    found = re.search(r"<JobId>(j[0-9a-f]{32})</JobId>.*<CreationTime>(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000)"
                      r"</CreationTime>.*<QueueId>(p[0-9a-f]{32})</QueueId>", answer)  # fmt: skip
    assert found, answer
    job, created, queue = found.groups()
    bucket = api.ref("MediaBucket")
    return (
        f"<Response><JobsDetail><Code>Success</Code><Message/><JobId>{job}</JobId><State>Submitted</State>"
        f"<CreationTime>{created}</CreationTime><StartTime>-</StartTime><EndTime>-</EndTime><QueueId>{queue}"
        f"</QueueId><Tag>SmartCover</Tag><Input><BucketId>{bucket}</BucketId><Object>input/demo.mp4</Object>"
        f"<Region>us-east-1</Region></Input><Operation>{how}<Output><Region>us-east-1</Region><Bucket>{bucket}"
        "</Bucket><Object>output/smartcover-${number}.jpg</Object></Output>"
        "<UserData>This is my data.</UserData><JobLevel>0</JobLevel></Operation></JobsDetail></Response>"
    )


def wait_job(
    api: Api, project: Project, job_id: str, states: tuple[str, ...] = DONE, timeout_s: float = 30
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        _, body = parse(send(api, project, "GET", f"/jobs/{job_id}", Accept="application/json"))
        detail = body["JobsDetail"][0]
        if detail["State"] in states or time.monotonic() > deadline:
            return dict(detail)
        time.sleep(0.2)


@pytest.fixture(scope="module")
def template_id(api: Api, project: Project) -> str:
    body = f"<Request><Tag>SmartCover</Tag><Name>e2e-cover</Name>{INLINE}</Request>"
    response = send(api, project, "POST", "/template", body, **{"Content-Type": "application/xml"})
    assert response.status_code == 200, response.text
    root, answer = parse(response)
    assert root == "Response" and answer["Template"]["Category"] == "Custom"
    return str(answer["Template"]["TemplateId"])


def test_seed_requests_as_xml_get_the_documented_response_and_run(
    api: Api, project: Project, template_id: str, rx: Receiver, tmp_path: Path
) -> None:
    ids = []
    for how in (f"<TemplateId>{template_id}</TemplateId>", INLINE):
        response = send(
            api, project, "POST", "/jobs", seed(api, how, rx.url), **{"Content-Type": "application/xml"}
        )
        assert (response.status_code, response.headers["Content-Type"]) == (200, "application/xml"), (
            response.text
        )
        assert response.text == documented(api, how, response.text)
        assert response.headers["x-ci-request-id"]
        ids.append(parse(response)[1]["JobsDetail"][0]["JobId"])
    for job_id in ids:
        detail = wait_job(api, project, job_id)
        assert (detail["State"], detail["Progress"]) == ("Success", "100"), detail
        output = detail["Operation"]["MediaResult"]["OutputFile"]
        assert output["ObjectName"] == [f"output/smartcover-{i}.jpg" for i in range(5)]
    key = output["ObjectPrefix"] + output["ObjectName"][0]
    api.aws("s3").download_file(api.ref("MediaBucket"), key, str(tmp_path / "cover.jpg"))
    size = subprocess.run(
        [ffprobe_path(), "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0",
         str(tmp_path / "cover.jpg")], capture_output=True, text=True, check=True, env=media_env(),
    ).stdout.strip()  # fmt: skip
    assert size == "mjpeg,1280,960"
    callbacks = {json.loads(r.body)["JobsDetail"][0]["JobId"]: r for r in rx.wait_for(2, timeout_s=15)}
    assert set(ids) <= set(callbacks)
    for job_id in ids:  # every callback is signed with the project's secret, over the exact body
        got = callbacks[job_id]
        assert verify(project.signing_secret, got.headers["X-Mediaflow-Signature"], got.body)
        assert not verify("not-the-secret", got.headers["X-Mediaflow-Signature"], got.body)
        assert got.headers["X-Mediaflow-Event-Type"] == "TaskFinish"
    body = json.loads(callbacks[ids[0]].body)
    assert body["EventName"] == "TaskFinish" and body["JobsDetail"][0]["State"] == "Success"


def test_the_same_requests_in_json(api: Api, project: Project, template_id: str) -> None:
    _, request = xmlcodec.loads(seed(api, f"<TemplateId>{template_id}</TemplateId>", "no"))
    response = send(
        api,
        project,
        "POST",
        "/jobs",
        json.dumps({"Request": request}),
        **{"Content-Type": "application/json"},
    )
    assert (response.status_code, response.headers["Content-Type"]) == (200, "application/json"), (
        response.text
    )
    detail = response.json()["Response"]["JobsDetail"][0]
    assert list(detail) == ["Code", "Message", "JobId", "State", "CreationTime", "StartTime", "EndTime",
                            "QueueId", "Tag", "Input", "Operation"]  # fmt: skip
    assert detail["Operation"] == {
        "TemplateId": template_id,
        **{k: request["Operation"][k] for k in ("Output", "UserData", "JobLevel")},
    }
    _, inline = xmlcodec.loads(seed(api, INLINE, "no"))
    response = send(api, project, "POST", "/jobs", json.dumps(inline), **{"Content-Type": "application/json"})
    assert response.json()["Response"]["JobsDetail"][0]["Operation"]["SmartCover"]["Count"] == "5"
    wrong = send(
        api,
        project,
        "POST",
        "/jobs",
        json.dumps({"Tag": "SmartCover"}),
        **{"Content-Type": "application/json"},
    )
    assert (wrong.status_code, wrong.json()["Error"]["Code"]) == (400, "InvalidArgument")
    assert wait_job(api, project, detail["JobId"])["State"] == "Success"


def test_pause_holds_resume_runs_cancel_works(api: Api, project: Project) -> None:
    _, queues = parse(send(api, project, "GET", "/queue"))
    queue_id = queues["QueueList"][0]["QueueId"]

    def set_state(state: str) -> None:
        body = f"<Request><Name>e2e</Name><State>{state}</State></Request>"
        response = send(
            api, project, "PUT", f"/queue/{queue_id}", body, **{"Content-Type": "application/xml"}
        )
        assert response.status_code == 200 and parse(response)[1]["Queue"]["State"] == state, response.text

    set_state("Paused")
    try:
        held = []
        for _ in range(2):
            response = send(
                api,
                project,
                "POST",
                "/jobs",
                seed(api, INLINE.replace("5", "1"), "no").replace("-${number}", ""),
            )
            assert parse(response)[1]["JobsDetail"][0]["State"] == "Pause", response.text
            held.append(parse(response)[1]["JobsDetail"][0]["JobId"])
        time.sleep(1.0)  # a worker would have started them by now
        assert wait_job(api, project, held[0], ("Running", *DONE), timeout_s=0)["State"] == "Pause"
        cancel = send(api, project, "PUT", f"/jobs/{held[1]}?cancel")
        assert (cancel.status_code, cancel.text) == (200, "")
    finally:
        set_state("Active")
    assert wait_job(api, project, held[0])["State"] == "Success"
    assert wait_job(api, project, held[1], timeout_s=0)["State"] == "Cancel"


def test_xxe_is_invalid_argument(api: Api, project: Project) -> None:
    xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + seed(
        api, INLINE, "no"
    )
    response = send(
        api,
        project,
        "POST",
        "/jobs",
        xxe.replace("This is my data.", "&x;"),
        **{"Content-Type": "application/xml"},
    )
    assert (response.status_code, response.headers["Content-Type"]) == (400, "application/xml")
    root, error = parse(response)
    assert (root, error["Code"]) == ("Error", "InvalidArgument") and "root:" not in response.text
    assert set(error) == {"Code", "Message", "Resource", "RequestId", "TraceId"}
