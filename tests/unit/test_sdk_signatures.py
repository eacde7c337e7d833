"""Mediaflow's verifiers accept exactly what the vendors' own signers produce, and nothing tampered.

Each request is signed by the SDK's signing code (huaweicloudsdkcore's Signer, alibabacloud-tea-
openapi's Utils, cos-python-sdk-v5's CosS3Auth); the verifier sees it as the server would.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from alibabacloud_tea_openapi.utils import Utils as AliUtils
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from qcloud_cos import CosConfig
from qcloud_cos.cos_auth import CosS3Auth

from mediaflow.signatures import Refused, SignedRequest, alibaba, huawei, tencent

AK, SK = "MFTESTKEY00000000001", "s3cr3t-of-forty-characters-0123456789abc"


def _tampered(request: SignedRequest, **changes: object) -> SignedRequest:
    return replace(request, **changes)  # type: ignore[arg-type]


# ---------------------------------------------------------------- Huawei SDK-HMAC-SHA256
def huawei_signed(method: str = "POST", body: bytes = b'{"name":"a"}', query=None) -> SignedRequest:
    query = query if query is not None else [("task_id", [10, 9]), ("page", 0)]
    sdk = SdkRequest(
        method=method,
        schema="http",
        host="127.0.0.1:3000",
        resource_path="/v1/p1/transcodings",
        query_params=list(query),
        header_params={"Content-Type": "application/json", "X-Project-Id": "p1"},
        body=body,
    )
    Signer(BasicCredentials(AK, SK)).sign(sdk)
    sent = urlsplit("http://x" + sdk.uri)
    return SignedRequest(
        method=method,
        path=sent.path,
        query=parse_qsl(sent.query, keep_blank_values=True),
        headers={k.lower(): str(v) for k, v in sdk.header_params.items()},
        body=body,
    )


def test_huawei_signature_of_the_sdk_verifies_and_binds_every_part() -> None:
    signed = huawei_signed()
    claim = huawei.parse(signed)
    assert (claim.access_key_id, claim.body_binding) == (AK, None)
    assert claim.verify(SK) and not claim.verify(SK + "x")
    for changed in (
        _tampered(signed, body=b'{"name":"b"}'),
        _tampered(signed, path="/v1/p2/transcodings"),
        _tampered(signed, query=[("task_id", "10"), ("task_id", "8"), ("page", "0")]),
        _tampered(signed, headers={**signed.headers, "x-project-id": "p2"}),
        _tampered(signed, method="PUT"),
    ):
        assert not huawei.parse(changed).verify(SK)


def test_huawei_numeric_list_order_and_empty_body_without_seeing_it() -> None:
    signed = huawei_signed(method="GET", body=b"")
    assert [v for k, v in signed.query if k == "task_id"] == ["9", "10"]  # the SDK's numeric sort
    unseen = _tampered(signed, body=None)
    claim = huawei.parse(unseen)
    assert claim.verify(SK) and claim.body_binding == ("sha256", hashlib.sha256(b"").hexdigest())


def test_huawei_body_the_authorizer_cannot_see_is_left_to_the_function() -> None:
    signed = huawei_signed()
    unseen = _tampered(signed, body=None, headers={**signed.headers, "content-length": "12"})
    claim = huawei.parse(unseen)
    assert claim.body_binding == ("signature", "") and not claim.verify(SK)


def test_huawei_malformed_authorization_is_refused() -> None:
    signed = huawei_signed()
    for auth in ("SDK-HMAC-SHA256 Access=x", "Bearer abc", ""):
        with pytest.raises(Refused):
            huawei.parse(_tampered(signed, headers={**signed.headers, "authorization": auth}))


# ---------------------------------------------------------------- Alibaba ACS3 and RPC v1
class _DaraRequest:
    def __init__(self, query: dict[str, str], headers: dict[str, str]) -> None:
        self.method, self.pathname, self.query, self.headers = "POST", "/", query, headers


def acs3_signed(query: dict[str, str] | None = None, body: bytes = b"") -> SignedRequest:
    query = query if query is not None else {"Title": "a b/ü", "FileName": "x.mp4", "FileSize": "12"}
    headers = {
        "host": "127.0.0.1:3000",
        "x-acs-version": "2017-03-21",
        "x-acs-action": "CreateUploadVideo",
        "user-agent": "AlibabaCloud (Linux) Python/3.11",
        "x-acs-date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": "nonce-1",
        "accept": "application/json",
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
    }
    auth = AliUtils.get_authorization(
        _DaraRequest(query, headers), "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"], AK, SK
    )
    return SignedRequest("POST", "/", list(query.items()), {**headers, "authorization": auth}, None)


def test_acs3_signature_of_the_sdk_verifies_and_binds_the_body_digest() -> None:
    signed = acs3_signed()
    claim = alibaba.parse_acs3(signed)
    assert claim.verify(SK) and not claim.verify("wrong")
    assert claim.body_binding == ("sha256", hashlib.sha256(b"").hexdigest())
    assert (claim.replay_id, claim.nonce_based) == ("nonce-1", True)
    for changed in (
        _tampered(signed, query=[("Title", "a b/ü"), ("FileName", "y.mp4"), ("FileSize", "12")]),
        _tampered(signed, headers={**signed.headers, "x-acs-action": "GetVideoInfo"}),
        _tampered(signed, headers={**signed.headers, "x-acs-content-sha256": "0" * 64}),
    ):
        assert not alibaba.parse_acs3(changed).verify(SK)


def rpc_signed(body: dict[str, str] | None = None) -> SignedRequest:
    query = {
        "Action": "GetVideoInfo",
        "Format": "json",
        "Version": "2017-03-21",
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "SignatureNonce": "n-2",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "AccessKeyId": AK,
        "VideoId": "abc",
    }
    query["Signature"] = AliUtils.get_rpcsignature({**query, **(body or {})}, "POST", SK)
    form = "&".join(f"{k}={v}" for k, v in (body or {}).items()).encode()
    headers = {"host": "127.0.0.1:3000"}
    if body:
        headers["content-type"] = "application/x-www-form-urlencoded"
    return SignedRequest("POST", "/", list(query.items()), headers, form)


def test_rpc_v1_signature_of_the_sdk_verifies_query_and_form() -> None:
    assert alibaba.parse_rpc(rpc_signed()).verify(SK)
    with_form = rpc_signed({"Title": "t"})
    assert alibaba.parse_rpc(with_form).verify(SK)
    assert not alibaba.parse_rpc(_tampered(with_form, body=b"Title=u")).verify(SK)
    tampered_query = [(k, "other" if k == "VideoId" else v) for k, v in rpc_signed().query]
    assert not alibaba.parse_rpc(_tampered(rpc_signed(), query=tampered_query)).verify(SK)
    unseen = _tampered(with_form, body=None, headers={**with_form.headers, "content-length": "7"})
    assert alibaba.parse_rpc(unseen).body_binding == ("signature", "")


# ---------------------------------------------------------------- Tencent q-sign sha1
def cos_signed(
    method: str = "POST", body: bytes = b"<Request><Tag>SmartCover</Tag></Request>"
) -> SignedRequest:
    conf = CosConfig(Region="us-east-1", SecretId=AK, SecretKey=SK, Endpoint="ci.mediaflow.test")
    prepared = requests.Request(
        method,
        "http://127.0.0.1:3000/jobs",
        params={"tag": "SmartCover", "size": "10"},
        headers={"Host": "bucket.ci.mediaflow.test"},
        data=body or None,
        auth=CosS3Auth(conf, "/jobs", params={"tag": "SmartCover", "size": "10"}),
    ).prepare()
    sent = urlsplit(prepared.url or "")
    headers = {k.lower(): v for k, v in prepared.headers.items()}
    return SignedRequest(method, sent.path, parse_qsl(sent.query), headers, None)


def test_cos_signature_of_the_sdk_verifies_and_covers_length_host_and_params() -> None:
    signed = cos_signed()
    claim = tencent.parse(signed)
    assert claim.verify(SK) and not claim.verify("nope")
    assert claim.valid_until is not None and claim.valid_until - time.time() > 9000
    for changed in (
        _tampered(signed, headers={**signed.headers, "content-length": "99"}),
        _tampered(signed, headers={**signed.headers, "host": "other.ci.mediaflow.test"}),
        _tampered(signed, query=[("tag", "Transcode"), ("size", "10")]),
        _tampered(signed, path="/template"),
    ):
        assert not tencent.parse(changed).verify(SK)
    # unsigned extras (the SDK appends ?cancel after signing) do not break the signature
    assert tencent.parse(_tampered(signed, query=[*signed.query, ("cancel", "")])).verify(SK)


def test_cos_content_md5_when_signed_is_left_for_the_function() -> None:
    signed = cos_signed()
    md5 = base64.b64encode(hashlib.md5(b"x").digest()).decode()  # noqa: S324 - the header's own hash
    unlisted = tencent.parse(_tampered(signed, headers={**signed.headers, "content-md5": md5}))
    assert unlisted.body_binding is None  # present but not in q-header-list: not signed, not bound
