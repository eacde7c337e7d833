"""Snapshot tasks in one process: the API functions, the worker's run, real ffmpeg, moto."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

from mediaflow.media.binaries import ffprobe_path, media_env
from mediaflow.mediaops.thumbnails import THUMBNAILS
from tests.integration.test_auth import create_project
from tests.support.aws import MotoStack
from tests.support.clips import make_audio_only, make_clip, make_text_file, run_ffmpeg
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
        capture_output=True,
        text=True,
        check=True,
        env=media_env(),
    ).stdout.strip()
    width, height = out.split(",")[:2]
    return int(width), int(height)


def test_dots_give_one_picture_per_point_at_the_asked_size(
    core_env: MotoStack, clip_dir: Path, tmp_path: Path
) -> None:
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


def make_odd(directory: Path) -> Path:
    """321x241 (odd both ways: H.264 4:4:4 allows it; testsrc2 itself only makes even sizes)."""
    path = directory / "odd-321x241-scaled.mp4"
    if not path.exists():
        run_ffmpeg(
            [
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=320x240:rate=25:duration=4",
                "-vf",
                "scale=321:241",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv444p",
                str(path),
            ]
        )
    return path


def test_time_grid_packed_in_a_tar_with_a_sprite_sheet(
    core_env: MotoStack, clip_dir: Path, tmp_path: Path
) -> None:
    project, _ = create_project("snap-time")
    key = put_source(project, make_clip(clip_dir, seconds=10, width=320, height=240))
    para = {
        "type": "TIME",
        "time": 2,
        "start_time": 1,
        "duration": "ToEND",
        "format": 2,
        "output_filename": "grid",
        "sprite": {"column_count": 2, "row_count": 2, "width": 80},
    }
    status, created = create(
        project, {"input": obs(key), "output": obs("t"), "thumbnail_para": para, "tar": 0}
    )
    assert status == 200, created
    drain([THUMBNAILS])
    done = task(project, created["task_id"])
    assert done["status"] == "SUCCEEDED", done
    names = ["grid_1.png", "grid_3.png", "grid_5.png", "grid_7.png", "grid_9.png"]
    assert [p["pic_name"] for p in done["thumbnail_info"]] == names
    assert done["output_file_name"].startswith("grid.tar")
    prefix = f"outputs/{project}/t/{created['task_id']}/"
    with tarfile.open(download(prefix + "grid.tar", tmp_path / "g.tar")) as packed:
        assert packed.getnames() == names
    sprite = done["sprite"]
    assert sprite["sheets"] == ["grid_sprite_000.png", "grid_sprite_001.png"]  # 5 tiles, 4 per sheet
    assert size_of(download(prefix + sprite["sheets"][0], tmp_path / "s.png")) == (160, 120)
    vtt = download(prefix + sprite["webvtt"], tmp_path / "s.vtt").read_text()
    assert vtt.startswith("WEBVTT")
    assert "00:00:01.000 --> 00:00:03.000\ngrid_sprite_000.png#xywh=0,0,80,60" in vtt
    assert "00:00:07.000 --> 00:00:09.000\ngrid_sprite_000.png#xywh=80,60,80,60" in vtt
    assert "00:00:09.000 --> 00:00:10.000\ngrid_sprite_001.png#xywh=0,0,80,60" in vtt


def test_sync_single_dot_answers_in_the_call(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("snap-sync")
    key = put_source(project, make_clip(clip_dir, seconds=4, width=320, height=240))
    body = {
        "input": obs(key),
        "output": obs("s"),
        "thumbnail_para": {"type": "DOTS_MS", "dots_ms": [1500]},
        "sync": 1,
        "original_dir": 1,
    }
    status, answer = create(project, body)
    assert status == 200, answer
    assert (answer["status"], answer["thumbnail_time"]) == ("SUCCEEDED", "1500")
    stem = Path(key).stem
    assert answer["output_file_name"] == f"{stem}.jpg"
    assert keys(f"outputs/{project}/s/") == [f"outputs/{project}/s/{stem}.jpg"]


def test_rotated_and_odd_sources_keep_their_shape(
    core_env: MotoStack, clip_dir: Path, tmp_path: Path
) -> None:
    project, _ = create_project("snap-shape")
    rotated = put_source(project, make_clip(clip_dir, seconds=2, width=320, height=240, rotate=90))
    odd = put_source(project, make_odd(clip_dir))
    for key, para, expected in (
        (rotated, {"type": "DOTS", "dots": [1]}, (240, 320)),  # upright, source size
        (rotated, {"type": "DOTS", "dots": [1], "width": 120, "height": 120}, (90, 120)),  # inside the box
        (odd, {"type": "DOTS", "dots": [1]}, (321, 241)),
        (odd, {"type": "DOTS", "dots": [1], "width": 1920, "height": 1080}, (321, 241)),  # never upscaled
        (odd, {"type": "DOTS", "dots": [1], "max_length": 240}, (240, 180)),
    ):
        _, answer = create(
            project, {"input": obs(key), "output": obs("shape"), "thumbnail_para": para, "sync": 1}
        )
        assert answer["status"] == "SUCCEEDED", answer
        got = download(
            f"outputs/{project}/shape/{answer['task_id']}/{answer['output_file_name']}", tmp_path / "p.jpg"
        )
        assert size_of(got) == expected, para


def test_vfr_source_gives_the_frame_at_each_time(core_env: MotoStack, clip_dir: Path) -> None:
    from tests.integration.test_extract_metadata import make_vfr

    project, _ = create_project("snap-vfr")
    key = put_source(project, make_vfr(clip_dir))
    _, answer = create(
        project,
        {"input": obs(key), "output": obs("v"), "thumbnail_para": {"type": "DOTS", "dots": [0, 1, 2, 3]}},
    )
    drain([THUMBNAILS])
    assert task(project, answer["task_id"])["status"] == "SUCCEEDED"


def test_audio_only_and_not_media_fail_with_their_codes(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("snap-bad")
    for make, code in ((make_audio_only, "MPC.10068"), (make_text_file, "MPC.10066")):
        key = put_source(project, make(clip_dir))
        _, answer = create(
            project,
            {
                "input": obs(key),
                "output": obs("x"),
                "thumbnail_para": {"type": "DOTS", "dots": [0]},
                "sync": 1,
            },
        )
        assert answer["status"] == "FAILED" and answer["description"], answer
        assert task(project, answer["task_id"])["error_code"] == code


def test_dots_beyond_the_end_fail_naming_the_field(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("snap-late")
    key = put_source(project, make_clip(clip_dir, seconds=2))
    _, answer = create(
        project, {"input": obs(key), "output": obs("x"), "thumbnail_para": {"type": "DOTS", "dots": [1, 9]}}
    )
    drain([THUMBNAILS])
    done = task(project, answer["task_id"])
    assert (done["status"], done["error_code"]) == ("FAILED", "MPC.10202")
    assert "dots" in done["description"]


def test_bad_parameters_are_mpc_10202(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("snap-invalid")
    key = put_source(project, make_clip(clip_dir, seconds=2))
    for para, extra, field in (
        ({"type": "DOTS"}, {}, "thumbnail_para"),
        ({"type": "DOTS", "dots": list(range(11))}, {}, "thumbnail_para.dots"),
        ({"type": "TIME", "width": 50}, {}, "thumbnail_para.width"),
        ({"type": "TIME", "format": 3}, {}, "thumbnail_para.format"),
        ({"type": "TIME", "output_filename": "../x"}, {}, "thumbnail_para.output_filename"),
        ({"type": "TIME"}, {"sync": 1}, "sync"),
        ({"type": "DOTS", "dots": [1]}, {"tar": 2}, "tar"),
    ):
        status, body = create(
            project, {"input": obs(key), "output": obs("x"), "thumbnail_para": para, **extra}
        )
        assert (status, body["error_code"]) == (400, "MPC.10202"), (para, body)
        assert field in body["error_msg"], body


def test_cancel_waiting_then_refused(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("snap-cancel")
    other, _ = create_project("snap-cancel-other")
    key = put_source(project, make_clip(clip_dir, seconds=2))
    _, answer = create(
        project, {"input": obs(key), "output": obs("x"), "thumbnail_para": {"type": "DOTS", "dots": [1]}}
    )
    query = {"task_id": answer["task_id"]}
    assert (
        call("delete_thumbnails_task", "DELETE", "/thumbnails", other, query=query)[1]["error_code"]
        == "MPC.10212"
    )
    assert call("delete_thumbnails_task", "DELETE", "/thumbnails", project, query=query)[0] == 204
    assert task(project, answer["task_id"])["status"] == "CANCELED"
    assert call("delete_thumbnails_task", "DELETE", "/thumbnails", project, query=query)[0] == 400
