"""Huawei Cloud ``SDK-HMAC-SHA256`` (huaweicloudsdkcore's ``Signer``), verified server-side.

``Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=a;b, Signature=<hex>`` with
``X-Sdk-Date: 20250101T000000Z``. The canonical request is METHOD, the path with every segment
URL-encoded and **always a trailing '/'**, the sorted query, the signed headers, and the hex SHA-256
of the body (``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD`` stands in for non-JSON bodies).
Repeated query parameters: the Python SDK sorts a list's values (ints numerically) and sends them
in that order, other SDKs sort them as strings; both orders are tried.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from mediaflow.signatures import Claim, Failure, Refused, Scheme, SignedRequest, constant_equal

ALGORITHM = "SDK-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_AUTH = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]{64})$"
)


def applies(request: SignedRequest) -> bool:
    return (request.header("authorization") or "").startswith(ALGORITHM + " ")


def _encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_path(path: str) -> str:
    encoded = "/".join(_encode(segment) for segment in unquote(path).split("/"))
    return encoded if encoded.endswith("/") else encoded + "/"


def _query_orders(pairs: list[tuple[str, str]]) -> list[str]:
    """The canonical query in the order received within a name, and fully sorted."""
    by_key = sorted(range(len(pairs)), key=lambda i: pairs[i][0])  # stable: received order per name
    orders = [[pairs[i] for i in by_key], sorted(pairs)]
    forms = []
    for order in orders:
        form = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in order)
        if form not in forms:
            forms.append(form)
    return forms


def _string_to_sign(request: SignedRequest, signed: list[str], date: str, payload: str, query: str) -> str:
    headers = "".join(f"{name}:{(request.header(name) or '').strip()}\n" for name in signed)
    canonical = "\n".join(
        [request.method.upper(), canonical_path(request.path), query, headers, ";".join(signed), payload]
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{date}\n{digest}"


def parse(request: SignedRequest) -> Claim:
    match = _AUTH.match((request.header("authorization") or "").strip())
    if not match:
        raise Refused(Failure.MALFORMED, "the Authorization header is not SDK-HMAC-SHA256")
    access_key, signed_list, signature = match.group(1), match.group(2), match.group(3).lower()
    signed = signed_list.split(";")
    date = (request.header("x-sdk-date") or "").strip()
    try:
        signed_at = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError as exc:
        raise Refused(Failure.MALFORMED, "X-Sdk-Date is missing or not yyyymmddThhmmssZ") from exc
    if "x-sdk-date" not in signed or any(request.header(name) is None for name in signed):
        raise Refused(Failure.MALFORMED, "a signed header is missing (X-Sdk-Date must be signed)")

    binding: tuple[str, str] | None = None
    unsigned_payload = (request.header("x-sdk-content-sha256") or "") == "UNSIGNED-PAYLOAD"
    if unsigned_payload:
        payload = "UNSIGNED-PAYLOAD"
    elif request.body is not None:
        payload = hashlib.sha256(request.body).hexdigest() if request.body else EMPTY_SHA256
    elif request.body_is_empty():
        payload, binding = EMPTY_SHA256, ("sha256", EMPTY_SHA256)  # the function checks it is empty
    else:
        payload, binding = "", ("signature", "")  # only the body's owner can finish this one

    queries = _query_orders(request.query)

    def verify(secret: str) -> bool:
        if binding == ("signature", ""):
            return False  # cannot be decided without the body
        for query in queries:
            text = _string_to_sign(request, signed, date, payload, query)
            mac = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()
            if constant_equal(mac, signature):
                return True
        return False

    return Claim(
        scheme=Scheme.HUAWEI,
        access_key_id=access_key,
        signed_at=signed_at,
        valid_until=None,
        replay_id=signature,
        nonce_based=False,
        verify=verify,
        body_binding=binding,
    )
