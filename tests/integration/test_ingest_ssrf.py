"""URL ingest cannot be pointed at internal addresses: refused at request time where no DNS is
needed, and by the worker's client on every hop (resolution, redirects) otherwise. Every test
records the addresses the client connects to (a spy on ``transport.connect`` that refuses all but
loopback), which proves that nothing was ever sent to a forbidden target."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from mediaflow.ingest import fetch_worker as worker
from mediaflow.ingest import service
from mediaflow.ingest import url_jobs as jobs
from mediaflow.ingest.models import SourceUrl
from mediaflow.settings import reset_settings
from tests.integration.test_auth import create_project
from tests.integration.test_ingest_flow import api, completions, discard_fetches, infos, subscriber
from tests.integration.test_ingest_source import loopback_only, serve_sources
from tests.integration.test_upload_flow import get_video
from tests.support.aws import MotoStack

__all__ = ["subscriber"]  # the fixture, used by name below

METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/role.mp4"
# (URL, code the worker's client ends the job with); request-time validation refuses them all.
FORBIDDEN = [
    (METADATA, "ForbiddenAddress"),
    ("http://127.0.0.1:9/a.mp4", "ForbiddenAddress"),  # MEDIAFLOW_ALLOW_LOOPBACK is off
    ("http://10.0.0.1/a.mp4", "ForbiddenAddress"),
    ("http://[::1]:9/a.mp4", "ForbiddenAddress"),
    ("http://[fd00:ec2::254]/a.mp4", "ForbiddenAddress"),  # the IPv6 metadata endpoint
    ("http://[::ffff:169.254.169.254]/a.mp4", "ForbiddenAddress"),
    ("http://100.64.0.1/a.mp4", "ForbiddenAddress"),
    ("http://2130706433/a.mp4", "InvalidUrl"),  # 127.0.0.1 as one number
    ("http://localhost:9/a.mp4", "ForbiddenAddress"),
    ("file:///etc/passwd.mp4", "UnsupportedScheme"),
    ("gopher://127.0.0.1:6379/_FLUSHALL.mp4", "UnsupportedScheme"),
    ("ftp://ftp.example.com/a.mp4", "UnsupportedScheme"),
]
FAKE_DNS: dict[str, list[str]] = {}


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return loopback_only(monkeypatch)


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """Names the resolver used by mediaflow.net.addresses answers from this table."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in FAKE_DNS:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in FAKE_DNS[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield FAKE_DNS
    FAKE_DNS.clear()


@pytest.fixture
def strict_env(core_env: MotoStack) -> Iterator[MotoStack]:
    reset_settings()  # MEDIAFLOW_ALLOW_LOOPBACK stays off, as it is by default
    discard_fetches(core_env)
    yield core_env
    reset_settings()


@pytest.fixture
def loopback_env(core_env: MotoStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoStack]:
    monkeypatch.setenv("MEDIAFLOW_ALLOW_LOOPBACK", "true")  # the test source server is on 127.0.0.1
    reset_settings()
    discard_fetches(core_env)
    yield core_env
    reset_settings()


def submit(project: str, url: str) -> tuple[int, dict[str, Any]]:
    return api("upload_media_by_url", "POST", project, body={"UploadURLs": quote(url, safe="")})


def job_for(project: str, url: str) -> str:
    """A job for ``url`` created without request-time validation (as if it had been bypassed)."""
    source = SourceUrl(url, url, "k" * 40, "a.mp4", "mp4")
    common = {"user_data": None, "callback_url": None, "extend": None}
    return service._create(project, source, None, None, common).id


def run(project: str, job_id: str) -> dict[str, str]:
    worker.run_job(project, job_id, remaining_s=120)
    _, found = infos(project, JobIds=job_id)
    return dict(found["URLUploadInfoList"][0])


@pytest.mark.parametrize(("url", "code"), FORBIDDEN)
def test_forbidden_urls_are_refused_at_request_time(
    strict_env: MotoStack, connections: list[str], url: str, code: str
) -> None:
    project, _ = create_project("ssrf-request")
    status, answer = submit(project, url)
    assert (status, answer["Code"]) == (400, "InvalidParameter.UploadURLs")
    assert any(c in answer["Message"] for c in ("ForbiddenAddress", "UnsupportedScheme", "InvalidUrl"))
    assert connections == []


@pytest.mark.parametrize(("url", "code"), FORBIDDEN)
def test_the_worker_refuses_them_too_and_ends_the_job(
    strict_env: MotoStack, subscriber: str, connections: list[str], url: str, code: str
) -> None:
    project, _ = create_project("ssrf-worker")
    job_id = job_for(project, url)
    info = run(project, job_id)
    assert (info["Status"], info["ErrorCode"]) == ("DOWNLOAD_FAIL", code)
    assert info["ErrorMessage"] and "169.254" not in info["ErrorMessage"]  # the class, not the address
    assert connections == []
    (event,) = completions(strict_env, subscriber)
    assert (event["resource_id"], event["payload"]["ErrorCode"]) == (job_id, code)
    _, video = get_video(project, info["MediaId"])
    assert video["Video"]["Status"] == "UploadFail"


