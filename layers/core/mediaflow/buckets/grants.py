"""``PUT /v1/{project_id}/authority`` (grant or revoke) and ``GET /v1/{project_id}/buckets``.

Granting proves that Mediaflow really can use the bucket, with the role its workers run under:
HeadBucket (it exists, we may reach it, its region is ours), its policy names this project (see
``policy``: the owner meant it for this project), and a probe object under ``mediaflow-probe/`` is
written, read back and removed. Only then is the grant recorded, together with an owner item
``BUCKET#<name>`` in one transaction, so one bucket belongs to at most one project at a time.
The grant also adds Mediaflow's upload notification to the bucket (ObjectCreated under
``uploads/`` to the upload-events queue), so CreateUploadVideo may name it as StorageLocation; a
bucket whose notifications S3 refuses stays usable for tasks and the refusal is recorded.
Revoking marks the grant REVOKED, releases the owner item and removes the notification; new
tasks and uploads naming the bucket are refused from that moment (``access.resolve_bucket``).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from typing import Any

from mediaflow import clock
from mediaflow.api.mpc_errors import invalid
from mediaflow.buckets import policy
from mediaflow.buckets.access import PROBE_PREFIX
from mediaflow.buckets.records import BucketGrantDoc
from mediaflow.errors import ApiError, NotFound
from mediaflow.observability import logger
from mediaflow.records import store
from mediaflow.records.model import Record, new_record
from mediaflow.records.states import GrantState
from mediaflow.records.transaction import Cancelled, NewRecord, ReplaceRecord
from mediaflow.settings import get_settings
from mediaflow.storage import buckets, objects

BUCKET_NAME = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
MAX_LISTED = 1000


def _denied(bucket: str, why: str) -> ApiError:
    return ApiError(
        403,
        "MPC.10208",
        f"Mediaflow cannot use bucket {bucket}: {why}. Apply the bucket policy printed by "
        "`python -m mediaflow.admin bucket-policy <project> <bucket>` (README: Your own buckets).",
    )


@dataclass(frozen=True)
class Owner:
    """The item that makes a bucket one project's: ``pk=BUCKET#<name>``, ``sk=OWNER``."""

    bucket: str
    project_id: str
    release: bool = False  # remove it instead of claiming it

    def transact_item(self, table: str) -> dict[str, Any]:
        key = {"pk": {"S": f"BUCKET#{self.bucket}"}, "sk": {"S": "OWNER"}}
        mine = {
            "ExpressionAttributeNames": {"#p": "project_id"},
            "ExpressionAttributeValues": {":p": {"S": self.project_id}},
        }
        if self.release:
            return {"Delete": {"TableName": table, "Key": key, "ConditionExpression": "#p = :p", **mine}}
        item = {**key, "kind": {"S": "bucket-owner"}, "project_id": {"S": self.project_id}}
        condition = "attribute_not_exists(pk) OR #p = :p"
        return {"Put": {"TableName": table, "Item": item, "ConditionExpression": condition, **mine}}


def _check_access(project_id: str, bucket: str) -> str:
    """Prove that Mediaflow can use ``bucket`` for this project; returns its region."""
    settings = get_settings()
    try:
        region = buckets.head(bucket)
    except buckets.BucketMissing as exc:
        raise invalid(f"bucket {bucket} does not exist") from exc
    except buckets.BucketDenied as exc:
        raise _denied(bucket, "HeadBucket was refused") from exc
    if region and region != settings.region:
        raise invalid(f"bucket {bucket} is in {region}; Mediaflow works in {settings.region}")
    if not policy.names_project(buckets.policy(bucket), project_id):
        raise _denied(bucket, f"its bucket policy has no statement {policy.sid(project_id)}")
    probe = f"{PROBE_PREFIX}{project_id}/{uuid.uuid4().hex}"
    body = f"mediaflow access check {probe}".encode()
    try:
        objects.put_bytes(probe, body, bucket=bucket)
        readable = objects.read_bytes(probe, bucket=bucket) == body
        objects.delete_keys([probe], bucket=bucket)
    except Exception as exc:
        raise _denied(bucket, "writing, reading or removing a probe object failed") from exc
    if not readable:
        raise _denied(bucket, "the probe object read back differs")
    return region or settings.region


