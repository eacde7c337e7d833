"""The official Huawei MPC SDK (``huaweicloudsdkmpc``) pointed at a Mediaflow endpoint.

Until the authorizer verifies the SDK's own AK/SK signature, the client authenticates as MPC's
token form does: an ``X-Auth-Token`` header, added to every request by an SDK request handler
(``HttpHandler.add_request_handler``); the SDK's own signature headers go along unused (the
authorizer reads ``X-Auth-Token`` first). The AK/SK given here are placeholders.
"""

from __future__ import annotations

from typing import Any

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkmpc.v1 import MpcClient


def mpc_client(endpoint: str, project_id: str, token: str) -> MpcClient:
    def with_token(request: Any, **_: Any) -> None:
        request.header_params["X-Auth-Token"] = token

    config = HttpConfig.get_default_config()
    config.timeout = (5, 60)
    return (
        MpcClient.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials("mediaflow-local-ak", "mediaflow-local-sk", project_id))
        .with_endpoint(endpoint)
        .with_http_handler(HttpHandler().add_request_handler(with_token))
        .build()
    )
