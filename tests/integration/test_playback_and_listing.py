"""GetPlayURL (presigned files, rewritten HLS trees inside the project only), GetVideoList paging and
filters, and the console's deployment copy - against moto holding the template's resources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from mediaflow import playback
from mediaflow.errors import ApiError
from mediaflow.uploads import listing, service
from mediaflow.uploads.models import CreateUploadVideoRequest
from mediaflow_cli import console_deploy
from tests.support.aws import MotoStack

PROJECT = "a" * 32
OTHER = "b" * 32
MASTER_LINES = ["#EXTM3U", "#EXT-X-STREAM-INF:BANDWIDTH=800000", "low/index.m3u8"]
MASTER_LINES += ["#EXT-X-STREAM-INF:BANDWIDTH=400000", "v2.m3u8", ""]
MASTER = "\n".join(MASTER_LINES)
VARIANT_LINES = ["#EXTM3U", "#EXT-X-TARGETDURATION:2", '#EXT-X-MAP:URI="init.mp4"', "#EXTINF:2.0,"]
VARIANT_LINES += ["seg_000.m4s", "#EXTINF:2.0,", "seg_001.m4s", "#EXT-X-ENDLIST", ""]
VARIANT = "\n".join(VARIANT_LINES)


def put(stack: MotoStack, key: str, body: bytes | str) -> None:
    data = body.encode() if isinstance(body, str) else body
    stack.client("s3").put_object(Bucket=stack.ref("MediaBucket"), Key=key, Body=data)


def test_an_hls_tree_is_rewritten_so_every_reference_is_fetchable(core_env: MotoStack) -> None:
    base = f"outputs/{PROJECT}/show"
    put(core_env, f"{base}/master.m3u8", MASTER)
    for folder in ("low", ""):
        prefix = f"{base}/{folder}/" if folder else f"{base}/"
        name = "index.m3u8" if folder else "v2.m3u8"
        put(core_env, prefix + name, VARIANT)
        for part in ("init.mp4", "seg_000.m4s", "seg_001.m4s"):
            put(core_env, prefix + part, f"{prefix}{part}")
    info = playback.play_url(PROJECT, "show/master.m3u8")["PlayInfo"]
    assert info["Format"] == "m3u8" and info["Object"] == f"{base}/master.m3u8"
    master = requests.get(info["PlayURL"], timeout=10).text
    variants = [line for line in master.splitlines() if line.startswith("http")]
    assert len(variants) == 2 and all(f"/playback/{PROJECT}/" in v for v in variants)
    fetched = set()
    for variant_url in variants:
        text = requests.get(variant_url, timeout=10).text
        urls = re.findall(r"https?://[^\s\"]+", text)
        assert len(urls) == 3  # the init segment (EXT-X-MAP URI) and both media segments
        fetched |= {requests.get(u, timeout=10).text for u in urls}
    assert f"{base}/low/seg_001.m4s" in fetched and f"{base}/init.mp4" in fetched


def test_a_playlist_cannot_reach_outside_its_project(core_env: MotoStack) -> None:
    put(core_env, f"outputs/{PROJECT}/evil.m3u8", f"#EXTM3U\n#EXTINF:2,\n../{OTHER}/secret.ts\n")
    put(core_env, f"outputs/{OTHER}/secret.ts", "secret")
    with pytest.raises(ApiError) as refused:
        playback.play_url(PROJECT, "evil.m3u8")
    assert (refused.value.status, refused.value.code) == (400, "InvalidParameter")
    with pytest.raises(ApiError) as foreign:
        playback.play_url(PROJECT, f"outputs/{OTHER}/secret.ts")
    assert foreign.value.status == 400


@pytest.mark.parametrize(
    ("obj", "timeout", "status", "code"),
    [
        ("missing.mp4", None, 404, "InvalidObject.NotFound"),
        ("a.mpd", None, 400, "InvalidParameter"),
        ("x.mp4", "5", 400, "InvalidParameter"),
        ("", None, 400, "MissingParameter"),
        ("../x.mp4", None, 400, "InvalidParameter"),
    ],
)
def test_bad_play_requests_get_vod_errors(
    core_env: MotoStack, obj: str, timeout: str | None, status: int, code: str
) -> None:
    with pytest.raises(ApiError) as error:
        playback.play_url(PROJECT, obj, timeout)
    assert (error.value.status, error.value.code) == (status, code)


def test_an_mp4_plays_from_a_presigned_url_with_ranges(core_env: MotoStack) -> None:
    put(core_env, f"outputs/{PROJECT}/clip.mp4", b"0123456789" * 100)
    info = playback.play_url(PROJECT, "clip.mp4", "600")["PlayInfo"]
    answer = requests.get(info["PlayURL"], headers={"Range": "bytes=10-19"}, timeout=10)
    assert answer.status_code == 206 and answer.content == b"0123456789" and info["Size"] == 1000


def test_video_list_pages_filters_and_sorts(core_env: MotoStack) -> None:
    project = "c" * 32
    made = [
        service.create_upload_video(project, CreateUploadVideoRequest(Title=f"v{i}", FileName=f"v{i}.mp4"))[
            "VideoId"
        ]
        for i in range(3)
    ]
    first = listing.video_list(project, page_size="2")
    assert first["Total"] == 3 and [v["VideoId"] for v in first["VideoList"]["Video"]] == made[::-1][:2]
    second = listing.video_list(project, page_size="2", page_no="2")
    assert [v["VideoId"] for v in second["VideoList"]["Video"]] == [made[0]]
    oldest = listing.video_list(project, sort_by="CreationTime:Asc", page_size="1")
    assert oldest["VideoList"]["Video"][0]["VideoId"] == made[0]
    assert oldest["VideoList"]["Video"][0]["SourceObject"].startswith(f"uploads/{project}/")
    assert listing.video_list(project, status="Uploading,UploadSucc")["Total"] == 3
    assert listing.video_list(project, status="Normal")["Total"] == 0
    for bad in (
        {"status": "Done"},
        {"page_size": "101"},
        {"page_no": "51", "page_size": "100"},
        {"start_time": "2026-01-01"},
        {"sort_by": "Title"},
    ):
        with pytest.raises(ApiError) as error:
            listing.video_list(project, **bad)
        assert error.value.code == "InvalidParameter"


def test_console_deploy_copies_the_built_console_with_its_api_endpoint(
    core_env: MotoStack, tmp_path: Path
) -> None:
    source = tmp_path / "console"
    for name in console_deploy.FILES:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(name)
    s3 = core_env.client("s3")
    s3.create_bucket(Bucket="console-bucket")
    written = console_deploy.deploy("console-bucket", "https://api.example.com/dev", source)
    assert set(written) == {*console_deploy.FILES, "config.json"}
    head = s3.head_object(Bucket="console-bucket", Key="app.js")
    assert head["ContentType"] == "text/javascript"
    config = s3.get_object(Bucket="console-bucket", Key="config.json")["Body"].read()
    assert b"https://api.example.com/dev" in config
