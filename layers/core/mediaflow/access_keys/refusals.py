"""Each family's answer to a refused signature, in the words its SDK expects.

- Alibaba (VOD shape): the POP gateway's codes (``SignatureDoesNotMatch``,
  ``InvalidAccessKeyId.NotFound``...).
- Huawei (MPC shape): APIG's ``APIGW.0301`` "Incorrect IAM authentication information" for every
  AK/SK failure, as Huawei's gateway answers, the reason in ``error_msg``.
- Tencent (CI shape): CI's authorization codes (``SecretidNotExist``, ``SignatureExpired``...) and
  COS's ``SignatureDoesNotMatch`` / ``RequestTimeTooSkewed`` / ``NoSuchBucket``.

Behind API Gateway every refusal is a 403 (an authorizer's Deny has one status); the code and
message are what the SDKs act on. The tables keep each vendor's own status for reference.
"""

from __future__ import annotations

from mediaflow.api.families import Family, FamilyError
from mediaflow.signatures import Failure, Scheme

_VOD: dict[Failure, tuple[int, str, str]] = {
    Failure.MALFORMED: (
        400,
        "IncompleteSignature",
        "The request signature does not conform to Aliyun standards.",
    ),
    Failure.UNKNOWN_KEY: (404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."),
    Failure.DISABLED_KEY: (400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled."),
    Failure.BAD_SIGNATURE: (
        400,
        "SignatureDoesNotMatch",
        "Specified signature is not matched with our calculation.",
    ),
    Failure.EXPIRED: (400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."),
    Failure.SKEWED: (400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."),
    Failure.REPLAYED: (400, "SignatureNonceUsed", "Specified signature nonce was used already."),
    Failure.NO_BUCKET: (400, "InvalidParameter", "The host does not name this deployment's bucket."),
}
_MPC_REASON: dict[Failure, str] = {
    Failure.MALFORMED: "the Authorization or X-Sdk-Date header is malformed",
    Failure.UNKNOWN_KEY: "the access key does not exist",
    Failure.DISABLED_KEY: "the access key is disabled",
    Failure.BAD_SIGNATURE: "verify aksk signature fail",
    Failure.EXPIRED: "X-Sdk-Date is expired (more than 15 minutes old)",
    Failure.SKEWED: "X-Sdk-Date is more than 15 minutes ahead",
    Failure.REPLAYED: "the request was replayed",
    Failure.NO_BUCKET: "the host does not name this deployment's bucket",
}
_CI: dict[Failure, tuple[int, str, str]] = {
    Failure.MALFORMED: (
        401,
        "InvalidAuthorization",
        "The Authorization is not a valid q-sign-algorithm=sha1 signature.",
    ),
    Failure.UNKNOWN_KEY: (401, "SecretidNotExist", "The SecretId does not exist."),
    Failure.DISABLED_KEY: (401, "AccessDenied", "The SecretId is disabled."),
    Failure.BAD_SIGNATURE: (
        403,
        "SignatureDoesNotMatch",
        "The Signature you specified does not match what we calculated.",
    ),
    Failure.EXPIRED: (401, "SignatureExpired", "Request has expired."),
    Failure.SKEWED: (
        403,
        "RequestTimeTooSkewed",
        "The difference between the request time and the server's time is too large.",
    ),
    Failure.REPLAYED: (401, "AccessDenied", "The request was already received (replayed signature)."),
    Failure.NO_BUCKET: (404, "NoSuchBucket", "The specified bucket does not exist."),
}


DENIED = 403


def family_of(scheme: Scheme) -> Family:
    if scheme is Scheme.HUAWEI:
        return Family.MPC
    if scheme is Scheme.COS:
        return Family.CI
    return Family.VOD


def refusal(scheme: Scheme, failure: Failure) -> FamilyError:
    """Always 403: the authorizer's refusals can only be (a Deny), and a refusal finished in the
    function (a body that does not match its signature) answers the same."""
    family = family_of(scheme)
    if scheme is Scheme.HUAWEI:
        reason = _MPC_REASON[failure]
        message = f"Incorrect IAM authentication information: {reason}"
        return FamilyError(family, DENIED, "APIGW.0301", message)
    _, code, message = (_CI if scheme is Scheme.COS else _VOD)[failure]
    return FamilyError(family, DENIED, code, message)
