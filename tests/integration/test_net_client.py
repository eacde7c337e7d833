"""mediaflow.net against real sockets on loopback only: address checks and redirects.

See tests/support/net_servers.py for the connect guard (``connects``, autouse here) and servers.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from mediaflow import net
from mediaflow.net import addresses
from tests.support.net_servers import (
    ODD_LOOPBACK,
    MiB,
    Seen,
    Server,
    ipv6_loopback,
    redirect,
    reply,
)

pytest_plugins = ["tests.support.net_servers"]  # the servers and connects fixtures


@pytest.fixture(autouse=True)
def _loopback_only(connects: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Every test here runs behind the connect guard."""
    return connects


@pytest.mark.parametrize("spelling", ODD_LOOPBACK)
def test_getaddrinfo_reads_odd_spellings_as_loopback_and_the_check_catches_it(spelling: str) -> None:
    try:
        resolved = addresses.resolve(spelling, 80, timeout_s=2)
    except net.DnsFailure:
        pytest.skip("this resolver does not accept the spelling at all")
    assert resolved == [ipaddress.IPv4Address("127.0.0.1")]
    with pytest.raises(net.ForbiddenAddress):
        addresses.check_address(resolved[0], allow_loopback=False)


LOOPBACK_SPELLINGS = ["127.0.0.1", "127.0.0.1.", "localhost", "[::ffff:127.0.0.1]", *ODD_LOOPBACK]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_loopback_refused_and_server_receives_nothing(
    servers: Callable[..., Server], connects: list[tuple[str, int]], host: str
) -> None:
    server = servers(reply())
    with pytest.raises((net.ForbiddenAddress, net.InvalidUrl)):
        net.request(server.url(host=host), body=b"{}")
    with pytest.raises((net.ForbiddenAddress, net.InvalidUrl)):
        net.open_stream(server.url(host=host), max_bytes=MiB, deadline_s=2)
    time.sleep(0.05)
    assert server.accepted == 0
    assert connects == []


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback here")
def test_ipv6_loopback_refused_by_default_allowed_when_enabled(
    servers: Callable[..., Server], connects: list[tuple[str, int]]
) -> None:
    server = servers(reply(body=b"six"), host="::1")
    with pytest.raises(net.ForbiddenAddress):
        net.request(server.url(host="[::1]"), body=b"")
    assert server.accepted == 0
    response = net.request(server.url(host="[::1]"), body=b"", allow_loopback=True)
    assert (response.status, response.body) == (200, b"six")
    assert server.requests[0].headers["host"] == f"[::1]:{server.port}"
    assert connects == [("::1", server.port)]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.1."])
def test_allow_loopback_reaches_the_local_server(
    servers: Callable[..., Server], connects: list[tuple[str, int]], host: str
) -> None:
    server = servers(reply(201, b"created", {"X-Dup": "a", "x-dup": "b"}))
    response = net.request(
        server.url("/cb?sig=1", host=host), body=b'{"a":1}', headers={"X-Sig": "s"}, allow_loopback=True
    )
    assert (response.status, response.body) == (201, b"created")
    assert response.headers["x-dup"] == "a, b"
    assert response.final_url == server.url("/cb?sig=1", host=host.rstrip("."))
    assert 0 < response.elapsed_s < 2
    seen = server.requests[0]
    assert (seen.method, seen.target, seen.body) == ("POST", "/cb?sig=1", b'{"a":1}')
    assert seen.headers["host"] == f"{host.rstrip('.')}:{server.port}"
    assert seen.headers["user-agent"] == "Mediaflow/1.0"
    assert seen.headers["x-sig"] == "s"
    assert connects == [("127.0.0.1", server.port)]


@pytest.mark.parametrize("spelling", ODD_LOOPBACK)
def test_odd_spellings_stay_refused_with_loopback_allowed(
    servers: Callable[..., Server], spelling: str
) -> None:
    server = servers(reply())
    with pytest.raises(net.InvalidUrl):
        net.request(server.url(host=spelling), body=b"", allow_loopback=True)
    assert server.accepted == 0


