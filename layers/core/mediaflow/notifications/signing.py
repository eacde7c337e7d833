"""Signing callbacks with a project's active secrets (both of them during a rotation)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Mediaflow-Signature"
EVENT_ID_HEADER = "X-Mediaflow-Event-Id"
EVENT_TYPE_HEADER = "X-Mediaflow-Event-Type"
TIMESTAMP_HEADER = "X-Mediaflow-Timestamp"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret_values: list[str], timestamp: int, body: bytes) -> str:
    """The signature header value: ``t=<ts>,v1=<hmac>`` with one ``v1`` per active secret."""
    if not secret_values:
        raise ValueError("a callback must be signed by at least one secret")
    message = str(timestamp).encode() + b"." + body
    digests = [hmac.new(s.encode(), message, hashlib.sha256).hexdigest() for s in secret_values]
    return ",".join([f"t={timestamp}", *(f"v1={d}" for d in digests)])


def callback_headers(
    secret_values: list[str], timestamp: int, body: bytes, event_id: str, event_type: str, content_type: str
) -> dict[str, str]:
    return {
        "Content-Type": content_type,
        SIGNATURE_HEADER: sign(secret_values, timestamp, body),
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
        TIMESTAMP_HEADER: str(timestamp),
    }
