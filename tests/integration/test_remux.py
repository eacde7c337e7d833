"""Remux end to end in one process (real ffmpeg, moto): stream copy both ways, refused codecs, cancel,
retry and delete, HLS AES-128, and a task between two authorized user buckets."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mediaflow import aws
from mediaflow.jobs import runner
from mediaflow.media.binaries import ffmpeg_path, ffprobe_path, media_env
from mediaflow.records import store
from mediaflow.remux.records import RemuxDoc
from mediaflow.remux.worker import REMUX
from mediaflow.settings import get_settings
from mediaflow.transcode.parts import PARTS
from mediaflow.transcode.records import TaskDoc
from mediaflow.transcode.task_worker import TASKS
from tests.integration.test_auth import create_project
from tests.integration.test_buckets import authority, user_bucket
from tests.support.aws import MotoStack
from tests.support.clips import make_clip
from tests.support.functions import load_function
from tests.support.lambda_events import FakeContext, api_event

KEY_HEX = "00112233445566778899aabbccddeeff"


def call(function: str, method: str, resource: str, project: str, **kwargs: Any) -> tuple[int, Any]:
    event = api_event(method, resource, {"project_id": project}, project_id=project, **kwargs)
    response = load_function(function).lambda_handler(event, FakeContext())
    body = response["body"]
    if response.get("isBase64Encoded"):
        return response["statusCode"], body
    return response["statusCode"], json.loads(body) if body else None


def where(bucket: str, key: str) -> dict[str, str]:
    return {"bucket": bucket, "location": get_settings().region, "object": key}


def create(project: str, source: dict[str, str], output: dict[str, str], fmt: str, **extra: Any) -> Any:
    body = {
        "input": source,
        "output": output,
        "output_param": {"format": fmt, "segment_duration": 2},
        **extra,
    }
    return call("create_remux_task", "POST", "/v1/{project_id}/remux", project, body=body)


def work(project: str) -> None:
    """Run the shared line until nothing of ``project`` waits."""
    while runner.run_next([TASKS, PARTS, REMUX], lambda: 600_000) != "idle":
        pass


def remux_task(project: str, task_id: str) -> dict[str, Any]:
    status, body = call(
        "list_remux_tasks", "GET", "/v1/{project_id}/remux", project, query={"task_id": task_id}
    )
    assert status == 200 and body["total"] == 1
    return dict(body["tasks"][0])


def frame_md5s(path: Path) -> list[str]:
    out = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "framemd5", "-"],
        check=True,
        capture_output=True,
        env=media_env(),
    ).stdout.decode()
    return [line.rsplit(",", 1)[1].strip() for line in out.splitlines() if line and not line.startswith("#")]


def download_prefix(bucket: str, prefix: str, into: Path) -> None:
    s3 = aws.client("s3")
    for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
        target = into / item["Key"][len(prefix) :]
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, item["Key"], str(target))


def test_mp4_to_hls_to_mp4_gives_back_the_same_frames(
    core_env: MotoStack, clip_dir: Path, tmp_path: Path
) -> None:
    project, _ = create_project("remux-round")
    clip = make_clip(clip_dir, seconds=6, width=320, height=240)
    media = get_settings().bucket_name
    aws.client("s3").upload_file(str(clip), media, f"outputs/{project}/src/clip.mp4")
    status, created = create(project, where(media, "src/clip.mp4"), where(media, "hls"), "hls")
    assert status == 200 and created["task_id"].isdigit()
    work(project)
    task = remux_task(project, created["task_id"])
    assert task["status"] == "SUCCEED", task
    assert task["output"]["file_name"] == "clip.m3u8" and task["complete_ratio"] == 100
    meta = task["output_metadata"]
    assert meta["video"][0]["codec"] == "H264" and meta["duration"] in (5, 6) and len(meta["md5"]) == 32
    playlist = aws.client("s3").get_object(Bucket=media, Key=f"outputs/{project}/hls/clip.m3u8")
    assert b"#EXTINF" in playlist["Body"].read()
    _, back = create(
        project, where(media, "hls/clip.m3u8"), {**where(media, "mp4"), "file_name": "again.mp4"}, "MP4"
    )
    work(project)
    again = remux_task(project, back["task_id"])
    assert again["status"] == "SUCCEED", again
    local = tmp_path / "again.mp4"
    aws.client("s3").download_file(media, f"outputs/{project}/mp4/again.mp4", str(local))
    original = frame_md5s(clip)
    assert len(original) == 150 and frame_md5s(local) == original


def test_a_codec_the_target_cannot_carry_fails_with_its_code_and_retry_and_delete(
    core_env: MotoStack, clip_dir: Path
) -> None:
    project, _ = create_project("remux-codec")
    clip = make_clip(clip_dir, seconds=2, vcodec="mpeg4", audio=False)
    media = get_settings().bucket_name
    aws.client("s3").upload_file(str(clip), media, f"outputs/{project}/src/old.mp4")
    _, created = create(project, where(media, "src/old.mp4"), where(media, "out"), "HLS")
    work(project)
    task = remux_task(project, created["task_id"])
    assert (task["status"], task["error_code"]) == ("FAILED", "MPC.10070")
    assert "mpeg4" in task["description"]
    status, body = call(
        "delete_remux_task", "DELETE", "/v1/{project_id}/remux/task", project, query={"task_id": "x"}
    )
    assert (status, body["error_code"]) == (400, "MPC.10202")
    status, _ = call(
        "retry_remux_task", "PUT", "/v1/{project_id}/remux", project, body={"task_id": created["task_id"]}
    )
    assert status == 200 and remux_task(project, created["task_id"])["status"] == "WAITING"
    _, body = call("delete_remux_task", "DELETE", "/v1/{project_id}/remux/task", project, query=created)
    assert body["error_code"] == "MPC.10213"  # not ended: the record stays
    assert call("cancel_remux_task", "DELETE", "/v1/{project_id}/remux", project, query=created)[0] == 204
    assert remux_task(project, created["task_id"])["status"] == "CANCELED"
    status, body = call("retry_remux_task", "PUT", "/v1/{project_id}/remux", project, body=created)
    assert (status, body["error_code"]) == (400, "MPC.10212")  # only FAILED tasks are retried
    assert (
        call("delete_remux_task", "DELETE", "/v1/{project_id}/remux/task", project, query=created)[0] == 204
    )
    _, listed = call("list_remux_tasks", "GET", "/v1/{project_id}/remux", project, query=created)
    assert listed == {"total": 0, "tasks": []}
    other, _ = create_project("remux-codec-other")
    assert call("cancel_remux_task", "DELETE", "/v1/{project_id}/remux", other, query=created)[0] == 400


def test_refused_requests(core_env: MotoStack) -> None:
    project, _ = create_project("remux-refused")
    media = get_settings().bucket_name
    cases = [
        (where(media, "nothing.mp4"), where(media, "o"), "HLS", {}, "does not exist"),
        (where(media, "../x.mp4"), where(media, "o"), "HLS", {}, "input.object"),
        (where("not-authorized-bucket", "a.mp4"), where(media, "o"), "HLS", {}, "input.bucket"),
        (where(media, "a.mp4"), where(media, "o"), "FLV", {}, "format"),
        (
            where(media, "a.mp4"),
            where(media, "o"),
            "MP4",
            {"encryption": {"hls_encrypt": {"key": KEY_HEX, "url": "https://k"}}},
            "HLS",
        ),
    ]
    aws.client("s3").put_object(Bucket=media, Key=f"outputs/{project}/a.mp4", Body=b"x")
    for source, output, fmt, extra, words in cases:
        status, body = create(project, source, output, fmt, **extra)
        assert (status, body["error_code"]) == (400, "MPC.10202"), (source, fmt)
        assert words in body["error_msg"], body


def _decrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    clear = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = clear.update(data) + clear.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def key_fetch(project: str, key_id: str) -> tuple[int, bytes]:
    resource = "/v1/{project_id}/hls-keys/{key_id}"
    event = api_event("GET", resource, {"project_id": project, "key_id": key_id}, project_id=project)
    answer = load_function("get_hls_key").lambda_handler(event, FakeContext())
    body = base64.b64decode(answer["body"]) if answer.get("isBase64Encoded") else answer["body"].encode()
    return answer["statusCode"], body


def _probe_streams(path: Path) -> list[str]:
    out = subprocess.run(
        [ffprobe_path(), "-v", "error", "-show_entries", "stream=codec_name", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        env=media_env(),
    ).stdout
    return [s["codec_name"] for s in json.loads(out)["streams"]]


def test_encrypted_hls_remux_decrypts_with_the_key_and_the_key_stays_out_of_the_task(
    core_env: MotoStack, clip_dir: Path, tmp_path: Path
) -> None:
    project, _ = create_project("remux-aes")
    clip = make_clip(clip_dir, seconds=4)
    media = get_settings().bucket_name
    aws.client("s3").upload_file(str(clip), media, f"outputs/{project}/src/clip.mp4")
    encryption = {
        "hls_encrypt": {"key": KEY_HEX, "url": "https://keys.example.com/k1", "algorithm": "AES-128-CBC"}
    }
    _, created = create(
        project, where(media, "src/clip.mp4"), where(media, "enc"), "HLS", encryption=encryption
    )
    work(project)
    task = remux_task(project, created["task_id"])
    assert task["status"] == "SUCCEED", task
    assert KEY_HEX not in json.dumps(task)
    stored = store.get(RemuxDoc, project, created["task_id"])
    assert KEY_HEX not in stored.doc.model_dump_json()
    download_prefix(media, f"outputs/{project}/enc/", tmp_path)
    text = (tmp_path / "clip.m3u8").read_text()
    line = next(x for x in text.splitlines() if x.startswith("#EXT-X-KEY"))
    assert 'METHOD=AES-128,URI="https://keys.example.com/k1",IV=0x' in line
    iv = bytes.fromhex(line.split("IV=0x", 1)[1])
    first = tmp_path / "clip_000.ts"
    sealed = first.read_bytes()
    assert sealed[0] != 0x47 and len(sealed) % 16 == 0  # not an MPEG-TS sync byte: encrypted
    clear = tmp_path / "clear.ts"
    clear.write_bytes(_decrypt(sealed, bytes.fromhex(KEY_HEX), iv))
    assert _probe_streams(clear) == ["h264", "aac"]
    key_id = stored.doc.encryption.key_id if stored.doc.encryption else ""
    assert key_fetch(project, key_id) == (
        200,
        bytes.fromhex(KEY_HEX),
    )  # 16 raw bytes, base64 in Lambda's answer
    other, _ = create_project("remux-aes-other")
    assert key_fetch(other, key_id)[0] == 404  # another project's key reads as missing


@pytest.mark.parametrize("split", ["never", "always"])
def test_encrypted_transcoding_between_two_user_buckets(
    core_env: MotoStack, clip_dir: Path, tmp_path: Path, split: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediaflow import settings

    monkeypatch.setenv("MEDIAFLOW_TRANSCODE_SPLIT", split)
    monkeypatch.setenv("MEDIAFLOW_MIN_CHUNK_S", "2")
    settings.reset_settings()
    project, _ = create_project(f"buckets-task-{split}")
    source_bucket, target_bucket = user_bucket(core_env, project), user_bucket(core_env, project)
    clip = make_clip(clip_dir, seconds=12, width=320, height=240)
    aws.client("s3").upload_file(str(clip), source_bucket, "raw/clip.mp4")
    body = {
        "input": where(source_bucket, "raw/clip.mp4"),
        "output": where(target_bucket, "published"),
        "trans_template_id": [111],
        "encryption": {"hls_encrypt": {"key": KEY_HEX, "url": "https://keys.example.com/t"}},
    }
    status, answer = call(
        "create_transcode_task", "POST", "/v1/{project_id}/transcodings", project, body=body
    )
    assert (status, answer["error_code"]) == (400, "MPC.10202")  # not authorized yet
    for bucket in (source_bucket, target_bucket):
        assert authority(project, bucket, 1)[0] == 200
    status, answer = call(
        "create_transcode_task", "POST", "/v1/{project_id}/transcodings", project, body=body
    )
    assert status == 202, answer
    work(project)
    task = store.get(TaskDoc, project, str(answer["task_id"]))
    assert task.status == "SUCCEEDED", task.doc
    assert task.doc.chunks == (1 if split == "never" else task.doc.chunks) and (
        split == "never" or task.doc.chunks > 1
    )
    download_prefix(target_bucket, "published/", tmp_path)
    playlists = sorted(p.name for p in tmp_path.glob("*.m3u8"))
    video = next(p for p in tmp_path.glob("*.m3u8") if "#EXTINF" in p.read_text() and "_a" not in p.stem)
    text = video.read_text()
    iv = bytes.fromhex(next(x for x in text.splitlines() if x.startswith("#EXT-X-KEY")).split("IV=0x", 1)[1])
    segments = [x for x in text.splitlines() if x and not x.startswith("#")]
    assert len(segments) >= 2, playlists
    for name in (segments[0], segments[-1]):
        clear = tmp_path / f"clear-{name}"
        clear.write_bytes(_decrypt((tmp_path / name).read_bytes(), bytes.fromhex(KEY_HEX), iv))
        assert "h264" in _probe_streams(clear)
    assert (
        aws.client("s3")
        .list_objects_v2(Bucket=get_settings().bucket_name, Prefix=f"outputs/{project}/")
        .get("KeyCount", 0)
        == 0
    )
    assert authority(project, target_bucket, 0)[0] == 200
    status, answer = call(
        "create_transcode_task", "POST", "/v1/{project_id}/transcodings", project, body=body
    )
    assert (status, answer["error_code"]) == (400, "MPC.10202")  # revoked: refused at once
