"""MPC ``ObsObjInfo`` locations mapped onto the media bucket, inside the caller's project only.

``bucket`` must be the Mediaflow media bucket and ``location`` its region. An ``object`` given as
a full key must lie under the project's own ``uploads/<project>/`` or ``outputs/<project>/``
prefix; any other object is taken relative to ``outputs/<project>/``, the project's workspace.
Keys with '..', absolute paths or control characters are refused.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from mediaflow.api.mpc_errors import invalid
from mediaflow.settings import get_settings
from mediaflow.storage import keys

# For the OpenAPI document: relative keys whose segments never are '.' or '..' (an output folder may
# end in '/'); the API takes any key storage.keys.validate_user_key accepts.
KEY_PATTERN = r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}(/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}){0,7}/?$"


class ObsObjInfo(BaseModel):
    bucket: str = Field(min_length=1, max_length=63, description="The media bucket (output MediaBucket)")
    location: str = Field(min_length=1, max_length=64, description="The media bucket's region")
    object: str = Field(min_length=1, max_length=1024, json_schema_extra={"pattern": KEY_PATTERN})
    file_name: str | None = Field(None, max_length=180)


def _check_bucket(info: ObsObjInfo, field: str) -> None:
    settings = get_settings()
    if info.bucket != settings.bucket_name:
        raise invalid(f"{field}.bucket must be the media bucket {settings.bucket_name}")
    if info.location != settings.region:
        raise invalid(f"{field}.location must be {settings.region}")


def _owned_key(project_id: str, raw: str, field: str) -> str:
    return keys.owned_key(project_id, raw, f"{field}.object", invalid)


def input_key(project_id: str, info: ObsObjInfo) -> str:
    _check_bucket(info, "input")
    return _owned_key(project_id, info.object, "input")


def output_dir(project_id: str, info: ObsObjInfo) -> str:
    """The output directory key, always under ``outputs/<project>/`` and ending in '/'."""
    _check_bucket(info, "output")
    key = _owned_key(project_id, info.object, "output")  # the one rule: "/abs" is refused, not stripped
    if not key.startswith(keys.output_prefix(project_id)):
        raise invalid(f"output.object must be under {keys.output_prefix(project_id)}")
    return key.rstrip("/") + "/"
