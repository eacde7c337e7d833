"""CI SmartCover jobs through the handlers, vs moto: seed 002 as written (XML and JSON), templates,
validation, XXE / billion laughs. Helpers here serve every test_ci_*.py."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mediaflow import aws, xmlcodec
from mediaflow.ci.records import CoverJobDoc
from mediaflow.records import store
from mediaflow.settings import get_settings
from tests.integration.test_auth import create_project
from tests.support.aws import MotoStack
from tests.support.functions import load_function
from tests.support.lambda_events import FakeContext, api_event
from tests.support.receiver import receiver

ROUTES = {
    ("POST", "/v1/{project_id}/jobs"): "submit_media_job",
    ("GET", "/v1/{project_id}/jobs"): "list_media_jobs",
    ("GET", "/v1/{project_id}/jobs/{JobId}"): "describe_media_jobs",
    ("PUT", "/v1/{project_id}/jobs/{JobId}"): "cancel_media_job",
    ("POST", "/v1/{project_id}/template"): "create_ci_template",
    ("GET", "/v1/{project_id}/template"): "list_ci_templates",
    ("GET", "/v1/{project_id}/queue"): "describe_media_queues",
    ("PUT", "/v1/{project_id}/queue/{QueueId}"): "update_media_queue",
}
LISTS = frozenset(
    {
        "JobsDetail",
        "ObjectName",
        "NonExistJobIds",
        "QueueList",
        "NonExistPIDs",
        "TemplateList",
        "NonExistTIDs",
    }
    | {"Cover"}
)
SEED_OUTPUT = "output/smartcover-${number}.jpg"
LAUGHS = (  # a billion laughs: 10^9 "lol" once expanded
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10))
    + "]>"
)
INLINE = "<SmartCover><Format>jpg</Format><Width>1280</Width><Height>960</Height><Count>5</Count><DeleteDuplicates>true</DeleteDuplicates></SmartCover>"  # noqa: E501


@dataclass
class Answer:
    status: int
    content_type: str
    text: str
    root: str
    body: dict[str, Any]


def parse_answer(text: str, content_type: str) -> tuple[str, dict[str, Any]]:
    if not text:
        return "", {}
    if content_type.startswith("application/json"):
        ((root, body),) = json.loads(text).items()
        return root, body
    return xmlcodec.loads(text, list_fields=LISTS)


def ci(
    method: str,
    resource: str,
    project: str,
    *,
    params: dict[str, str] | None = None,
    body: str | None = None,
    content_type: str | None = "application/xml",
    accept: str | None = None,
    query: dict[str, str] | None = None,
) -> Answer:
    headers = {"Accept": accept} if accept else {}
    event = api_event(
        method,
        resource,
        {"project_id": project, **(params or {})},
        project_id=project,
        body=body,
        query=query,
    )
    event["headers"] = {k: v for k, v in {**event["headers"], **headers}.items() if k != "Content-Type"}
    if content_type:
        event["headers"]["Content-Type"] = content_type
    response = load_function(ROUTES[(method, resource)]).lambda_handler(event, FakeContext())
    ctype = (response.get("multiValueHeaders") or {}).get("Content-Type", [""])[0] or (
        response.get("headers") or {}
    ).get("Content-Type", "")
    root, parsed = parse_answer(response["body"] or "", ctype)
    return Answer(response["statusCode"], ctype, response["body"] or "", root, parsed)


def put_source(project: str, data: bytes | Path = b"not really a video", key: str = "input/demo.mp4") -> str:
    full = f"outputs/{project}/{key}"
    if isinstance(data, Path):
        aws.client("s3").upload_file(str(data), get_settings().bucket_name, full)
    else:
        aws.client("s3").put_object(Bucket=get_settings().bucket_name, Key=full, Body=data)
    return full


def seed_request(
    *,
    template_id: str | None = None,
    inline: str = INLINE,
    output: str = SEED_OUTPUT,
    level: int = 0,
    callback: str = "http://callback.invalid/ci",  # the seed names callback.demo.com; .invalid never resolves
    callback_format: str = "JSON",
    source: str = "input/demo.mp4",
    extra: str = "",
) -> str:
    """Seed 002's request with the media bucket and region in Output (the only edit)."""
    settings = get_settings()
    how = f"<TemplateId>{template_id}</TemplateId>" if template_id else inline
    cb = (
        f"<CallBack>{callback}</CallBack><CallBackFormat>{callback_format}</CallBackFormat>"
        if callback
        else ""
    )
    return (
        f"<Request><Tag>SmartCover</Tag><Input><Object>{source}</Object></Input><Operation>{how}"
        f"<Output><Region>{settings.region}</Region><Bucket>{settings.bucket_name}</Bucket>"
        f"<Object>{output}</Object></Output><UserData>This is my data.</UserData>"
        f"<JobLevel>{level}</JobLevel></Operation>{cb}{extra}</Request>"
    )


