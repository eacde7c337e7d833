"""A signed request -> the calling project, or a ``Refused`` naming why.

Order of checks: the signature's fields parse; the key exists and is Enabled; the signed time is
within ``SKEW_S`` of now (for Tencent, now is inside the signed window); the HMAC matches; the
request was not seen before. Replays: Alibaba's schemes carry a fresh nonce per request, so every
reused nonce is refused; Huawei's and Tencent's carry none (two identical reads in the same second
are byte-identical), so their signatures are remembered for state-changing methods only - a
replayed read answers the same data the original did, a replayed write would act twice.

API Gateway never gives an authorizer the body. Signatures that cover it are finished in the
function: a signed digest header (ACS3 ``x-acs-content-sha256``, Tencent ``content-md5``, or the
empty-body hash the authorizer assumed) is compared with the body; a Huawei body or an RPC form is
verified again, in full, with the secret (``verify_with_body``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from mediaflow.access_keys import crypto, replay, store
from mediaflow.signatures import Claim, Failure, Refused, Scheme, SignedRequest, alibaba, huawei, tencent

SKEW_S = 900.0  # 15 minutes either way, as Huawei's APIG and Alibaba's gateways allow
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFERRED = ("signature", "")


@dataclass(frozen=True)
class Caller:
    project_id: str
    access_key_id: str
    scheme: Scheme
    body_binding: tuple[str, str] | None  # what the function must still check against the body


def scheme_of(request: SignedRequest) -> Scheme | None:
    if huawei.applies(request):
        return Scheme.HUAWEI
    if alibaba.applies_acs3(request):
        return Scheme.ACS3
    if tencent.applies(request):
        return Scheme.COS
    if alibaba.applies_rpc(request):
        return Scheme.RPC
    return None


def parse(request: SignedRequest, scheme: Scheme) -> Claim:
    if scheme is Scheme.HUAWEI:
        return huawei.parse(request)
    if scheme is Scheme.ACS3:
        return alibaba.parse_acs3(request)
    if scheme is Scheme.RPC:
        return alibaba.parse_rpc(request)
    return tencent.parse(request)


def check_time(claim: Claim, now: float) -> None:
    if claim.valid_until is not None:  # Tencent: a signed window
        if now > claim.valid_until:
            raise Refused(Failure.EXPIRED, "the signature's q-sign-time window has ended")
        if claim.signed_at > now + SKEW_S:
            raise Refused(Failure.SKEWED, "the signature's q-sign-time starts in the future")
        return
    if claim.signed_at < now - SKEW_S:
        raise Refused(Failure.EXPIRED, "the signed date is more than 15 minutes old")
    if claim.signed_at > now + SKEW_S:
        raise Refused(Failure.SKEWED, "the signed date is more than 15 minutes ahead")


def _key_of(claim: Claim) -> tuple[store.AccessKey, bytes]:
    found = store.get(claim.access_key_id) if claim.access_key_id else None
    if found is None:
        raise Refused(Failure.UNKNOWN_KEY, claim.access_key_id)
    if found[0].status != store.ENABLED:
        raise Refused(Failure.DISABLED_KEY, claim.access_key_id)
    return found


def authenticate(request: SignedRequest, scheme: Scheme, now: float | None = None) -> Caller:
    """The authorizer's check (no body): everything but what only the body can tell."""
    now = time.time() if now is None else now
    claim = parse(request, scheme)
    key, ciphertext = _key_of(claim)
    check_time(claim, now)
    if claim.body_binding != DEFERRED:
        secret = crypto.decrypt(ciphertext, key.access_key_id, key.project_id)
        if not claim.verify(secret):
            raise Refused(Failure.BAD_SIGNATURE)
    if claim.nonce_based or request.method.upper() not in SAFE_METHODS:
        until = claim.valid_until if claim.valid_until is not None else claim.signed_at + SKEW_S
        if not replay.first_use(scheme.value, key.access_key_id, claim.replay_id, until):
            raise Refused(Failure.REPLAYED)
    return Caller(key.project_id, key.access_key_id, scheme, claim.body_binding)


def verify_with_body(request: SignedRequest, scheme: Scheme, access_key_id: str) -> None:
    """The function's half for a deferred signature: the same scheme, now with the body."""
    claim = parse(request, scheme)
    if claim.access_key_id != access_key_id or claim.body_binding == DEFERRED:
        raise Refused(Failure.BAD_SIGNATURE)
    key, ciphertext = _key_of(claim)
    if not claim.verify(crypto.decrypt(ciphertext, key.access_key_id, key.project_id)):
        raise Refused(Failure.BAD_SIGNATURE)
