"""The whole migration story through the three vendors' SDKs, unchanged but for endpoint and keys:
Alibaba creates the upload (with a MessageCallback), the file goes up with the returned
credentials, Huawei transcodes it and queries the task (seed 003), Tencent picks covers from the
same source, and the callbacks arrive signed."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
from alibabacloud_vod20170321 import models as vod
from huaweicloudsdkmpc.v1 import model as mpc_model

from mediaflow.notifications.verify import verify
from tests.e2e.conftest import Api
from tests.support.clips import make_clip
from tests.support.receiver import receiver
from tests.support.sdks import ci_client, mpc_client, vod_client
from tests.support.uploads import s3_for


def _poll(read, done, timeout_s: float = 120):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(1)


def test_upload_transcode_query_covers_and_callbacks_through_the_sdks(api: Api, clip_dir: Path) -> None:
    project = api.new_project("e2e-sdk-flow")
    ali = vod_client(api.endpoint, project.access_key_id, project.access_key_secret)
    hw = mpc_client(api.endpoint, project.access_key_id, project.access_key_secret, project.project_id)
    tx = ci_client(api.endpoint, project.access_key_id, project.access_key_secret)
    with receiver() as rx:
        user_data = {"MessageCallback": {"CallbackURL": rx.url + "/vod"}, "Extend": "flow"}
        created = ali.create_upload_video(
            vod.CreateUploadVideoRequest(title="flow", file_name="flow.mp4", user_data=json.dumps(user_data))
        ).body
        address = json.loads(base64.b64decode(created.upload_address))
        auth = json.loads(base64.b64decode(created.upload_auth))
        s3 = s3_for(address, auth)
        s3.upload_file(
            str(make_clip(clip_dir, seconds=3, width=640, height=360)), address["Bucket"], address["FileName"]
        )
        video = _poll(
            lambda: ali.get_video_info(vod.GetVideoInfoRequest(video_id=created.video_id)).body.video,
            lambda v: v.status in ("UploadSucc", "UploadFail"),
        )
        assert video.status == "UploadSucc" and video.duration == pytest.approx(3.0, abs=0.1)

        where = {"bucket": address["Bucket"], "location": address["Region"]}
        task = hw.create_transcoding_task(
            mpc_model.CreateTranscodingTaskRequest(
                body=mpc_model.CreateTranscodingReq(
                    input=mpc_model.ObsObjInfo(object=address["FileName"], **where),
                    output=mpc_model.ObsObjInfo(object="flow", **where),
                    trans_template_id=[114],  # H.264 360p MP4
                )
            )
        )
        done = _poll(
            lambda: hw.list_transcoding_task(
                mpc_model.ListTranscodingTaskRequest(task_id=[task.task_id])
            ).task_array[0],
            lambda t: t.status in ("SUCCEEDED", "FAILED"),
        )
        assert done.status == "SUCCEEDED" and done.output_file_name, done
        assert done.transcode_detail.multitask_info[0].output_file.video_info.height == 360

        job = {
            "Tag": "SmartCover",
            "Input": {"Object": address["FileName"]},
            "Operation": {
                "SmartCover": {"Format": "jpg", "Count": "2", "DeleteDuplicates": "true"},
                "Output": {
                    "Region": address["Region"],
                    "Bucket": address["Bucket"],
                    "Object": "flow/cover-${number}.jpg",
                },
            },
            "CallBack": rx.url + "/ci",
            "CallBackFormat": "JSON",
        }
        (submitted,) = tx.ci_create_media_jobs(Bucket=address["Bucket"], Jobs=job, Lst={})["JobsDetail"]
        covers = _poll(
            lambda: tx.ci_get_media_jobs(Bucket=address["Bucket"], JobIDs=submitted["JobId"])["JobsDetail"][
                0
            ],
            lambda j: j["State"] in ("Success", "Failed"),
        )
        assert covers["State"] == "Success", covers

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not {"/callbacks/vod", "/callbacks/ci"} <= {
            r.path for r in rx.received
        }:
            time.sleep(0.2)
        by_path = {r.path: r for r in rx.received}
        assert {"/callbacks/vod", "/callbacks/ci"} <= set(by_path), [r.path for r in rx.received]
        for received in (by_path["/callbacks/vod"], by_path["/callbacks/ci"]):
            assert verify(project.signing_secret, received.headers["X-Mediaflow-Signature"], received.body)
        uploaded = json.loads(by_path["/callbacks/vod"].body)
        assert (uploaded["EventType"], uploaded["VideoId"], uploaded["Extend"]) == (
            "FileUploadComplete",
            created.video_id,
            "flow",
        )
        finished = json.loads(by_path["/callbacks/ci"].body)
        assert (
            finished["EventName"] == "TaskFinish" and finished["JobsDetail"][0]["JobId"] == submitted["JobId"]
        )
