"""Each family's signature, refused in its own words: a tampered body, header or query parameter, a
wrong secret, an unknown or disabled key, an expired date and a replay - over real HTTP, signed by
the vendors' own signing code. Also the access-key API: two active keys at most, shown once,
managed with a token only, while tokens keep working."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import requests

from mediaflow import xmlcodec
from tests.e2e.conftest import Api, Project
from tests.support import signed_requests as sign
from tests.support.sdks import CI_ENDPOINT

OLD = timedelta(minutes=20)
TEMPLATE = {
    "template_name": "sig",
    "video": {"codec": 1, "bitrate": 400, "height": 240},
    "audio": {"codec": 1, "sample_rate": 1, "bitrate": 64, "channels": 2},
    "common": {"hls_interval": 2, "pack_type": 4},
}


@pytest.fixture(scope="module")
def project(api: Api) -> Project:
    return api.new_project("e2e-sdk-signatures")


@pytest.fixture(scope="module")
def disabled_key(api: Api, project: Project) -> tuple[str, str]:
    made = api.call("POST", f"/v1/{project.project_id}/access-keys", project.token, json={})
    assert made.status_code == 201, made.text
    key = made.json()["credential"]
    off = api.call(
        "PUT",
        f"/v1/{project.project_id}/access-keys/{key['access']}",
        project.token,
        json={"credential": {"status": "inactive"}},
    )
    assert off.json()["credential"]["status"] == "inactive"
    return key["access"], key["secret"]


def mpc_error(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error_code"], body["error_msg"]


def vod_error(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["Code"]


def ci_error(response: requests.Response) -> tuple[int, str]:
    root, body = xmlcodec.loads(response.content)
    assert root == "Error" and {"Code", "Message", "Resource", "RequestId"} <= set(body), response.text
    return response.status_code, str(body["Code"])


# ---------------------------------------------------------------- Huawei SDK-HMAC-SHA256
def test_huawei_refusals(api: Api, project: Project, disabled_key: tuple[str, str]) -> None:
    ak, sk, pid = project.access_key_id, project.access_key_secret, project.project_id
    path = f"/v1/{pid}/template/transcodings"

    def create(name: str, **kw: Any) -> sign.Raw:
        body = json.dumps({**TEMPLATE, "template_name": name}).encode()
        return sign.huawei(api.endpoint, kw.pop("ak", ak), kw.pop("sk", sk), pid, "POST", path, body, **kw)

    good = create("sig_ok")
    assert good.send().status_code in (200, 201)
    replayed = mpc_error(good.send())
    assert replayed[:2] == (403, "APIGW.0301") and "replayed" in replayed[2]
    tampered_body = replace(
        create("sig_body"), body=json.dumps({**TEMPLATE, "template_name": "sig_evil"}).encode()
    )
    assert mpc_error(tampered_body.send())[:2] == (403, "APIGW.0301")
    listing = sign.huawei(api.endpoint, ak, sk, pid, "GET", path, query=[("template_id", 100000)])
    assert listing.send().status_code == 200
    tampered_query = replace(listing, query=[("template_id", "100001")])
    assert "verify aksk signature fail" in mpc_error(tampered_query.send())[2]
    tampered_header = sign.huawei(api.endpoint, ak, sk, pid, "GET", path)
    tampered_header.headers["X-Project-Id"] = "0" * 32
    assert mpc_error(tampered_header.send())[:2] == (403, "APIGW.0301")
    assert "verify aksk" in mpc_error(sign.huawei(api.endpoint, ak, sk + "x", pid, "GET", path).send())[2]
    assert "expired" in mpc_error(sign.huawei(api.endpoint, ak, sk, pid, "GET", path, age=OLD).send())[2]
    assert "disabled" in mpc_error(sign.huawei(api.endpoint, *disabled_key, pid, "GET", path).send())[2]
    assert (
        "does not exist"
        in mpc_error(sign.huawei(api.endpoint, "MF" + "0" * 18, sk, pid, "GET", path).send())[2]
    )


# ---------------------------------------------------------------- Alibaba ACS3 and RPC v1
def test_alibaba_acs3_refusals(api: Api, project: Project, disabled_key: tuple[str, str]) -> None:
    ak, sk = project.access_key_id, project.access_key_secret
    query = {"Title": "sig", "FileName": "sig.mp4"}
    good = sign.acs3(api.endpoint, ak, sk, "CreateUploadVideo", query)
    assert good.send().status_code == 200
    assert vod_error(good.send()) == (403, "SignatureNonceUsed")
    body_bound = sign.acs3(api.endpoint, ak, sk, "CreateUploadVideo", query, body=b"a=b")
    assert vod_error(replace(body_bound, body=b"a=c").send()) == (403, "SignatureDoesNotMatch")
    fresh = sign.acs3(api.endpoint, ak, sk, "CreateUploadVideo", query)
    assert vod_error(replace(fresh, query=[("Title", "evil"), ("FileName", "sig.mp4")]).send()) == (
        403,
        "SignatureDoesNotMatch",
    )
    fresh = sign.acs3(api.endpoint, ak, sk, "CreateUploadVideo", query)
    fresh.headers["x-acs-version"] = "2017-03-22"
    assert vod_error(fresh.send()) == (403, "SignatureDoesNotMatch")
    assert vod_error(sign.acs3(api.endpoint, ak, "wrong", "CreateUploadVideo", query).send()) == (
        403,
        "SignatureDoesNotMatch",
    )
    old = sign.acs3(api.endpoint, ak, sk, "CreateUploadVideo", query, age=OLD)
    assert vod_error(old.send()) == (403, "InvalidTimeStamp.Expired")
    off = sign.acs3(api.endpoint, *disabled_key, "CreateUploadVideo", query)
    assert vod_error(off.send()) == (403, "InvalidAccessKeyId.Inactive")
    unknown = sign.acs3(api.endpoint, "MF" + "0" * 18, sk, "CreateUploadVideo", query)
    assert vod_error(unknown.send()) == (403, "InvalidAccessKeyId.NotFound")


def test_alibaba_rpc_v1_refusals_and_form_parameters(api: Api, project: Project) -> None:
    ak, sk = project.access_key_id, project.access_key_secret
    form = sign.rpc(
        api.endpoint, ak, sk, "CreateUploadVideo", {}, form={"Title": "form", "FileName": "f.mp4"}
    )
    created = form.send()
    assert created.status_code == 200 and len(created.json()["VideoId"]) == 32
    assert vod_error(form.send()) == (403, "SignatureNonceUsed")
    again = sign.rpc(
        api.endpoint, ak, sk, "CreateUploadVideo", {}, form={"Title": "form", "FileName": "f.mp4"}
    )
    assert vod_error(replace(again, body=b"Title=evil&FileName=f.mp4").send()) == (
        403,
        "SignatureDoesNotMatch",
    )
    query = sign.rpc(api.endpoint, ak, sk, "GetVideoInfo", {"VideoId": created.json()["VideoId"]})
    assert query.send().json()["Video"]["Title"] == "form"
    tampered = [(k, "0" * 32 if k == "VideoId" else v) for k, v in query.query if k != "SignatureNonce"]
    tampered.append(("SignatureNonce", "another"))
    assert vod_error(replace(query, query=tampered).send()) == (403, "SignatureDoesNotMatch")


# ---------------------------------------------------------------- Tencent q-sign sha1
def test_tencent_refusals(api: Api, project: Project, disabled_key: tuple[str, str]) -> None:
    ak, sk = project.access_key_id, project.access_key_secret
    host = f"{api.ref('MediaBucket')}.{CI_ENDPOINT}"
    job = (
        b"<Request><Tag>SmartCover</Tag><Input><Object>input/none.mp4</Object></Input><Operation><SmartCover>"
        b"<Count>2</Count></SmartCover><Output><Region>us-east-1</Region><Bucket>x</Bucket>"
        b"<Object>c-${number}.jpg</Object></Output></Operation></Request>"
    )
    queue = sign.cos(api.endpoint, ak, sk, host, "GET", "/queue", {"state": "Active"})
    assert queue.send().status_code == 200
    assert queue.send().status_code == 200  # a repeated read: no nonce in this scheme, nothing changes
    post = sign.cos(api.endpoint, ak, sk, host, "POST", "/jobs", body=job)
    first = post.send()
    assert first.status_code == 400  # signature fine; the input does not exist
    assert ci_error(post.send()) == (403, "AccessDenied")  # a replayed write
    md5 = base64.b64encode(hashlib.md5(job).digest()).decode()  # noqa: S324 - Content-MD5
    bound = sign.cos(api.endpoint, ak, sk, host, "POST", "/jobs", body=job, headers={"Content-MD5": md5})
    same_length = job.replace(b"<Count>2</Count>", b"<Count>9</Count>")
    assert ci_error(replace(bound, body=same_length).send()) == (403, "SignatureDoesNotMatch")
    longer = sign.cos(api.endpoint, ak, sk, host, "POST", "/jobs", body=job)
    assert ci_error(replace(longer, body=job + b" ").send()) == (403, "SignatureDoesNotMatch")
    listed = sign.cos(api.endpoint, ak, sk, host, "GET", "/jobs", {"tag": "SmartCover", "size": "10"})
    assert ci_error(replace(listed, query=[("tag", "SmartCover"), ("size", "11")]).send()) == (
        403,
        "SignatureDoesNotMatch",
    )
    other_host = sign.cos(api.endpoint, ak, sk, host, "GET", "/queue")
    other_host.headers["Host"] = f"{api.ref('MediaBucket')}.elsewhere.test"
    assert ci_error(other_host.send()) == (403, "SignatureDoesNotMatch")
    assert ci_error(sign.cos(api.endpoint, ak, "wrong", host, "GET", "/queue").send()) == (
        403,
        "SignatureDoesNotMatch",
    )
    expired = sign.cos(api.endpoint, ak, sk, host, "GET", "/queue", signed_at=time.time() - 7200, expire=600)
    assert ci_error(expired.send()) == (403, "SignatureExpired")
    assert ci_error(sign.cos(api.endpoint, *disabled_key, host, "GET", "/queue").send()) == (
        403,
        "AccessDenied",
    )
    unknown = sign.cos(api.endpoint, "MF" + "0" * 18, sk, host, "GET", "/queue")
    assert ci_error(unknown.send()) == (403, "SecretidNotExist")


# ---------------------------------------------------------------- the access-key API
def test_access_keys_two_active_shown_once_token_only(
    api: Api, project: Project, disabled_key: tuple[str, str]
) -> None:
    base = f"/v1/{project.project_id}/access-keys"
    listed = api.call("GET", base, project.token).json()["credentials"]
    assert {k["access"]: k["status"] for k in listed} == {
        project.access_key_id: "active",
        disabled_key[0]: "inactive",
    }
    assert all("secret" not in k for k in listed)
    second = api.call("POST", base, project.token, json={"credential": {"description": "rotation"}})
    assert second.status_code == 201 and len(second.json()["credential"]["secret"]) == 40
    third = api.call("POST", base, project.token, json={})
    assert (third.status_code, third.json()["error_code"]) == (400, "MPC.10212")
    reenable = api.call(
        "PUT", f"{base}/{disabled_key[0]}", project.token, json={"credential": {"status": "active"}}
    )
    assert reenable.json()["error_code"] == "MPC.10212"
    signed = sign.huawei(
        api.endpoint,
        project.access_key_id,
        project.access_key_secret,
        project.project_id,
        "POST",
        base,
        b"{}",
    )
    assert mpc_error(signed.send())[:2] == (403, "MPC.10208")  # keys cannot mint keys
    gone = api.call("DELETE", f"{base}/{second.json()['credential']['access']}", project.token)
    assert gone.status_code == 204
    assert (
        api.call("DELETE", f"{base}/{second.json()['credential']['access']}", project.token).status_code
        == 404
    )
    assert api.call("GET", f"/v1/{project.project_id}/notification", project.token).status_code == 200
