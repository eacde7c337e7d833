from mediaflow.uploads.credentials import session_policy
from tests.support.iam import allows

BUCKET, KEY = "media", "uploads/p/v/source.mp4"
ARN = f"arn:aws:s3:::{BUCKET}"


def test_credentials_can_upload_exactly_their_key() -> None:
    policy = session_policy(BUCKET, KEY)
    for action in ("s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"):
        assert allows(policy, action, f"{ARN}/{KEY}")


def test_credentials_cannot_touch_any_other_key_or_action() -> None:
    policy = session_policy(BUCKET, KEY)
    for other in (
        "uploads/p/v/source.mp4x",
        "uploads/p/v/other.mp4",
        "uploads/p/w/source.mp4",
        "outputs/p/x",
    ):
        assert not allows(policy, "s3:PutObject", f"{ARN}/{other}")
    for action in ("s3:GetObject", "s3:DeleteObject", "s3:ListBucket", "s3:PutObjectAcl", "s3:*"):
        assert not allows(policy, action, f"{ARN}/{KEY}")
    assert not allows(policy, "s3:PutObject", f"arn:aws:s3:::other-bucket/{KEY}")
