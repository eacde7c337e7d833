"""Outbound HTTP that cannot be pointed at internal addresses (SSRF-safe), standard library only.

``request`` for small exchanges (signed callbacks), ``open_stream`` for large bodies (URL ingest),
``validate_url`` to refuse bad URLs at request time without network I/O, ``redact`` for logging.
Callers pass ``allow_loopback=get_settings().allow_loopback`` (only the local stack turns it on).
"""

from mediaflow.net.addresses import ParsedUrl, check_address, classify, redact, validate_url
from mediaflow.net.client import USER_AGENT, Response, StreamingResponse, open_stream, request
from mediaflow.net.errors import (
    ERROR_CODES,
    ConnectFailed,
    DnsFailure,
    ForbiddenAddress,
    InvalidUrl,
    OutboundError,
    ProtocolError,
    RedirectNotFollowed,
    ResponseTooLarge,
    Timeout,
    TlsFailure,
    TooManyRedirects,
    UnsupportedScheme,
)

__all__ = [
    "ERROR_CODES",
    "USER_AGENT",
    "ConnectFailed",
    "DnsFailure",
    "ForbiddenAddress",
    "InvalidUrl",
    "OutboundError",
    "ParsedUrl",
    "ProtocolError",
    "RedirectNotFollowed",
    "Response",
    "ResponseTooLarge",
    "StreamingResponse",
    "Timeout",
    "TlsFailure",
    "TooManyRedirects",
    "UnsupportedScheme",
    "check_address",
    "classify",
    "open_stream",
    "redact",
    "request",
    "validate_url",
]
