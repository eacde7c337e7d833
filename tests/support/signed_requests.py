"""Raw requests signed by the vendors' own signing code, for tests that must tamper with what the
SDKs would send (a body, a header, a query parameter, the date) or send it twice."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from urllib.parse import quote, unquote, urlsplit

import requests


@dataclass
class Raw:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""
    query: list[tuple[str, str]] = field(default_factory=list)

    def send(self, session: requests.Session | None = None) -> requests.Response:
        target = self.url + (
            "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='~')}" for k, v in self.query)
            if self.query
            else ""
        )
        http = session or requests
        return http.request(self.method, target, headers=self.headers, data=self.body or None, timeout=30)


def huawei(
    endpoint: str,
    ak: str,
    sk: str,
    project_id: str,
    method: str,
    path: str,
    body: bytes = b"",
    query: list[tuple[str, Any]] | None = None,
    age: timedelta = timedelta(0),
) -> Raw:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    host = urlsplit(endpoint).netloc
    date = (datetime.now(UTC) - age).strftime("%Y%m%dT%H%M%SZ")
    headers = {"Content-Type": "application/json", "X-Project-Id": project_id, "X-Sdk-Date": date}
    sdk = SdkRequest(
        method=method,
        schema="http",
        host=host,
        resource_path=path,
        query_params=list(query or []),
        header_params=headers,
        body=body,
    )
    Signer(BasicCredentials(ak, sk)).sign(sdk)
    sent = urlsplit("http://x" + sdk.uri)
    pairs = [tuple(p.split("=", 1)) for p in sent.query.split("&") if p]
    return Raw(
        method,
        endpoint + sent.path,
        {k: str(v) for k, v in sdk.header_params.items()},
        body,
        [(unquote(k), unquote(v)) for k, v in pairs],
    )


def acs3(
    endpoint: str,
    ak: str,
    sk: str,
    action: str,
    query: dict[str, str],
    body: bytes = b"",
    age: timedelta = timedelta(0),
    nonce: str | None = None,
) -> Raw:
    from alibabacloud_tea_openapi.utils import Utils

    headers = {
        "host": urlsplit(endpoint).netloc,
        "x-acs-version": "2017-03-21",
        "x-acs-action": action,
        "user-agent": "mediaflow-tests",
        "x-acs-date": (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "accept": "application/json",
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
    }

    class _Request:
        method, pathname = "POST", "/"

    request = _Request()
    request.query, request.headers = query, headers  # type: ignore[attr-defined]
    headers["Authorization"] = Utils.get_authorization(
        request, "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"], ak, sk
    )
    return Raw("POST", endpoint + "/", headers, body, list(query.items()))


def rpc(
    endpoint: str, ak: str, sk: str, action: str, query: dict[str, str], form: dict[str, str] | None = None
) -> Raw:
    from alibabacloud_tea_openapi.utils import Utils

    params = {
        "Action": action,
        "Format": "json",
        "Version": "2017-03-21",
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "AccessKeyId": ak,
        **query,
    }
    params["Signature"] = Utils.get_rpcsignature({**params, **(form or {})}, "POST", sk)
    headers = {"host": urlsplit(endpoint).netloc}
    body = b""
    if form:
        headers["content-type"] = "application/x-www-form-urlencoded"
        body = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in form.items()).encode()
    return Raw("POST", endpoint + "/", headers, body, list(params.items()))


def cos(
    endpoint: str,
    ak: str,
    sk: str,
    host: str,
    method: str,
    path: str,
    params: dict[str, str] | None = None,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    signed_at: float | None = None,
    expire: int = 10000,
) -> Raw:
    from qcloud_cos import CosConfig
    from qcloud_cos.cos_auth import CosS3Auth

    conf = CosConfig(Region="us-east-1", SecretId=ak, SecretKey=sk, Endpoint=host.split(".", 1)[1])
    prepared = requests.Request(
        method,
        endpoint + path,
        params=params or {},
        headers={"Host": host, **(headers or {})},
        data=body or None,
    ).prepare()
    with mock.patch("qcloud_cos.cos_auth.time.time", return_value=signed_at or time.time()):
        CosS3Auth(conf, path, params=params or {}, expire=expire)(prepared)
    return Raw(method, endpoint + path, dict(prepared.headers), body, list((params or {}).items()))
