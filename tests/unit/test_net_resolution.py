"""mediaflow.net name resolution and the client up to the point of connecting (no sockets)."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest

from mediaflow import net
from mediaflow.net import transport
from mediaflow.net.addresses import resolve, resolve_checked, validate_url

# Resolution, with getaddrinfo replaced.


def _fail_if_called(*args: object, **kwargs: object) -> Any:
    raise AssertionError("no name resolution expected")


def _answers(*ips: str) -> Callable[..., list[tuple[Any, ...]]]:
    calls: list[tuple[object, ...]] = []

    def fake(host: str, port: int, *args: object, **kwargs: object) -> list[tuple[Any, ...]]:
        calls.append((host, port))
        result: list[tuple[Any, ...]] = []
        for ip in ips:
            if ":" in ip:
                result.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0)))
            else:
                result.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)))
        return result

    fake.calls = calls  # type: ignore[attr-defined]
    return fake


def test_resolve_returns_every_address_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _answers("93.184.216.34", "2606:2800::1", "93.184.216.34"))
    assert resolve("example.com", 443, timeout_s=1) == [
        ipaddress.ip_address("93.184.216.34"),
        ipaddress.ip_address("2606:2800::1"),
    ]


def test_resolve_strips_zone_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _answers("fe80::1%eth0"))
    assert resolve("x.example", 80, timeout_s=1) == [ipaddress.ip_address("fe80::1")]


@pytest.mark.parametrize(
    "answers",
    [
        ("10.0.0.1",),
        ("93.184.216.34", "10.0.0.1"),  # one bad address among good ones refuses the host
        ("2606:2800::1", "fd00:ec2::254"),
        ("169.254.169.254",),
        ("127.0.0.1",),  # what the resolver makes of 2130706433, 0x7f000001, 0177.0.0.1, 127.1
        ("::ffff:127.0.0.1",),
    ],
)
def test_resolve_checked_refuses_any_forbidden_answer(
    monkeypatch: pytest.MonkeyPatch, answers: tuple[str, ...]
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _answers(*answers))
    url = validate_url("http://rebind.example/", allow_loopback=False)
    with pytest.raises(net.ForbiddenAddress):
        resolve_checked(url, allow_loopback=False, timeout_s=1)


def test_resolve_checked_skips_lookup_for_literals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _fail_if_called)
    url = validate_url("http://8.8.8.8/", allow_loopback=False)
    assert resolve_checked(url, allow_loopback=False, timeout_s=1) == [ipaddress.ip_address("8.8.8.8")]


@pytest.mark.parametrize(
    ("errno", "transient"),
    [(socket.EAI_NONAME, False), (socket.EAI_AGAIN, True), (socket.EAI_FAIL, True)],
)
def test_dns_failures(monkeypatch: pytest.MonkeyPatch, errno: int, transient: bool) -> None:
    def failing(*args: object, **kwargs: object) -> Any:
        raise socket.gaierror(errno, "lookup failed")

    monkeypatch.setattr(socket, "getaddrinfo", failing)
    with pytest.raises(net.DnsFailure) as caught:
        resolve("nowhere.example", 80, timeout_s=1)
    assert caught.value.transient is transient


def test_slow_dns_is_bounded_by_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def hanging(*args: object, **kwargs: object) -> Any:
        release.wait(5)
        raise socket.gaierror(socket.EAI_AGAIN, "late")

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    try:
        with pytest.raises(net.Timeout) as caught:
            resolve("slow.example", 80, timeout_s=0.05)
        assert caught.value.transient is True
    finally:
        release.set()


# The client up to the point of connecting (connect itself is replaced; sockets are blocked here).


def _record_connects(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    attempts: list[tuple[str, int]] = []

    def refuse(ip: Any, port: int, timeout_s: float) -> Any:
        attempts.append((str(ip), port))
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(transport, "connect", refuse)
    return attempts


def test_client_connects_to_the_checked_address_without_second_lookup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _answers("93.184.216.34", "2606:2800::1")
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    attempts = _record_connects(monkeypatch)
    with pytest.raises(net.ConnectFailed) as caught:
        net.request("https://cb.example:8443/hook?sig=x", body=b"{}")
    assert caught.value.transient is True
    assert "93.184.216.34" not in str(caught.value)
    assert attempts == [("93.184.216.34", 8443), ("2606:2800::1", 8443)]
    assert fake.calls == [("cb.example", 8443)]  # type: ignore[attr-defined]


def test_client_refuses_a_rebinding_answer_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _answers("93.184.216.34", "169.254.169.254"))
    attempts = _record_connects(monkeypatch)
    with pytest.raises(net.ForbiddenAddress):
        net.open_stream("http://cb.example/", max_bytes=1, deadline_s=1)
    assert attempts == []


@pytest.mark.parametrize(
    "headers",
    [{"Host": "evil.example"}, {"content-length": "1"}, {"X-A": "1\r\nX-B: 2"}, {"Connection": "keep-alive"}],
)
def test_client_rejects_headers_it_owns_or_bad_values(
    monkeypatch: pytest.MonkeyPatch, headers: dict[str, str]
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _fail_if_called)
    with pytest.raises(ValueError, match="header"):
        net.request("http://cb.example/", body=b"", headers=headers)


def test_client_rejects_bad_urls_before_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _fail_if_called)
    with pytest.raises(net.UnsupportedScheme):
        net.request("file:///etc/passwd", body=b"")
    with pytest.raises(net.InvalidUrl):
        net.open_stream("http://0x7f000001/", max_bytes=1, deadline_s=1, allow_loopback=True)


def test_error_codes_and_transience() -> None:
    assert net.ERROR_CODES == (
        "InvalidUrl",
        "UnsupportedScheme",
        "ForbiddenAddress",
        "DnsFailure",
        "ConnectFailed",
        "TlsFailure",
        "Timeout",
        "TooManyRedirects",
        "RedirectNotFollowed",
        "ResponseTooLarge",
        "ProtocolError",
    )
    transient = {net.ConnectFailed, net.Timeout, net.ProtocolError}
    for cls in (
        net.InvalidUrl,
        net.UnsupportedScheme,
        net.ConnectFailed,
        net.TlsFailure,
        net.Timeout,
        net.TooManyRedirects,
        net.RedirectNotFollowed,
        net.ResponseTooLarge,
        net.ProtocolError,
    ):
        error = cls("x")
        assert isinstance(error, net.OutboundError)
        assert error.code == cls.__name__
        assert error.transient is (cls in transient)
    assert net.DnsFailure("x", transient=True).transient is True
    assert net.OutboundError("Custom", "m").code == "Custom"
