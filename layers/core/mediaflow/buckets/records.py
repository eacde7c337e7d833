"""The record of one project's authorization of one bucket (id = the bucket name)."""

from __future__ import annotations

from typing import ClassVar

from mediaflow.records.model import RecordDoc
from mediaflow.records.states import Kind


class BucketGrantDoc(RecordDoc):
    KIND: ClassVar[Kind] = Kind.BUCKET_GRANT
    COUNTED: ClassVar[bool] = False  # listed, never counted; grant and revoke are transactions

    bucket: str
    region: str
    granted_at: str  # key time of the last grant
    revoked_at: str | None = None
    # Uploads into the bucket (CreateUploadVideo with StorageLocation) need its ObjectCreated events:
    # whether the grant could add Mediaflow's notification to it, and S3's answer when it could not.
    upload_events: bool = False
    upload_events_error: str | None = None
