"""The worker end to end in one process: real ffmpeg, moto S3/DynamoDB/SNS, source-aware rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediaflow import aws, settings
from mediaflow.jobs import runner
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.settings import get_settings
from mediaflow.transcode import task_worker, tasks
from mediaflow.transcode.records import TaskDoc
from mediaflow.transcode.spec import AudioSpec, RenditionSpec, VideoSpec
from mediaflow.transcode.task_worker import TASKS
from tests.integration.test_auth import create_project
from tests.support.aws import MotoStack
from tests.support.clips import make_audio_only, make_clip, make_text_file

MP4_360 = RenditionSpec(template_id=1, pack_type="MP4", video=VideoSpec(height=360), output_name="v360")
MP4_180 = RenditionSpec(template_id=2, pack_type="MP4", video=VideoSpec(height=180), output_name="v180")
MP3 = RenditionSpec(template_id=3, pack_type="MP3", video=None, audio=AudioSpec(codec="mp3"), output_name="a")


def run(
    project: str, source: Path, renditions: list[RenditionSpec], *, remaining_ms: int = 600_000
) -> Record[TaskDoc]:
    key = f"outputs/{project}/src/{source.name}"
    aws.client("s3").upload_file(str(source), get_settings().bucket_name, key)
    task = tasks.queue_task(
        project,
        source_key=key,
        out_dir=f"outputs/{project}/out/",
        renditions=renditions,
        template_ids=[r.template_id for r in renditions],
    )
    while runner.run_next([TASKS], lambda: remaining_ms) != "idle":
        if store.get(TaskDoc, project, task.id).status not in ("WAITING", "TRANSCODING"):
            break
    return store.get(TaskDoc, project, task.id)


def details(task: Record[TaskDoc]) -> dict[int, dict]:
    return {m["template_id"]: m for m in (task.doc.transcode_detail or {})["multitask_info"]}


def test_portrait_phone_clip_comes_out_upright(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("w-portrait")
    clip = make_clip(clip_dir, seconds=2, width=320, height=240, rotate=90)
    task = run(project, clip, [MP4_180])
    assert task.status == "SUCCEEDED", task.doc
    video = details(task)[2]["output_file"]["video_info"]
    assert video["height"] == 180 and video["width"] < video["height"]


def test_no_upscaling_small_source(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("w-small")
    task = run(project, make_clip(clip_dir, seconds=2, width=320, height=240), [MP4_360, MP4_180])
    assert task.status == "SUCCEEDED"
    info = details(task)
    assert info[1]["error"]["error_code"] == "MPC.10058"  # 360p is above the 240p source: skipped
    assert info[2]["output_file"]["video_info"]["height"] == 180
    assert task.doc.output_file_name == ["v180.mp4"]


def test_audio_only_source(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("w-audio")
    no_audio_video = MP4_180.model_copy(update={"audio": None})
    task = run(project, make_audio_only(clip_dir, seconds=2), [MP3, no_audio_video])
    assert task.status == "SUCCEEDED"
    info = details(task)
    assert info[3]["output_file"]["audio_info"][0]["codec"] == "MP3"
    assert info[2]["error"]["error_code"] == "MPC.10066"


def test_video_without_audio(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("w-silent")
    task = run(project, make_clip(clip_dir, seconds=2, audio=False), [MP4_180])
    assert task.status == "SUCCEEDED"
    assert details(task)[2]["output_file"]["audio_info"] == []


def test_non_media_input_fails_with_a_code(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("w-text")
    task = run(project, make_text_file(clip_dir), [MP4_180])
    assert task.status == "FAILED"
    assert task.doc.error_code == "MPC.10066"
    assert task.doc.error_message


def test_a_source_longer_than_the_limit_fails_early(
    core_env: MotoStack, clip_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAFLOW_MAX_SOURCE_SECONDS", "3")
    settings.reset_settings()
    project, _ = create_project("w-long")
    task = run(project, make_clip(clip_dir, seconds=4), [MP4_180])
    assert task.status == "FAILED"
    assert task.doc.error_code == task_worker.TOO_LONG
    assert "longer than the 3 s" in (task.doc.error_message or "")
    assert task.doc.end_time and not task.doc.outputs


@pytest.mark.parametrize("status", ["SUCCEEDED"])
def test_outputs_land_under_the_output_dir_with_progress_100(
    core_env: MotoStack, clip_dir: Path, status: str
) -> None:
    project, _ = create_project("w-out")
    task = run(project, make_clip(clip_dir, seconds=2), [MP4_180])
    assert task.status == status and task.doc.progress == 100
    listed = aws.client("s3").list_objects_v2(
        Bucket=get_settings().bucket_name, Prefix=f"outputs/{project}/out/"
    )
    assert [o["Key"] for o in listed["Contents"]] == [f"outputs/{project}/out/v180.mp4"]


def test_canceling_a_running_task_stops_ffmpeg_promptly(core_env: MotoStack, clip_dir: Path) -> None:
    import threading
    import time

    project, _ = create_project("w-cancel")
    clip = make_clip(clip_dir, seconds=30, width=640, height=360)
    key = f"outputs/{project}/src/{clip.name}"
    aws.client("s3").upload_file(str(clip), get_settings().bucket_name, key)
    slow = MP4_360.model_copy(update={"video": VideoSpec(height=360, preset="slow")})
    task = tasks.queue_task(
        project, source_key=key, out_dir=f"outputs/{project}/c/", renditions=[slow], template_ids=[1]
    )

    def work() -> None:  # the waiting line is shared: run tasks until ours has been run
        while store.get(TaskDoc, project, task.id).status == "WAITING":
            if runner.run_next([TASKS], lambda: 600_000) == "idle":
                return

    worker = threading.Thread(target=work)
    worker.start()
    deadline = time.monotonic() + 20
    while store.get(TaskDoc, project, task.id).status == "WAITING" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store.get(TaskDoc, project, task.id).status == "TRANSCODING"
    time.sleep(1.0)  # ffmpeg is encoding now
    tasks.cancel_task(project, task.id)
    canceled_at = time.monotonic()
    worker.join(timeout=15)
    assert not worker.is_alive()
    assert time.monotonic() - canceled_at < get_settings().jobs.heartbeat_s + 3
    final = store.get(TaskDoc, project, task.id)
    assert final.status == "CANCELED"
    listed = aws.client("s3").list_objects_v2(
        Bucket=get_settings().bucket_name, Prefix=f"outputs/{project}/c/"
    )
    assert listed.get("KeyCount", 0) == 0  # nothing uploaded for a canceled task
