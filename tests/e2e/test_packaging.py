"""Issue 12 over the local stack, through huaweicloudsdkmpc and plain HTTP: your own buckets, remux
MP4 -> HLS -> MP4 between two user buckets with identical frames, and an encrypted HLS task whose
segments play after decryption with the key the key route serves."""

from __future__ import annotations

import base64
import json
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_vod20170321 import models as vod
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmpc.v1 import (
    BucketAuthorizedReq,
    CancelRemuxTaskRequest,
    CreateRemuxTaskReq,
    CreateRemuxTaskRequest,
    CreateRetryRemuxTaskRequest,
    DeleteRemuxTaskRequest,
    ListAllBucketsRequest,
    ListAllObsObjListRequest,
    ListRemuxTaskRequest,
    ListStatSummaryRequest,
    ListTranscodeDetailRequest,
    MpcClient,
    ObsObjInfo,
    RemuxOutputParam,
    RemuxRetryReq,
    UpdateBucketAuthorizedRequest,
)

from local.template import STACK_NAME
from mediaflow.buckets.policy import bucket_policy
from mediaflow.media.binaries import ffmpeg_path, ffprobe_path, media_env
from tests.e2e.conftest import Api, Project
from tests.e2e.test_transcoding import GROUP
from tests.support.clips import make_clip
from tests.support.sdks import mpc_client, next_second, vod_client
from tests.support.uploads import s3_for

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's
KEY_HEX = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-packaging")


def sdk(api: Api, project: Project) -> MpcClient:
    """The vendor SDK pointed at the local stack, signing with the project's access key."""
    client: MpcClient = mpc_client(
        api.endpoint, project.access_key_id, project.access_key_secret, project.project_id
    )
    return client


def user_bucket(api: Api, project: Project) -> str:
    bucket = f"e2e-user-{uuid.uuid4().hex[:10]}"
    s3 = api.aws("s3")
    s3.create_bucket(Bucket=bucket)
    policy = bucket_policy(bucket, project.project_id, ACCOUNT, STACK_NAME)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return bucket


def place(bucket: str, key: str, file_name: str | None = None) -> ObsObjInfo:
    return ObsObjInfo(bucket=bucket, location=REGION, object=key, file_name=file_name)


def wait_remux(client: MpcClient, task_id: str, timeout_s: float = 120) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        task = client.list_remux_task(ListRemuxTaskRequest(task_id=[task_id])).tasks[0]
        if task.status in ("SUCCEED", "FAILED", "CANCELED") or time.monotonic() > deadline:
            return task
        time.sleep(0.5)


def frame_md5s(path: Path) -> list[str]:
    out = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "framemd5", "-"],
        check=True,
        capture_output=True,
        env=media_env(),
    ).stdout.decode()
    return [line.rsplit(",", 1)[1].strip() for line in out.splitlines() if line and not line.startswith("#")]


def test_remux_round_trip_between_two_authorized_buckets(
    api: Api, project: Project, clip_dir: Path, tmp_path: Path
) -> None:
    client = sdk(api, project)
    source, target = user_bucket(api, project), user_bucket(api, project)
    clip = make_clip(clip_dir, seconds=4, width=320, height=240)
    api.aws("s3").upload_file(str(clip), source, "raw/talk.mp4")
    body = CreateRemuxTaskReq(
        input=place(source, "raw/talk.mp4"),
        output=place(target, "hls"),
        output_param=RemuxOutputParam(format="HLS", segment_duration=2),
    )
    with pytest.raises(ClientRequestException) as refused:  # never authorized
        client.create_remux_task(CreateRemuxTaskRequest(body=body))
    assert refused.value.error_code == "MPC.10202"
    for bucket in (source, target):
        client.update_bucket_authorized(
            UpdateBucketAuthorizedRequest(body=BucketAuthorizedReq(bucket=bucket, operation="1"))
        )
    listed = {b.bucket: b.is_authorized for b in client.list_all_buckets(ListAllBucketsRequest()).buckets}
    assert listed[source] == listed[target] == 1
    found = client.list_all_obs_obj_list(ListAllObsObjListRequest(bucket=source, prefix="raw/")).objects
    assert [o.file_name for o in found] == ["raw/talk.mp4"]

    next_second()  # the refused request again, now allowed: not a replay
    hls = wait_remux(client, client.create_remux_task(CreateRemuxTaskRequest(body=body)).task_id)
    assert hls.status == "SUCCEED", hls
    assert hls.output.file_name == "talk.m3u8" and hls.output_metadata.video[0].codec == "H264"
    back = {  # the second leg over plain HTTP
        "input": {"bucket": target, "location": REGION, "object": "hls/talk.m3u8"},
        "output": {"bucket": target, "location": REGION, "object": "mp4", "file_name": "talk.mp4"},
        "output_param": {"format": "MP4"},
    }
    answer = api.call("POST", f"/v1/{project.project_id}/remux", project.token, json=back)
    assert answer.status_code == 200, answer.text
    mp4 = wait_remux(client, answer.json()["task_id"])
    assert mp4.status == "SUCCEED", mp4
    local = tmp_path / "talk.mp4"
    api.aws("s3").download_file(target, "mp4/talk.mp4", str(local))
    assert frame_md5s(local) == frame_md5s(clip) and len(frame_md5s(clip)) == 100

    client.update_bucket_authorized(
        UpdateBucketAuthorizedRequest(body=BucketAuthorizedReq(bucket=target, operation="0"))
    )
    refused_now = api.call("POST", f"/v1/{project.project_id}/remux", project.token, json=back)
    assert (refused_now.status_code, refused_now.json()["error_code"]) == (400, "MPC.10202")
    other = api.new_project("e2e-packaging-other")
    mine = api.call("GET", f"/v1.0-ext/{other.project_id}/objects", other.token, params={"bucket": source})
    assert (mine.status_code, mine.json()["error_code"]) == (400, "MPC.10202")
    theirs = api.call(
        "GET", f"/v1.0-ext/{project.project_id}/objects", other.token, params={"bucket": source}
    )
    assert theirs.status_code == 403  # another project's path: the authorizer denies


