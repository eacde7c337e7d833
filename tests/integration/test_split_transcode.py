"""Split transcoding in one process: a task planned into chunks (plus the audio, plus the join),
run by the same job runner as everything else, against a single pass of the same renditions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mediaflow import aws, settings
from mediaflow.jobs import runner
from mediaflow.media.binaries import ffprobe_path, media_env
from mediaflow.records import fan_in, store
from mediaflow.records.model import Record
from mediaflow.settings import get_settings
from mediaflow.transcode import split_task, tasks
from mediaflow.transcode.parts import PARTS
from mediaflow.transcode.records import TaskDoc
from mediaflow.transcode.spec import AudioSpec, RenditionSpec, VideoSpec
from mediaflow.transcode.task_worker import TASKS
from tests.integration.test_auth import create_project
from tests.support.aws import MotoStack
from tests.support.clips import make_clip

HLS = RenditionSpec(
    template_id=1, pack_type="HLS", video=VideoSpec(height=240), hls_interval=2, output_name="h240"
)
MP4 = RenditionSpec(template_id=2, pack_type="MP4", video=VideoSpec(height=180), output_name="m180")
DASH = RenditionSpec(
    template_id=3, pack_type="DASH", video=VideoSpec(height=180), dash_interval=2, output_name="d180"
)
MP3 = RenditionSpec(template_id=4, pack_type="MP3", video=None, audio=AudioSpec(codec="mp3"), output_name="a")


def run_task(project: str, source: Path, renditions: list[RenditionSpec], folder: str) -> Record[TaskDoc]:
    key = f"outputs/{project}/src/{source.name}"
    aws.client("s3").upload_file(str(source), get_settings().bucket_name, key)
    task = tasks.queue_task(
        project,
        source_key=key,
        out_dir=f"outputs/{project}/{folder}/",
        renditions=renditions,
        template_ids=[r.template_id for r in renditions],
    )
    for _ in range(200):
        if store.get(TaskDoc, project, task.id).status not in ("WAITING", "TRANSCODING"):
            break
        if runner.run_next([TASKS, PARTS], lambda: 600_000) == "idle":
            break
    return store.get(TaskDoc, project, task.id)


def ffprobe(path: Path, *args: str) -> Any:
    out = subprocess.run(
        [ffprobe_path(), "-v", "error", "-print_format", "json", *args, str(path)],
        capture_output=True, check=True, env=media_env(), timeout=120,
    )  # fmt: skip
    return json.loads(out.stdout)


def download(project: str, folder: str, dest: Path) -> Path:
    s3 = aws.client("s3")
    prefix = f"outputs/{project}/{folder}/"
    listed = s3.list_objects_v2(Bucket=get_settings().bucket_name, Prefix=prefix).get("Contents", [])
    dest.mkdir(parents=True, exist_ok=True)
    for item in listed:
        s3.download_file(
            get_settings().bucket_name, item["Key"], str(dest / item["Key"].removeprefix(prefix))
        )
    return dest


@pytest.fixture
def split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAFLOW_TRANSCODE_SPLIT", "always")
    monkeypatch.setenv("MEDIAFLOW_MIN_CHUNK_S", "4")
    monkeypatch.setenv("MEDIAFLOW_TRANSCODE_PARALLEL", "2")
    settings.reset_settings()


def test_a_split_task_succeeds_with_every_pack_type(
    core_env: MotoStack, clip_dir: Path, tmp_path: Path, split: None
) -> None:
    project, _ = create_project("split-smoke")
    clip = make_clip(clip_dir, seconds=12, width=640, height=360)
    task = run_task(project, clip, [HLS, MP4, DASH, MP3], "out")
    assert task.status == "SUCCEEDED", task.doc
    assert task.doc.chunks == 2 and task.doc.split is not None
    # three audio parts in parallel: the HLS track, the MP4/DASH track and the MP3 output
    assert task.doc.split.audio_parts == 3
    out = download(project, "out", tmp_path)
    print(sorted(p.name for p in out.iterdir()))
    assert {"h240.m3u8", "h240_v.m3u8", "h240_a.m3u8", "m180.mp4", "d180.mpd", "a.mp3"} <= {
        p.name for p in out.iterdir()
    }
    hls = ffprobe(out / "h240.m3u8", "-show_streams", "-show_format")
    assert sorted(s["codec_type"] for s in hls["streams"]) == ["audio", "video"]
    dash = ffprobe(out / "d180.mpd", "-show_streams", "-show_format")
    assert float(dash["format"]["duration"]) == pytest.approx(12, abs=0.1)
    detail = task.doc.transcode_detail or {}
    assert [m["template_id"] for m in detail["multitask_info"]] == [1, 2, 3, 4]
    assert all("output_file" in m and "error" not in m for m in detail["multitask_info"])
    assert task.doc.output_file_name == ["h240.m3u8", "m180.mp4", "d180.mpd", "a.mp3"]
    assert task.doc.compute_s > 0 and task.doc.progress == 100
    assert not _work_objects(task)  # the intermediate pieces and audio tracks are gone


def _work_objects(task: Record[TaskDoc]) -> list[str]:
    assert task.doc.split is not None
    listed = aws.client("s3").list_objects_v2(
        Bucket=get_settings().bucket_name, Prefix=task.doc.split.work_prefix
    )
    return [o["Key"] for o in listed.get("Contents", [])]


def _queue(
    project: str, source: Path, renditions: list[RenditionSpec], folder: str
) -> tuple[str, Record[TaskDoc]]:
    key = f"outputs/{project}/src/{folder}-{source.name}"
    aws.client("s3").upload_file(str(source), get_settings().bucket_name, key)
    task = tasks.queue_task(
        project,
        source_key=key,
        out_dir=f"outputs/{project}/{folder}/",
        renditions=renditions,
        template_ids=[r.template_id for r in renditions],
    )
    return key, task


def _run_own(project: str, task_id: str, limit: int = 40) -> list[str]:
    """Run workers until the task has ended; the outcomes of each run."""
    outcomes = []
    for _ in range(limit):
        if store.get(TaskDoc, project, task_id).status not in ("WAITING", "TRANSCODING"):
            break
        outcome = runner.run_next([TASKS, PARTS], lambda: 600_000)
        outcomes.append(outcome)
        if outcome == "idle":
            break
    return outcomes


def test_a_chunk_that_fails_is_retried_and_the_task_succeeds(
    core_env: MotoStack, clip_dir: Path, split: None
) -> None:
    project, _ = create_project("split-retry")
    clip = make_clip(clip_dir, seconds=12, width=320, height=240)
    key, task = _queue(project, clip, [HLS], "retry")
    assert runner.run_next([TASKS, PARTS], lambda: 600_000) == "handed-off"  # the plan
    s3, bucket = aws.client("s3"), get_settings().bucket_name
    s3.delete_object(Bucket=bucket, Key=key)  # the source is gone for a moment: the next part fails
    assert runner.run_next([TASKS, PARTS], lambda: 600_000) == "requeued"
    s3.upload_file(str(clip), bucket, key)
    _run_own(project, task.id)
    final = store.get(TaskDoc, project, task.id)
    assert final.status == "SUCCEEDED", final.doc.error_message
    attempts = [p.doc.attempt for p in split_task.parts_of(final)]
    assert max(attempts) == 2 and sorted(attempts).count(1) == len(attempts) - 1


def test_a_chunk_that_keeps_failing_fails_the_task_and_leaves_nothing(
    core_env: MotoStack, clip_dir: Path, split: None
) -> None:
    project, _ = create_project("split-fail")
    clip = make_clip(clip_dir, seconds=12, width=320, height=240)
    key, task = _queue(project, clip, [HLS, MP4], "fail")
    assert runner.run_next([TASKS, PARTS], lambda: 600_000) == "handed-off"
    aws.client("s3").delete_object(Bucket=get_settings().bucket_name, Key=key)
    _run_own(project, task.id)
    final = store.get(TaskDoc, project, task.id)
    assert final.status == "FAILED"
    assert final.doc.error_code == "MPC.10125" and "failed" in (final.doc.error_message or "")
    parts = split_task.parts_of(final)
    assert all(p.status in ("FAILED", "CANCELED") for p in parts)
    assert not _work_objects(final)
    listed = aws.client("s3").list_objects_v2(
        Bucket=get_settings().bucket_name, Prefix=f"outputs/{project}/fail/"
    )
    assert listed.get("KeyCount", 0) == 0


def test_a_part_reported_done_twice_is_counted_once(core_env: MotoStack, clip_dir: Path, split: None) -> None:
    project, _ = create_project("split-dup")
    clip = make_clip(clip_dir, seconds=12, width=320, height=240)
    _, task = _queue(project, clip, [HLS], "dup")
    _run_own(project, task.id)
    final = store.get(TaskDoc, project, task.id)
    assert final.status == "SUCCEEDED"
    done = next(p for p in split_task.parts_of(final) if p.doc.role == "video")
    marked = fan_in.mark_done(project, task.id, done.id, compute_s=1.0, gb_s=1.0)
    assert (marked.first, marked.completes) == (False, False)
    PARTS.on_end(done)  # a duplicated end: no second count, no second join
    assert store.get(TaskDoc, project, task.id).version == final.version


def test_cancel_during_fan_out_stops_every_part(core_env: MotoStack, clip_dir: Path, split: None) -> None:
    import threading
    import time

    project, _ = create_project("split-cancel")
    clip = make_clip(clip_dir, seconds=24, width=640, height=360)
    slow = HLS.model_copy(update={"video": VideoSpec(height=360, preset="slow")})
    _, task = _queue(project, clip, [slow], "cancel")
    assert runner.run_next([TASKS, PARTS], lambda: 600_000) == "handed-off"
    worker = threading.Thread(target=lambda: runner.run_next([TASKS, PARTS], lambda: 600_000))
    worker.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(p.status == "RUNNING" for p in split_task.parts_of(task)):
        time.sleep(0.1)
    time.sleep(1.0)  # ffmpeg is encoding a chunk now
    tasks.cancel_task(project, task.id)
    canceled_at = time.monotonic()
    worker.join(15)
    assert not worker.is_alive()
    assert time.monotonic() - canceled_at < get_settings().jobs.heartbeat_s + 3
    final = store.get(TaskDoc, project, task.id)
    assert final.status == "CANCELED"
    assert all(p.status in ("CANCELED", "DONE") for p in split_task.parts_of(final))
    assert runner.run_next([TASKS, PARTS], lambda: 600_000) == "idle"  # nothing of it is left to run
    assert not _work_objects(final)