def seed_response(answer: str, *, template_id: str | None = None) -> str:
    """Seed 002's documented response, with this answer's JobId, CreationTime, QueueId, bucket, region."""
    settings = get_settings()
    detail = re.search(r"<JobId>(j[0-9a-f]{32})</JobId>.*<CreationTime>([^<]+)</CreationTime>.*"
                       r"<QueueId>(p[0-9a-f]{32})</QueueId>", answer)  # fmt: skip
    assert detail, answer
    job_id, created, queue_id = detail.groups()
    how = f"<TemplateId>{template_id}</TemplateId>" if template_id else INLINE
    return (
        f"<Response><JobsDetail><Code>Success</Code><Message/><JobId>{job_id}</JobId><State>Submitted</State>"
        f"<CreationTime>{created}</CreationTime><StartTime>-</StartTime><EndTime>-</EndTime>"
        f"<QueueId>{queue_id}</QueueId><Tag>SmartCover</Tag><Input><BucketId>{settings.bucket_name}</BucketId>"
        f"<Object>input/demo.mp4</Object><Region>{settings.region}</Region></Input><Operation>{how}"
        f"<Output><Region>{settings.region}</Region><Bucket>{settings.bucket_name}</Bucket>"
        f"<Object>{SEED_OUTPUT}</Object></Output><UserData>This is my data.</UserData><JobLevel>0</JobLevel>"
        "</Operation></JobsDetail></Response>"
    )


def submit(project: str, body: str, **kwargs: Any) -> Answer:
    return ci("POST", "/v1/{project_id}/jobs", project, body=body, **kwargs)


def describe(project: str, ids: str, **kwargs: Any) -> Answer:
    return ci(
        "GET", "/v1/{project_id}/jobs/{JobId}", project, params={"JobId": ids}, content_type=None, **kwargs
    )


def create_template(project: str, body: str, **kwargs: Any) -> Answer:
    return ci("POST", "/v1/{project_id}/template", project, body=body, **kwargs)


def job_id_of(answer: Answer) -> str:
    assert answer.status == 200, answer.text
    return str(answer.body["JobsDetail"][0]["JobId"])


def error_of(answer: Answer) -> tuple[int, str]:
    assert answer.root == "Error" and set(answer.body) == {
        "Code",
        "Message",
        "Resource",
        "RequestId",
        "TraceId",
    }, answer.text
    return answer.status, str(answer.body["Code"])


@pytest.fixture
def project(core_env: MotoStack) -> str:
    pid, _ = create_project("ci")
    put_source(pid)
    return pid


