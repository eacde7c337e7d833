"""Watermark templates and ``watermarks[]`` on transcoding tasks: drawn where and when asked, in
the single pass and on the split path (source time across chunks), image and text."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mediaflow import settings
from mediaflow.jobs import runner
from mediaflow.media.binaries import ffmpeg_path, media_env
from mediaflow.records import store
from mediaflow.transcode.parts import PARTS
from mediaflow.transcode.records import TaskDoc
from mediaflow.transcode.task_worker import TASKS
from tests.integration.test_auth import create_project
from tests.support.aws import MotoStack
from tests.support.clips import run_ffmpeg
from tests.support.mpc_calls import call, download, obs, put_source

pytest_plugins = ["tests.integration.conftest_media"]


def black_clip(directory: Path, seconds: int = 8) -> Path:
    path = directory / f"black-{seconds}s-320x240.mp4"
    if not path.exists():
        run_ffmpeg(
            [
                "-f",
                "lavfi",
                "-i",
                f"color=c=black:size=320x240:rate=25:duration={seconds}",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-g",
                "25",
                "-pix_fmt",
                "yuv420p",
                str(path),
            ]
        )
    return path


def white_logo(directory: Path) -> Path:
    path = directory / "logo-white-40x20.png"
    if not path.exists():
        run_ffmpeg(
            ["-f", "lavfi", "-i", "color=c=white:size=40x20", "-frames:v", "1", "-update", "1", str(path)]
        )
    return path


def luma_at(video: Path, at_s: float) -> np.ndarray:
    """The grey frame at ``at_s`` (rows x columns, 0-255)."""
    argv = [ffmpeg_path(), "-nostdin", "-v", "error", "-ss", f"{at_s}", "-i", str(video), "-frames:v", "1"]
    raw = subprocess.run(
        [*argv, "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True, env=media_env()
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(240, 320)


def create_template(project: str, body: dict) -> tuple[int, dict]:
    return call("create_watermark_template", "POST", "/template/watermark", project, body=body)


def run_all(project: str, task_id: str) -> TaskDoc:
    for _ in range(200):
        if store.get(TaskDoc, project, task_id).status not in ("WAITING", "TRANSCODING"):
            break
        if runner.run_next([TASKS, PARTS], lambda: 600_000) == "idle":
            break
    record = store.get(TaskDoc, project, task_id)
    assert record.status == "SUCCEEDED", record.doc
    return record.doc


def make_mp4_template(project: str) -> int:
    body = {
        "template_name": "wm_mp4",
        "video": {
            "codec": 1,
            "bitrate": 0,
            "profile": 3,
            "preset": 1,
            "width": 320,
            "height": 240,
            "max_iframes_interval": 2,
        },
        "audio": {"codec": 1, "sample_rate": 1, "channels": 2},
        "common": {"pack_type": 4},
    }
    status, created = call("create_transcode_template", "POST", "/template/transcodings", project, body=body)
    assert status == 201, created
    return int(created["template_id"])


def test_template_crud(core_env: MotoStack) -> None:
    project, _ = create_project("wm-crud")
    other, _ = create_project("wm-crud-other")
    body = {
        "template_name": "logo",
        "type": "Image",
        "dx": "0.05",
        "dy": "10",
        "referpos": "BottomLeft",
        "width": "0.2",
        "image_process": "Grayed",
        "base": "output",
    }
    status, created = create_template(project, body)
    assert status == 201, created
    template_id = created["template_id"]
    status, listed = call(
        "list_watermark_template",
        "GET",
        "/template/watermark",
        project,
        query={"template_id": str(template_id)},
    )
    assert listed["total"] == 1 and listed["templates"][0] == {**body, "template_id": template_id}
    assert (
        call(
            "list_watermark_template",
            "GET",
            "/template/watermark",
            other,
            query={"template_id": str(template_id)},
        )[1]["total"]
        == 0
    )
    changed = {**body, "template_id": template_id, "referpos": "TopLeft"}
    assert call("update_watermark_template", "PUT", "/template/watermark", project, body=changed)[0] == 204
    status, listed = call("list_watermark_template", "GET", "/template/watermark", project)
    assert (listed["total"], listed["templates"][0]["referpos"]) == (1, "TopLeft")
    assert (
        call("update_watermark_template", "PUT", "/template/watermark", other, body=changed)[1]["error_code"]
        == "MPC.10089"
    )
    assert (
        call(
            "delete_watermark_template",
            "DELETE",
            "/template/watermark",
            other,
            query={"template_id": str(template_id)},
        )[0]
        == 400
    )
    assert (
        call(
            "delete_watermark_template",
            "DELETE",
            "/template/watermark",
            project,
            query={"template_id": str(template_id)},
        )[0]
        == 204
    )
    assert call("list_watermark_template", "GET", "/template/watermark", project)[1]["total"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"template_name": "x", "dx": "1.5"}, "dx"),
        ({"template_name": "x", "width": "4"}, "width"),
        ({"template_name": "x", "referpos": "Middle"}, "referpos"),
        ({"template_name": "x", "timeline_duration": "soon"}, "timeline_duration"),
        ({"template_name": "x", "type": "Text"}, "type"),
        ({"template_name": "x", "random_time_min": "5"}, "random_time_min"),
    ],
)
def test_bad_template_fields_are_mpc_10202(core_env: MotoStack, body: dict, field: str) -> None:
    project, _ = create_project("wm-bad")
    status, answer = create_template(project, body)
    assert (status, answer["error_code"]) == (400, "MPC.10202")
    assert field in answer["error_msg"]


def _logo_lit(frame: np.ndarray, rows: slice, cols: slice) -> bool:
    return float(frame[rows, cols].mean()) > 200


@pytest.mark.parametrize("split", [False, True], ids=["single-pass", "split"])
def test_image_watermark_from_a_template_follows_its_timeline(
    core_env: MotoStack, clip_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split: bool
) -> None:
    if split:
        monkeypatch.setenv("MEDIAFLOW_TRANSCODE_SPLIT", "always")
        monkeypatch.setenv("MEDIAFLOW_MIN_CHUNK_S", "2")
        settings.reset_settings()
    project, _ = create_project(f"wm-image-{split}")
    template = make_mp4_template(project)
    source = put_source(project, black_clip(clip_dir))
    logo = put_source(project, white_logo(clip_dir))
    _, created = create_template(
        project,
        {
            "template_name": "tr",
            "dx": "10",
            "dy": "0.1",
            "referpos": "TopRight",
            "timeline_start": "3",
            "timeline_duration": "3",
            "base": "output",
        },
    )
    body = {
        "input": obs(source),
        "output": obs("wm"),
        "trans_template_id": [template],
        "watermarks": [{"input": obs(logo), "template_id": str(created["template_id"])}],
    }
    status, answer = call("create_transcode_task", "POST", "/transcodings", project, body=body)
    assert status == 202, answer
    doc = run_all(project, str(answer["task_id"]))
    assert (doc.chunks > 1) is split
    video = download(f"outputs/{project}/wm/{doc.output_file_name[0]}", tmp_path / "o.mp4")
    # TopRight, 10 px from the right edge, 24 px (0.1 x 240) from the top: columns 270-310, rows 24-44
    logo_area, elsewhere = (slice(27, 41), slice(273, 307)), (slice(100, 140), slice(100, 200))
    for at, lit in ((1.0, False), (3.5, True), (5.5, True), (7.0, False)):
        frame = luma_at(video, at)
        assert _logo_lit(frame, *logo_area) is lit, at
        assert float(frame[elsewhere].mean()) < 30


def test_text_and_inline_image_watermarks(core_env: MotoStack, clip_dir: Path, tmp_path: Path) -> None:
    project, _ = create_project("wm-text")
    template = make_mp4_template(project)
    source = put_source(project, black_clip(clip_dir, seconds=3))
    logo = put_source(project, white_logo(clip_dir))
    text = base64.b64encode("Mediaflow ©".encode()).decode()
    watermarks = [
        {
            "text_context": text,
            "text_watermark": {
                "dx": "8",
                "dy": "8",
                "referpos": "BottomLeft",
                "font_size": 32,
                "font_color": "white",
                "font_name": "fzyouh",
            },
        },
        {
            "input": obs(logo),
            "image_watermark": {
                "dx": "0",
                "dy": "0",
                "referpos": "TopLeft",
                "width": "80",
                "image_process": "Transparent",
            },
        },
    ]
    body = {
        "input": obs(source),
        "output": obs("wt"),
        "trans_template_id": [template],
        "watermarks": watermarks,
    }
    status, answer = call("create_transcode_task", "POST", "/transcodings", project, body=body)
    assert status == 202, answer
    doc = run_all(project, str(answer["task_id"]))
    frame = luma_at(download(f"outputs/{project}/wt/{doc.output_file_name[0]}", tmp_path / "t.mp4"), 1.0)
    text_box = frame[190:232, 8:200]
    assert (text_box > 200).sum() > 300  # white glyph pixels in the bottom-left corner
    half = float(frame[5:35, 5:75].mean())  # the 80x40 logo at half opacity over black
    assert 100 < half < 160, half
    assert float(frame[100:140, 150:300].mean()) < 30


@pytest.mark.parametrize(
    ("watermark", "field"),
    [
        ({"input": {"object": "missing.png"}}, "watermarks[0].input.object"),
        ({"input": {"object": "clip.mp4"}, "image_watermark": {}}, "watermarks[0].input.object"),
        ({"input": {"object": "logo.png"}, "template_id": "999"}, "watermarks[0].template_id"),
        ({"input": {"object": "logo.png"}}, "watermarks[0]"),
        ({"text_context": "%%%"}, "text_context"),
        ({"text_context": "eA==", "text_watermark": {"font_color": "chartreuse"}}, "font_color"),
    ],
)
def test_bad_watermarks_are_mpc_10202(
    core_env: MotoStack, clip_dir: Path, watermark: dict, field: str
) -> None:
    project, _ = create_project("wm-invalid")
    source = put_source(project, black_clip(clip_dir, seconds=3), "clip.mp4")
    put_source(project, white_logo(clip_dir), "logo.png")
    if "input" in watermark:
        watermark = {**watermark, "input": obs("src/" + watermark["input"]["object"])}
    body = {"input": obs(source), "output": obs("x"), "trans_template_id": [951], "watermarks": [watermark]}
    status, answer = call("create_transcode_task", "POST", "/transcodings", project, body=body)
    assert (status, answer["error_code"]) == (400, "MPC.10202"), answer
    assert field in answer["error_msg"], answer
