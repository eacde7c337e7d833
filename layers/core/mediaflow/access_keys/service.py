"""The access-key API (``/v1/{project_id}/access-keys``), in Huawei IAM's credential shape.

Keys are managed with a project token only: a signed request (an access key) cannot mint,
re-enable or delete keys, so a leaked key cannot make itself permanent.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mediaflow.access_keys import store
from mediaflow.api import mpc_errors
from mediaflow.errors import ApiError, NotFound

TOKEN_ONLY = ApiError(
    403, "MPC.10208", "Access keys are managed with a project token, not with an access key."
)


class CredentialFields(BaseModel):
    model_config = ConfigDict(extra="ignore")
    description: str = Field("", max_length=255)
    status: Literal["active", "inactive"] | None = None


class CredentialRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")
    credential: CredentialFields = Field(default_factory=CredentialFields)


def require_token(authorizer: dict[str, Any] | None) -> None:
    if (authorizer or {}).get("mf_auth") != "token":
        raise TOKEN_ONLY


def create(project_id: str, request: CredentialRequest) -> dict[str, Any]:
    try:
        key, secret = store.create(project_id, request.credential.description)
    except store.LimitExceeded as exc:
        raise mpc_errors.operation_failed(
            f"the project already has {store.MAX_ACTIVE} active access keys; disable or delete one first"
        ) from exc
    return {"credential": {**key.view(), "secret": secret}}


def list_all(project_id: str) -> dict[str, Any]:
    keys = store.list_keys(project_id)
    return {"credentials": [key.view() for key in keys], "total": len(keys)}


def update(project_id: str, access_key_id: str, request: CredentialRequest) -> dict[str, Any]:
    status = request.credential.status
    if status is None:
        raise mpc_errors.invalid("credential.status: active or inactive")
    try:
        key = store.set_status(
            project_id, access_key_id, store.ENABLED if status == "active" else store.DISABLED
        )
    except NotFound as exc:
        raise mpc_errors.NOT_FOUND from exc
    except store.LimitExceeded as exc:
        raise mpc_errors.operation_failed(
            f"the project already has {store.MAX_ACTIVE} active access keys"
        ) from exc
    return {"credential": key.view()}


def delete(project_id: str, access_key_id: str) -> None:
    try:
        store.delete(project_id, access_key_id)
    except NotFound as exc:
        raise mpc_errors.NOT_FOUND from exc
