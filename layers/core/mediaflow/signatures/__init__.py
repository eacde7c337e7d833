"""The vendors' request signatures, verified with the standard library only.

Each family module (``huawei``, ``alibaba``, ``tencent``) turns a ``SignedRequest`` into a
``Claim`` (who signed, when, what the signature is) and checks the signature with a secret. They
are byte-for-byte ports of what the vendors' SDKs compute (the tests sign with the real SDKs), kept
small because the authorizer runs on the core layer (the SDKs' own signers would pull in their HTTP
stacks: ~25 MB with pycryptodome for the three, against ~40 KB here).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class Scheme(StrEnum):
    HUAWEI = "huawei"  # SDK-HMAC-SHA256 (huaweicloudsdkcore)
    ACS3 = "acs3"  # ACS3-HMAC-SHA256 (alibabacloud-tea-openapi default)
    RPC = "rpc"  # Alibaba RPC v1, HMAC-SHA1 (Signature in the query)
    COS = "cos"  # Tencent COS/CI q-sign-algorithm=sha1


class Failure(StrEnum):
    """Why a signed request is refused; each family names each one in its own words."""

    MALFORMED = "malformed"  # missing or unparsable signature fields
    UNKNOWN_KEY = "unknown_key"
    DISABLED_KEY = "disabled_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"  # the signed date is too old (or the signature window has ended)
    SKEWED = "skewed"  # the signed date is too far in the future
    REPLAYED = "replayed"
    NO_BUCKET = "no_bucket"  # Tencent: the host names a bucket this deployment does not have


class Refused(Exception):
    def __init__(self, failure: Failure, detail: str = "") -> None:
        super().__init__(f"{failure}: {detail}" if detail else str(failure))
        self.failure = failure
        self.detail = detail


@dataclass(frozen=True)
class SignedRequest:
    """What a signature covers, as the client sent it.

    ``path`` is the path the client signed (the authorizer maps API routes back to it), ``query``
    the decoded pairs in the order received, ``headers`` lower-case names (the last value of a
    repeated header wins), ``body`` None when the body is not available (an API Gateway authorizer
    never receives it).
    """

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def body_is_empty(self) -> bool | None:
        """True/False when known; None when the body was not seen and may hold something.

        No route reads the body of a GET, HEAD, DELETE or OPTIONS, so for those methods a body is
        taken to be empty: a signature over a body that was sent anyway does not verify, and the
        function checks the body is empty (a signature is never left unchecked for a method whose
        function would skip the body)."""
        if self.body is not None:
            return not self.body
        if self.method.upper() not in BODY_METHODS:
            return True
        if self.header("transfer-encoding"):
            return None
        length = (self.header("content-length") or "0").strip()
        return True if length in ("", "0") else None


@dataclass(frozen=True)
class Claim:
    """A parsed signature: enough to look the key up, check time and replay, then verify."""

    scheme: Scheme
    access_key_id: str
    signed_at: float  # epoch seconds the client claims to have signed at (window start for COS)
    valid_until: float | None  # COS: the end of the signature window; None: skew rules apply
    replay_id: str  # what makes this request unique (a nonce, or the signature itself)
    nonce_based: bool  # True: every request carries a fresh nonce, so replays are refused always
    verify: Callable[[str], bool] = field(repr=False)  # secret -> signature matches
    # Set when the signature covers a body the verifier has not seen: ("sha256", hex) or
    # ("md5", base64) for a signed digest header, ("signature", "") when only the full
    # signature over the body can tell (the function re-verifies with the body).
    body_binding: tuple[str, str] | None = None


def constant_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
