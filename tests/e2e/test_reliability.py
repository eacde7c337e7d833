"""Issue 16 over HTTP against the local stack: every malformed input the issue found answering 500
is now the family's 4xx, the gateway holds a crowd of 200 connections, absolute keys are refused."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from mediaflow import xmlcodec
from tests.e2e.conftest import Api, Project
from tests.e2e.test_foundation import create, upload, wait_for
from tests.support.clips import make_clip

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-reliability")


@dataclass(frozen=True)
class JsonRoute:
    family: str  # "vod" or "mpc"
    method: str
    path: str
    valid: Callable[[Api], dict[str, Any]]  # a body the route accepts (or answers 4xx for its content)


ROUTES = [
    JsonRoute("vod", "POST", "/videos", lambda _: {"Title": "t", "FileName": "a.mp4"}),
    JsonRoute("vod", "POST", "/url-uploads", lambda _: {"UploadURLs": "https://cdn.example.com/a.mp4"}),
    JsonRoute("mpc", "PUT", "/notification", lambda _: {"notifications": []}),
    JsonRoute(
        "mpc",
        "POST",
        "/template/transcodings",
        lambda _: {"template_name": "t1", "common": {"pack_type": 4}, "audio": {"channels": 2}},
    ),
    JsonRoute(
        "mpc",
        "PUT",
        "/template/transcodings",
        lambda _: {"template_id": 1, "template_name": "t1", "common": {"pack_type": 4}},
    ),
    JsonRoute(
        "mpc",
        "POST",
        "/template_group/transcodings",
        lambda _: {
            "name": "g1",
            "videos": [{"width": 0, "height": 360, "bitrate": 800}],
            "common": {"pack_type": 4},
        },
    ),
    JsonRoute(
        "mpc",
        "PUT",
        "/template_group/transcodings",
        lambda _: {
            "group_id": "x",
            "name": "g1",
            "videos": [{"width": 0, "height": 360, "bitrate": 800}],
            "common": {"pack_type": 4},
        },
    ),
    JsonRoute(
        "mpc",
        "POST",
        "/transcodings",
        lambda api: {
            "input": {"bucket": api.ref("MediaBucket"), "location": "us-east-1", "object": "in.mp4"},
            "output": {"bucket": api.ref("MediaBucket"), "location": "us-east-1", "object": "out/"},
            "trans_template_id": [131],
        },
    ),
]
IDS = [f"{r.method} {r.path}" for r in ROUTES]


def send(
    api: Api, project: Project, route: JsonRoute, data: bytes, content_type: str | None
) -> requests.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return api.call(
        route.method, f"/v1/{project.project_id}{route.path}", project.token, data=data, headers=headers
    )


def family_error(route: JsonRoute, response: requests.Response) -> dict[str, Any]:
    """The family's error body, checked for its shape."""
    assert response.headers["Content-Type"].startswith("application/json"), response.text
    body = dict(response.json())
    if route.family == "vod":
        assert set(body) == {"RequestId", "HostId", "Code", "Message"}, body
        assert body["Code"] in ("InvalidParameter", "MissingParameter") and body["RequestId"]
    else:
        assert set(body) == {"error_code", "error_msg"}, body
        assert body["error_code"] == "MPC.10202"
    return body


def message(body: dict[str, Any]) -> str:
    return str(body.get("Message") or body.get("error_msg"))


def deep_json(levels: int) -> bytes:
    return ('{"a":' * levels + "1" + "}" * levels).encode()


