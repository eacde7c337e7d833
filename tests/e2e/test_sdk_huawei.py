"""Huawei's own SDK (huaweicloudsdkmpc, unchanged) against the local stack: only the endpoint and the
keys change. Every MPC route of template.yaml that the SDK also has is called through the SDK in
the e2e suite (the coverage test runs last and derives the list from the template and the SDK),
and every answer matches the SDK's models field by field, types included (conftest.py)."""

from __future__ import annotations

import inspect
import re
import time
from pathlib import Path
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmpc.v1 import MpcClient
from huaweicloudsdkmpc.v1 import model as m

from local.template import Template
from tests.e2e.conftest import Api, Project
from tests.support.clips import make_clip
from tests.support.sdks import mpc_client, next_second

REPO = Path(__file__).resolve().parents[2]


def sdk_operations() -> dict[tuple[str, str], str]:
    """(method, resource path) -> SDK method name, read from the SDK's own request builders."""
    found = {}
    for name, builder in inspect.getmembers(MpcClient):
        if name.startswith("_") and name.endswith("_http_info"):
            source = inspect.getsource(builder)
            method = re.search(r'"method": "(\w+)"', source)
            path = re.search(r'"resource_path": "([^"]+)"', source)
            if method and path:
                found[(method.group(1), path.group(1))] = name[1:-10]
    return found


def template_mpc_routes() -> set[tuple[str, str]]:
    return {(r.method, r.path) for r in Template.load(REPO / "template.yaml").routes()}


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-sdk-huawei")


@pytest.fixture(scope="module")
def mpc(api: Api, project: Project) -> Any:
    """Calls are recorded and type-checked by the session fixture in conftest.py."""
    return mpc_client(api.endpoint, project.access_key_id, project.access_key_secret, project.project_id)


def video() -> m.Video:
    return m.Video(codec=1, bitrate=400, profile=3, preset=1, max_iframes_interval=2, width=0, height=240)


def audio() -> m.Audio:
    return m.Audio(codec=1, sample_rate=1, bitrate=64, channels=2)


def test_transcoding_templates_create_list_update_delete(mpc: Any) -> None:
    common = m.Common(pvc=False, hls_interval=2, pack_type=4)
    created = mpc.create_trans_template(
        m.CreateTransTemplateRequest(body=m.TransTemplate("sdk_240p", video(), audio(), common))
    )
    assert isinstance(created.template_id, int) and created.template_id >= 100000
    listed = mpc.list_template(m.ListTemplateRequest(template_id=[created.template_id]))
    assert listed.total == 1 and listed.template_array[0].template.template_name == "sdk_240p"
    assert listed.template_array[0].template.video.height == 240
    update = m.ModifyTransTemplateReq(created.template_id, "sdk_240p_v2", video(), audio(), common)
    mpc.update_trans_template(m.UpdateTransTemplateRequest(body=update))
    renamed = mpc.list_template(m.ListTemplateRequest(template_id=[created.template_id]))
    assert renamed.template_array[0].template.template_name == "sdk_240p_v2"
    mpc.delete_template(m.DeleteTemplateRequest(template_id=created.template_id))
    assert mpc.list_template(m.ListTemplateRequest(template_id=[created.template_id])).total == 0
    next_second()  # the same DELETE again: not a replay
    with pytest.raises(ClientRequestException) as refused:
        mpc.delete_template(m.DeleteTemplateRequest(template_id=created.template_id))
    assert refused.value.error_code == "MPC.10089"


def test_template_groups_create_list_update_delete(mpc: Any) -> None:
    group = m.TransTemplateGroup(
        name="sdk_ladder",
        videos=[m.VideoObj(width=0, height=240, bitrate=400), m.VideoObj(width=0, height=160, bitrate=200)],
        audio=audio(),
        video_common=m.VideoCommon(codec=1, profile=3, preset=1, max_iframes_interval=2),
        common=m.Common(pvc=False, hls_interval=2, pack_type=1),
    )
    created = mpc.create_template_group(m.CreateTemplateGroupRequest(body=group)).template_group
    assert len(created.template_ids) == 2 and created.name == "sdk_ladder"
    listed = mpc.list_template_group(m.ListTemplateGroupRequest(group_id=[created.group_id]))
    assert listed.total == 1 and listed.template_group_list[0].group_id == created.group_id
    changed = m.ModifyTransTemplateGroup(
        group_id=created.group_id,
        name="sdk_ladder_v2",
        videos=[m.VideoObj(width=0, height=240, bitrate=500)],
        audio=audio(),
        video_common=m.VideoCommon(codec=1, profile=3, preset=1, max_iframes_interval=2),
        common=m.Common(pvc=False, hls_interval=2, pack_type=1),
    )
    mpc.update_template_group(m.UpdateTemplateGroupRequest(body=changed))
    by_name = mpc.list_template_group(m.ListTemplateGroupRequest(group_name=["sdk_ladder_v2"]))
    assert by_name.template_group_list[0].videos[0].bitrate == 500
    mpc.delete_template_group(m.DeleteTemplateGroupRequest(group_id=created.group_id))
    assert mpc.list_template_group(m.ListTemplateGroupRequest(group_id=[created.group_id])).total == 0


