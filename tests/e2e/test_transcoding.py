"""Issue 4 over HTTP: a template group on upload, the task query of seed 003, invalid parameters."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from mediaflow.media.binaries import ffprobe_path, media_env
from mediaflow.notifications.verify import verify
from tests.e2e.conftest import Api, Project
from tests.e2e.test_foundation import create, upload, wait_for
from tests.support.clips import make_clip, make_truncated
from tests.support.receiver import receiver

GROUP = {
    "name": "e2e_ladder",
    "videos": [{"width": 0, "height": 240, "bitrate": 400}, {"width": 0, "height": 160, "bitrate": 200}],
    "audio": {"codec": 1, "sample_rate": 1, "bitrate": 64, "channels": 2},
    "video_common": {"codec": 1, "profile": 3, "preset": 1, "max_iframes_interval": 2, "frame_rate": 0},
    "common": {"pack_type": 1, "hls_interval": 2},
}


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-transcode")


def mpc(api: Api, project: Project, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = api.call(method, f"/v1/{project.project_id}{path}", project.token, **kwargs)
    return response.status_code, (response.json() if response.content else None)


def wait_task(api: Api, project: Project, task_id: str, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        _, body = mpc(api, project, "GET", "/transcodings", params={"task_id": task_id})
        task = body["task_array"][0]
        if task["status"] in ("SUCCEEDED", "FAILED", "CANCELED") or time.monotonic() > deadline:
            return dict(task)
        time.sleep(0.5)


def fetch(api: Api, key: str, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    api.aws("s3").download_file(api.ref("MediaBucket"), key, str(dest))
    return dest


def probe_stream(path: Path) -> dict[str, str]:
    out = subprocess.run(
        [
            ffprobe_path(),
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,width,height:format=duration",
            "-of",
            "default=nw=1",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=media_env(),
        timeout=60,
    ).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def test_an_upload_with_a_template_group_is_transcoded_and_ends_normal(
    api: Api, project: Project, clip_dir: Path, tmp_path: Path
) -> None:
    status, created = mpc(api, project, "POST", "/template_group/transcodings", json=GROUP)
    assert status in (200, 201), created
    group = created["template_group"]
    answer = create(api, project, TemplateGroupId=group["group_id"])
    upload(answer, make_clip(clip_dir, seconds=6, width=640, height=360, fps=25))
    video = wait_for(api, project, answer["VideoId"], {"Normal", "TranscodeFail"}, timeout_s=120)
    assert video["Video"]["Status"] == "Normal", video
    task = wait_task(api, project, video["Video"]["TranscodeTaskId"])
    assert task["status"] == "SUCCEEDED" and task["progress"] == 100
    assert sorted(task["trans_template_id"]) == sorted(group["template_ids"])

    details = task["transcode_detail"]["multitask_info"]
    assert sorted(d["output_file"]["video_info"]["height"] for d in details) == [160, 240]
    assert all(d["output_file"]["video_info"]["codec"] == "H264" for d in details)
    assert task["transcode_detail"]["input_file"]["video_info"]["width"] == 640

    out_dir = f"outputs/{project.project_id}/videos/{answer['VideoId']}/"
    listing = api.aws("s3").list_objects_v2(Bucket=api.ref("MediaBucket"), Prefix=out_dir)["Contents"]
    keys = [o["Key"] for o in listing]
    for name in task["output_file_name"]:
        assert out_dir + name in keys
    variant = next(k for k in keys if k.endswith(".m3u8") and "master" not in k)
    playlist = fetch(api, variant, tmp_path / "variant.m3u8").read_text()
    durations = [float(d) for d in re.findall(r"#EXTINF:([0-9.]+)", playlist)]
    assert all(abs(d - 2.0) <= 0.04 + 1e-6 for d in durations[:-1]), durations
    assert sum(durations) == pytest.approx(6.0, abs=0.04)
    for key in keys:  # download everything so the playlist can be probed as played
        fetch(api, key, tmp_path / "out" / key.removeprefix(out_dir))
    stream = probe_stream(tmp_path / "out" / variant.removeprefix(out_dir))
    assert stream["codec_name"] == "h264"
    assert float(stream["duration"]) == pytest.approx(6.0, abs=0.04 + 0.1)


def test_seed_003_query_shape_and_filters(api: Api, clip_dir: Path) -> None:
    project = api.new_project("e2e-query")  # its own project: the counts below are exact
    answer = create(api, project)
    upload(answer, make_clip(clip_dir, seconds=2))
    key = wait_for(api, project, answer["VideoId"], {"UploadSucc"})["Mezzanine"]["FileURL"].split(
        api.ref("MediaBucket") + "/", 1
    )[1]
    where = {"bucket": api.ref("MediaBucket"), "location": "us-east-1"}
    made = []
    for name in ("q1", "q2"):
        request = {
            "input": {**where, "object": key},
            "output": {**where, "object": name},
            "trans_template_id": [951],
        }
        status, created = mpc(api, project, "POST", "/transcodings", json=request)
        assert status == 202, created
        made.append(str(created["task_id"]))
    for task_id in made:
        assert wait_task(api, project, task_id)["status"] == "SUCCEEDED"
    status, body = mpc(api, project, "GET", "/transcodings", params={"size": "1"})
    assert status == 200
    assert set(body) == {"task_array", "is_truncated", "total"}
    assert (body["total"], body["is_truncated"], len(body["task_array"])) == (2, 1, 1)
    assert str(body["task_array"][0]["task_id"]) == made[1]  # newest first
    status, body = mpc(
        api, project, "GET", "/transcodings", params={"status": "SUCCEEDED", "start_time": "20200101000000"}
    )
    assert status == 200 and body["total"] == 2
    assert sorted(str(t["task_id"]) for t in body["task_array"]) == sorted(made)
    assert all(t["status"] == "SUCCEEDED" for t in body["task_array"])
    status, body = mpc(api, project, "GET", "/transcodings", params={"status": "FAILED"})
    assert (status, body["total"], body["task_array"]) == (200, 0, [])


@pytest.mark.parametrize(
    "params",
    [
        {"task_id": ",".join(str(i) for i in range(11))},
        {"size": "0"},
        {"size": "101"},
        {"start_time": "2020-01-01"},
    ],
)
def test_invalid_query_parameters(api: Api, project: Project, params: dict[str, str]) -> None:
    status, body = mpc(api, project, "GET", "/transcodings", params=params)
    assert (status, body["error_code"]) == (400, "MPC.10202")


def test_unknown_template_and_truncated_input(api: Api, project: Project, clip_dir: Path) -> None:
    answer = create(api, project)
    upload(answer, make_clip(clip_dir, seconds=2))
    key = wait_for(api, project, answer["VideoId"], {"UploadSucc"})["Mezzanine"]["FileURL"].split(
        api.ref("MediaBucket") + "/", 1
    )[1]
    where = {"bucket": api.ref("MediaBucket"), "location": "us-east-1"}
    status, body = mpc(
        api,
        project,
        "POST",
        "/transcodings",
        json={
            "input": {**where, "object": key},
            "output": {**where, "object": "x"},
            "trans_template_id": [999999],
        },
    )
    assert (status, body["error_code"]) == (400, "MPC.10202")

    broken = make_truncated(clip_dir)
    api.aws("s3").upload_file(str(broken), api.ref("MediaBucket"), f"outputs/{project.project_id}/broken.mp4")
    status, body = mpc(
        api,
        project,
        "POST",
        "/transcodings",
        json={
            "input": {**where, "object": "broken.mp4"},
            "output": {**where, "object": "broken"},
            "trans_template_id": [951],
        },
    )
    assert status == 202, body
    task = wait_task(api, project, str(body["task_id"]))
    assert task["status"] == "FAILED"
    assert task["error_code"].startswith("MPC.")
    assert task["description"]


def test_a_task_s_start_and_completion_reach_the_project_callback_signed(api: Api, clip_dir: Path) -> None:
    project = api.new_project("e2e-task-events")
    with receiver() as rx:
        configured = api.call(
            "PUT",
            f"/v1/{project.project_id}/notification",
            project.token,
            json={"notifications": [], "url": rx.url, "format": "JSON"},
        )
        assert configured.status_code == 200, configured.text
        answer = create(api, project)
        upload(answer, make_clip(clip_dir, seconds=3, width=640, height=360))
        key = wait_for(api, project, answer["VideoId"], {"UploadSucc"})["Mezzanine"]["FileURL"].split(
            api.ref("MediaBucket") + "/", 1
        )[1]
        where = {"bucket": api.ref("MediaBucket"), "location": "us-east-1"}
        request = {
            "input": {**where, "object": key},
            "output": {**where, "object": "events"},
            "trans_template_id": [114],
            "user_data": "order-42",
        }
        status, created = mpc(api, project, "POST", "/transcodings", json=request)
        assert status == 202, created
        task = wait_task(api, project, str(created["task_id"]))
        assert task["status"] == "SUCCEEDED", task
        received = rx.wait_for(3, timeout_s=20)  # FileUploadComplete, TranscodeStart, TranscodeComplete
    by_type = {r.headers["X-Mediaflow-Event-Type"]: r for r in received}
    assert {"TranscodeStart", "TranscodeComplete"} <= set(by_type)
    for name in ("TranscodeStart", "TranscodeComplete"):
        got = by_type[name]
        assert verify(project.signing_secret, got.headers["X-Mediaflow-Signature"], got.body)
        body = json.loads(got.body)
        assert body["event_type"] == name
        assert body["transcode_info"]["task_id"] == str(created["task_id"])
        assert body["transcode_info"]["user_data"] == "order-42"
    done = json.loads(by_type["TranscodeComplete"].body)["transcode_info"]
    assert done["status"] == "SUCCEED"
    assert done["media_detail"]["output_video_paras"][0]["video_info"]["height"] == 360
    assert task["transcode_detail"]["chunks"] == 1
    assert task["transcode_detail"]["compute_seconds"] > 0 and task["transcode_detail"]["gb_seconds"] > 0
