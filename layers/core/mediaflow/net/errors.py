"""Errors of outbound HTTP: one base with a stable ``code`` and a ``transient`` flag.

The codes are meant to be surfaced (callback delivery records, URL-ingest job errors), so they
never change spelling. ``transient`` tells retry logic whether trying again later can help:
network trouble can clear up, a policy refusal or an oversized body will not.
"""

from __future__ import annotations

from typing import ClassVar

from mediaflow.errors import MediaflowError


class OutboundError(MediaflowError):
    """An outbound request that did not produce a usable response."""

    def __init__(self, code: str, message: str, *, transient: bool = False) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.transient = transient


class _Coded(OutboundError):
    CODE: ClassVar[str]
    TRANSIENT: ClassVar[bool] = False

    def __init__(self, message: str, *, transient: bool | None = None) -> None:
        super().__init__(self.CODE, message, transient=self.TRANSIENT if transient is None else transient)


class InvalidUrl(_Coded):
    CODE = "InvalidUrl"


class UnsupportedScheme(_Coded):
    CODE = "UnsupportedScheme"


class ForbiddenAddress(_Coded):
    """The destination is, or resolves to, an address outside the public internet.

    The message names only the address class; ``address`` is kept for operators' logs and is not
    meant to be shown to the caller (it would reveal what an internal name resolves to).
    """

    CODE = "ForbiddenAddress"

    def __init__(self, address_class: str, address: str = "") -> None:
        super().__init__(f"destination is not allowed: {address_class} address")
        self.address_class = address_class
        self.address = address


class DnsFailure(_Coded):
    CODE = "DnsFailure"


class ConnectFailed(_Coded):
    CODE = "ConnectFailed"
    TRANSIENT = True


class TlsFailure(_Coded):
    CODE = "TlsFailure"


class Timeout(_Coded):
    CODE = "Timeout"
    TRANSIENT = True


class TooManyRedirects(_Coded):
    CODE = "TooManyRedirects"


class RedirectNotFollowed(_Coded):
    CODE = "RedirectNotFollowed"


class ResponseTooLarge(_Coded):
    CODE = "ResponseTooLarge"


class ProtocolError(_Coded):
    """A malformed or cut-off response; usually a reset connection, so worth a retry."""

    CODE = "ProtocolError"
    TRANSIENT = True


ERROR_CODES: tuple[str, ...] = tuple(
    cls.CODE
    for cls in (
        InvalidUrl,
        UnsupportedScheme,
        ForbiddenAddress,
        DnsFailure,
        ConnectFailed,
        TlsFailure,
        Timeout,
        TooManyRedirects,
        RedirectNotFollowed,
        ResponseTooLarge,
        ProtocolError,
    )
)