def test_seed_inline_request_as_xml_gets_the_documented_response(project: str) -> None:
    answer = submit(project, seed_request())
    assert (answer.status, answer.content_type) == (200, "application/xml")
    assert answer.text == seed_response(answer.text)
    created = answer.body["JobsDetail"][0]["CreationTime"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000", created)
    described = describe(project, answer.body["JobsDetail"][0]["JobId"], accept="application/xml")
    expected = seed_response(answer.text).replace("</Tag>", "</Tag><Progress>0</Progress>")
    assert described.text == expected  # same elements in the same order, plus Progress


def test_seed_template_request_as_xml_after_creating_the_template(project: str) -> None:
    made = create_template(
        project, "<Request><Tag>SmartCover</Tag><Name>cover_5-jpg*</Name>" + INLINE + "</Request>"
    )
    assert made.status == 200, made.text
    template = made.body["Template"]
    assert re.fullmatch(r"t[0-9a-f]{32}", template["TemplateId"])
    assert (template["Category"], template["Tag"], template["Name"]) == (
        "Custom",
        "SmartCover",
        "cover_5-jpg*",
    )
    assert template["SmartCover"] == {
        "Format": "jpg", "Width": "1280", "Height": "960", "Count": "5", "DeleteDuplicates": "true",
    }  # fmt: skip
    answer = submit(project, seed_request(template_id=template["TemplateId"]))
    assert answer.text == seed_response(answer.text, template_id=template["TemplateId"])
    job = store.get(CoverJobDoc, project, job_id_of(answer))
    assert job.doc.params.Count == 5 and job.doc.params.DeleteDuplicates is True


def test_the_same_requests_in_json_answer_the_same_structure_in_json(project: str) -> None:
    _, request = xmlcodec.loads(seed_request())
    xml = submit(project, seed_request())
    for body in (json.dumps({"Request": request}), json.dumps(request)):
        answer = submit(project, body, content_type="application/json")
        assert (answer.status, answer.content_type, answer.root) == (200, "application/json", "Response")
        detail, expected = answer.body["JobsDetail"][0], dict(xml.body["JobsDetail"][0])
        expected.update({k: detail[k] for k in ("JobId", "CreationTime")})
        assert detail == expected
        assert list(detail) == list(expected)  # same element order
    numbers = {**request, "Operation": {**request["Operation"], "JobLevel": 2}}
    numbers["Operation"]["SmartCover"] = {"Count": 2, "DeleteDuplicates": False, "Width": 640}
    answer = submit(project, json.dumps(numbers), content_type=None)  # sniffed: starts with '{'
    assert answer.body["JobsDetail"][0]["Operation"]["SmartCover"] == {
        "Format": "jpg", "Width": "640", "Count": "2", "DeleteDuplicates": "false",
    }  # fmt: skip
    assert answer.body["JobsDetail"][0]["Operation"]["JobLevel"] == "2"
    as_xml = submit(project, json.dumps(request), content_type="application/json", accept="application/xml")
    assert as_xml.content_type == "application/xml" and as_xml.text.startswith("<Response><JobsDetail>")


def test_template_id_wins_over_inline_smart_cover(project: str) -> None:
    made = create_template(
        project, json.dumps({"Tag": "SmartCover", "Name": "one", "SmartCover": {"Count": "1"}}),
        content_type="application/json",
    )  # fmt: skip
    assert made.content_type == "application/json"
    tid = made.body["Template"]["TemplateId"]
    both = seed_request(template_id=tid).replace(
        f"<TemplateId>{tid}</TemplateId>", f"<TemplateId>{tid}</TemplateId>{INLINE}"
    )
    answer = submit(project, both.replace(SEED_OUTPUT, "single.jpg"))
    operation = answer.body["JobsDetail"][0]["Operation"]
    assert operation["TemplateId"] == tid and "SmartCover" not in operation
    assert store.get(CoverJobDoc, project, job_id_of(answer)).doc.params.Count == 1


BAD = [
    ("<Count>0</Count>", "<Count>5</Count>"),
    ("<Count>11</Count>", "<Count>5</Count>"),
    ("<Width>127</Width>", "<Width>1280</Width>"),
    ("<Height>4097</Height>", "<Height>960</Height>"),
    ("<Format>gif</Format>", "<Format>jpg</Format>"),
    ("<DeleteDuplicates>yes</DeleteDuplicates>", "<DeleteDuplicates>true</DeleteDuplicates>"),
    ("<Object>output/cover.jpg</Object>", f"<Object>{SEED_OUTPUT}</Object>"),  # Count 5 needs ${number}
    ("<Object>../x-${number}.jpg</Object>", f"<Object>{SEED_OUTPUT}</Object>"),
    ("<Object>uploads/elsewhere-${number}.jpg</Object>", f"<Object>{SEED_OUTPUT}</Object>"),
    ("<UserData>caf\u00e9</UserData>", "<UserData>This is my data.</UserData>"),
    ("<UserData>" + "x" * 1025 + "</UserData>", "<UserData>This is my data.</UserData>"),
    ("<UserData>tab\tinside</UserData>", "<UserData>This is my data.</UserData>"),
    ("<JobLevel>3</JobLevel>", "<JobLevel>0</JobLevel>"),
    ("<Tag>Snapshot</Tag>", "<Tag>SmartCover</Tag>"),
    ("<Bucket>test-123456789</Bucket>", "<Bucket>{bucket}</Bucket>"),
    ("<Region>ap-chongqing</Region>", "<Region>{region}</Region>"),
    ("<CallBack>http://10.0.0.1/cb</CallBack>", "<CallBack>http://callback.invalid/ci</CallBack>"),
    ("<CallBackFormat>YAML</CallBackFormat>", "<CallBackFormat>JSON</CallBackFormat>"),
    ("<Input><Object></Object></Input>", "<Input><Object>input/demo.mp4</Object></Input>"),
    ("<TemplateId>t0000</TemplateId>", INLINE),
    ("<QueueId>p0</QueueId></Request>", "</Request>"),
]


@pytest.mark.parametrize(("bad", "good"), BAD, ids=[b[:30] for b, _ in BAD])
def test_invalid_requests_are_invalid_argument(project: str, bad: str, good: str) -> None:
    settings = get_settings()
    good = good.replace("{bucket}", settings.bucket_name).replace("{region}", settings.region)
    body = seed_request()
    assert good in body
    answer = submit(project, body.replace(good, bad, 1))
    assert error_of(answer) == (400, "InvalidArgument"), answer.text
    assert answer.content_type == "application/xml"


def test_errors_answer_in_json_for_json_callers(project: str) -> None:
    answer = submit(project, json.dumps({"Tag": "SmartCover"}), content_type="application/json")
    assert (answer.content_type, *error_of(answer)) == ("application/json", 400, "InvalidArgument")
    assert answer.body["Message"].startswith("Input")
    answer = describe(project, ",".join(f"j{i:032x}" for i in range(11)), accept="application/json")
    assert (answer.content_type, *error_of(answer)) == ("application/json", 400, "InvalidArgument")
    assert error_of(submit(project, "")) == (400, "MissingContent")
    assert error_of(submit(project, "<Other/>")) == (400, "InvalidArgument")
    assert error_of(submit(project, "{not json", content_type="application/json")) == (400, "InvalidArgument")


def test_a_missing_input_is_resource_not_found_at_submit(project: str) -> None:
    answer = submit(project, seed_request(source="input/nothing-here.mp4"))
    assert error_of(answer) == (400, "ResourceNotFound")


def test_xxe_and_billion_laughs_are_refused_and_expand_nothing(project: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    request = seed_request()
    with receiver() as rx:
        attacks = [
            f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>' + request.replace("This is my", "&x;"),
            f'<!DOCTYPE Request SYSTEM "{rx.url}/evil.dtd">' + request,
            f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{rx.url}/p.dtd"> %p;]>' + request,
            LAUGHS + request.replace("This is my data.", "&lol9;"),
        ]  # fmt: skip
        for attack in attacks:
            started = time.monotonic()
            answer = submit(project, attack)
            assert error_of(answer) == (400, "InvalidArgument")
            assert time.monotonic() - started < 1.0
            assert "TOP-SECRET" not in answer.text and "lollol" not in answer.text and len(answer.text) < 1000
        assert rx.connections == 0 and rx.received == []
    assert store.count(CoverJobDoc, project) == 0


def cancel(project: str, job_id: str, query: dict[str, str] | None = None) -> Answer:
    return ci(
        "PUT", "/v1/{project_id}/jobs/{JobId}", project, params={"JobId": job_id}, content_type=None,
        query={"cancel": ""} if query is None else query,
    )  # fmt: skip
