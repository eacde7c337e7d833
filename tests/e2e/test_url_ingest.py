"""Issue 5, tried as a new user would: URL ingest over HTTP against the local stack, with a source
server and a callback receiver on 127.0.0.1 (the stack runs with MEDIAFLOW_ALLOW_LOOPBACK=true)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from mediaflow.notifications.verify import verify
from tests.e2e.conftest import Api, Project
from tests.e2e.test_foundation import wait_for
from tests.e2e.test_transcoding import GROUP
from tests.integration.test_ingest_source import serve_sources
from tests.support.clips import make_clip, make_text_file
from tests.support.receiver import Received, receiver

TERMINAL = {"SUCCESS", "DOWNLOAD_FAIL", "UPLOAD_FAIL"}
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


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-url-ingest")


def encoded(*urls: str) -> str:
    return ",".join(quote(u, safe="") for u in urls)


def submit(api: Api, project: Project, urls: list[str], **fields: Any) -> dict[str, Any]:
    body = {"UploadURLs": encoded(*urls), **fields}
    response = api.call("POST", f"/v1/{project.project_id}/url-uploads", project.token, json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def infos(api: Api, project: Project, **params: str) -> Any:
    return api.call("GET", f"/v1/{project.project_id}/url-uploads", project.token, params=params)


def wait_terminal(
    api: Api, project: Project, job_ids: list[str], timeout_s: float = 90
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while True:
        found = infos(api, project, JobIds=",".join(job_ids)).json()["URLUploadInfoList"]
        if all(i["Status"] in TERMINAL for i in found) or time.monotonic() > deadline:
            return list(found)
        time.sleep(0.3)


def test_three_urls_three_jobs_one_callback_each(api: Api, project: Project, clip_dir: Path) -> None:
    with serve_sources() as sources, receiver() as rx:
        clip_path = make_clip(clip_dir, seconds=2)
        sources.files["clip.mp4"] = clip_path
        sources.files["readme.mp4"] = make_text_file(clip_dir)
        urls = [sources.url("clip.mp4"), sources.url("gone.mp4"), sources.url("readme.mp4")]
        user_data = json.dumps({"MessageCallback": {"CallbackURL": rx.url}, "Extend": "e2e-7"})
        answer = submit(api, project, urls, UserData=user_data)
        assert set(answer) == {"RequestId", "UploadJobs"}
        job_ids = [job["JobId"] for job in answer["UploadJobs"]]
        assert [job["SourceURL"] for job in answer["UploadJobs"]] == urls and len(set(job_ids)) == 3

        clip, gone, readme = wait_terminal(api, project, job_ids)
        assert all(set(i) == SEED_FIELDS | COST_FIELDS for i in (clip, gone, readme))
        assert (clip["Status"], clip["FileSize"]) == ("SUCCESS", str(clip_path.stat().st_size))
        assert (gone["Status"], gone["ErrorCode"]) == ("DOWNLOAD_FAIL", "SourceNotFound")
        assert (readme["Status"], readme["ErrorCode"]) == ("UPLOAD_FAIL", "NotMedia")
        assert gone["ErrorMessage"] != readme["ErrorMessage"] and "404" in gone["ErrorMessage"]
        video = api.call("GET", f"/v1/{project.project_id}/videos/{clip['MediaId']}", project.token).json()
        assert video["Video"]["Status"] == "UploadSucc"

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(by_type(rx.received, "UploadByURLComplete")) < 3:
            time.sleep(0.2)
        time.sleep(1.0)  # anything duplicated would arrive by now
        completes = by_type(rx.received, "UploadByURLComplete")
    assert sorted(json.loads(r.body)["JobId"] for r in completes) == sorted(job_ids)
    for r in completes:
        assert verify(project.signing_secret, r.headers["X-Mediaflow-Signature"], r.body)  # the raw body
        assert json.loads(r.body)["Extend"] == "e2e-7"
    bodies = [json.loads(r.body) for r in completes]
    statuses = {body["JobId"]: (body["Status"], body.get("ErrorCode")) for body in bodies}
    assert statuses == {
        job_ids[0]: ("success", None),
        job_ids[1]: ("fail", "SourceNotFound"),
        job_ids[2]: ("fail", "NotMedia"),
    }


def by_type(received: list[Received], event_type: str) -> list[Received]:
    return [r for r in received if r.headers.get("X-Mediaflow-Event-Type") == event_type]


def test_get_url_upload_infos_by_ids_and_urls(api: Api, project: Project) -> None:
    with serve_sources() as sources:
        url, unknown = sources.url("missing-twice.mp4"), sources.url("never-submitted.mp4")
        first = submit(api, project, [url])["UploadJobs"][0]["JobId"]
        second = submit(api, project, [url])["UploadJobs"][0]["JobId"]
        wait_terminal(api, project, [first, second])

    deadline = time.monotonic() + 10  # the URL index is eventually consistent (on AWS, ~1 s)
    while True:
        by_url = infos(api, project, UploadURLs=encoded(url, unknown)).json()
        if len(by_url["URLUploadInfoList"]) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [i["JobId"] for i in by_url["URLUploadInfoList"]] == [second, first]
    assert by_url["NonExists"] == [unknown]

    by_id = infos(
        api, project, JobIds=f"{first},{'f' * 32}", UploadURLs=encoded(unknown)
    ).json()  # JobIds win
    assert ([i["JobId"] for i in by_id["URLUploadInfoList"]], by_id["NonExists"]) == ([first], ["f" * 32])

    eleven = infos(api, project, JobIds=",".join(f"{i:032x}" for i in range(11)))
    assert eleven.status_code == 400
    assert eleven.json()["Code"] == "InvalidParameter" and set(eleven.json()) == {
        "RequestId",
        "HostId",
        "Code",
        "Message",
    }

    other = api.new_project("e2e-url-ingest-other")
    foreign = infos(api, other, JobIds=first).json()
    assert (foreign["NonExists"], foreign["URLUploadInfoList"]) == ([first], [])


def test_unsafe_source_urls_are_refused_at_once(api: Api, project: Project) -> None:
    for url in (
        "http://169.254.169.254/latest/meta-data/a.mp4",
        "file:///etc/passwd.mp4",
        "http://10.0.0.1/a.mp4",
    ):
        response = api.call(
            "POST", f"/v1/{project.project_id}/url-uploads", project.token, json={"UploadURLs": encoded(url)}
        )
        assert (response.status_code, response.json()["Code"]) == (400, "InvalidParameter.UploadURLs")


def test_a_template_group_transcodes_the_ingested_video(api: Api, project: Project, clip_dir: Path) -> None:
    group_body = {**GROUP, "name": "e2e_url_ladder"}
    created = api.call(
        "POST", f"/v1/{project.project_id}/template_group/transcodings", project.token, json=group_body
    )
    assert created.status_code in (200, 201), created.text
    group = created.json()["template_group"]
    with serve_sources() as sources:
        sources.files["ladder.mp4"] = make_clip(clip_dir, seconds=4, width=640, height=360)
        answer = submit(api, project, [sources.url("ladder.mp4")], TemplateGroupId=group["group_id"])
        (info,) = wait_terminal(api, project, [answer["UploadJobs"][0]["JobId"]])
    assert info["Status"] == "SUCCESS", info
    video = wait_for(api, project, info["MediaId"], {"Normal", "TranscodeFail"}, timeout_s=120)
    assert video["Video"]["Status"] == "Normal", video
    assert video["Video"]["TemplateGroupId"] == group["group_id"]