def test_transcoding_create_query_seed_003_and_cancel(
    api: Api, project: Project, mpc: Any, clip_dir: Path
) -> None:
    source = f"uploads/{project.project_id}/sdk/source.mp4"
    api.aws("s3").upload_file(str(make_clip(clip_dir, seconds=2)), api.ref("MediaBucket"), source)
    where = {"bucket": api.ref("MediaBucket"), "location": "us-east-1"}
    request = m.CreateTranscodingReq(
        input=m.ObsObjInfo(object=source, **where),
        output=m.ObsObjInfo(object="sdk-out", **where),
        trans_template_id=[961],  # AAC audio-only: seconds of work
        priority=9,
    )
    task_id = mpc.create_transcoding_task(m.CreateTranscodingTaskRequest(body=request)).task_id
    assert isinstance(task_id, int)
    deadline, task = time.monotonic() + 120, None
    while time.monotonic() < deadline:
        found = mpc.list_transcoding_task(m.ListTranscodingTaskRequest(task_id=[task_id]))  # seed 003
        task = found.task_array[0]
        if task.status in ("SUCCEEDED", "FAILED"):
            break
        time.sleep(1)
    assert task is not None and task.status == "SUCCEEDED", task
    assert task.input.object == source and task.trans_template_id == [961]
    assert task.transcode_detail.input_file.duration_ms >= 1900
    windowed = mpc.list_transcoding_task(m.ListTranscodingTaskRequest(status="SUCCEEDED", page=0, size=10))
    assert windowed.total >= 1 and windowed.is_truncated in (0, 1)
    with pytest.raises(ClientRequestException) as ended:
        mpc.delete_transcoding_task(m.DeleteTranscodingTaskRequest(task_id=task_id))
    assert ended.value.error_code == "MPC.10212"
    with pytest.raises(ClientRequestException) as invalid:
        mpc.list_transcoding_task(m.ListTranscodingTaskRequest(size=1000))
    assert (invalid.value.status_code, invalid.value.error_code) == (400, "MPC.10202")


def test_notification_configuration_and_event_names(mpc: Any) -> None:
    events = mpc.list_notify_event(m.ListNotifyEventRequest())
    assert "TranscodeComplete" in events.event_name and events.total == len(events.event_name)
    switch = m.Notification(event_name="TranscodeComplete", status="ON")
    mpc.notify_smn_topic_config(
        m.NotifySmnTopicConfigRequest(body=m.NotificationConfigReq(notifications=[switch]))
    )
    shown = mpc.list_notify_smn_topic_config(m.ListNotifySmnTopicConfigRequest())
    assert [(n.event_name, n.status) for n in shown.notifications if n.status == "ON"] == [
        ("TranscodeComplete", "ON")
    ]


def test_an_operation_mediaflow_lacks_is_the_gateway_s_not_found(mpc: Any) -> None:
    routes = template_mpc_routes()
    lacking = sorted(
        name
        for (method, path), name in sdk_operations().items()
        if method == "GET" and path.startswith("/v1/{project_id}/") and (method, path) not in routes
    )
    request_class = getattr(m, "".join(part.title() for part in lacking[0].split("_")) + "Request")
    with pytest.raises(ClientRequestException) as lacked:
        getattr(mpc, lacking[0])(request_class())
    assert (lacked.value.status_code, lacked.value.error_code) == (404, "APIGW.0101")


def test_every_template_route_the_sdk_offers_was_called_through_it(
    mpc_sdk_calls: set[tuple[str, str]],
) -> None:
    """Runs last (conftest): any e2e test's SDK calls count, so a new MPC route needs one."""
    offered = set(sdk_operations()) & template_mpc_routes()
    assert offered, "no MPC route of the template is an SDK operation"
    assert offered - mpc_sdk_calls == set()
