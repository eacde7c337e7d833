"""Long sources over the local stack: a source that does not fit one transcoding invocation (the
e2e stack's worker has 30 s) is split into chunks encoded by the pool's workers in parallel, the
audio once, then joined - through the API, the queues and the same workers as any task."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.conftest import Api, Project
from tests.e2e.test_transcoding import fetch, mpc, wait_task
from tests.support import media_checks as check
from tests.support.clips import make_clip


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-split")


def test_a_minute_of_720p_is_split_encoded_in_parallel_and_joined(
    api: Api, project: Project, clip_dir: Path, tmp_path: Path
) -> None:
    clip = make_clip(clip_dir, seconds=60, width=1280, height=720, fps=25)
    key = f"outputs/{project.project_id}/long/source.mp4"
    api.aws("s3").upload_file(str(clip), api.ref("MediaBucket"), key)
    where = {"bucket": api.ref("MediaBucket"), "location": "us-east-1"}
    body = {
        "input": {**where, "object": key},
        "output": {**where, "object": "long-out"},
        "trans_template_id": [131, 111],
    }
    status, answer = mpc(api, project, "POST", "/transcodings", json=body)
    assert status == 202, answer
    task_id = str(answer["task_id"])
    seen: list[int] = []
    deadline = time.monotonic() + 400
    while time.monotonic() < deadline:
        _, listed = mpc(api, project, "GET", "/transcodings", params={"task_id": task_id})
        current = listed["task_array"][0]
        seen.append(current["progress"])
        if current["status"] not in ("WAITING", "TRANSCODING"):
            break
        time.sleep(1.0)
    task = wait_task(api, project, task_id, timeout_s=5)
    assert task["status"] == "SUCCEEDED", task
    assert task["transcode_detail"]["chunks"] > 1  # split: one pass would not fit 30 s
    assert any(5 < p < 100 for p in seen) and seen == sorted(seen)  # weighted over parts, never backwards
    assert (
        task["transcode_detail"]["compute_seconds"] > 0 and task["transcode_detail"]["estimated_cost_usd"] > 0
    )
    heights = sorted(
        m["output_file"]["video_info"]["height"] for m in task["transcode_detail"]["multitask_info"]
    )
    assert heights == [360, 720]
    out = f"outputs/{project.project_id}/long-out/"
    listing = api.aws("s3").list_objects_v2(Bucket=api.ref("MediaBucket"), Prefix=out)
    local = tmp_path / "out"
    for item in listing["Contents"]:
        fetch(api, item["Key"], local / item["Key"].removeprefix(out))
    names = {p.name for p in local.iterdir()}
    assert "master.m3u8" in names
    master = (local / "master.m3u8").read_text()
    assert "#EXT-X-MEDIA:TYPE=AUDIO" in master and master.count("#EXT-X-STREAM-INF") == 2
    main = next(n for n in task["output_file_name"] if n.endswith(".m3u8"))
    video = check.duration(local / main, "v:0")
    audio = check.duration(local / main, "a:0")
    assert video == pytest.approx(60, abs=0.05) and abs(video - audio) <= 0.05
    assert len(check.frame_times(local / main.replace(".m3u8", "_v.m3u8"))) == 60 * 25
    assert (
        not api.aws("s3")
        .list_objects_v2(Bucket=api.ref("MediaBucket"), Prefix=f"work/{project.project_id}/")
        .get("KeyCount")
    )
