"""Animated graphics in one process: the API functions, the worker, real ffmpeg, moto; the GIF's
quality against the source frames (mean SSIM at the GIF's size)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from mediaflow.media.binaries import ffmpeg_path, ffprobe_path, media_env
from mediaflow.mediaops.animated_tasks import ANIMATIONS
from tests.integration.test_auth import create_project
from tests.support.aws import MotoStack
from tests.support.clips import make_audio_only, make_clip, make_text_file
from tests.support.mpc_calls import call, download, drain, obs, put_source

pytest_plugins = ["tests.integration.conftest_media"]


def create(project: str, source: str, output_param: dict, **extra: object) -> tuple[int, dict]:
    body = {"input": obs(source), "output": obs("gifs"), "output_param": output_param, **extra}
    return call("create_animated_graphics_task", "POST", "/animated-graphics", project, body=body)


def task(project: str, task_id: str) -> dict:
    status, body = call(
        "list_animated_graphics_task", "GET", "/animated-graphics", project, query={"task_id": task_id}
    )
    assert status == 200, body
    return body["tasks"][0]


def mean_ssim(
    gif: Path, source: Path, start_s: float, span_s: float, fps: int, size: tuple[int, int]
) -> float:
    graph = (
        f"[1:v]fps={fps},scale={size[0]}:{size[1]}:flags=lanczos,format=rgb24[ref];"
        "[0:v]format=rgb24[gif];[gif][ref]ssim"
    )
    argv = [
        ffmpeg_path(),
        "-nostdin",
        "-i",
        str(gif),
        "-ss",
        str(start_s),
        "-t",
        str(span_s),
        "-i",
        str(source),
    ]
    run = subprocess.run(
        [*argv, "-lavfi", graph, "-f", "null", "-"],
        capture_output=True,
        text=True,
        env=media_env(),
        check=True,
    )
    return float(re.findall(r"All:([0-9.]+)", run.stderr)[-1])


def probe_frames(path: Path) -> tuple[int, int, int]:
    out = subprocess.run(
        [
            ffprobe_path(),
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=width,height,nb_read_frames",
            "-of",
            "csv=p=0",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=media_env(),
    ).stdout.strip()
    width, height, frames = out.split(",")[:3]
    return int(width), int(height), int(frames)


@pytest.mark.parametrize("source", ["testsrc2", "mandelbrot"])
def test_gif_matches_the_source_frames(
    core_env: MotoStack, clip_dir: Path, tmp_path: Path, source: str
) -> None:
    project, _ = create_project(f"gif-{source}")
    clip = make_clip(clip_dir, seconds=8, width=640, height=360, source=source)
    key = put_source(project, clip)
    status, created = create(
        project,
        key,
        {"format": "gif", "width": 320, "height": -1, "start": 1000, "end": 5000, "frame_rate": 10},
        user_data="g",
    )
    assert status == 200, created
    drain([ANIMATIONS])
    done = task(project, created["task_id"])
    assert done["status"] == "SUCCEED", done
    assert done["output"]["file_name"] == f"{Path(key).stem}.gif"
    gif = download(f"outputs/{project}/gifs/{done['output']['file_name']}", tmp_path / "a.gif")
    assert probe_frames(gif) == (320, 180, 40)
    assert mean_ssim(gif, clip, 1.0, 4.0, 10, (320, 180)) >= 0.9
    assert done["result"]["size"] == gif.stat().st_size


def test_webp_rotated_source_comes_out_upright(core_env: MotoStack, clip_dir: Path, tmp_path: Path) -> None:
    project, _ = create_project("gif-webp")
    key = put_source(project, make_clip(clip_dir, seconds=3, width=320, height=240, rotate=90))
    status, created = create(
        project, key, {"format": "webp", "width": 0, "height": 0, "start": 0, "end": 2000, "frame_rate": 5}
    )
    assert status == 200, created
    drain([ANIMATIONS])
    done = task(project, created["task_id"])
    assert done["status"] == "SUCCEED", done
    assert (done["result"]["width"], done["result"]["height"]) == (240, 320)  # upright, source size
    data = download(f"outputs/{project}/gifs/{done['output']['file_name']}", tmp_path / "a.webp").read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP" and b"ANIM" in data[:64]


def test_never_larger_than_the_source_and_odd_sources(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("gif-size")
    key = put_source(project, make_clip(clip_dir, seconds=2, width=200, height=150))
    status, created = create(
        project, key, {"format": "gif", "width": 800, "height": -1, "start": 0, "end": 1000, "frame_rate": 75}
    )
    assert status == 200
    drain([ANIMATIONS])
    done = task(project, created["task_id"])
    assert done["status"] == "SUCCEED", done
    assert (done["result"]["width"], done["result"]["height"]) == (200, 150)
    assert done["result"]["frame_rate"] == 25  # never above the source's


@pytest.mark.parametrize(
    ("make", "code"),
    [(make_audio_only, "MPC.10068"), (make_text_file, "MPC.10066")],
)
def test_no_video_and_not_media_fail_with_their_codes(
    core_env: MotoStack, clip_dir: Path, make, code: str
) -> None:
    project, _ = create_project(f"gif-bad-{code}")
    key = put_source(project, make(clip_dir))
    status, created = create(
        project, key, {"format": "gif", "width": 0, "height": 0, "start": 0, "end": 1000, "frame_rate": 5}
    )
    assert status == 200
    drain([ANIMATIONS])
    done = task(project, created["task_id"])
    assert (done["status"], done["error_code"]) == ("FAILED", code)
    assert done["description"]


@pytest.mark.parametrize(
    ("param", "field"),
    [
        ({"format": "gif", "width": 0, "height": 0, "start": 0, "end": 61000}, "output_param"),
        ({"format": "gif", "width": 33, "height": -1, "start": 0, "end": 1000}, "output_param"),
        ({"format": "gif", "width": 0, "height": 100, "start": 0, "end": 1000}, "output_param"),
        ({"format": "mp4", "width": 0, "height": 0, "start": 0, "end": 1000}, "output_param.format"),
        (
            {"format": "gif", "width": 0, "height": 0, "start": 0, "end": 1000, "frame_rate": 76},
            "output_param.frame_rate",
        ),
    ],
)
def test_bad_parameters_are_mpc_10202_naming_the_field(
    core_env: MotoStack, clip_dir: Path, param: dict, field: str
) -> None:
    project, _ = create_project("gif-invalid")
    key = put_source(project, make_clip(clip_dir, seconds=2))
    status, body = create(project, key, param)
    assert (status, body["error_code"]) == (400, "MPC.10202")
    assert field in body["error_msg"]


def test_cancel_and_list_counts(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("gif-list")
    key = put_source(project, make_clip(clip_dir, seconds=2))
    made = [
        create(project, key, {"format": "gif", "width": 0, "height": 0, "start": 0, "end": 1000})[1][
            "task_id"
        ]
        for _ in range(3)
    ]
    assert (
        call(
            "delete_animated_graphics_task",
            "DELETE",
            "/animated-graphics",
            project,
            query={"task_id": made[0]},
        )[0]
        == 204
    )
    status, body = call(
        "list_animated_graphics_task", "GET", "/animated-graphics", project, query={"size": "2"}
    )
    assert status == 200
    assert (body["total"], body["is_truncated"], [t["task_id"] for t in body["tasks"]]) == (3, 1, made[:0:-1])
    status, body = call(
        "list_animated_graphics_task", "GET", "/animated-graphics", project, query={"status": "CANCELED"}
    )
    assert (body["total"], body["tasks"][0]["task_id"]) == (1, made[0])
    status, body = call(
        "delete_animated_graphics_task", "DELETE", "/animated-graphics", project, query={"task_id": made[0]}
    )
    assert (status, body["error_code"]) == (400, "MPC.10212")
