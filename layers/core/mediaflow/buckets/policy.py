"""The bucket policy a user applies so that Mediaflow may use their bucket for one project.

It allows the deployment's roles (``arn:aws:iam::<account>:role/<stack>-*``, the roles SAM makes for
the stack's functions, and the upload role whose sessions are the upload credentials) to read,
write and delete objects, to read the bucket's location and policy, and to set its notifications.
Its statements' ``Sid`` names the project: granting checks that the bucket's policy names the
project asking (``buckets.grants``), so a project cannot authorize a bucket whose owner meant
it for another project, even though every project's tasks run under the same roles.
"""

from __future__ import annotations

from typing import Any

SID_PREFIX = "MediaflowProject"
BUCKET_ACTIONS = [
    "s3:GetBucketLocation",
    "s3:ListBucket",
    "s3:GetBucketPolicy",
    # the grant adds (and the revoke removes) the notification that reports uploads into the bucket
    "s3:GetBucketNotification",
    "s3:PutBucketNotification",
]
OBJECT_ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",  # the upload credentials' multipart calls
]


def sid(project_id: str) -> str:
    return f"{SID_PREFIX}{project_id}"


def bucket_policy(bucket: str, project_id: str, account_id: str, stack_name: str) -> dict[str, Any]:
    # Principal "*" narrowed by conditions (not the account root, which would only delegate to the
    # account's identity policies): the statement itself grants the stack's roles, and the fixed
    # aws:PrincipalAccount keeps it non-public for S3's Block Public Access.
    principal = "*"
    condition = {
        "StringEquals": {"aws:PrincipalAccount": account_id},
        "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{account_id}:role/{stack_name}-*"},
    }
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid(project_id),
                "Effect": "Allow",
                "Principal": principal,
                "Action": BUCKET_ACTIONS,
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": condition,
            },
            {
                "Sid": f"{sid(project_id)}Objects",
                "Effect": "Allow",
                "Principal": principal,
                "Action": OBJECT_ACTIONS,
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": condition,
            },
        ],
    }


def names_project(document: dict[str, Any] | None, project_id: str) -> bool:
    """Whether a bucket policy has an Allow statement whose Sid names ``project_id``."""
    statements = (document or {}).get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    wanted = sid(project_id)
    return any(
        isinstance(s, dict) and s.get("Effect") == "Allow" and str(s.get("Sid", "")).startswith(wanted)
        for s in statements
    )
