"""Issue 3 over HTTP: callbacks from a real upload, retries, the DLQ and replay, refused URLs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from mediaflow.notifications.verify import verify
from tests.e2e.conftest import Api, Project
from tests.e2e.test_foundation import create, upload, wait_for
from tests.support.clips import make_clip
from tests.support.receiver import receiver


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-notify")


def deliveries(api: Api, project: Project, **query: str) -> list[dict[str, Any]]:
    response = api.call(
        "GET", f"/v1/{project.project_id}/notification/deliveries", project.token, params=query
    )
    assert response.status_code == 200, response.text
    return list(response.json()["deliveries"])


def wait_status(
    api: Api, project: Project, event_id: str, status: str, timeout_s: float = 20
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = deliveries(api, project, event_id=event_id)
        if found and found[0]["status"] == status:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"delivery of {event_id} never reached {status}: {found}")


def test_an_upload_with_a_callback_url_gets_exactly_one_signed_file_upload_complete(
    api: Api, project: Project, clip_dir: Path
) -> None:
    with receiver() as rx:
        user_data = {"MessageCallback": {"CallbackURL": rx.url}, "Extend": "order-7"}
        answer = create(api, project, UserData=json.dumps(user_data))
        upload(answer, make_clip(clip_dir, seconds=2))
        assert wait_for(api, project, answer["VideoId"], {"UploadSucc"})["Video"]["Status"] == "UploadSucc"
        (got,) = rx.wait_for(1, timeout_s=15)
        time.sleep(1.0)  # anything duplicated would arrive by now
        assert len(rx.received) == 1
    assert verify(project.signing_secret, got.headers["X-Mediaflow-Signature"], got.body)
    body = json.loads(got.body)
    assert body["EventType"] == "FileUploadComplete"
    assert body["VideoId"] == answer["VideoId"]
    assert body["Extend"] == "order-7"
    assert wait_status(api, project, got.headers["X-Mediaflow-Event-Id"], "SUCCEEDED")["attempt_count"] == 1


def test_retries_then_dlq_then_replay(api: Api, project: Project, clip_dir: Path) -> None:
    with receiver() as flaky, receiver() as dead:
        flaky.script = [500, 500, 500]
        dead.default = 503
        first = create(api, project, UserData=json.dumps({"MessageCallback": {"CallbackURL": flaky.url}}))
        second = create(api, project, UserData=json.dumps({"MessageCallback": {"CallbackURL": dead.url}}))
        upload(first, make_clip(clip_dir, seconds=2))
        upload(second, make_clip(clip_dir, seconds=2))

        received = flaky.wait_for(4, timeout_s=20)
        assert len(received) == 4
        flaky_delivery = wait_status(api, project, received[0].headers["X-Mediaflow-Event-Id"], "SUCCEEDED")
        assert [a["status_code"] for a in flaky_delivery["attempts"]] == [500, 500, 500, 200]

        dead.wait_for(1, timeout_s=20)
        dead_event = dead.received[0].headers["X-Mediaflow-Event-Id"]
        failed = wait_status(api, project, dead_event, "FAILED", timeout_s=30)
        assert failed["attempt_count"] >= 2
        assert failed["delivery_id"] in [d["delivery_id"] for d in deliveries(api, project, status="FAILED")]

        dead.default = 200  # back up
        before = len(dead.received)
        response = api.call(
            "POST",
            f"/v1/{project.project_id}/notification/deliveries/{failed['delivery_id']}/replay",
            project.token,
        )
        assert response.status_code == 202, response.text
        wait_status(api, project, dead_event, "SUCCEEDED")
        assert len(dead.received) == before + 1
        assert dead.received[-1].headers["X-Mediaflow-Event-Id"] == dead_event


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest",
        "http://10.0.0.1/cb",
        "http://192.168.0.1/cb",
        "http://2130706433/cb",
        "file:///etc/passwd",
    ],
)
def test_unsafe_callback_urls_are_refused_at_request_time(api: Api, project: Project, url: str) -> None:
    response = api.call(
        "POST",
        f"/v1/{project.project_id}/videos",
        project.token,
        json={"Title": "t", "FileName": "a.mp4", "UserData": {"MessageCallback": {"CallbackURL": url}}},
    )
    assert response.status_code == 400
    assert response.json()["Code"] == "InvalidParameter"


def test_notification_configuration_over_http(api: Api, project: Project) -> None:
    path = f"/v1/{project.project_id}/notification"
    put = api.call(
        "PUT",
        path,
        project.token,
        json={
            "notifications": [{"event_name": "FileUploadComplete", "status": "ON"}],
            "url": "https://hooks.example.com/mf",
        },
    )
    assert put.status_code == 200, put.text
    shown = api.call("GET", path, project.token).json()
    assert shown["url"] == "https://hooks.example.com/mf"
    assert shown["notifications"] == [{"event_name": "FileUploadComplete", "status": "ON"}]
    names = api.call("GET", path + "/event", project.token).json()
    assert "TaskFinish" in names["event_name"]
    bad = api.call("PUT", path, project.token, json={"notifications": [], "url": "http://169.254.169.254/"})
    assert bad.status_code == 400 and bad.json()["error_code"] == "MPC.10202"
    cleared = api.call("PUT", path, project.token, json={"notifications": []})  # no project-level URL
    assert cleared.status_code == 200, cleared.text
