"""Alibaba's own SDK (alibabacloud-vod20170321, unchanged) against the local stack: only the endpoint
and the keys change. Every VOD operation Mediaflow has with the default ACS3-HMAC-SHA256, including
seed 001 (RefreshUploadVideo) and seed 004 (GetURLUploadInfos), and again with RPC v1 HMAC-SHA1
(``signature_algorithm='v2'``); an action Mediaflow lacks is ``InvalidAction.NotFound``."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_vod20170321 import models as vod

from tests.e2e.conftest import Api, Project
from tests.integration.test_ingest_source import serve_sources
from tests.support.clips import make_clip
from tests.support.sdks import vod_client
from tests.support.uploads import s3_for


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-sdk-alibaba")


@pytest.fixture(scope="module")
def client(api: Api, project: Project) -> Any:
    return vod_client(api.endpoint, project.access_key_id, project.access_key_secret)


def decoded(body: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return json.loads(base64.b64decode(body.upload_address)), json.loads(base64.b64decode(body.upload_auth))


def upload(body: Any, clip: Path) -> None:
    """What a VOD client does with the answer: S3 stands where OSS stood (Endpoint, Bucket, FileName)."""
    address, auth = decoded(body)
    s3 = s3_for(address, auth)
    s3.upload_file(str(clip), address["Bucket"], address["FileName"])


def wait_video(client: Any, video_id: str, statuses: set[str], timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        video = client.get_video_info(vod.GetVideoInfoRequest(video_id=video_id)).body.video
        if video.status in statuses or time.monotonic() > deadline:
            return video
        time.sleep(1)


def test_create_upload_refresh_seed_001_and_get_video_info(client: Any, clip_dir: Path) -> None:
    created = client.create_upload_video(
        vod.CreateUploadVideoRequest(title="sdk upload", file_name="sdk.mp4", file_size=1234, tags="a,b")
    ).body
    assert created.request_id and len(created.video_id) == 32
    address, auth = decoded(created)
    assert set(address) >= {"Endpoint", "Bucket", "FileName"} and auth["Expiration"] == "3000"
    refreshed = client.refresh_upload_video(vod.RefreshUploadVideoRequest(video_id=created.video_id)).body
    assert refreshed.video_id == created.video_id and refreshed.request_id != created.request_id
    assert decoded(refreshed)[0]["FileName"] == address["FileName"]
    assert decoded(refreshed)[1]["AccessKeyId"] != auth["AccessKeyId"]
    upload(refreshed, make_clip(clip_dir, seconds=1))
    video = wait_video(client, created.video_id, {"UploadSucc", "Normal", "UploadFail"})
    assert (video.status, video.title, video.tags) == ("UploadSucc", "sdk upload", "a,b")
    assert isinstance(video.size, int) and video.size > 0 and video.duration == pytest.approx(1.0, abs=0.1)


def test_errors_reach_the_sdk_with_their_codes(client: Any) -> None:
    with pytest.raises(ClientException) as missing:
        client.get_video_info(vod.GetVideoInfoRequest(video_id="0" * 32))
    assert (missing.value.status_code, missing.value.code) == (404, "InvalidVideo.NotFound")
    with pytest.raises(ClientException) as invalid:
        client.create_upload_video(vod.CreateUploadVideoRequest(title="t", file_name="notes.txt"))
    assert invalid.value.code == "InvalidFileName.Extension"
    with pytest.raises(ClientException) as lacking:
        client.get_play_info(vod.GetPlayInfoRequest(video_id="0" * 32))
    assert (lacking.value.status_code, lacking.value.code) == (404, "InvalidAction.NotFound")


def test_upload_media_by_url_and_seed_004_get_url_upload_infos(client: Any, clip_dir: Path) -> None:
    with serve_sources() as sources:
        sources.files["sdk.mp4"] = make_clip(clip_dir, seconds=1)
        url = sources.url("sdk.mp4")
        started = client.upload_media_by_url(
            vod.UploadMediaByURLRequest(
                upload_urls=quote(url, safe=""),
                upload_metadatas=json.dumps([{"SourceURL": url, "Title": "from a URL"}]),
                user_data=json.dumps({"Extend": "sdk"}),
            )
        ).body
        (job,) = started.upload_jobs
        assert job.source_url == url and job.job_id
        deadline = time.monotonic() + 60
        while True:
            infos = client.get_urlupload_infos(vod.GetURLUploadInfosRequest(job_ids=job.job_id)).body
            (info,) = infos.urlupload_info_list
            if info.status in ("SUCCESS", "DOWNLOAD_FAIL", "UPLOAD_FAIL") or time.monotonic() > deadline:
                break
            time.sleep(1)
    assert (info.job_id, info.status, info.upload_url) == (job.job_id, "SUCCESS", url)
    assert info.media_id and isinstance(info.file_size, str) and int(info.file_size) > 0
    by_url = client.get_urlupload_infos(vod.GetURLUploadInfosRequest(upload_urls=quote(url, safe=""))).body
    assert [i.job_id for i in by_url.urlupload_info_list] == [job.job_id]
    unknown = client.get_urlupload_infos(vod.GetURLUploadInfosRequest(job_ids="0" * 32)).body
    assert unknown.non_exists == ["0" * 32]


def test_rpc_v1_hmac_sha1_reaches_the_same_operations(api: Api, project: Project) -> None:
    """``signature_algorithm='v2'``: Action, Signature and the parameters in the query (RPC v1)."""
    v2 = vod_client(api.endpoint, project.access_key_id, project.access_key_secret, "v2")
    created = v2.create_upload_video(vod.CreateUploadVideoRequest(title="rpc v1", file_name="v1.mp4")).body
    refreshed = v2.refresh_upload_video(vod.RefreshUploadVideoRequest(video_id=created.video_id)).body
    assert refreshed.video_id == created.video_id
    video = v2.get_video_info(vod.GetVideoInfoRequest(video_id=created.video_id)).body.video
    assert (video.title, video.status) == ("rpc v1", "Uploading")
    unknown = v2.get_urlupload_infos(vod.GetURLUploadInfosRequest(job_ids="0" * 32)).body
    assert unknown.non_exists == ["0" * 32]
    with pytest.raises(ClientException) as lacking:
        v2.get_play_info(vod.GetPlayInfoRequest(video_id=created.video_id))
    assert lacking.value.code == "InvalidAction.NotFound"