def test_a_failed_remux_is_retried_then_deleted_through_the_sdk(
    api: Api, project: Project, clip_dir: Path
) -> None:
    """MPEG-4 Part 2 video cannot go into HLS: the task fails with its code; the SDK's retry puts
    it back in line (it fails again, the input being what it is), cancel refuses an ended task,
    and delete removes the record."""
    client = sdk(api, project)
    media = api.ref("MediaBucket")
    clip = make_clip(clip_dir, seconds=2, vcodec="mpeg4", audio=False)
    api.aws("s3").upload_file(str(clip), media, f"outputs/{project.project_id}/src/old.mp4")
    body = CreateRemuxTaskReq(
        input=place(media, "src/old.mp4"),
        output=place(media, "old-hls"),
        output_param=RemuxOutputParam(format="HLS"),
    )
    task_id = client.create_remux_task(CreateRemuxTaskRequest(body=body)).task_id
    failed = wait_remux(client, task_id)
    assert (failed.status, failed.error_code) == ("FAILED", "MPC.10070")
    client.create_retry_remux_task(CreateRetryRemuxTaskRequest(body=RemuxRetryReq(task_id=task_id)))
    again = wait_remux(client, task_id)
    assert (again.status, again.error_code) == ("FAILED", "MPC.10070")
    with pytest.raises(ClientRequestException) as ended:
        client.cancel_remux_task(CancelRemuxTaskRequest(task_id=task_id))
    assert ended.value.status_code == 400
    client.delete_remux_task(DeleteRemuxTaskRequest(task_id=task_id))
    assert client.list_remux_task(ListRemuxTaskRequest(task_id=[task_id])).total == 0


def _decrypt(data: bytes, key: bytes, iv: bytes) -> bytes:
    clear = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(clear.update(data) + clear.finalize()) + unpadder.finalize()


