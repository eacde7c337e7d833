"""The `mediaflow` command against the local stack: upload (resumed after an interruption, with
expired credentials renewed), transcode + watch, get --download of HLS, covers, ls, play, errors."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mediaflow_cli import upload as cli_upload
from mediaflow_cli.client import Client, Settings, decode
from tests.e2e.conftest import REPO, Api, Project
from tests.e2e.test_packaging import user_bucket
from tests.support.clips import make_clip, make_large_clip

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-cli")


@pytest.fixture
def env(api: Api, project: Project, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MEDIAFLOW_ENDPOINT": api.endpoint,
        "MEDIAFLOW_PROJECT_ID": project.project_id,
        "MEDIAFLOW_TOKEN": project.token,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "BROWSER": "true",  # `play` opens nothing in tests
    }


def mediaflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "mediaflow"), *args]  # the installed console script
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, check=False, cwd=REPO
    )


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class Interrupted(Exception):
    pass


def test_an_interrupted_upload_resumes_with_refreshed_credentials(
    api: Api, project: Project, clip_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    clip = make_large_clip(clip_dir, min_bytes=12 * MIB)
    client = Client(Settings(api.endpoint, project.project_id, project.token, ""))
    fields = {"Title": "resumed", "FileName": clip.name}
    state, where = cli_upload.start_or_resume(client, clip, fields, lambda _: None)
    state.part_bytes = 5 * MIB  # three parts; the crash comes after the first one

    def crash_after_first_part(sent: int) -> None:
        if sent >= 5 * MIB:
            raise Interrupted

    with pytest.raises(Interrupted):
        cli_upload.send(client, state, where, crash_after_first_part)
    state.save(where)
    saved = json.loads(where.read_text())
    assert saved["upload_id"] and saved["video_id"] == state.video_id

    auth = decode(saved["answer"]["UploadAuth"])  # pretend the credentials expired meanwhile
    auth["ExpireUTCTime"] = "2000-01-01T00:00:00Z"
    saved["answer"]["UploadAuth"] = base64.b64encode(json.dumps(auth).encode()).decode()
    where.write_text(json.dumps(saved))

    resumed, _ = cli_upload.start_or_resume(client, clip, fields, lambda _: None)
    assert resumed.video_id == state.video_id and resumed.upload_id == state.upload_id
    assert (
        decode(resumed.answer["UploadAuth"])["SecurityToken"] != auth["SecurityToken"]
    )  # RefreshUploadVideo
    first_report: list[int] = []
    cli_upload.send(client, resumed, where, first_report.append)
    assert first_report[0] == 5 * MIB  # the part S3 already had was not sent again
    assert not where.exists()
    info = api.call("GET", f"/v1/{project.project_id}/videos/{state.video_id}", project.token).json()
    assert info["Video"]["Size"] == clip.stat().st_size or info["Video"]["Status"] == "Uploading"


def test_upload_transcode_watch_get_and_play(env: dict[str, str], clip_dir: Path, tmp_path: Path) -> None:
    clip = make_clip(clip_dir, seconds=4, width=640, height=360)  # 360p renditions: never upscaled
    video = as_json(mediaflow(env, "upload", str(clip), "--title", "cli clip", "--json"))
    assert video["Video"]["Status"] == "UploadSucc" and video["Mezzanine"]["VideoStreamList"]
    video_id = video["Video"]["VideoId"]
    assert video_id in [v["VideoId"] for v in as_json(mediaflow(env, "ls", "videos", "--json"))]

    task = as_json(mediaflow(env, "transcode", video_id, "--template", "111", "--template", "114", "--json"))
    assert as_json(mediaflow(env, "watch", task["task_id"], "--json")) == {task["task_id"]: "SUCCEEDED"}
    got = as_json(mediaflow(env, "get", task["task_id"], "--download", str(tmp_path / "out"), "--json"))
    names = sorted(Path(p).name for p in got["downloaded"])
    assert any(n.endswith(".ts") for n in names) and any(n.endswith(".mp4") for n in names), names
    playlist = next((tmp_path / "out").glob("*.m3u8")).read_text()
    assert "X-Amz" not in playlist  # written back with plain relative names
    assert all((tmp_path / "out" / line).is_file() for line in playlist.splitlines() if line.endswith(".ts"))

    played = as_json(mediaflow(env, "play", task["task_id"], "--json"))
    assert played["object"].endswith(".m3u8") and "/console/#project=" in played["url"]


def test_an_upload_into_an_authorized_bucket_is_transcoded_there(
    api: Api, project: Project, env: dict[str, str], clip_dir: Path
) -> None:
    bucket = user_bucket(api, project)
    granted = api.call(
        "PUT", f"/v1/{project.project_id}/authority", project.token, json={"bucket": bucket, "operation": 1}
    )
    assert granted.status_code == 200, granted.text
    clip = make_clip(clip_dir, seconds=2, width=640, height=360)
    video = as_json(mediaflow(env, "upload", str(clip), "--storage-location", bucket, "--json"))
    assert video["Video"]["Status"] == "UploadSucc" and video["Video"]["StorageLocation"].endswith(
        "/" + bucket
    )
    task = as_json(mediaflow(env, "transcode", video["Video"]["VideoId"], "--template", "111", "--json"))
    assert as_json(mediaflow(env, "watch", task["task_id"], "--json")) == {task["task_id"]: "SUCCEEDED"}
    written = api.aws("s3").list_objects_v2(Bucket=bucket, Prefix="transcodes/").get("KeyCount", 0)
    assert written > 0  # the outputs beside the source, in the user's bucket


def test_covers_and_errors_are_one_line_with_the_family_code(env: dict[str, str], clip_dir: Path) -> None:
    clip = make_clip(clip_dir, seconds=3, width=320, height=240, fps=24)
    video_id = as_json(mediaflow(env, "upload", str(clip), "--json"))["Video"]["VideoId"]
    job = as_json(mediaflow(env, "covers", video_id, "--count", "2", "--width", "320", "--json"))
    assert job["State"] == "Success"
    assert job["JobId"] in [j["JobId"] for j in as_json(mediaflow(env, "ls", "jobs", "--json"))]

    missing = mediaflow(env, "get", "0" * 32)
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines() == [
        "error: InvalidVideo.NotFound: The video not exist. (HTTP 404)"
    ]
    bad = mediaflow({**env, "MEDIAFLOW_TOKEN": "mf_" + "x" * 43}, "ls", "tasks")
    assert bad.returncode == 1 and "InvalidToken" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    completion = mediaflow({**env, "_MEDIAFLOW_COMPLETE": "bash_source"}, "ls")
    assert "complete" in completion.stdout  # shell completion script
