"""Object key layout of the media bucket, and validation of keys that come from users.

``uploads/<project>/<video>/source.<ext>`` - sources; the bucket notifies only for ``uploads/``
``outputs/<project>/...``                 - everything Mediaflow writes; never re-triggers work
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

UPLOADS = "uploads/"
OUTPUTS = "outputs/"
_UPLOAD_KEY = re.compile(
    r"^uploads/(?P<project>[0-9a-f]{32})/(?P<video>[0-9a-f]{32})/source\.(?P<ext>[a-z0-9]{1,8})$"
)
_MAX_KEY_BYTES = 1024


@dataclass(frozen=True)
class UploadKey:
    project_id: str
    video_id: str
    extension: str


def upload_key(project_id: str, video_id: str, extension: str) -> str:
    return f"{UPLOADS}{project_id}/{video_id}/source.{extension.lower()}"


def parse_upload_key(key: str) -> UploadKey | None:
    """The project and video an uploaded object belongs to; None for anything else."""
    match = _UPLOAD_KEY.match(key)
    if not match:
        return None
    return UploadKey(match["project"], match["video"], match["ext"])


def output_prefix(project_id: str) -> str:
    return f"{OUTPUTS}{project_id}/"


class InvalidKey(ValueError):
    pass


def validate_user_key(key: str) -> str:
    """A relative object path a user may name: no '..' segment, no absolute path, no control bytes."""
    if not key or len(key.encode("utf-8")) > _MAX_KEY_BYTES:
        raise InvalidKey("object key must be 1-1024 bytes")
    if key.startswith("/") or "\\" in key:
        raise InvalidKey("object key must be a relative path with '/' separators")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in key):
        raise InvalidKey("object key must not contain control characters")
    if any(part in ("..", ".") for part in key.split("/")):
        raise InvalidKey("object key must not contain '.' or '..' segments")
    return key


def owned_key(project_id: str, raw: str, field: str, invalid: Callable[[str], Exception]) -> str:
    """``project_key``, with a refusal turned into the caller's family error naming ``field``."""
    try:
        return project_key(project_id, raw)
    except InvalidKey as exc:
        raise invalid(f"{field}: {exc}") from exc


def project_key(project_id: str, raw: str) -> str:
    """A key a user names, inside the project: under its own ``uploads/<project>/`` or
    ``outputs/<project>/`` when given in full, otherwise relative to ``outputs/<project>/``."""
    key = validate_user_key(raw)
    if key.startswith((UPLOADS, OUTPUTS)):
        owned = (f"{UPLOADS}{project_id}/", output_prefix(project_id))
        if not key.startswith(owned):
            raise InvalidKey(f"must be under {owned[0]} or {owned[1]}")
        return key
    return output_prefix(project_id) + key
