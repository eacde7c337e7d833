"""Crash recovery over the local stack: a worker process killed mid-task (what an out-of-memory
kill or a Lambda timeout does) is noticed by the watchdog within the staleness window, the task
runs again from the start and succeeds; a task whose worker dies on every attempt ends FAILED.

The e2e stack runs with a 1 s heartbeat, an 8 s staleness window and 2 attempts (conftest)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Api, Project
from tests.e2e.test_transcoding import mpc, wait_task
from tests.support.clips import make_clip

WORKER = "TranscodeWorkerFunction"


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-recovery")


def submit(api: Api, project: Project, clip: Path, name: str) -> str:
    key = f"outputs/{project.project_id}/crash/{name}.mp4"
    api.aws("s3").upload_file(str(clip), api.ref("MediaBucket"), key)
    where = {"bucket": api.ref("MediaBucket"), "location": "us-east-1"}
    body = {
        "input": {**where, "object": key},
        "output": {**where, "object": f"crash-out/{name}"},
        "trans_template_id": [114],  # H.264 360p MP4: slow enough to be killed mid-encode
    }
    status, answer = mpc(api, project, "POST", "/transcodings", json=body)
    assert status == 202, answer
    return str(answer["task_id"])


def task(api: Api, project: Project, task_id: str) -> dict[str, Any]:
    _, body = mpc(api, project, "GET", "/transcodings", params={"task_id": task_id})
    return dict(body["task_array"][0])


def kill_running_worker(api: Api, project: Project, task_id: str, timeout_s: float = 60) -> None:
    """Wait until the task is being encoded, then SIGKILL its worker's process group."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if task(api, project, task_id)["status"] == "TRANSCODING" and (busy := api.busy_workers(WORKER)):
            time.sleep(1.0)  # ffmpeg is running now
            for pid in busy:
                os.killpg(pid, signal.SIGKILL)
            return
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} was never seen running")


def test_a_killed_worker_s_task_runs_again_and_succeeds(api: Api, project: Project, clip_dir: Path) -> None:
    clip = make_clip(clip_dir, seconds=20, width=640, height=360, fps=25)
    task_id = submit(api, project, clip, "once")
    killed_at = time.monotonic()
    kill_running_worker(api, project, task_id)
    final = wait_task(api, project, task_id, timeout_s=180)
    assert final["status"] == "SUCCEEDED", final
    assert final["transcode_detail"]["multitask_info"][0]["output_file"]["duration"] >= 19
    assert time.monotonic() - killed_at < 120  # found within the 8 s window, then encoded again


def test_a_task_whose_worker_dies_on_every_attempt_ends_failed(
    api: Api, project: Project, clip_dir: Path
) -> None:
    clip = make_clip(clip_dir, seconds=20, width=640, height=360, fps=25)
    task_id = submit(api, project, clip, "always")
    for _attempt in range(2):
        kill_running_worker(api, project, task_id)
        time.sleep(2.0)  # the dead attempt stays TRANSCODING until the watchdog notices it
    final = wait_task(api, project, task_id, timeout_s=60)
    assert (final["status"], final["error_code"]) == ("FAILED", "MPC.10050"), final
    assert "stopped responding" in final["description"]
    listed = api.aws("s3").list_objects_v2(
        Bucket=api.ref("MediaBucket"), Prefix=f"outputs/{project.project_id}/crash-out/always"
    )
    assert listed.get("KeyCount", 0) == 0  # nothing of the dead attempts is left
