"""The URL-ingest ErrorCode table, the mapping from outbound failures, and the job state machine."""

from __future__ import annotations

import itertools

import pytest

from mediaflow.errors import InvalidTransition
from mediaflow.ingest.codes import ERROR_CODES, from_outbound, from_status, status_of
from mediaflow.net import ERROR_CODES as NET_CODES
from mediaflow.net import (
    ConnectFailed,
    DnsFailure,
    ForbiddenAddress,
    InvalidUrl,
    OutboundError,
    ProtocolError,
    ResponseTooLarge,
    Timeout,
    TlsFailure,
    TooManyRedirects,
    UnsupportedScheme,
)
from mediaflow.records.states import URL_JOB
from mediaflow.settings import GIB, MIB, IngestSettings


@pytest.mark.parametrize(
    ("status", "code", "transient"),
    [
        (404, "SourceNotFound", False),
        (410, "SourceNotFound", False),
        (401, "SourceForbidden", False),
        (403, "SourceForbidden", False),
        (400, "SourceHttpError", False),
        (416, "SourceHttpError", False),
        (204, "SourceHttpError", False),
        (408, "SourceHttpError", True),
        (429, "SourceHttpError", True),
        (500, "SourceServerError", True),
        (503, "SourceServerError", True),
    ],
)
def test_statuses(status: int, code: str, transient: bool) -> None:
    failure = from_status(status, "Reason")
    assert (failure.code, failure.transient, failure.status) == (code, transient, "DOWNLOAD_FAIL")
    assert f"HTTP {status} (Reason)" in failure.message


@pytest.mark.parametrize(
    ("error", "code", "transient"),
    [
        (ForbiddenAddress("link-local", "169.254.169.254"), "ForbiddenAddress", False),
        (UnsupportedScheme("scheme 'ftp' is not supported"), "UnsupportedScheme", False),
        (InvalidUrl("URL has no host"), "InvalidUrl", False),
        (TooManyRedirects("more than 5 redirects"), "TooManyRedirects", False),
        (DnsFailure("cannot resolve host", transient=False), "SourceUnreachable", False),
        (DnsFailure("cannot resolve host", transient=True), "SourceUnreachable", True),
        (ConnectFailed("cannot connect: refused"), "SourceUnreachable", True),
        (TlsFailure("certificate verification failed"), "SourceUnreachable", False),
        (ProtocolError("connection closed before the body was complete"), "SourceInterrupted", True),
        (Timeout("no complete response within the deadline"), "SourceTimeout", False),
        (ResponseTooLarge("response body is larger than 5 bytes"), "SourceTooLarge", False),
    ],
)
def test_outbound_errors(error: OutboundError, code: str, transient: bool) -> None:
    failure = from_outbound(error)
    assert (failure.code, failure.transient) == (code, transient)
    assert failure.message[0].isupper() and "169.254" not in failure.message


def test_every_net_code_has_a_mapping_and_every_code_a_status() -> None:
    for net_code in NET_CODES:
        assert from_outbound(OutboundError(net_code, "x")).code in ERROR_CODES
    assert {status for status, _ in ERROR_CODES.values()} == {"DOWNLOAD_FAIL", "UPLOAD_FAIL"}
    assert (status_of("NotMedia"), status_of("ProbeFailed"), status_of("SourceTooLarge")) == (
        "UPLOAD_FAIL",
        "UPLOAD_FAIL",
        "DOWNLOAD_FAIL",
    )


def test_the_job_moves_forward_only_and_ends_terminal() -> None:
    happy = ["PENDING", "DOWNLOADING", "UPLOADING", "UPLOAD_SUCCESS", "SUCCESS"]
    for current, target in itertools.pairwise(happy):
        URL_JOB.check(current, target)
    URL_JOB.check("UPLOADING", "SUCCESS")  # the probe's verdict can overtake the worker's write
    for terminal in URL_JOB.terminal:
        assert URL_JOB.transitions[terminal] == frozenset()
    for current, target in [
        ("DOWNLOADING", "PENDING"),
        ("UPLOADING", "DOWNLOADING"),
        ("SUCCESS", "UPLOAD_FAIL"),
    ]:
        with pytest.raises(InvalidTransition):
            URL_JOB.check(current, target)
    reachable = {URL_JOB.initial}
    for _ in URL_JOB.states:
        reachable |= {t for s in reachable for t in URL_JOB.transitions[s]}
    assert reachable == URL_JOB.states  # and each non-terminal state can still fail
    assert all(
        URL_JOB.transitions[s] & {"DOWNLOAD_FAIL", "UPLOAD_FAIL"} for s in URL_JOB.states - URL_JOB.terminal
    )


def test_part_size_fits_the_size_limit_into_ten_thousand_parts() -> None:
    settings = IngestSettings()
    assert settings.part_size_for(20 * GIB) == 16 * MIB
    assert settings.part_size_for(500 * GIB) == 52 * MIB
    assert settings.part_size_for(500 * GIB) * 10_000 >= 500 * GIB
    assert settings.deadline_s < 900  # below the worker's timeout
