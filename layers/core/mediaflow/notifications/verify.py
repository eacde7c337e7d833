"""Verify a Mediaflow callback. Standard library only: copy this file into your receiver.

Every callback carries ``X-Mediaflow-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]`` where each
``v1`` is HMAC-SHA256(secret, "<t>." + raw body) for one of the project's active signing secrets
(two while a secret is being rotated), and ``X-Mediaflow-Event-Id``, stable across retries.

    from mediaflow.notifications.verify import verify
    ok = verify(secret, request.headers["X-Mediaflow-Signature"], request.body)
"""

from __future__ import annotations

import hashlib
import hmac
import time


def verify(
    secret: str, signature_header: str, body: bytes, *, tolerance_s: int = 300, now: float | None = None
) -> bool:
    """True when one ``v1`` signature matches and the timestamp is within ``tolerance_s``."""
    parts = [p.strip().partition("=") for p in signature_header.split(",")]
    stamps = [v for k, _, v in parts if k == "t"]
    signatures = [v for k, _, v in parts if k == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit() or not signatures:
        return False
    if abs((time.time() if now is None else now) - int(stamps[0])) > tolerance_s:
        return False  # a replayed old callback
    expected = hmac.new(secret.encode(), stamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, s) for s in signatures)