@pytest.mark.parametrize("answers", [["10.1.2.3"], ["93.184.215.14", "10.1.2.3"], ["169.254.169.254"]])
def test_a_name_resolving_to_a_private_address_is_refused(
    strict_env: MotoStack, fake_dns: dict[str, list[str]], connections: list[str], answers: list[str]
) -> None:
    fake_dns["media.internal.example"] = answers  # one bad answer is enough: no partial trust
    project, _ = create_project("ssrf-dns")
    status, answer = submit(project, "http://media.internal.example/video.mp4")
    assert status == 200, answer  # a name cannot be judged without resolving it
    info = run(project, answer["UploadJobs"][0]["JobId"])
    assert (info["Status"], info["ErrorCode"]) == ("DOWNLOAD_FAIL", "ForbiddenAddress")
    assert connections == []


REDIRECT_TARGETS = [
    (METADATA, "ForbiddenAddress"),
    ("http://10.0.0.1/a.mp4", "ForbiddenAddress"),
    ("http://[fd00:ec2::254]/latest/meta-data/", "ForbiddenAddress"),
    ("http://2130706433/a.mp4", "InvalidUrl"),
    ("file:///etc/passwd", "UnsupportedScheme"),
    ("gopher://127.0.0.1:6379/_FLUSHALL", "UnsupportedScheme"),
    ("ftp://ftp.example.com/a.mp4", "UnsupportedScheme"),
]


@pytest.mark.parametrize(("target", "code"), REDIRECT_TARGETS)
def test_a_redirect_to_a_forbidden_target_is_refused(
    loopback_env: MotoStack, connections: list[str], target: str, code: str
) -> None:
    project, _ = create_project("ssrf-redirect")
    with serve_sources() as sources:
        sources.redirects["moved.mp4"] = target
        status, answer = submit(project, sources.url("moved.mp4"))
        assert status == 200, answer
        info = run(project, answer["UploadJobs"][0]["JobId"])
        assert sources.hits("moved.mp4") == 1
    assert (info["Status"], info["ErrorCode"]) == ("DOWNLOAD_FAIL", code)
    assert set(connections) == {"127.0.0.1"}  # only the source server itself


def test_a_redirect_chain_ending_at_the_metadata_service_is_refused(
    loopback_env: MotoStack, connections: list[str]
) -> None:
    project, _ = create_project("ssrf-chain")
    with serve_sources() as sources:
        sources.redirects.update(
            {"a.mp4": sources.url("b.mp4"), "b.mp4": sources.url("c.mp4"), "c.mp4": METADATA}
        )
        _, answer = submit(project, sources.url("a.mp4"))
        info = run(project, answer["UploadJobs"][0]["JobId"])
        assert [p for p, _ in sources.requests] == ["/a.mp4", "/b.mp4", "/c.mp4"]
    assert (info["Status"], info["ErrorCode"]) == ("DOWNLOAD_FAIL", "ForbiddenAddress")
    assert connections == ["127.0.0.1"] * 3


@pytest.mark.parametrize(
    "loopback",
    ["http://127.0.0.1:{port}/a.mp4", "http://[::1]:{port}/a.mp4", "http://localhost:{port}/a.mp4"],
)
def test_with_the_setting_off_a_redirect_to_loopback_is_refused(
    strict_env: MotoStack,
    fake_dns: dict[str, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    loopback: str,
) -> None:
    """A 'public' server (a fake name and address, rerouted to the local source server) redirects
    to loopback: refused. The same server's plain file is fetched, so the reroute itself works."""
    project, _ = create_project("ssrf-loopback")
    with serve_sources() as sources:
        port = int(sources.base_url.rsplit(":", 1)[1])
        fake_dns["cdn.example.test"] = ["1.1.1.1"]
        seen = loopback_only(monkeypatch, reroute={"1.1.1.1": port})
        sources.files["fine.mp4"] = b"some bytes"
        sources.redirects["moved.mp4"] = loopback.format(port=port)
        jobs_ = [submit(project, f"http://cdn.example.test:{port}/{n}")[1] for n in ("fine.mp4", "moved.mp4")]
        fine, moved = (run(project, j["UploadJobs"][0]["JobId"]) for j in jobs_)
    assert fine["Status"] == "UPLOAD_SUCCESS" and fine["FileSize"] == "10"
    assert (moved["Status"], moved["ErrorCode"]) == ("DOWNLOAD_FAIL", "ForbiddenAddress")
    assert seen == ["1.1.1.1", "1.1.1.1"]  # the loopback target was never connected to
    assert [p for p, _ in sources.requests] == ["/fine.mp4", "/moved.mp4"]


def test_a_job_is_claimed_once(loopback_env: MotoStack) -> None:
    project, _ = create_project("ssrf-claim")
    job_id = job_for(project, "http://127.0.0.1:9/a.mp4")
    record, mine = jobs.claim(project, job_id, 60)
    assert mine and record.status == "DOWNLOADING"
    assert worker.run_job(project, job_id, remaining_s=120) == "in-progress"
    assert jobs.claim(project, job_id, 60)[1] is False
    assert jobs.claim_id(jobs.get(project, job_id)) == jobs.claim_id(record)
