"""The input boundary (issue 16): every malformed body is the family's 4xx before anything parses it.

The pieces are tested on ``boundary.admit``; the handler tests go through real API functions
(``make_api_handler``), whose refusals happen before any AWS call (sockets are blocked here)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from mediaflow.api import boundary
from mediaflow.api.boundary import BodyKind, BodyRule, admit
from mediaflow.api.families import Family
from mediaflow.errors import ApiError
from mediaflow.notifications.service import PutNotificationRequest
from tests.support.functions import load_function
from tests.support.lambda_events import FakeContext, api_event

LIMIT = 256 * 1024
JSON_RULE = BodyRule(BodyKind.JSON, LIMIT, PutNotificationRequest, forbid_unknown=True)
DOC_RULE = BodyRule(BodyKind.DOCUMENT, LIMIT)


def event(body: str | bytes | None, content_type: str | None = "application/json") -> dict[str, Any]:
    headers = {"Content-Type": content_type} if content_type is not None else {}
    if isinstance(body, bytes):
        return {"headers": headers, "body": base64.b64encode(body).decode(), "isBase64Encoded": True}
    return {"headers": headers, "body": body, "isBase64Encoded": False}


def refused(evt: dict[str, Any], rule: BodyRule = JSON_RULE, family: Family = Family.MPC) -> ApiError:
    with pytest.raises(ApiError) as caught:
        admit(evt, rule, family)
    return caught.value


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_a_good_json_body_is_admitted_and_normalized() -> None:
    body = json.dumps({"notifications": [], "url": None}).encode()
    admitted = admit(
        {**event(body, "Application/JSON; charset=UTF-8"), "multiValueHeaders": {"content-type": ["x"]}},
        JSON_RULE,
        Family.MPC,
    )
    assert admitted["body"] == body.decode() and admitted["isBase64Encoded"] is False
    assert admitted["headers"] == {"Content-Type": "application/json"}
    assert admitted["multiValueHeaders"] == {"Content-Type": ["application/json"]}


def test_json_routes_take_a_body_without_content_type() -> None:
    assert admit(event('{"notifications": []}', None), JSON_RULE, Family.MPC)["body"]


@pytest.mark.parametrize(
    ("evt", "status", "fragment"),
    [
        (event("x" * (LIMIT + 1)), 413, f"larger than {LIMIT} bytes"),
        (event(b'{"url": "\xff"}'), 400, "not valid UTF-8"),
        (event("\ud800"), 400, "not valid UTF-8"),
        ({"headers": {}, "body": "!!!", "isBase64Encoded": True}, 400, "base64"),
        (event(deep(33)), 400, "nested deeper than 32"),
        (event(deep(100_000)), 400, "nested deeper than 32"),  # RecursionError inside json
        (event('{"a":' * 5000 + "1" + "}" * 5000), 400, "nested deeper than 32"),
        (event("<Request/>", "application/xml"), 415, "application/xml is not accepted"),
        (event("{}", "application/x-www-form-urlencoded"), 415, "send application/json"),
        (event("{}", "text/plain"), 415, "send application/json"),
        (event("{}", "application/json; charset=latin-1"), 415, "UTF-8"),
        (event("{"), 400, "not valid JSON"),
        (event('{"notifications": [], "url": NaN}'), 400, "not valid JSON"),
        (event('{"n": ' + "9" * 5000 + "}"), 400, "not valid JSON"),
        (event('{"notifications": [], "junk": "x"}'), 400, "junk: unknown field"),
        (
            event('{"notifications": [{"event_name": "TaskFinish", "colour": "red"}]}'),
            400,
            "notifications.0.colour",
        ),
    ],
)
def test_malformed_json_bodies_are_mpc_4xx(evt: dict[str, Any], status: int, fragment: str) -> None:
    error = refused(evt)
    assert (error.status, error.code) == (status, "MPC.10202")
    assert fragment in error.message


def test_each_family_answers_in_its_own_code() -> None:
    vod_rule = BodyRule(BodyKind.JSON, 1024, PutNotificationRequest, forbid_unknown=False)
    small_doc = BodyRule(BodyKind.DOCUMENT, 1024)
    assert refused(event(b"\xff"), vod_rule, Family.VOD).code == "InvalidParameter"
    assert refused(event("x" * 2000), vod_rule, Family.VOD).status == 413
    assert refused(event(b"\xff", None), DOC_RULE, Family.CI).code == "InvalidArgument"
    too_large = refused(event("x" * 2000), small_doc, Family.CI)
    assert (too_large.status, too_large.code) == (413, "InvalidContent")


def test_vod_and_ci_ignore_unknown_fields_as_the_vendors_do() -> None:
    lenient = BodyRule(BodyKind.JSON, 1024, PutNotificationRequest, forbid_unknown=False)
    assert admit(event('{"notifications": [], "junk": 1}'), lenient, Family.VOD)
    assert admit(event('{"Request": {"Tag": "SmartCover", "Junk": "1"}}', None), DOC_RULE, Family.CI)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<Request><Tag>SmartCover</Tag></Request>", None),  # Tencent's SDK: XML, no Content-Type
        ("<Request><Tag>SmartCover</Tag></Request>", "application/xml"),
        ("<Request><Tag>SmartCover</Tag></Request>", "text/xml; charset=utf-8"),
        ('{"Request": {"Tag": "SmartCover"}}', "application/json"),
        ('{"Tag": "SmartCover"}', None),
    ],
)
def test_ci_documents_come_in_xml_or_json(body: str, content_type: str | None) -> None:
    assert admit(event(body, content_type), DOC_RULE, Family.CI)["body"] == body


@pytest.mark.parametrize(
    ("body", "content_type", "status", "fragment"),
    [
        ("<a>" * 33 + "</a>" * 33, None, 400, "nested deeper than 32"),
        ("<a>" * 20_000, "application/xml", 400, "nested deeper than 32"),
        ("<Request><Tag>", "application/xml", 400, "not acceptable XML"),
        ('<!DOCTYPE r [<!ENTITY e "x">]><Request>&e;</Request>', None, 400, "DTDs and entities"),
        ("<Request/>", "application/x-www-form-urlencoded", 415, "application/xml or application/json"),
        ("<Request/>", "multipart/form-data; boundary=x", 415, "not accepted"),
        ("[" * 40 + "]" * 40, "application/json", 400, "nested deeper than 32"),
    ],
)
def test_malformed_ci_documents_are_refused(
    body: str, content_type: str | None, status: int, fragment: str
) -> None:
    error = refused(event(body, content_type), DOC_RULE, Family.CI)
    assert error.status == status and fragment in error.message


def test_routes_without_a_body_ignore_one_up_to_their_limit() -> None:
    rule = BodyRule(BodyKind.NONE, boundary.NO_BODY_LIMIT)
    assert admit(event(b"\xff\xfe anything", "image/png"), rule, Family.MPC)
    assert refused(event("x" * (boundary.NO_BODY_LIMIT + 1)), rule).status == 413


def test_rules_come_from_the_routes() -> None:
    rules = load_function("put_notification").lambda_handler.body_rules()
    assert rules["PUT /v1/{project_id}/notification"] == JSON_RULE.__class__(
        BodyKind.JSON, boundary.JSON_LIMIT, PutNotificationRequest, forbid_unknown=True
    )
    ingest = load_function("upload_media_by_url").lambda_handler.body_rules()
    assert ingest["POST /v1/{project_id}/url-uploads"].max_bytes == 512 * 1024
    assert ingest["POST /v1/{project_id}/url-uploads"].forbid_unknown is False
    jobs = load_function("submit_media_job").lambda_handler.body_rules()
    assert jobs["POST /v1/{project_id}/jobs"].kind is BodyKind.DOCUMENT
    listing = load_function("list_media_jobs").lambda_handler.body_rules()
    assert listing["GET /v1/{project_id}/jobs"].kind is BodyKind.NONE
    cancel = load_function("cancel_media_job").lambda_handler.body_rules()
    assert cancel["PUT /v1/{project_id}/jobs/{JobId}"].kind is BodyKind.NONE  # a PUT without a body


def test_a_json_route_without_a_body_still_checks_its_type() -> None:
    assert refused(event("", "text/plain")).status == 415  # Powertools would raise a non-400 here
    admitted = admit(event(None, "application/json; charset=utf-8"), JSON_RULE, Family.MPC)
    assert admitted["headers"] == {"Content-Type": "application/json"} and admitted["body"] == ""
    assert admit(event("", None), DOC_RULE, Family.CI)["body"] == ""  # CI answers MissingContent


def handler_answer(function: str, method: str, resource: str, raw: bytes, content_type: str | None) -> Any:
    evt = api_event(method, resource, {"project_id": "p" * 32}, project_id="p" * 32)
    evt["headers"] = {"Host": "api.test", **({"Content-Type": content_type} if content_type else {})}
    evt["body"], evt["isBase64Encoded"] = base64.b64encode(raw).decode(), True
    return load_function(function).lambda_handler(evt, FakeContext())


def test_handlers_answer_refusals_in_the_family_shape_before_any_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")  # metrics left by other tests in this process
    mpc = handler_answer(
        "put_notification", "PUT", "/v1/{project_id}/notification", b"\xff", "application/json"
    )
    assert mpc["statusCode"] == 400 and json.loads(mpc["body"])["error_code"] == "MPC.10202"
    vod = handler_answer("create_upload_video", "POST", "/v1/{project_id}/videos", deep(5000).encode(), None)
    answer = json.loads(vod["body"])
    assert (
        vod["statusCode"] == 400 and answer["Code"] == "InvalidParameter" and answer["HostId"] == "api.test"
    )
    ci = handler_answer("submit_media_job", "POST", "/v1/{project_id}/jobs", b"<Request>" + b"\xff", None)
    assert ci["statusCode"] == 400 and ci["body"].startswith("<Error><Code>InvalidArgument</Code>")
    ci_json = handler_answer(
        "submit_media_job", "POST", "/v1/{project_id}/jobs", b"x" * 70_000, "application/json"
    )
    assert ci_json["statusCode"] == 413 and json.loads(ci_json["body"])["Error"]["Code"] == "InvalidContent"
