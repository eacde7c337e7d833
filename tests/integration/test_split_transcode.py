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
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.settings import get_settings
from mediaflow.transcode import tasks
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
    out = download(project, "out", tmp_path)
    print(sorted(p.name for p in out.iterdir()))
    hls = ffprobe(out / "h240.m3u8", "-show_streams", "-show_format")
    print(hls["format"], [s["codec_type"] for s in hls["streams"]])
