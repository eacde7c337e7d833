"""Issue 11 over the local stack: one task of each media-operation kind end to end through the
official MPC SDK (snapshots, animated GIF, metadata extraction, a watermarked transcoding with a
watermark template), each completion event reaching the project's callback signed; and the
same routes over plain HTTP refusing bad input with MPC.10202."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmpc.v1 import model as m

from mediaflow.notifications.verify import verify
from tests.e2e.conftest import Api, Project
from tests.support.clips import make_clip, make_png
from tests.support.receiver import receiver
from tests.support.sdks import mpc_client

EVENTS = {"ThumbnailComplete", "AnimatedGraphicsComplete", "ParseComplete", "TranscodeComplete"}


def where(api: Api, key: str) -> dict[str, str]:
    return {"bucket": api.ref("MediaBucket"), "location": "us-east-1", "object": key}


def put(api: Api, project: Project, path: Path, name: str) -> str:
    key = f"outputs/{project.project_id}/src/{name}"
    api.aws("s3").upload_file(str(path), api.ref("MediaBucket"), key)
    return key


def wait(poll: Any, done: set[str], timeout_s: float = 90) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        found = poll()
        if found.status in done or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_each_media_task_kind_end_to_end_through_the_sdk_with_signed_events(api: Api, clip_dir: Path) -> None:
    project = api.new_project("e2e-mediaops")
    sdk = mpc_client(api.endpoint, project.access_key_id, project.access_key_secret, project.project_id)
    clip = put(api, project, make_clip(clip_dir, seconds=4, width=320, height=240), "clip.mp4")
    logo = put(api, project, make_png(clip_dir, width=32, height=16), "logo.png")
    obs = lambda key: m.ObsObjInfo(**where(api, key))  # noqa: E731 - a short local constructor
    with receiver() as rx:
        configured = api.call(
            "PUT",
            f"/v1/{project.project_id}/notification",
            project.token,
            json={
                "notifications": [{"event_name": e, "status": "ON"} for e in sorted(EVENTS)],
                "url": rx.url,
            },
        )
        assert configured.status_code == 200, configured.text

        # watermark template -> a transcoding task that draws it
        template = m.WatermarkTemplate(
            template_name="logo", type="Image", dx="8", dy="8", referpos="TopRight", width="0.1"
        )
        template_id = sdk.create_watermark_template(
            m.CreateWatermarkTemplateRequest(body=template)
        ).template_id
        listed = sdk.list_watermark_template(m.ListWatermarkTemplateRequest(template_id=[template_id]))
        assert (listed.total, listed.templates[0].referpos) == (1, "TopRight")
        transcoding = m.CreateTranscodingReq(
            input=obs(clip),
            output=obs("wm"),
            trans_template_id=[951, 114],
            watermarks=[m.WatermarkRequest(input=obs(logo), template_id=str(template_id))],
        )
        task_id = sdk.create_transcoding_task(m.CreateTranscodingTaskRequest(body=transcoding)).task_id

        # snapshots: one synchronous, one queued
        sync = m.CreateThumbReq(
            input=obs(clip),
            output=obs("shots"),
            thumbnail_para=m.ThumbnailPara(type="DOTS_MS", dots_ms=[1500], format=1),
            sync=1,
        )
        answered = sdk.create_thumbnails_task(m.CreateThumbnailsTaskRequest(body=sync))
        assert (answered.status, answered.thumbnail_time, answered.output_file_name) == (
            "SUCCEEDED",
            "1500",
            "clip.jpg",
        )
        queued = m.CreateThumbReq(
            input=obs(clip),
            output=obs("shots"),
            thumbnail_para=m.ThumbnailPara(type="DOTS", dots=[1, 3], max_length=240),
            user_data="snap",
        )
        thumb_id = sdk.create_thumbnails_task(m.CreateThumbnailsTaskRequest(body=queued)).task_id

        # animated GIF and metadata
        gif = m.CreateAnimatedGraphicsTaskReq(
            input=obs(clip),
            output=obs("gif"),
            output_param=m.AnimatedGraphicsOutputParam(
                format="gif", width=160, height=-1, start=0, end=2000, frame_rate=10
            ),
        )
        gif_id = sdk.create_animated_graphics_task(m.CreateAnimatedGraphicsTaskRequest(body=gif)).task_id
        meta = sdk.create_extract_task(
            m.CreateExtractTaskRequest(body=m.CreateExtractTaskReq(input=obs(clip), sync=1))
        )
        assert (
            meta.status == "SUCCEED" and meta.metadata.video[0].width == 320 and len(meta.metadata.md5) == 32
        )

        thumbs = wait(
            lambda: sdk.list_thumbnails_task(m.ListThumbnailsTaskRequest(task_id=[thumb_id])).task_array[0],
            {"SUCCEEDED", "FAILED"},
        )
        assert thumbs.status == "SUCCEEDED" and [p.pic_name for p in thumbs.thumbnail_info] == [
            "clip_1.jpg",
            "clip_3.jpg",
        ]
        animated = wait(
            lambda: sdk.list_animated_graphics_task(
                m.ListAnimatedGraphicsTaskRequest(task_id=[gif_id])
            ).tasks[0],
            {"SUCCEED", "FAILED"},
        )
        assert animated.status == "SUCCEED", animated
        done = wait(
            lambda: sdk.list_transcoding_task(
                m.ListTranscodingTaskRequest(task_id=[int(task_id)])
            ).task_array[0],
            {"SUCCEEDED", "FAILED"},
        )
        assert done.status == "SUCCEEDED", done
        extracted = sdk.list_extract_task(m.ListExtractTaskRequest(task_id=[meta.task_id])).tasks
        assert [(t.task_id, t.status) for t in extracted] == [(meta.task_id, "SUCCEED")]
        for delete in (  # deleting a task cancels it: an ended one cannot be
            lambda: sdk.delete_thumbnails_task(m.DeleteThumbnailsTaskRequest(task_id=thumb_id)),
            lambda: sdk.delete_animated_graphics_task(m.DeleteAnimatedGraphicsTaskRequest(task_id=gif_id)),
            lambda: sdk.delete_extract_task(m.DeleteExtractTaskRequest(task_id=meta.task_id)),
        ):
            with pytest.raises(ClientRequestException) as ended:
                delete()
            assert ended.value.error_code == "MPC.10212"
        template.template_id = template_id
        template.referpos = "BottomLeft"
        sdk.update_watermark_template(m.UpdateWatermarkTemplateRequest(body=template))
        listed = sdk.list_watermark_template(m.ListWatermarkTemplateRequest(template_id=[template_id]))
        assert listed.templates[0].referpos == "BottomLeft"
        sdk.delete_watermark_template(m.DeleteWatermarkTemplateRequest(template_id=template_id))
        gone = sdk.list_watermark_template(m.ListWatermarkTemplateRequest(template_id=[template_id]))
        assert gone.total == 0
        received = rx.wait_for(5, timeout_s=30)  # two ThumbnailComplete, one of each other kind
    by_type: dict[str, list[Any]] = {}
    for got in received:
        assert verify(project.signing_secret, got.headers["X-Mediaflow-Signature"], got.body)
        by_type.setdefault(got.headers["X-Mediaflow-Event-Type"], []).append(json.loads(got.body))
    assert set(by_type) == EVENTS
    snap = next(b for b in by_type["ThumbnailComplete"] if b["thumbnail_info"]["task_id"] == thumb_id)
    assert snap["thumbnail_info"]["status"] == "SUCCEED" and snap["thumbnail_info"]["user_data"] == "snap"
    assert by_type["AnimatedGraphicsComplete"][0]["animated_graphics_info"]["task_id"] == gif_id
    assert by_type["ParseComplete"][0]["parse_info"]["metadata"]["md5"] == meta.metadata.md5


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/thumbnails", {"thumbnail_para": {"type": "DOTS", "dots": [1], "width": 50}}, "width"),
        ("/animated-graphics", {"output_param": {"format": "gif", "start": 0, "end": 90000}}, "output_param"),
        ("/extract-metadata", {"sync": 3}, "sync"),
    ],
)
def test_bad_input_over_http_is_mpc_10202(
    api: Api, clip_dir: Path, path: str, body: dict, field: str
) -> None:
    project = api.new_project("e2e-mediaops-bad")
    clip = put(api, project, make_clip(clip_dir, seconds=2), "clip.mp4")
    request = {"input": where(api, clip), "output": where(api, "x"), **body}
    answer = api.call("POST", f"/v1/{project.project_id}{path}", project.token, json=request)
    assert (answer.status_code, answer.json()["error_code"]) == (400, "MPC.10202")
    assert field in answer.json()["error_msg"]