def _watch_uploads(bucket: str) -> str | None:
    """Add the upload notification; S3's refusal as text (None when it was added)."""
    queue_arn = get_settings().upload_events_queue_arn
    if not queue_arn:
        return "this deployment has no upload-events queue (MEDIAFLOW_UPLOAD_EVENTS_QUEUE_ARN)"
    try:
        buckets.watch_uploads(bucket, queue_arn)
    except buckets.NotificationRefused as exc:
        logger.warning("upload notification refused", extra={"bucket": bucket, "reason": str(exc)})
        return str(exc)[:500]
    return None


def grant(project_id: str, bucket: str) -> None:
    region = _check_access(project_id, bucket)
    refused = _watch_uploads(bucket)
    uploads = {"upload_events": refused is None, "upload_events_error": refused}
    now = clock.key_time(clock.now())
    try:
        current: Record[BucketGrantDoc] | None = store.get(BucketGrantDoc, project_id, bucket)
    except NotFound:
        current = None
    if current is None:
        doc = BucketGrantDoc(bucket=bucket, region=region, granted_at=now, **uploads)
        op: NewRecord | ReplaceRecord = NewRecord(new_record(doc, project_id, bucket, now))
    else:
        changed = current.evolve(
            status=GrantState.AUTHORIZED, region=region, granted_at=now, revoked_at=None, **uploads
        )
        op = ReplaceRecord(changed)
    try:
        store.transact([op, Owner(bucket, project_id)])
    except Cancelled as exc:
        if any(isinstance(f, Owner) for f in exc.failed):
            raise invalid(f"bucket {bucket} cannot be authorized for this project") from exc
        raise ApiError(409, "MPC.10212", "Operation failed: the grant changed meanwhile; try again.") from exc


def revoke(project_id: str, bucket: str) -> None:
    try:
        current = store.get(BucketGrantDoc, project_id, bucket)
    except NotFound as exc:
        raise invalid(f"bucket {bucket} is not authorized for this project") from exc
    if current.status == GrantState.REVOKED:
        return
    changed = current.evolve(status=GrantState.REVOKED, revoked_at=clock.key_time(clock.now()))
    try:
        store.transact([ReplaceRecord(replace(changed)), Owner(bucket, project_id, release=True)])
    except Cancelled as exc:
        raise ApiError(409, "MPC.10212", "Operation failed: the grant changed meanwhile; try again.") from exc
    try:
        buckets.unwatch_uploads(bucket)
    except (buckets.NotificationRefused, buckets.BucketMissing):
        # Revoked all the same: an upload event that still arrives finds no grant and is ignored.
        logger.warning("upload notification left on a revoked bucket", extra={"bucket": bucket})


def update_authority(project_id: str, bucket: str, operation: str) -> dict[str, Any]:
    settings = get_settings()
    if not BUCKET_NAME.match(bucket):
        raise invalid("bucket must be a valid S3 bucket name")
    if bucket == settings.bucket_name:
        raise invalid("the media bucket needs no authorization: every project uses its own prefixes there")
    if operation == "1":
        grant(project_id, bucket)
    elif operation == "0":
        revoke(project_id, bucket)
    else:
        raise invalid("operation must be 1 (authorize) or 0 (cancel the authorization)")
    return {}


def _date(moment: Any) -> str:
    return clock.compact(moment) if moment is not None else ""


def list_buckets(project_id: str) -> dict[str, Any]:
    """The buckets this project may use: the media bucket, then every bucket it ever authorized
    (``is_authorized`` 0 once revoked). No other project's buckets appear."""
    settings = get_settings()
    created = buckets.creation_dates()
    found: list[Record[BucketGrantDoc]] = []
    cursor: str | None = None
    while len(found) < MAX_LISTED:
        page = store.list_page(BucketGrantDoc, project_id, limit=100, cursor=cursor, newest_first=False)
        found += page.records
        cursor = page.cursor
        if cursor is None:
            break
    listed = [
        {
            "bucket": settings.bucket_name,
            "creation_date": _date(created.get(settings.bucket_name)),
            "is_authorized": 1,
        }
    ]
    for record in found:
        moment = created.get(record.id) or clock.parse_key_time(record.created_at)
        authorized = 1 if record.status == GrantState.AUTHORIZED else 0
        listed.append({"bucket": record.id, "creation_date": _date(moment), "is_authorized": authorized})
    return {"buckets": listed}
