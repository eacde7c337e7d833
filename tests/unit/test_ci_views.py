"""JobsDetail, Template and Queue views: CI's element names and order, strings everywhere,
MediaResult only on success, ObjectName repeated in XML and an array in JSON."""

from __future__ import annotations

import json
from typing import Any

from mediaflow import xmlcodec
from mediaflow.ci import views, wire
from mediaflow.ci.records import CiQueueDoc, CiTemplateDoc, CoverJobDoc
from mediaflow.records.model import Record

PROJECT = "0123456789abcdef0123456789abcdef"


def job(status: str = "Submitted", **doc: Any) -> Record[CoverJobDoc]:
    base = {
        "tag": "SmartCover",
        "queue_id": "p" + "2" * 32,
        "bucket": "b",
        "region": "us-east-1",
        "input_object": "input/demo.mp4",
        "smart_cover": {"Width": "1280", "Format": "jpg", "Count": "2", "DeleteDuplicates": "true"},
        "output": {"Object": "o-${number}.jpg", "Bucket": "b", "Region": "us-east-1"},
        "user_data": "This is my data.",
        "job_level": 1,
        "progress": 0,
        "source_key": "k",
        "params": {"Count": 2},
        "output_pattern": "o-${number}.jpg",
    }
    body = CoverJobDoc.model_validate({**base, **doc})
    return Record(PROJECT, "j" + "1" * 32, status, "2022-06-27T07:23:10.123456Z", body)


RESULT = {
    "object_prefix": f"outputs/{PROJECT}/",
    "format": "jpg",
    "width": 1280,
    "height": 720,
    "fallback": False,
    "message": "2 covers passed the quality checks",
    "candidates": 30,
    "covers": [
        {
            "object_name": "o-0.jpg",
            "rank": 0,
            "timestamp_s": 12.52,
            "fallback": False,
            "rejected": None,
            "score": {
                "sharpness": 1.0,
                "exposure": 0.99,
                "contrast": 0.86,
                "colourfulness": 0.6,
                "total": 0.9061,
            },
        },
        {
            "object_name": "o-1.jpg",
            "rank": 1,
            "timestamp_s": 3.5,
            "fallback": True,
            "rejected": "blurred",
            "score": {
                "sharpness": 0.2,
                "exposure": 0.9,
                "contrast": 0.5,
                "colourfulness": 0.4,
                "total": 0.41,
            },
        },
    ],
}


def test_a_submitted_job_reads_like_the_seed() -> None:
    detail = views.jobs_detail(job(), progress=False)
    assert list(detail) == [
        "Code",
        "Message",
        "JobId",
        "State",
        "CreationTime",
        "StartTime",
        "EndTime",
        "QueueId",
        "Tag",
        "Input",
        "Operation",
    ]
    assert (detail["Code"], detail["Message"], detail["StartTime"], detail["EndTime"]) == (
        "Success",
        "",
        "-",
        "-",
    )
    assert detail["CreationTime"] == "2022-06-27T07:23:10+0000"
    assert detail["Input"] == {"BucketId": "b", "Object": "input/demo.mp4", "Region": "us-east-1"}
    operation = detail["Operation"]
    assert list(operation) == ["SmartCover", "Output", "UserData", "JobLevel"]
    assert list(operation["SmartCover"]) == ["Format", "Width", "Count", "DeleteDuplicates"]  # CI's order
    assert list(operation["Output"]) == ["Region", "Bucket", "Object"]
    assert operation["JobLevel"] == "1"
    assert "Progress" in views.jobs_detail(job())
    templated = views.jobs_detail(job(template_id="t" + "3" * 32, user_data=None))["Operation"]
    assert list(templated) == ["TemplateId", "Output", "JobLevel"]


def test_media_result_only_on_success_with_scores() -> None:
    assert (
        "MediaResult"
        not in views.jobs_detail(job("Failed", result=RESULT, error_code="InvalidInput"))["Operation"]
    )
    detail = views.jobs_detail(
        job("Success", result=RESULT, progress=100, start_time="2022-06-27T07:23:11.0Z")
    )
    operation = detail["Operation"]
    assert operation["MediaResult"] == {
        "OutputFile": {
            "Bucket": "b",
            "Region": "us-east-1",
            "ObjectPrefix": f"outputs/{PROJECT}/",
            "ObjectName": ["o-0.jpg", "o-1.jpg"],
        },
    }
    first, second = operation["SmartCoverResult"]["Cover"]
    assert first == {
        "Key": f"outputs/{PROJECT}/o-0.jpg",
        "Rank": "0",
        "Time": "12.520",
        "Score": "0.9061",
        "Sharpness": "1.0000",
        "Exposure": "0.9900",
        "Contrast": "0.8600",
        "Colorfulness": "0.6000",
        "Fallback": "false",
    }
    assert (second["Fallback"], second["Rejected"]) == ("true", "blurred")
    assert detail["Progress"] == "100" and detail["StartTime"] == "2022-06-27T07:23:11+0000"

    _, xml = wire.dumps({"JobsDetail": [detail]}, "xml")
    assert "<ObjectName>o-0.jpg</ObjectName><ObjectName>o-1.jpg</ObjectName>" in xml
    assert xml.count("<Cover>") == 2
    _, parsed = xmlcodec.loads(xml, list_fields=frozenset({"JobsDetail", "ObjectName", "Cover"}))
    _, text = wire.dumps({"JobsDetail": [detail]}, "json")
    assert json.loads(text)["Response"] == parsed  # the same structure in both formats

    def strings(value: Any) -> bool:
        if isinstance(value, dict):
            return all(strings(v) for v in value.values())
        if isinstance(value, list):
            return all(strings(v) for v in value)
        return isinstance(value, str)

    assert strings(detail)


def test_template_and_queue_views() -> None:
    template = Record(
        PROJECT,
        "t" + "4" * 32,
        "ACTIVE",
        "2020-08-05T03:35:24.000000Z",
        CiTemplateDoc(
            name="n",
            tag="SmartCover",
            params={"Count": 3, "Format": "png"},
            smart_cover={"Count": "3", "Format": "png", "DeleteDuplicates": "false"},
        ),
    )
    view = views.template_view(template, "bucket")
    assert list(view) == [
        "Tag",
        "Name",
        "TemplateId",
        "BucketId",
        "Category",
        "SmartCover",
        "CreateTime",
        "UpdateTime",
    ]
    assert view["Category"] == "Custom" and view["CreateTime"] == "2020-08-05T03:35:24+0000"
    assert list(view["SmartCover"]) == ["Format", "Count", "DeleteDuplicates"]
    queue = Record(
        PROJECT,
        "p" + "5" * 32,
        "Paused",
        "2020-08-05T03:35:24.000000Z",
        CiQueueDoc.model_validate(
            {"name": "q", "notify": {"State": "On", "Url": "https://h", "Event": "TaskFinish", "Type": "Url"}}
        ),
    )
    qview = views.queue_view(queue)
    assert qview["State"] == "Paused" and qview["NotifyConfig"] == {
        "Url": "https://h",
        "Event": "TaskFinish",
        "Type": "Url",
        "State": "On",
    }