MALFORMED = {
    "deep JSON": (deep_json(10_000), "application/json", 400, "nested deeper than 32"),
    "deep arrays": (b"[" * 5000 + b"]" * 5000, "application/json", 400, "nested deeper than 32"),
    "invalid UTF-8": (b'{"Title": "\xff\xfe"}', "application/json", 400, "not valid UTF-8"),
    "XML to a JSON route": (
        b"<Request><Title>t</Title></Request>",
        "application/xml",
        415,
        "application/json",
    ),
    "form-encoded": (b'{"Title": "t"}', "application/x-www-form-urlencoded", 415, "application/json"),
    "6 MB of junk": (json.dumps({"junk": "x" * (6 * MIB)}).encode(), "application/json", 413, "larger than"),
    "6 MB of bytes": (bytes(range(256)) * (6 * MIB // 256), None, 413, "larger than"),
    "not JSON": (b"{'Title': 't'}", "application/json", 400, "JSON"),
    "no body": (b"", "application/json", 400, ""),
    "no body, wrong type": (b"", "text/plain", 415, "application/json"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_malformed_bodies_are_the_familys_4xx(
    api: Api, project: Project, route: JsonRoute, case: str
) -> None:
    data, content_type, status, fragment = MALFORMED[case]
    response = send(api, project, route, data, content_type)
    assert response.status_code == status, response.text[:300]
    assert fragment in message(family_error(route, response))


@pytest.mark.parametrize("route", ROUTES, ids=IDS)
def test_unknown_fields(api: Api, project: Project, route: JsonRoute) -> None:
    """MPC refuses them anywhere in the body; VOD ignores them as Alibaba does, but a body of nothing
    but junk still lacks the required fields."""
    junk_only = send(api, project, route, json.dumps({"junk": "x" * 1000}).encode(), "application/json")
    assert junk_only.status_code == 400
    family_error(route, junk_only)
    with_junk = send(
        api, project, route, json.dumps({**route.valid(api), "Junk": 1}).encode(), "application/json"
    )
    if route.family == "mpc":
        assert with_junk.status_code == 400 and "Junk: unknown field" in message(
            family_error(route, with_junk)
        )
    else:
        assert with_junk.status_code == 200, with_junk.text


def test_a_junk_body_never_wipes_the_notification_configuration(api: Api, project: Project) -> None:
    path = f"/v1/{project.project_id}/notification"
    config = {"notifications": [], "url": "https://hooks.example.com/kept"}
    assert api.call("PUT", path, project.token, json=config).status_code == 200
    for body in ({}, {"junk": "x"}, {"url": None}):
        assert api.call("PUT", path, project.token, json=body).status_code == 400
    too_big = api.call("PUT", path, project.token, data=b"{" + b" " * (6 * MIB) + b"}")
    assert too_big.status_code == 413
    assert api.call("GET", path, project.token).json()["url"] == "https://hooks.example.com/kept"
    api.call("PUT", path, project.token, json={"notifications": []})


def forged(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


@pytest.mark.parametrize(
    "marker", [forged({"a": 1}), forged({"pk": {"S": "P#x"}, "sk": {"S": "y"}}), "not a cursor", "a.b"]
)
def test_a_forged_deliveries_marker_is_mpc_10202(api: Api, project: Project, marker: str) -> None:
    response = api.call(
        "GET", f"/v1/{project.project_id}/notification/deliveries", project.token, params={"marker": marker}
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "MPC.10202" and "marker" in response.json()["error_msg"]


@pytest.mark.parametrize("token", [forged({"pk": {"S": "x"}}), forged({"a": 1}), "@@", "x.y"])
def test_a_forged_next_token_is_ci_invalid_argument(api: Api, project: Project, token: str) -> None:
    response = api.call(
        "GET",
        f"/v1/{project.project_id}/jobs",
        project.token,
        params={"tag": "SmartCover", "nextToken": token},
    )
    assert response.status_code == 400
    root, error = xmlcodec.loads(response.text)
    assert root == "Error" and error["Code"] == "InvalidArgument" and "nextToken" in error["Message"]


CI_BODY_ROUTES = [("POST", "/jobs"), ("POST", "/template"), ("PUT", "/queue/{queue}")]


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"<Request>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</Request>", None, 400),
        (b"<Request><Tag>\xff</Tag></Request>", None, 400),
        (b"<Request><Tag>SmartCover</Tag></Request>", "application/x-www-form-urlencoded", 415),
        (b"<Request>" + b" " * (6 * MIB) + b"</Request>", "application/xml", 413),
        (b'<!DOCTYPE r [<!ENTITY e "x">]><Request>&e;</Request>', "application/xml", 400),
        (deep_json(10_000), "application/json", 400),
    ],
    ids=["deep XML", "invalid UTF-8", "form-encoded", "6 MB", "DTD", "deep JSON"],
)
@pytest.mark.parametrize(("method", "path"), CI_BODY_ROUTES, ids=[f"{m} {p}" for m, p in CI_BODY_ROUTES])
def test_malformed_ci_documents_are_ci_errors(
    api: Api, project: Project, method: str, path: str, data: bytes, content_type: str | None, status: int
) -> None:
    queue = f"p{project.project_id}"
    headers = {"Content-Type": content_type} if content_type else {}
    response = api.call(
        method,
        f"/v1/{project.project_id}{path.format(queue=queue)}",
        project.token,
        data=data,
        headers=headers,
    )
    assert response.status_code == status, response.text[:300]
    if content_type == "application/json":  # CI answers in the request's format
        ((root, error),) = response.json().items()
    else:
        root, error = xmlcodec.loads(response.text)
    assert root == "Error" and set(error) == {"Code", "Message", "Resource", "RequestId", "TraceId"}
    assert error["Code"] == ("InvalidContent" if status == 413 else "InvalidArgument")


def test_ci_still_takes_xml_without_a_content_type(api: Api, project: Project) -> None:
    """What Tencent's SDK sends: XML and no Content-Type."""
    body = "<Request><Tag>SmartCover</Tag><Name>no-content-type</Name><SmartCover/></Request>"
    response = api.call(
        "POST",
        f"/v1/{project.project_id}/template",
        project.token,
        data=body.encode(),
        headers={"Content-Type": ""},
    )
    assert response.status_code == 200, response.text
    assert response.text.startswith("<Response><Template>")


def test_an_absolute_output_object_is_refused(api: Api, project: Project) -> None:
    where = {"bucket": api.ref("MediaBucket"), "location": "us-east-1"}
    body = {
        "input": {**where, "object": "in.mp4"},
        "output": {**where, "object": "/abs/x"},
        "trans_template_id": [131],
    }
    response = api.call("POST", f"/v1/{project.project_id}/transcodings", project.token, json=body)
    assert response.status_code == 400
    assert response.json()["error_code"] == "MPC.10202" and "output.object" in response.json()["error_msg"]


def test_the_gateway_holds_200_concurrent_connections(api: Api) -> None:
    """200 requests at once, each on its own connection and through the authorizer: no reset, no
    5xx. The route is a cheap read (the preset list), so the test measures the gateway holding the
    connections rather than moto's serialized writes (200 CreateUploadVideo took two minutes)."""
    crowd = api.new_project("e2e-crowd")
    url = f"{api.endpoint}/v1/{crowd.project_id}/template/transcodings/presets"
    start = threading.Barrier(200)
    outcomes: list[Any] = [None] * 200

    def call(index: int) -> None:
        start.wait()
        try:
            outcomes[index] = requests.get(
                url,
                headers={"X-Auth-Token": crowd.token, "Connection": "close"},
                timeout=120,
            ).status_code
        except requests.RequestException as exc:
            outcomes[index] = type(exc).__name__

    began = time.monotonic()
    threads = [threading.Thread(target=call, args=(i,)) for i in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    elapsed = time.monotonic() - began
    failures = [o for o in outcomes if o != 200]
    print(f"200 concurrent requests: {elapsed:.1f} s, failures {failures}")
    assert failures == []


@pytest.mark.parametrize(
    ("container", "extra"),
    [("mp4", {}), ("mkv", {}), ("ts", {}), ("webm", {"vcodec": "libvpx-vp9"})],
)
def test_a_truncated_upload_ends_upload_fail(
    api: Api, project: Project, clip_dir: Path, container: str, extra: dict[str, Any]
) -> None:
    """The upload path: the whole file is UploadSucc, the first 30 % of it UploadFail (NotMedia)."""
    source = make_clip(clip_dir, seconds=4, container=container, **extra)
    data = source.read_bytes()
    keep = int(len(data) * 0.3)
    cut = clip_dir / f"cut-{source.name}"
    cut.write_bytes(data[: keep - 1 if keep % 188 == 0 else keep])
    verdicts = {}
    for path in (source, cut):
        created = create(api, project, Title="truncation", FileName=f"t.{container}")
        upload(created, path)
        video = wait_for(api, project, created["VideoId"], {"UploadSucc", "UploadFail"})["Video"]
        verdicts[path] = video
    whole, broken = verdicts[source], verdicts[cut]
    assert whole["Status"] == "UploadSucc" and abs(float(whole["Duration"]) - 4) < 0.3, whole
    assert broken["Status"] == "UploadFail", broken
    assert broken["ErrorCode"] == "NotMedia" and "truncated" in broken["ErrorMessage"], broken
