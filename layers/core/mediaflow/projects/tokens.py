"""API tokens: shown once at creation, stored only as a SHA-256 hash.

Tokens are 256-bit random strings, so a plain (unsalted) SHA-256 is enough to make a stolen table
useless and still allows a single GetItem lookup by hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "mf_"  # noqa: S105 - a prefix, not a secret


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX) and 20 <= len(value) <= 128 and value.isascii()


def extract_token(headers: dict[str, str]) -> str | None:
    """``X-Auth-Token: <token>`` (MPC style) or ``Authorization: Bearer <token>``."""
    lowered = {k.lower(): v for k, v in headers.items() if isinstance(v, str)}
    candidate = lowered.get("x-auth-token", "").strip()
    if not candidate:
        scheme, _, rest = lowered.get("authorization", "").strip().partition(" ")
        if hmac.compare_digest(scheme.lower(), "bearer"):
            candidate = rest.strip()
    return candidate if candidate and looks_like_token(candidate) else None
