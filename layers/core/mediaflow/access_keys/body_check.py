"""Binds a signed request's body, inside the function that reads it.

The authorizer leaves in its context (``mf_body``) what only the body can tell:
``sha256:<hex>`` / ``md5:<base64>`` (a signed digest header, or the empty body it assumed) to
compare, or ``signature`` to verify the whole signature again with the body (a Huawei JSON body, an
Alibaba RPC form). A mismatch is the scheme's ``SignatureDoesNotMatch`` answer; token callers and
signatures without a body binding pass untouched.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from mediaflow.access_keys import authenticate, refusals, wire
from mediaflow.signatures import Failure, Refused, Scheme


def _body(event: dict[str, Any]) -> bytes:
    raw = event.get("body") or ""
    return base64.b64decode(raw) if event.get("isBase64Encoded") else str(raw).encode("utf-8")


def check_body(event: dict[str, Any]) -> None:
    context = (event.get("requestContext") or {}).get("authorizer") or {}
    binding = str(context.get("mf_body") or "")
    if not binding:
        return
    scheme = Scheme(str(context.get("mf_scheme")))
    kind, _, expected = binding.partition(":")
    try:
        if kind == "sha256":
            ok = hmac.compare_digest(hashlib.sha256(_body(event)).hexdigest(), expected)
        elif kind == "md5":
            digest = base64.b64encode(hashlib.md5(_body(event)).digest()).decode()  # noqa: S324 - Content-MD5
            ok = hmac.compare_digest(digest, expected)
        else:
            request = wire.from_event(event, with_body=True)
            authenticate.verify_with_body(request, scheme, str(context.get("mf_access_key_id") or ""))
            ok = True
    except Refused:
        ok = False
    if not ok:
        raise refusals.refusal(scheme, Failure.BAD_SIGNATURE)
