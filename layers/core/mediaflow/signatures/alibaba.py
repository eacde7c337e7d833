"""Alibaba Cloud signatures, verified server-side: ACS3-HMAC-SHA256 and RPC v1 (HMAC-SHA1).

ACS3 (``alibabacloud-tea-openapi``'s default): ``Authorization: ACS3-HMAC-SHA256
Credential=<AK>,SignedHeaders=a;b,Signature=<hex>``; the canonical request is METHOD, the path
(``/`` for RPC-style actions), the query sorted by name with values URL-encoded, every signed header
``name:value``, the signed header names, and ``x-acs-content-sha256`` (the body's hex SHA-256, itself
a signed header, so the body is bound by comparing that digest). Time ``x-acs-date``, nonce
``x-acs-signature-nonce``.

RPC v1 (``signature_algorithm='v2'``, the older ``aliyun-python-sdk-*``): every parameter (query and
form body) but ``Signature``, sorted and encoded, in ``METHOD&%2F&<encoded>``, HMAC-SHA1 with
``secret + '&'``, Base64, carried as the ``Signature`` query parameter with ``AccessKeyId``,
``Timestamp`` and ``SignatureNonce``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, quote_plus

from mediaflow.signatures import Claim, Failure, Refused, Scheme, SignedRequest, constant_equal

ACS3 = "ACS3-HMAC-SHA256"
_ACS3_AUTH = re.compile(
    r"^ACS3-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]{64})$"
)
_FORM = "application/x-www-form-urlencoded"


def applies_acs3(request: SignedRequest) -> bool:
    return (request.header("authorization") or "").startswith(ACS3 + " ")


def applies_rpc(request: SignedRequest) -> bool:
    names = {name for name, _ in request.query}
    return "Signature" in names and "AccessKeyId" in names


def _timestamp(value: str) -> float:
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC).timestamp()
        except ValueError:
            continue
    raise Refused(Failure.MALFORMED, "the timestamp is not ISO 8601 UTC (yyyy-MM-ddTHH:mm:ssZ)")


def parse_acs3(request: SignedRequest) -> Claim:
    match = _ACS3_AUTH.match((request.header("authorization") or "").strip())
    if not match:
        raise Refused(Failure.MALFORMED, "the Authorization header is not ACS3-HMAC-SHA256")
    access_key, signed_list, signature = match.group(1), match.group(2), match.group(3).lower()
    signed = signed_list.split(";")
    required = ("host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256")
    if any(name not in signed for name in required) or any(request.header(n) is None for n in signed):
        raise Refused(
            Failure.MALFORMED, "host, x-acs-date, x-acs-signature-nonce, x-acs-content-sha256 must be signed"
        )
    payload = (request.header("x-acs-content-sha256") or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", payload):
        raise Refused(Failure.MALFORMED, "x-acs-content-sha256 is not a hex SHA-256")
    signed_at = _timestamp((request.header("x-acs-date") or "").strip())
    nonce = (request.header("x-acs-signature-nonce") or "").strip()
    query = dict(request.query)  # the SDK's query is a map: one value per name
    canonical_query = "&".join(f"{k}={quote(query[k], safe='~')}" for k in sorted(query))
    headers = "".join(f"{name}:{(request.header(name) or '').strip()}\n" for name in signed)
    canonical = "\n".join(
        [request.method.upper(), request.path or "/", canonical_query, headers, ";".join(signed), payload]
    )
    text = f"{ACS3}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"

    def verify(secret: str) -> bool:
        mac = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()
        return constant_equal(mac, signature)

    return Claim(
        scheme=Scheme.ACS3,
        access_key_id=access_key,
        signed_at=signed_at,
        valid_until=None,
        replay_id=nonce,
        nonce_based=True,
        verify=verify,
        body_binding=("sha256", payload),
    )


def _rpc_string(method: str, params: dict[str, str]) -> str:
    canonical = "&".join(f"{quote(k, safe='~')}={quote(params[k], safe='~')}" for k in sorted(params))
    return f"{method.upper()}&%2F&{quote_plus(canonical, safe='~')}"


def parse_rpc(request: SignedRequest) -> Claim:
    query = dict(request.query)
    if (
        query.get("SignatureMethod", "HMAC-SHA1") != "HMAC-SHA1"
        or query.get("SignatureVersion", "1.0") != "1.0"
    ):
        raise Refused(Failure.MALFORMED, "only SignatureMethod HMAC-SHA1, SignatureVersion 1.0")
    nonce = query.get("SignatureNonce", "")
    if not nonce or not query.get("Timestamp"):
        raise Refused(Failure.MALFORMED, "Timestamp and SignatureNonce are required")
    signed_at = _timestamp(query["Timestamp"])
    signature = query.pop("Signature")
    is_form = (request.header("content-type") or "").lower().startswith(_FORM)
    binding: tuple[str, str] | None = None
    if request.body is not None:  # the function, verifying again with the form
        if is_form and request.body_is_empty() is False:
            query.update(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
    elif is_form and request.body_is_empty() is not True:
        binding = ("signature", "")  # form parameters are signed; only the function sees them
    else:
        binding = ("sha256", hashlib.sha256(b"").hexdigest())  # anything else must come without a body
    text = _rpc_string(request.method, query)

    def verify(secret: str) -> bool:
        if binding == ("signature", ""):
            return False
        mac = hmac.new((secret + "&").encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
        return constant_equal(base64.b64encode(mac).decode("ascii"), signature)

    return Claim(
        scheme=Scheme.RPC,
        access_key_id=query.get("AccessKeyId", ""),
        signed_at=signed_at,
        valid_until=None,
        replay_id=nonce,
        nonce_based=True,
        verify=verify,
        body_binding=binding,
    )
