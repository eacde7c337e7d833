"""The vendors' own SDK clients, built exactly as the README's migration section says: only the
endpoint, the keys (and, for Tencent, the bucket host suffix) change."""

from __future__ import annotations

from typing import Any

CI_ENDPOINT = "ci.mediaflow.test"
REGION = "us-east-1"


def vod_client(
    endpoint: str, access_key_id: str, access_key_secret: str, algorithm: str | None = None
) -> Any:
    """Alibaba VOD (``alibabacloud-vod20170321``); ``algorithm='v2'`` switches to RPC v1 HMAC-SHA1."""
    from alibabacloud_tea_openapi import models as open_api_models
    from alibabacloud_vod20170321.client import Client

    host = endpoint.split("://", 1)[-1]
    config = open_api_models.Config(
        access_key_id=access_key_id,
        access_key_secret=access_key_secret,
        endpoint=host,
        protocol="http",
        region_id=REGION,
        read_timeout=30000,  # as the README: a function's first call on the local stack starts its worker
    )
    if algorithm:
        config.signature_algorithm = algorithm
    return Client(config)


def mpc_client(endpoint: str, access_key_id: str, access_key_secret: str, project_id: str) -> Any:
    """Huawei MPC (``huaweicloudsdkmpc``)."""
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkmpc.v1 import MpcClient

    credentials = BasicCredentials(access_key_id, access_key_secret, project_id)
    return MpcClient.new_builder().with_credentials(credentials).with_endpoint(endpoint).build()


def ci_client(endpoint: str, access_key_id: str, access_key_secret: str, retry: int = 0) -> Any:
    """Tencent CI (``cos-python-sdk-v5``): requests go to IP/Port with ``Host: <Bucket>.<CI endpoint>``."""
    from qcloud_cos import CosConfig, CosS3Client

    port = int(endpoint.rsplit(":", 1)[1])
    config = CosConfig(
        Region=REGION,
        SecretId=access_key_id,
        SecretKey=access_key_secret,
        Endpoint=CI_ENDPOINT,
        EndpointCi=CI_ENDPOINT,
        IP="127.0.0.1",
        Port=port,
        Scheme="http",
    )
    return CosS3Client(config, retry=retry)


def next_second() -> None:
    """Wait until the clock enters a new second. A Huawei or Tencent signature carries no nonce,
    so the authorizer refuses a second identical write signed within the same second as a replay
    (APIGW.0301): a test that repeats a write on purpose waits first, as a real retry would."""
    import time

    time.sleep(1.05 - time.time() % 1)
