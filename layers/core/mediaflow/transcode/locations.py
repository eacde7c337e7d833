"""MPC ``ObsObjInfo`` locations: the media bucket (inside the caller's project only) or a bucket the
project authorized (any key inside it).

``location`` must be Mediaflow's region. Which bucket may be named is decided by
``buckets.access.resolve_bucket`` (the one check every task kind calls). In the media bucket an
``object`` given as a full key must lie under the project's own ``uploads/<project>/`` or
``outputs/<project>/`` prefix; any other object is taken relative to ``outputs/<project>/``, the
project's workspace. In an authorized bucket the key is taken as it is. Keys with '..', absolute
paths or control characters are refused everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

from mediaflow.api.mpc_errors import invalid
from mediaflow.buckets.access import object_key, resolve_bucket
from mediaflow.storage import keys

# For the OpenAPI document: relative keys whose segments never are '.' or '..' (an output folder may
# end in '/'); the API takes any key storage.keys.validate_user_key accepts.
KEY_PATTERN = r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}(/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}){0,7}/?$"


class ObsObjInfo(BaseModel):
    bucket: str = Field(min_length=1, max_length=63, description="The media bucket (output MediaBucket)")
    location: str = Field(min_length=1, max_length=64, description="The media bucket's region")
    object: str = Field(min_length=1, max_length=1024, json_schema_extra={"pattern": KEY_PATTERN})
    file_name: str | None = Field(None, max_length=180)


@dataclass(frozen=True)
class Place:
    bucket: str | None  # None: the media bucket
    key: str


def _bucket(project_id: str, info: ObsObjInfo, field: str) -> str | None:
    return resolve_bucket(
        project_id,
        info.bucket,
        info.location,
        bucket_field=f"{field}.bucket",
        region_field=f"{field}.location",
        invalid=invalid,
    )


def input_place(project_id: str, info: ObsObjInfo) -> Place:
    bucket = _bucket(project_id, info, "input")
    return Place(bucket, object_key(project_id, bucket, info.object, "input.object", invalid))


def output_place(project_id: str, info: ObsObjInfo) -> Place:
    """The output directory, ending in '/': under ``outputs/<project>/`` in the media bucket, the
    named folder (possibly the bucket's root, '') in an authorized bucket."""
    bucket = _bucket(project_id, info, "output")
    relative = info.object.rstrip("/")  # a trailing '/' names a folder; a leading one is refused
    if bucket is not None:
        return Place(
            bucket,
            object_key(project_id, bucket, relative, "output.object", invalid) + "/" if relative else "",
        )
    if not relative:
        return Place(None, keys.output_prefix(project_id))
    key = object_key(project_id, None, relative, "output.object", invalid)
    if not key.startswith(keys.output_prefix(project_id)):
        raise invalid(f"output.object must be under {keys.output_prefix(project_id)}")
    return Place(None, key.rstrip("/") + "/")
