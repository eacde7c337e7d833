"""The ``encryption.hls_encrypt`` of a request, and where its key lives.

The key is accepted as 32 hex digits or Base64 of 16 bytes; ``iv`` the same (optional ``0x``);
without an ``iv`` a random one is drawn, so every segment of a task - whichever chunk of a split
task wrote it - shares one key and one IV, named in ``#EXT-X-KEY``. ``{key_id}`` in ``url``
becomes the id the key is kept under (so a player can fetch it from the key route).
``algorithm`` AES-128-CBC is HLS's ``METHOD=AES-128`` (the only one HLS players decrypt;
AES-128-CTR and SM4CBC are refused).

Where the key lives: one item of its own, ``pk=P#<project>``, ``sk=HLS_KEY#<key_id>`` (the table is
encrypted at rest), written when the task is created. Task records, events, callbacks and logs
carry only ``KeyRef`` (the key's id, its URL and the IV, which the playlist shows anyway). Workers
read the key by id; the key route (``GET /v1/{project_id}/hls-keys/{key_id}``) serves it to a
player holding the project's token. In production the same item can be served by a Lambda behind
an authorizer of the player's own (README: HLS encryption).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import uuid
from typing import ClassVar

from pydantic import BaseModel, Field

from mediaflow import clock
from mediaflow.api.mpc_errors import invalid
from mediaflow.encryption.aes import BLOCK, KEY_BYTES
from mediaflow.errors import NotFound
from mediaflow.records import store
from mediaflow.records.model import RecordDoc, new_record
from mediaflow.records.states import Kind

ALGORITHM = "AES-128-CBC"
KEY_ID = "{key_id}"  # in ``url``: replaced by the key's id (the key route's path names it)
_URL = re.compile(r"^https?://[^\s\"',]{1,1000}$")


class HlsEncrypt(BaseModel):
    key: str = Field(min_length=1, max_length=64)
    url: str = Field(min_length=1, max_length=1024)
    iv: str | None = Field(None, max_length=64)
    algorithm: str | None = Field(None, max_length=32)


class Encryption(BaseModel):
    hls_encrypt: HlsEncrypt | None = None


class KeyRef(BaseModel):
    """What a task keeps of its encryption: never the key itself."""

    key_id: str
    url: str
    iv_hex: str
    algorithm: str = ALGORITHM


class HlsKeyDoc(RecordDoc):
    KIND: ClassVar[Kind] = Kind.HLS_KEY
    COUNTED: ClassVar[bool] = False

    key_hex: str

    def __repr__(self) -> str:  # never print the key, even by accident
        return "HlsKeyDoc(key_hex=<hidden>)"

    __str__ = __repr__


def _bytes16(value: str, field: str, size: int) -> bytes:
    text = value.strip()
    text = text[2:] if text.lower().startswith("0x") else text
    if re.fullmatch(r"[0-9a-fA-F]{32}", text):
        return bytes.fromhex(text)
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size:
        raise invalid(f"{field} must be 16 bytes: 32 hex digits or Base64")
    return raw


def store_key(project_id: str, request: Encryption | None) -> KeyRef | None:
    """Check an ``encryption`` request and keep its key apart; None when nothing is encrypted."""
    spec = request.hls_encrypt if request else None
    if spec is None:
        return None
    algorithm = (spec.algorithm or ALGORITHM).upper()
    if algorithm != ALGORITHM:
        raise invalid(
            f"encryption.hls_encrypt.algorithm {algorithm[:20]!r} is not supported: use {ALGORITHM}"
        )
    key = _bytes16(spec.key, "encryption.hls_encrypt.key", KEY_BYTES)
    iv = _bytes16(spec.iv, "encryption.hls_encrypt.iv", BLOCK) if spec.iv else os.urandom(BLOCK)
    if not _URL.match(spec.url):
        raise invalid("encryption.hls_encrypt.url must be an http(s) URL without spaces, quotes or commas")
    key_id = uuid.uuid4().hex
    record = new_record(HlsKeyDoc(key_hex=key.hex()), project_id, key_id, clock.key_time(clock.now()))
    store.create(record)
    return KeyRef(key_id=key_id, url=spec.url.replace(KEY_ID, key_id), iv_hex=iv.hex())


def load_key(project_id: str, key_id: str) -> bytes:
    """The key of a task (workers), or of the key route; ``NotFound`` for another project's."""
    if not re.fullmatch(r"[0-9a-f]{32}", key_id):
        raise NotFound(key_id)
    return bytes.fromhex(store.get(HlsKeyDoc, project_id, key_id).doc.key_hex)
