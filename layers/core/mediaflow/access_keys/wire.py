"""API Gateway events -> ``SignedRequest``: what the client signed, seen from inside the API.

- The host: ``X-Forwarded-Host`` when present (the SDK endpoint, a CloudFront distribution in
  front of the API, sets it from the viewer's Host, which API Gateway needs for itself), else Host.
  A caller who forges it only changes what their own signature must cover.
- The path: Alibaba's RPC requests are signed as ``POST /``; the edge moves the action into the
  path (``/acs/<Action>``), so such a path is verified as ``/``.
"""

from __future__ import annotations

import base64
from typing import Any

from mediaflow.signatures import SignedRequest

RPC_PREFIX = "/acs"


def _headers(event: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    multi = event.get("multiValueHeaders") or {}
    for name, values in multi.items():
        if values:
            found[name.lower()] = str(values[-1])
    for name, value in (event.get("headers") or {}).items():
        found.setdefault(name.lower(), str(value))
    forwarded = found.get("x-forwarded-host")
    if forwarded:
        found["host"] = forwarded
    return found


def _query(event: dict[str, Any]) -> list[tuple[str, str]]:
    multi = event.get("multiValueQueryStringParameters") or {}
    if multi:
        return [(name, str(value)) for name, values in multi.items() for value in values or []]
    return [(name, str(value)) for name, value in (event.get("queryStringParameters") or {}).items()]


def signed_path(path: str) -> str:
    """``/acs/<Action>`` (an operation's route, or the not-supported catch-all) was ``POST /``."""
    if path.startswith(RPC_PREFIX + "/") and path.count("/") == 2:
        return "/"
    return path or "/"


def from_event(event: dict[str, Any], with_body: bool) -> SignedRequest:
    """A REQUEST-authorizer event (``with_body=False``) or a Lambda proxy event."""
    body: bytes | None = None
    if with_body:
        raw = event.get("body") or ""
        body = base64.b64decode(raw) if event.get("isBase64Encoded") else str(raw).encode("utf-8")
    return SignedRequest(
        method=str(event.get("httpMethod") or ""),
        path=signed_path(str(event.get("path") or "/")),
        query=_query(event),
        headers=_headers(event),
        body=body,
    )


def bucket_of(host: str) -> str:
    """Tencent CI's host-style address: ``<Bucket>.<endpoint>``."""
    return host.split(":", 1)[0].split(".", 1)[0]
