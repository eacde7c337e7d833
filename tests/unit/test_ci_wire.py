"""CI bodies: XML and JSON requests to one dict of strings, hostile XML refused before any
expansion, the answer format negotiated, lists repeated in XML and arrays in JSON."""

from __future__ import annotations

import json
import time

import pytest

from mediaflow.api.families import negotiate
from mediaflow.ci import wire
from mediaflow.errors import ApiError

SEED = (
    "<Request><Tag>SmartCover</Tag><Input><Object>input/demo.mp4</Object></Input><Operation><SmartCover>"
    "<Format>jpg</Format><Width>1280</Width><Height>960</Height><Count>5</Count><DeleteDuplicates>true"
    "</DeleteDuplicates></SmartCover><Output><Region>ap-chongqing</Region><Bucket>test-123456789</Bucket>"
    "<Object>output/smartcover-${number}.jpg</Object></Output><UserData>This is my data.</UserData>"
    "<JobLevel>0</JobLevel></Operation><CallBack>http://callback.demo.com</CallBack>"
    "<CallBackFormat>JSON</CallBackFormat></Request>"
)


def parsed(body: str | bytes, content_type: str = "application/xml") -> dict:
    return wire.parse_body(body.encode() if isinstance(body, str) else body, content_type)


def refused(body: str | bytes, content_type: str = "application/xml") -> ApiError:
    with pytest.raises(ApiError) as caught:
        parsed(body, content_type)
    return caught.value


def test_xml_and_json_give_the_same_dict_of_strings() -> None:
    from_xml = parsed(SEED)
    assert from_xml["Operation"]["SmartCover"]["Count"] == "5"
    typed = json.loads(json.dumps(from_xml))
    typed["Operation"]["SmartCover"].update(Count=5, Width=1280, DeleteDuplicates=True)
    typed["Operation"]["JobLevel"] = 0
    for body in (json.dumps({"Request": typed}), json.dumps(typed)):
        assert parsed(body, "application/json") == from_xml
        assert parsed(body, "") == from_xml  # no Content-Type: it starts with '{'
    assert parsed("  " + SEED, "application/x-www-form-urlencoded") == from_xml  # curl -d
    assert parsed(json.dumps({"Tag": None, "Input": {"Object": " a.mp4 "}}), "application/json") == {
        "Input": {"Object": "a.mp4"}
    }


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        ("", "application/xml", "MissingContent"),
        ("   ", "application/json", "MissingContent"),
        ("<Other><Tag>SmartCover</Tag></Other>", "application/xml", "InvalidArgument"),
        ("<Request><Tag>x</Request>", "application/xml", "InvalidArgument"),
        ("[1, 2]", "application/json", "InvalidArgument"),
        ('{"Tag": ', "application/json", "InvalidArgument"),
        ("[" * 20_000 + "]" * 20_000, "application/json", "InvalidArgument"),
        ("<Request>" + "<a>" * 5000 + "</a>" * 5000 + "</Request>", "application/xml", "InvalidArgument"),
    ],
)
def test_unacceptable_bodies(body: str, content_type: str, code: str) -> None:
    error = refused(body, content_type)
    assert (error.status, error.code) == (400, code)


def test_a_body_over_the_limit_is_refused() -> None:
    error = refused("<Request>" + "x" * 70_000 + "</Request>")
    assert (error.status, error.code) == (413, "InvalidContent")


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10))
    + "]><Request><Tag>&lol9;</Tag></Request>"
)
HOSTILE = {
    "xxe-file": '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Request><Tag>&x;</Tag></Request>',
    "xxe-http": '<!DOCTYPE r [<!ENTITY x SYSTEM "http://169.254.169.254/latest/meta-data/">]><Request>&x;</Request>',
    "external-dtd": '<!DOCTYPE Request SYSTEM "http://127.0.0.1:9/evil.dtd"><Request><Tag>SmartCover</Tag></Request>',
    "parameter-entity": '<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><Request/>',
    "internal-entity": '<!DOCTYPE r [<!ENTITY a "SmartCover">]><Request><Tag>&a;</Tag></Request>',
    "billion-laughs": LAUGHS,
    "quadratic-blowup": '<!DOCTYPE r [<!ENTITY a "'
    + "x" * 20_000
    + '">]><Request>'
    + "&a;" * 2000
    + "</Request>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_is_invalid_argument_and_nothing_is_expanded(name: str) -> None:
    started = time.monotonic()
    error = refused(HOSTILE[name], "text/xml")
    assert (error.status, error.code) == (400, "InvalidArgument")
    assert time.monotonic() - started < 0.5  # refused at the DTD, long before any expansion
    assert "root:" not in error.message and "lollol" not in error.message


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({}, None, "xml"),
        ({"Accept": "*/*"}, None, "xml"),
        ({"Accept": "application/json"}, None, "json"),
        ({"Accept": "application/xml", "Content-Type": "application/json"}, "{}", "xml"),
        ({"Accept": "text/xml;q=0.5, application/json;q=0.9"}, None, "json"),
        ({"Accept": "application/json;q=0, */*"}, "{}", "json"),  # q=0 refuses JSON... then the body speaks
        ({"Accept": "application/xml, application/json"}, None, "xml"),
        ({"Content-Type": "application/json; charset=utf-8"}, None, "json"),
        ({"Content-Type": "application/xml"}, "{}", "xml"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, ' {"a": 1}', "json"),
        ({"Accept": "application/problem+json"}, None, "json"),
    ],
)
def test_negotiate(headers: dict[str, str], body: str | None, expected: str) -> None:
    assert negotiate(headers, body) == expected


def test_xml_repeats_list_elements_and_json_keeps_arrays() -> None:
    body = {
        "JobsDetail": [{"Operation": {"MediaResult": {"OutputFile": {"ObjectName": ["a.jpg", "b.jpg"]}}}}]
    }
    kind, xml = wire.dumps(body, "xml")
    assert kind == "application/xml"
    assert xml == (
        "<Response><JobsDetail><Operation><MediaResult><OutputFile><ObjectName>a.jpg</ObjectName>"
        "<ObjectName>b.jpg</ObjectName></OutputFile></MediaResult></Operation></JobsDetail></Response>"
    )
    kind, text = wire.dumps(body, "json")
    assert kind == "application/json" and json.loads(text) == {"Response": body}
    single = {"JobsDetail": [{"Operation": {"MediaResult": {"OutputFile": {"ObjectName": ["a.jpg"]}}}}]}
    assert json.loads(wire.dumps(single, "json")[1])["Response"] == single  # an array even for one


def test_ci_errors_in_json_have_the_same_structure() -> None:
    from mediaflow.api.families import Family, render

    error = ApiError(400, "InvalidArgument", "bad <value>")
    out = render(Family.CI, error, "RID", "host", "json")
    assert (out.status, out.content_type) == (400, "application/json")
    assert json.loads(out.body) == {
        "Error": {
            "Code": "InvalidArgument",
            "Message": "bad <value>",
            "Resource": "host",
            "RequestId": "RID",
            "TraceId": "RID",
        }
    }
    assert render(Family.CI, error, "RID", "host").content_type == "application/xml"
    assert (
        render(Family.MPC, error, "RID", "host", "json").body == render(Family.MPC, error, "RID", "host").body
    )
