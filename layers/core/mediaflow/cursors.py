"""Pagination cursors handed to callers, sealed so that a forged or edited one is refused.

A cursor (CI ``NextToken``, the deliveries ``marker``, every ``jobs.store`` page) is
``<payload>.<mac>``, both base64url: the payload is the position (DynamoDB's LastEvaluatedKey as
JSON), the MAC an HMAC-SHA256 (first 16 bytes) over a version tag, the *scope* and the payload.
The scope names the query the cursor continues (index, partition, bounds, order), so a cursor is
only good for the listing that issued it: another project's cursor, another status's, or one with
a byte changed is ``InvalidCursor`` (a ``ValueError``), which every listing answers with its
family's 400. Nothing a caller sends reaches DynamoDB's ExclusiveStartKey unless we made it.

The key is one random secret per deployment: the ``CursorKey`` Secrets Manager secret that
template.yaml generates (``GenerateSecretString``), named by ``MEDIAFLOW_CURSOR_KEY_ARN`` and read
once per process, on the first cursor. Without it nothing is signed: cursors fail closed.
Rotating the secret only invalidates the cursors in flight (clients start their listing again).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from functools import cache
from typing import Any

from mediaflow import aws
from mediaflow.errors import InvalidCursor
from mediaflow.settings import get_settings

VERSION = b"mediaflow-cursor-v1"
MAC_BYTES = 16  # 128 bits: forging is out of reach, tokens stay short


class CursorKeyMissing(RuntimeError):
    """MEDIAFLOW_CURSOR_KEY_ARN is not set: the deployment has no cursor key."""


@cache
def _key(secret_arn: str) -> bytes:
    secret = aws.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
    return hashlib.sha256(VERSION + b"\0" + str(secret).encode()).digest()


def _current_key() -> bytes:
    arn = get_settings().cursor_key_arn
    if not arn:
        raise CursorKeyMissing("MEDIAFLOW_CURSOR_KEY_ARN is not set")
    return _key(arn)


def scope(*parts: Any) -> str:
    """A canonical text for the query a cursor belongs to."""
    return json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, query_scope: str, payload: bytes) -> bytes:
    message = VERSION + b"\0" + query_scope.encode() + b"\0" + payload
    return hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]


def seal(position: dict[str, Any], query_scope: str) -> str:
    payload = json.dumps(position, sort_keys=True, separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(_mac(_current_key(), query_scope, payload))}"


def unseal(cursor: str, query_scope: str) -> dict[str, Any]:
    """The position inside ``cursor``; InvalidCursor unless we sealed it for this very query."""
    encoded, dot, mac = cursor.partition(".")
    if not dot or not encoded or not mac or not cursor.isascii():
        raise InvalidCursor("malformed cursor")
    try:
        payload, claimed = _unb64(encoded), _unb64(mac)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor("malformed cursor") from exc
    if not hmac.compare_digest(claimed, _mac(_current_key(), query_scope, payload)):
        raise InvalidCursor("cursor not issued for this query")
    position = json.loads(payload)  # ours (the MAC matched), so it is the JSON object we wrote
    if not isinstance(position, dict):
        raise InvalidCursor("malformed cursor")
    return position


def reset() -> None:
    """Forget the cached key (tests switch moto servers)."""
    _key.cache_clear()
