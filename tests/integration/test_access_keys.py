"""Access keys and the authorizer's checks against the template's table and KMS key (moto)."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from mediaflow import aws
from mediaflow.access_keys import authenticate, body_check, store
from mediaflow.api.families import FamilyError
from mediaflow.errors import NotFound
from mediaflow.projects import store as projects
from mediaflow.signatures import Failure, Refused, Scheme, SignedRequest
from tests.support.aws import MotoStack


@pytest.fixture
def project(core_env: MotoStack) -> str:
    created, _ = projects.create_project("keys")
    return created.project_id


def huawei_request(
    ak: str, sk: str, method: str = "GET", body: bytes = b"", at: datetime | None = None
) -> SignedRequest:
    headers = {"Content-Type": "application/json"}
    if at is not None:
        headers["X-Sdk-Date"] = at.strftime("%Y%m%dT%H%M%SZ")
    sdk = SdkRequest(
        method=method,
        schema="http",
        host="h:1",
        resource_path="/v1/p/template/transcodings",
        query_params=[],
        header_params=headers,
        body=body,
    )
    Signer(BasicCredentials(ak, sk)).sign(sdk)
    signed_headers = {k.lower(): str(v) for k, v in sdk.header_params.items()}
    if body:
        signed_headers["content-length"] = str(len(body))
    return SignedRequest(method, "/v1/p/template/transcodings", [], signed_headers, None)


def test_the_secret_is_stored_encrypted_and_bound_to_its_key(project: str) -> None:
    key, secret = store.create(project, "ci")
    item = aws.client("dynamodb").get_item(
        TableName=store.get_settings().table_name,
        Key={"pk": {"S": f"AK#{key.access_key_id}"}, "sk": {"S": "AK"}},
    )["Item"]
    assert secret.encode() not in json.dumps(item, default=str).encode()
    assert store.secret_of(key.access_key_id) == (key, secret)
    moved = bytes(item["secret_ct"]["B"])
    with pytest.raises(Exception, match=r"InvalidCiphertext|AccessDenied|Invalid"):
        aws.client("kms").decrypt(
            CiphertextBlob=moved, EncryptionContext={"access_key_id": "MF" + "0" * 18, "project_id": project}
        )


def test_at_most_two_active_keys_counted_with_each_change(project: str) -> None:
    """The project's counter moves in the same transaction as the key; DynamoDB serializes racing
    transactions (moto's server does not: 4 concurrent creates let 2 through in ~1 run of 6)."""
    store.create(project)
    store.create(project)
    with pytest.raises(store.LimitExceeded):
        store.create(project)
    keys = store.list_keys(project)
    assert sum(k.status == store.ENABLED for k in keys) == 2
    store.set_status(project, keys[0].access_key_id, store.DISABLED)
    store.create(project)  # a disabled key frees its slot
    with pytest.raises(store.LimitExceeded):
        store.set_status(project, keys[0].access_key_id, store.ENABLED)
    store.delete(project, keys[0].access_key_id)
    with pytest.raises(NotFound):
        store.delete(project, keys[0].access_key_id)


def test_a_key_of_another_project_is_not_found(project: str) -> None:
    other, _ = projects.create_project("other")
    key, _ = store.create(project)
    with pytest.raises(NotFound):
        store.set_status(other.project_id, key.access_key_id, store.DISABLED)


def test_clock_skew_both_ways_and_a_replay_after_its_window(project: str) -> None:
    key, secret = store.create(project)
    now = datetime.now(UTC)
    ahead = huawei_request(key.access_key_id, secret, at=now + timedelta(minutes=16))
    with pytest.raises(Refused) as skewed:
        authenticate.authenticate(ahead, Scheme.HUAWEI)
    assert skewed.value.failure is Failure.SKEWED
    within = huawei_request(key.access_key_id, secret, "POST", b"{}", at=now - timedelta(minutes=14))
    assert authenticate.authenticate(within, Scheme.HUAWEI).body_binding == ("signature", "")
    with pytest.raises(Refused) as replayed:
        authenticate.authenticate(within, Scheme.HUAWEI)
    assert replayed.value.failure is Failure.REPLAYED
    # 20 minutes later the first use has expired (TTL lags: the condition reads expires_at itself)
    later = time.time() + 20 * 60
    with pytest.raises(Refused) as expired:
        authenticate.authenticate(within, Scheme.HUAWEI, now=later)
    assert expired.value.failure is Failure.EXPIRED


def test_a_get_is_verified_as_bodiless_and_its_body_must_then_be_empty(project: str) -> None:
    key, secret = store.create(project)
    signed = huawei_request(key.access_key_id, secret, at=datetime.now(UTC))
    with_length = SignedRequest("GET", signed.path, [], {**signed.headers, "content-length": "5"}, None)
    caller = authenticate.authenticate(with_length, Scheme.HUAWEI)
    assert caller.body_binding == ("sha256", hashlib.sha256(b"").hexdigest())
    context = {
        "mf_body": "sha256:" + caller.body_binding[1],
        "mf_scheme": "huawei",
        "mf_access_key_id": key.access_key_id,
    }
    event = {"body": "hello", "requestContext": {"authorizer": context}}
    with pytest.raises(FamilyError) as refused:
        body_check.check_body(event)
    assert (refused.value.status, refused.value.code) == (403, "APIGW.0301")
    body_check.check_body({**event, "body": ""})
