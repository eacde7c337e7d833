import json
from datetime import UTC, datetime

from mediaflow.events.model import new_event
from mediaflow.notifications.bodies import render
from mediaflow.xmlcodec import loads


def _event(family: str, payload: dict) -> object:
    return new_event(
        event_type="X",
        family=family,  # type: ignore[arg-type]
        project_id="p",
        resource_kind="K",
        resource_id="r",
        version=1,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        payload=payload,
    )


def test_vod_body_is_the_event_json() -> None:
    payload = {
        "EventTime": "2026-01-01T00:00:00Z",
        "EventType": "FileUploadComplete",
        "VideoId": "v",
        "Status": "success",
    }
    content_type, body = render(_event("vod", payload), "XML")  # VOD callbacks are JSON only
    assert content_type == "application/json"
    assert json.loads(body) == payload


def test_mpc_body_is_event_type_and_info() -> None:
    payload = {"event_type": "TranscodeComplete", "transcode_info": {"task_id": "1", "status": "SUCCEED"}}
    assert json.loads(render(_event("mpc", payload), "JSON")[1]) == payload


def test_ci_body_in_json_and_xml() -> None:
    detail = {
        "JobId": "j1",
        "State": "Success",
        "Operation": {"MediaResult": {"OutputFile": {"ObjectName": ["a", "b"]}}},
    }
    content_type, body = render(_event("ci", detail), "JSON")
    assert content_type == "application/json"
    assert json.loads(body) == {"EventName": "TaskFinish", "JobsDetail": [detail]}
    content_type, body = render(_event("ci", detail), "XML")
    assert content_type == "application/xml"
    root, parsed = loads(body)
    assert root == "Response"
    assert parsed["EventName"] == "TaskFinish"
    assert parsed["JobsDetail"]["JobId"] == "j1"
    assert parsed["JobsDetail"]["Operation"]["MediaResult"]["OutputFile"]["ObjectName"] == ["a", "b"]
