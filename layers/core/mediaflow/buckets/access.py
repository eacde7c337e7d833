"""Which bucket a task may name: the one check every task kind's location code calls.

``resolve_bucket`` answers for a bucket (and region) a request names: ``None`` for the media bucket
(where the project's own ``uploads/<project>/`` and ``outputs/<project>/`` rule applies, see
``storage.keys``), the bucket's name for a bucket this project authorized and has not revoked
(any key inside it, see ``user_key``), and the caller's family error for anything else - a bucket
never authorized, revoked (refused from that moment: the grant is read with a consistent read),
or authorized by another project (invisible here: it reads exactly like a never-authorized one).
"""

from __future__ import annotations

from collections.abc import Callable

from mediaflow.buckets.records import BucketGrantDoc
from mediaflow.errors import NotFound
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.records.states import GrantState
from mediaflow.settings import get_settings
from mediaflow.storage import keys

# Objects Mediaflow writes while checking its access to a bucket (removed again); no task may name one.
PROBE_PREFIX = "mediaflow-probe/"

Invalid = Callable[[str], Exception]


def _grant(project_id: str, bucket: str) -> Record[BucketGrantDoc] | None:
    try:
        return store.get(BucketGrantDoc, project_id, bucket)
    except NotFound:
        return None


def is_authorized(project_id: str, bucket: str) -> bool:
    grant = _grant(project_id, bucket)
    return grant is not None and grant.status == GrantState.AUTHORIZED


def resolve_bucket(
    project_id: str, bucket: str, region: str, *, bucket_field: str, region_field: str, invalid: Invalid
) -> str | None:
    """None for the media bucket, ``bucket`` when this project may use it; else ``invalid(...)``."""
    settings = get_settings()
    if region != settings.region:
        raise invalid(f"{region_field} must be {settings.region}")
    if bucket == settings.bucket_name:
        return None
    if not is_authorized(project_id, bucket):
        raise invalid(
            f"{bucket_field} {bucket[:63]!r} is neither the media bucket nor a bucket this project "
            "authorized (PUT /v1/{project_id}/authority)"
        )
    return bucket


def user_key(raw: str, field: str, invalid: Invalid) -> str:
    """A key inside an authorized bucket: any valid key but Mediaflow's probe prefix."""
    try:
        key = keys.validate_user_key(raw)
    except keys.InvalidKey as exc:
        raise invalid(f"{field}: {exc}") from exc
    if key.startswith(PROBE_PREFIX):
        raise invalid(f"{field}: {PROBE_PREFIX} is reserved")
    return key


def object_key(project_id: str, bucket: str | None, raw: str, field: str, invalid: Invalid) -> str:
    """The key a request names, by the rule of its bucket (``resolve_bucket``'s answer)."""
    if bucket is None:
        return keys.owned_key(project_id, raw, field, invalid)
    return user_key(raw, field, invalid)


def revoked_among(project_id: str, *names: str | None) -> str | None:
    """The first of a queued job's buckets this project no longer may use (a worker checks before
    it starts, so revoking also stops tasks that were waiting); None when all may be used."""
    return next((b for b in names if b is not None and not is_authorized(project_id, b)), None)


def upload_refusal(project_id: str, bucket: str) -> str | None:
    """Why uploads may not go into ``bucket`` for this project (None: they may).

    Uploads need more than tasks: the bucket must also report new objects to Mediaflow, which the
    grant arranged (or recorded S3's refusal of)."""
    grant = _grant(project_id, bucket)
    if grant is None or grant.status != GrantState.AUTHORIZED:
        return f"{bucket[:63]} is neither the media bucket nor a bucket this project authorized"
    if not grant.doc.upload_events:
        why = grant.doc.upload_events_error or "unknown"
        return f"{bucket} does not report uploads to Mediaflow (its notification could not be set: {why})"
    return None