def test_encrypted_hls_plays_after_decryption_and_shows_in_detail_and_usage(
    api: Api, project: Project, clip_dir: Path, tmp_path: Path
) -> None:
    media = api.ref("MediaBucket")
    clip = make_clip(clip_dir, seconds=4, width=320, height=240)
    api.aws("s3").upload_file(str(clip), media, f"outputs/{project.project_id}/in/enc.mp4")
    key_url = f"{api.endpoint}/v1/{project.project_id}/hls-keys/{{key_id}}"  # {key_id}: filled in
    body = {
        "input": {"bucket": media, "location": REGION, "object": "in/enc.mp4"},
        "output": {"bucket": media, "location": REGION, "object": "enc"},
        "trans_template_id": [111],
        "encryption": {"hls_encrypt": {"key": KEY_HEX, "url": key_url, "algorithm": "AES-128-CBC"}},
    }
    created = api.call("POST", f"/v1/{project.project_id}/transcodings", project.token, json=body)
    assert created.status_code == 202, created.text
    task_id = str(created.json()["task_id"])
    deadline = time.monotonic() + 120
    while True:
        task = api.call(
            "GET", f"/v1/{project.project_id}/transcodings", project.token, params={"task_id": task_id}
        )
        status = task.json()["task_array"][0]["status"]
        if status not in ("WAITING", "TRANSCODING") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == "SUCCEEDED", task.text
    assert KEY_HEX not in task.text
    s3 = api.aws("s3")
    prefix = f"outputs/{project.project_id}/enc/"
    names = [o["Key"][len(prefix) :] for o in s3.list_objects_v2(Bucket=media, Prefix=prefix)["Contents"]]
    playlist = next(n for n in names if n.endswith(".m3u8"))
    text = s3.get_object(Bucket=media, Key=prefix + playlist)["Body"].read().decode()
    line = next(x for x in text.splitlines() if x.startswith("#EXT-X-KEY"))
    iv = bytes.fromhex(line.split("IV=0x", 1)[1])
    key_uri = line.split('URI="', 1)[1].split('"', 1)[0]
    assert key_uri.startswith(f"{api.endpoint}/v1/{project.project_id}/hls-keys/")
    served = api.call("GET", key_uri.removeprefix(api.endpoint), project.token)
    assert served.status_code == 200 and served.content == bytes.fromhex(KEY_HEX)
    assert api.call("GET", key_uri.removeprefix(api.endpoint), None).status_code == 401
    segment = next(x for x in text.splitlines() if x and not x.startswith("#"))
    sealed = s3.get_object(Bucket=media, Key=prefix + segment)["Body"].read()
    clear = tmp_path / "segment.ts"
    clear.write_bytes(_decrypt(sealed, served.content, iv))
    decoded = subprocess.run(
        [
            ffprobe_path(),
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=codec_name,nb_read_frames",
            "-of",
            "json",
            str(clear),
        ],
        check=True,
        capture_output=True,
        env=media_env(),
    )
    streams = json.loads(decoded.stdout)["streams"]
    assert {s["codec_name"] for s in streams} == {"h264", "aac"}
    assert int(next(s for s in streams if s["codec_name"] == "h264")["nb_read_frames"]) > 0

    client = sdk(api, project)
    detail = client.list_transcode_detail(ListTranscodeDetailRequest(task_id=[task_id])).task_array[0]
    assert detail.status == "SUCCEEDED" and detail.media_detail.output_video_paras[0].pack == "HLS"
    today = time.strftime("%Y%m%d", time.gmtime())
    usage = client.list_stat_summary(
        ListStatSummaryRequest(start_time=today, end_time=today, stat_type="transcode_task_number")
    )
    assert usage.total >= 1 and usage.summary[0].date == time.strftime("%Y/%m/%d", time.gmtime())


def test_an_upload_into_an_authorized_bucket_is_transcoded_beside_it_through_vod_sdk(
    api: Api, project: Project, clip_dir: Path
) -> None:
    """CreateUploadVideo with StorageLocation (Alibaba's SDK, unchanged): the credentials write into
    the user's bucket, the grant's notification brings the upload to Mediaflow, and the template
    group's renditions land in the same bucket; after a revoke the location is refused."""
    bucket = user_bucket(api, project)
    mpc = sdk(api, project)
    mpc.update_bucket_authorized(
        UpdateBucketAuthorizedRequest(body=BucketAuthorizedReq(bucket=bucket, operation="1"))
    )
    response = api.call(
        "POST", f"/v1/{project.project_id}/template_group/transcodings", project.token, json=GROUP
    )
    assert response.status_code in (200, 201), response.text
    group = response.json()["template_group"]["group_id"]

    vod_sdk = vod_client(api.endpoint, project.access_key_id, project.access_key_secret)
    request = vod.CreateUploadVideoRequest(
        title="in my bucket", file_name="mine.mp4", storage_location=bucket, template_group_id=group
    )
    created = vod_sdk.create_upload_video(request).body
    address = json.loads(base64.b64decode(created.upload_address))
    auth = json.loads(base64.b64decode(created.upload_auth))
    assert address["Bucket"] == bucket
    s3_for(address, auth).upload_file(
        str(make_clip(clip_dir, seconds=4, width=640, height=360)), bucket, address["FileName"]
    )

    deadline = time.monotonic() + 120
    while True:
        video = vod_sdk.get_video_info(vod.GetVideoInfoRequest(video_id=created.video_id)).body.video
        if video.status in ("Normal", "TranscodeFail", "UploadFail") or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert video.status == "Normal" and video.storage_location.endswith("/" + bucket)
    out_dir = f"outputs/{project.project_id}/videos/{created.video_id}/"
    s3 = api.aws("s3")
    written = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=out_dir).get("Contents", [])]
    assert any(k.endswith(".m3u8") for k in written) and any(k.endswith(".ts") for k in written), written
    assert s3.list_objects_v2(Bucket=api.ref("MediaBucket"), Prefix=out_dir).get("KeyCount", 0) == 0

    mpc.update_bucket_authorized(
        UpdateBucketAuthorizedRequest(body=BucketAuthorizedReq(bucket=bucket, operation="0"))
    )
    with pytest.raises(ClientException) as refused:
        vod_sdk.create_upload_video(request)
    assert refused.value.code == "InvalidStorage.NotFound"
