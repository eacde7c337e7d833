"""The ErrorCodes a URL-ingest job can end with, and how outbound failures map onto them.

Every code belongs to one terminal status: DOWNLOAD_FAIL (the source could not be fetched) or
UPLOAD_FAIL (it was fetched but could not be stored, or the upload path's probe refused it).
Codes never change spelling: clients branch on them.
"""

from __future__ import annotations

from mediaflow.errors import MediaflowError
from mediaflow.net import OutboundError

DOWNLOAD_FAIL = "DOWNLOAD_FAIL"
UPLOAD_FAIL = "UPLOAD_FAIL"

# code -> (terminal status, when)
ERROR_CODES: dict[str, tuple[str, str]] = {
    "InvalidUrl": (DOWNLOAD_FAIL, "the URL, or a redirect's Location, is malformed or has credentials"),
    "UnsupportedScheme": (DOWNLOAD_FAIL, "not http/https (file:, ftp:, gopher:...), also via a redirect"),
    "ForbiddenAddress": (
        DOWNLOAD_FAIL,
        "the host is, resolves to, or redirects to a private, loopback, link-local (metadata),"
        " CGNAT, reserved or IPv6 unique-local address",
    ),
    "TooManyRedirects": (DOWNLOAD_FAIL, "more than 5 redirects"),
    "SourceNotFound": (DOWNLOAD_FAIL, "the source answered 404 or 410"),
    "SourceForbidden": (DOWNLOAD_FAIL, "the source answered 401 or 403"),
    "SourceHttpError": (DOWNLOAD_FAIL, "any other 4xx, or a status that is not a body (204, 3xx...)"),
    "SourceServerError": (DOWNLOAD_FAIL, "5xx, still after the retries"),
    "SourceUnreachable": (DOWNLOAD_FAIL, "DNS, connect or TLS failure, still after the retries"),
    "SourceInterrupted": (DOWNLOAD_FAIL, "the connection broke off during the body, still after the retries"),
    "SourceTimeout": (DOWNLOAD_FAIL, "the job's time budget ran out"),
    "SourceTooLarge": (DOWNLOAD_FAIL, "the body (or its Content-Length) is above the size limit"),
    "InternalError": (DOWNLOAD_FAIL, "Mediaflow could not run the job (queueing or worker failure)"),
    "StorageError": (UPLOAD_FAIL, "writing the object to the media bucket failed"),
    "NotMedia": (UPLOAD_FAIL, "stored, but the upload path's probe found no audio/video"),
    "InvalidStorage.NotFound": (
        UPLOAD_FAIL,
        "the StorageLocation bucket was revoked before the source was stored",
    ),
}

# mediaflow.net codes -> job codes (the specific refusals keep their own name)
_OUTBOUND = {
    "InvalidUrl": "InvalidUrl",
    "UnsupportedScheme": "UnsupportedScheme",
    "ForbiddenAddress": "ForbiddenAddress",
    "TooManyRedirects": "TooManyRedirects",
    "RedirectNotFollowed": "SourceHttpError",
    "DnsFailure": "SourceUnreachable",
    "ConnectFailed": "SourceUnreachable",
    "TlsFailure": "SourceUnreachable",
    "ProtocolError": "SourceInterrupted",
    "Timeout": "SourceTimeout",
    "ResponseTooLarge": "SourceTooLarge",
}
_RETRY_STATUSES = frozenset({408, 425, 429})


class JobFailure(MediaflowError):
    """Why a job failed: an ErrorCode, a readable message, and whether trying again may help."""

    def __init__(self, code: str, message: str, *, transient: bool = False) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.transient = transient

    @property
    def status(self) -> str:
        return status_of(self.code)


def status_of(code: str) -> str:
    """The terminal status of a code; probe codes other than NotMedia (ProbeFailed...) are uploads."""
    return ERROR_CODES[code][0] if code in ERROR_CODES else UPLOAD_FAIL


def from_outbound(exc: OutboundError) -> JobFailure:
    """A mediaflow.net error as a job failure. Timeout is final: each exchange gets all the time
    the job has left, so a timeout means the job's budget is spent."""
    code = _OUTBOUND.get(exc.code, "SourceUnreachable")
    message = exc.message[:1].upper() + exc.message[1:]
    if code == "SourceTimeout":
        message = f"The source did not deliver the whole body within the time limit ({exc.message})"
    return JobFailure(code, message, transient=exc.transient and code != "SourceTimeout")


def from_status(status: int, reason: str) -> JobFailure:
    """A response status that is not a body we can use."""
    text = f"The source answered HTTP {status}" + (f" ({reason})" if reason else "")
    if status in (404, 410):
        return JobFailure("SourceNotFound", f"{text}: the file does not exist at this URL.")
    if status in (401, 403):
        return JobFailure("SourceForbidden", f"{text}: the URL needs credentials or a valid signature.")
    if status >= 500:
        return JobFailure("SourceServerError", f"{text}.", transient=True)
    return JobFailure("SourceHttpError", f"{text}.", transient=status in _RETRY_STATUSES)
