"""Access key secrets at rest: encrypted with the stack's KMS key, bound to their key id.

HMAC signatures (all three vendors' schemes) need the secret itself to verify, so it cannot be
stored as a one-way hash; it is encrypted under ``MEDIAFLOW_ACCESS_KEY_KMS_KEY`` with the encryption
context ``{"access_key_id", "project_id"}``, so a ciphertext moved to another record does not
decrypt. A warm function keeps decrypted secrets for a minute (a KMS call per request otherwise);
a disabled key is refused from its record, which is read on every request.
"""

from __future__ import annotations

import threading
import time

from mediaflow import aws
from mediaflow.settings import get_settings

CACHE_SECONDS = 60.0
_cache: dict[bytes, tuple[float, str]] = {}
_lock = threading.Lock()


def _context(access_key_id: str, project_id: str) -> dict[str, str]:
    return {"access_key_id": access_key_id, "project_id": project_id}


def encrypt(secret: str, access_key_id: str, project_id: str) -> bytes:
    key_id = get_settings().access_key_kms_key
    if not key_id:
        raise RuntimeError("MEDIAFLOW_ACCESS_KEY_KMS_KEY is not set")
    answer = aws.client("kms").encrypt(
        KeyId=key_id,
        Plaintext=secret.encode("utf-8"),
        EncryptionContext=_context(access_key_id, project_id),
    )
    return bytes(answer["CiphertextBlob"])


def decrypt(ciphertext: bytes, access_key_id: str, project_id: str) -> str:
    now = time.monotonic()
    with _lock:
        cached = _cache.get(ciphertext)
        if cached and now - cached[0] < CACHE_SECONDS:
            return cached[1]
    answer = aws.client("kms").decrypt(
        CiphertextBlob=ciphertext, EncryptionContext=_context(access_key_id, project_id)
    )
    secret = bytes(answer["Plaintext"]).decode("utf-8")
    with _lock:
        if len(_cache) > 1000:
            _cache.clear()
        _cache[ciphertext] = (now, secret)
    return secret
