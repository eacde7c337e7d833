"""``GET /v1.0-ext/{project_id}/objects``: the objects of a bucket this project may use.

The media bucket shows only the project's own objects (``prefix`` follows the key rule of
``storage.keys``: under ``uploads/<project>/`` or ``outputs/<project>/``, anything else relative to
``outputs/<project>/``); an authorized bucket shows any prefix but Mediaflow's probe objects.
``type`` keeps objects whose name ends with one of its comma-separated extensions. Paging is S3's:
``marker`` (start after that key) and ``size``; ``next_marker`` is set when more follow.
"""

from __future__ import annotations

from typing import Any

from mediaflow import clock
from mediaflow.api.mpc_errors import invalid
from mediaflow.buckets.access import PROBE_PREFIX, resolve_bucket, user_key
from mediaflow.settings import get_settings
from mediaflow.storage import keys, objects

MAX_SIZE = 1000


def _prefix(project_id: str, bucket: str | None, raw: str | None) -> str:
    if bucket is not None:
        return user_key(raw, "prefix", invalid) if raw else ""
    if not raw:
        return keys.output_prefix(project_id)
    return keys.owned_key(project_id, raw, "prefix", invalid)


def _size(raw: str | None) -> int:
    if raw is None or raw == "":
        return 100
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SIZE:
        raise invalid(f"size must be an integer in [1, {MAX_SIZE}]")
    return int(raw)


def list_objects(
    project_id: str,
    bucket: str,
    *,
    prefix: str | None,
    kind: str | None,
    marker: str | None,
    size: str | None,
) -> dict[str, Any]:
    target = resolve_bucket(
        project_id,
        bucket,
        get_settings().region,
        bucket_field="bucket",
        region_field="region",
        invalid=invalid,
    )
    start = _prefix(project_id, target, prefix)
    limit = _size(size)
    after = marker or ""
    if after and not after.startswith(start):
        raise invalid("marker must be a key under the prefix")
    suffixes = tuple("." + t.strip().lower().lstrip(".") for t in (kind or "").split(",") if t.strip())
    listed, more = objects.list_page(start, bucket=target, after=after, limit=limit)
    last = listed[-1].key if listed else ""
    shown = [
        o
        for o in listed
        if not o.key.startswith(PROBE_PREFIX) and (not suffixes or o.key.lower().endswith(suffixes))
    ]
    answer: dict[str, Any] = {
        "objects": [
            {"file_name": o.key, "size": o.size, "last_modified": clock.compact(o.last_modified)}
            for o in shown
        ]
    }
    answer["is_truncated"] = 1 if more else 0
    if more:
        answer["next_marker"] = last
    return answer