FORBIDDEN_LOCATIONS = [
    ("http://169.254.169.254/latest/meta-data/iam/", net.ForbiddenAddress),
    ("http://10.0.0.1/", net.ForbiddenAddress),
    ("https://192.168.0.1:8443/", net.ForbiddenAddress),
    ("http://[fd00:ec2::254]/latest/meta-data/", net.ForbiddenAddress),
    ("http://[::ffff:169.254.169.254]/", net.ForbiddenAddress),
    ("http://[::ffff:127.0.0.1]/", net.ForbiddenAddress),
    ("http://metadata.test/", net.ForbiddenAddress),  # a name resolving to 169.254.169.254
    ("//169.254.169.254/", net.ForbiddenAddress),  # scheme-relative
    ("http://2852039166/", net.InvalidUrl),
    ("http://0xa9fea9fe/", net.InvalidUrl),
    ("http://user:pw@127.0.0.1/", net.InvalidUrl),
    ("http://169.254.169.254\t/", net.InvalidUrl),
    ("file:///etc/passwd", net.UnsupportedScheme),
    ("gopher://127.0.0.1:6379/_FLUSHALL", net.UnsupportedScheme),
]


@pytest.mark.parametrize(("location", "error"), FORBIDDEN_LOCATIONS)
def test_redirect_to_forbidden_destination_refused_before_connecting(
    servers: Callable[..., Server],
    connects: list[tuple[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    location: str,
    error: type[net.OutboundError],
) -> None:
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "metadata.test":  # no real DNS: the name "resolves" to the metadata address
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    server = servers(redirect(location))
    with pytest.raises(error):
        net.open_stream(server.url(), allow_loopback=True, max_bytes=MiB, deadline_s=2)
    assert connects == [("127.0.0.1", server.port)]
    assert len(server.requests) == 1


def test_redirect_chain_is_followed_and_limited(
    servers: Callable[..., Server], connects: list[tuple[str, int]]
) -> None:
    def chain(conn: socket.socket, seen: Seen) -> None:
        hop = int(seen.target.rsplit("/", 1)[1])
        statuses = [301, 302, 303, 307, 308]
        if seen.target.startswith("/endless/") or hop < 5:
            prefix = seen.target.rsplit("/", 1)[0]
            redirect(f"{prefix}/{hop + 1}", statuses[hop % 5])(conn, seen)
        else:
            reply(body=b"arrived")(conn, seen)

    server = servers(chain)
    with net.open_stream(server.url("/hop/0"), allow_loopback=True, max_bytes=MiB, deadline_s=5) as stream:
        assert stream.status == 200
        assert stream.final_url == server.url("/hop/5")
        assert b"".join(stream.iter_chunks(1024)) == b"arrived"
    assert [seen.method for seen in server.requests] == ["GET"] * 6

    with pytest.raises(net.TooManyRedirects):
        net.open_stream(server.url("/endless/0"), allow_loopback=True, max_bytes=MiB, deadline_s=5)
    assert len(server.requests) == 6 + 6  # the first and five redirects, then refused
    with pytest.raises(net.TooManyRedirects):
        net.open_stream(
            server.url("/endless/0"), allow_loopback=True, max_bytes=1, deadline_s=5, max_redirects=0
        )
    assert len(connects) == 6 + 6 + 1


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_post_does_not_follow_redirects_by_default(servers: Callable[..., Server], status: int) -> None:
    server = servers(redirect("/elsewhere", status))
    with pytest.raises(net.RedirectNotFollowed) as caught:
        net.request(server.url(), body=b"{}", allow_loopback=True)
    assert caught.value.transient is False
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "method", "body"),
    [(301, "GET", b""), (302, "GET", b""), (303, "GET", b""), (307, "POST", b"{}")],
)
def test_post_redirects_when_allowed_follow_rfc_9110(
    servers: Callable[..., Server], status: int, method: str, body: bytes
) -> None:
    def respond(conn: socket.socket, seen: Seen) -> None:
        (redirect("/next", status) if seen.target == "/" else reply())(conn, seen)

    server = servers(respond)
    headers = {"Content-Type": "application/json", "Authorization": "t"}
    response = net.request(
        server.url(), body=b"{}", headers=headers, allow_loopback=True, follow_redirects=True
    )
    assert response.status == 200
    second = server.requests[1]
    assert (second.method, second.target, second.body) == (method, "/next", body)
    assert ("content-type" in second.headers) is (method == "POST")
    assert second.headers["authorization"] == "t"  # same origin keeps credentials


def test_cross_origin_redirect_drops_credentials(servers: Callable[..., Server]) -> None:
    target = servers(reply())
    origin = servers(redirect(target.url("/landed"), 307))
    headers = {"Authorization": "secret", "X-Sig": "s"}
    net.request(origin.url(), body=b"x", headers=headers, allow_loopback=True, follow_redirects=True)
    assert "authorization" not in target.requests[0].headers
    assert target.requests[0].headers["x-sig"] == "s"
