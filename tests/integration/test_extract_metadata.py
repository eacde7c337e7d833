"""Metadata extraction in one process: synchronous and queued, the same probe as uploads, MD5."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from mediaflow.mediaops.extract_tasks import EXTRACTS
from tests.integration.test_auth import create_project
from tests.support.aws import MotoStack
from tests.support.clips import make_audio_only, make_clip, make_text_file, run_ffmpeg
from tests.support.mpc_calls import call, download, drain, obs, put_source

pytest_plugins = ["tests.integration.conftest_media"]


def extract(project: str, body: dict) -> tuple[int, dict]:
    return call("create_extract_task", "POST", "/extract-metadata", project, body=body)


def make_vfr(directory: Path) -> Path:
    """Variable frame rate: 10 fps for 2 s then 30 fps for 2 s, one stream (MP4 keeps the times)."""
    path = directory / "vfr-10-then-30fps-4s.mp4"  # a name of its own: the directory is shared
    if not path.exists():
        graph = "[0:v][1:v]concat=n=2:v=1[v]"
        run_ffmpeg(
            [
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=320x240:rate=10:duration=2",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=320x240:rate=30:duration=2",
                "-filter_complex",
                graph,
                "-map",
                "[v]",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-vsync",
                "vfr",
                str(path),
            ]
        )
    return path


def test_sync_answers_the_metadata_with_an_md5_of_the_whole_object(
    core_env: MotoStack, clip_dir: Path
) -> None:
    project, _ = create_project("meta-sync")
    clip = make_clip(clip_dir, seconds=3, width=320, height=240, rotate=90)
    key = put_source(project, clip)
    status, body = extract(project, {"input": obs(key), "sync": 1, "user_data": "m"})
    assert status == 200, body
    assert body["status"] == "SUCCEED", body
    meta = body["metadata"]
    assert meta["md5"] == hashlib.md5(clip.read_bytes()).hexdigest()  # noqa: S324 - the contract's checksum
    assert meta["size"] == clip.stat().st_size
    assert meta["duration"] == 3 and abs(meta["duration_ms"] - 3.0) < 0.1
    assert meta["format"] == "MP4" and meta["bitrate"] > 0
    (video,) = meta["video"]
    assert (video["codec"], video["width"], video["height"], video["rotate"]) == ("H264", 240, 320, 90.0)
    assert video["frame_rate"] == 25 and video["profile"] and video["display_aspect_ratio"]
    (audio,) = meta["audio"]
    assert (audio["codec"], audio["sample"], audio["channels"]) == ("AAC", 48000, 2)


def test_queued_with_an_output_writes_the_json_and_lists(
    core_env: MotoStack, clip_dir: Path, tmp_path: Path
) -> None:
    project, _ = create_project("meta-queued")
    key = put_source(project, make_audio_only(clip_dir, seconds=2))
    output = {**obs("meta"), "file_name": "audio.json"}
    status, body = extract(project, {"input": obs(key), "output": output})
    assert (status, body["status"]) == (200, "WAITING")
    drain([EXTRACTS])
    status, listed = call(
        "list_extract_task", "GET", "/extract-metadata", project, query={"task_id": body["task_id"]}
    )
    (done,) = listed["tasks"]
    assert done["status"] == "SUCCEED", done
    assert done["metadata"]["video"] == [] and done["metadata"]["audio"][0]["codec"] == "AAC"
    written = json.loads(download(f"outputs/{project}/meta/audio.json", tmp_path / "m.json").read_text())
    assert written == done["metadata"]


def test_vfr_source_reports_its_average_rate(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("meta-vfr")
    key = put_source(project, make_vfr(clip_dir))
    _, body = extract(project, {"input": obs(key), "sync": 1})
    assert body["status"] == "SUCCEED", body
    (video,) = body["metadata"]["video"]
    assert 10 < video["fps"] < 30  # 80 frames over 4 s
    assert body["metadata"]["format"] == "MP4"


def test_not_media_fails_with_its_code(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("meta-text")
    key = put_source(project, make_text_file(clip_dir))
    status, body = extract(project, {"input": obs(key), "sync": 1})
    assert status == 200
    assert body["status"] == "FAILED" and "not a media file" in body["description"]
    status, listed = call(
        "list_extract_task", "GET", "/extract-metadata", project, query={"status": "FAILED"}
    )
    assert listed["tasks"][0]["error_code"] == "MPC.10066"


def test_bad_input_is_mpc_10202(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("meta-bad")
    for body, field in (
        ({"input": obs("missing.mp4")}, "input.object"),
        ({"input": obs("a.mp4"), "sync": 2}, "sync"),
        ({"input": {**obs("a.mp4"), "bucket": "other"}}, "input.bucket"),
        ({"input": obs("../x.mp4")}, "input.object"),
    ):
        status, answer = extract(project, body)
        assert (status, answer["error_code"]) == (400, "MPC.10202"), answer
        assert field in answer["error_msg"]
