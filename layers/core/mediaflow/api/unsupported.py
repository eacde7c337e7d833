"""The "not supported" answer of each family, for operations an SDK offers that Mediaflow lacks."""

from __future__ import annotations

from typing import Any

from mediaflow.api.families import Family, FamilyError


def not_supported(event: Any) -> FamilyError:
    """Alibaba ``InvalidAction.NotFound``, Huawei APIG's ``APIGW.0101``, Tencent CI ``NotImplemented``
    (as a 404: the SDK retries 5xx answers); token callers get the Huawei form, the /v1/{project_id}
    layout being Huawei's."""
    authorizer = event.request_context.authorizer or {}
    scheme = str(authorizer.get("mf_scheme") or "")
    path = str(event.path or "")
    operation = f"{event.http_method} {path}"
    if scheme in ("acs3", "rpc"):
        action = path.rsplit("/", 1)[-1] if path.startswith("/acs/") else ""
        return FamilyError(
            Family.VOD,
            404,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method."
            + (f" ({action})" if action else ""),
        )
    if scheme == "cos":
        return FamilyError(Family.CI, 404, "NotImplemented", f"Mediaflow does not support {operation}.")
    return FamilyError(
        Family.MPC, 404, "APIGW.0101", f"The API does not exist or has not been published: {operation}."
    )
