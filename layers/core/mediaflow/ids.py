"""Identifier formats. Ids are random (uuid4) so they reveal nothing about other projects."""

from __future__ import annotations

import re
import uuid

_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def new_hex_id() -> str:
    """32 lower-case hex characters, the shape of VOD VideoIds and MPC project ids."""
    return uuid.uuid4().hex


def is_hex_id(value: str) -> bool:
    return bool(_HEX32.match(value))


def new_request_id() -> str:
    return str(uuid.uuid4()).upper()
