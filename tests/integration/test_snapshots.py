"""Snapshot tasks in one process: the API functions, the worker's run, real ffmpeg, moto."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

from mediaflow.media.binaries import ffprobe_path, media_env
from mediaflow.mediaops.thumbnails import THUMBNAILS
from tests.integration.test_auth import create_project
from tests.support.aws import MotoStack
from tests.support.clips import make_audio_only, make_clip, make_text_file
from tests.support.mpc_calls import call, download, drain, keys, obs, put_source

pytest_plugins = ["tests.integration.conftest_media"]


def create(project: str, body: dict) -> tuple[int, dict]:
    return call("create_thumbnails_task", "POST", "/thumbnails", project, body=body)


def task(project: str, task_id: str) -> dict:
    status, body = call("list_thumbnails_task", "GET", "/thumbnails", project, query={"task_id": task_id})
    assert status == 200, body
    return body["task_array"][0]


def size_of(path: Path) -> tuple[int, int]:
    out = subprocess.run(
        [ffprobe_path(), "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True, env=media_env(),
    ).stdout.strip()
    width, height = out.split(",")[:2]
    return int(width), int(height)


def test_dots_give_one_picture_per_point_at_the_asked_size(core_env: MotoStack, clip_dir: Path, tmp_path: Path) -> None:
    project, _ = create_project("snap-dots")
    key = put_source(project, make_clip(clip_dir, seconds=6, width=640, height=360))
    body = {
        "input": obs(key),
        "output": obs("shots"),
        "thumbnail_para": {"type": "DOTS", "dots": [1, 4], "max_length": 320, "output_filename": "cover"},
        "user_data": "u-1",
    }
    status, created = create(project, body)
    assert status == 200, created
    assert created["status"] == "WAITING"
    drain([THUMBNAILS])
    done = task(project, created["task_id"])
    assert done["status"] == "SUCCEEDED", done
    assert [p["pic_name"] for p in done["thumbnail_info"]] == ["cover_1.jpg", "cover_4.jpg"]
    assert done["user_data"] == "u-1"
    prefix = f"outputs/{project}/shots/{created['task_id']}/"
    assert keys(prefix) == [prefix + "cover_1.jpg", prefix + "cover_4.jpg"]
    assert size_of(download(prefix + "cover_4.jpg", tmp_path / "c.jpg")) == (320, 180)
