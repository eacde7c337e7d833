"""mediaflow.net without the network: address classes, URL syntax, checked resolution, errors.

Sockets are blocked here (tests/unit/conftest.py); name resolution is replaced per test.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from mediaflow import net
from mediaflow.net import addresses
from mediaflow.net.addresses import check_address, classify, redact, validate_url

ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "11.0.0.1",
    "126.255.255.255",
    "128.0.0.1",
    "100.63.255.255",  # just below CGNAT
    "100.128.0.0",  # just above CGNAT
    "169.253.255.255",
    "172.15.255.255",
    "172.32.0.0",
    "192.0.1.1",
    "192.167.255.255",
    "192.169.0.0",
    "198.17.255.255",
    "198.20.0.0",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "2a00:1450:4001:82a::200e",
    "2001:200::1",  # just past the IETF 2001::/23 block
    "2002:808:808::1",  # 6to4 of 8.8.8.8
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
]

FORBIDDEN = [
    ("127.0.0.1", "loopback"),
    ("127.0.0.0", "loopback"),
    ("127.255.255.254", "loopback"),
    ("10.0.0.1", "private"),
    ("10.255.255.255", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.0.1", "private"),
    ("192.168.255.255", "private"),
    ("169.254.169.254", "link-local"),  # EC2/Lambda metadata
    ("169.254.170.2", "link-local"),  # ECS credentials endpoint
    ("169.254.0.1", "link-local"),
    ("100.64.0.1", "shared (CGNAT)"),
    ("100.127.255.255", "shared (CGNAT)"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("254.1.2.3", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("0.0.0.0", "unspecified"),  # noqa: S104
    ("0.1.2.3", "unspecified"),
    ("192.0.0.8", "IETF protocol assignment"),
    ("192.0.0.170", "IETF protocol assignment"),
    ("192.0.2.1", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.255", "benchmarking"),
    ("192.88.99.1", "6to4 relay anycast"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fe80::1", "link-local"),
    ("febf:ffff::1", "link-local"),
    ("fc00::1", "unique-local"),
    ("fd12:3456::1", "unique-local"),
    ("fd00:ec2::254", "unique-local"),  # EC2 IPv6 metadata
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("ff0e::1", "multicast"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("2001::1", "Teredo"),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
    ("2001:10::1", "IETF protocol assignment"),
    ("2001:2::1", "IETF protocol assignment"),
    ("100::1", "discard-only"),
    ("5f00::1", "SRv6 SID"),
    ("4000::1", "reserved"),  # outside 2000::/3, unassigned
    ("e000::1", "reserved"),
    ("::ffff:127.0.0.1", "IPv4-mapped"),
    ("::ffff:169.254.169.254", "IPv4-mapped"),
    ("::ffff:10.0.0.1", "IPv4-mapped"),
    ("::ffff:8.8.8.8", "IPv4-mapped"),  # never produced by our lookups; refused whatever it embeds
    ("::ffff:0:a00:1", "IPv4-translated"),
    ("::127.0.0.1", "IPv4-compatible"),
    ("::10.0.0.1", "IPv4-compatible"),
    ("::8.8.8.8", "IPv4-compatible"),
    ("64:ff9b::127.0.0.1", "loopback (embedded in NAT64)"),
    ("64:ff9b::a9fe:a9fe", "link-local (embedded in NAT64)"),
    ("64:ff9b::10.0.0.1", "private (embedded in NAT64)"),
    ("64:ff9b::0.0.0.0", "unspecified (embedded in NAT64)"),
    ("64:ff9b:1::a00:1", "NAT64 local-use"),
    ("2002:7f00:1::1", "loopback (embedded in 6to4)"),
    ("2002:a9fe:a9fe::1", "link-local (embedded in 6to4)"),
    ("2002:c0a8:101::1", "private (embedded in 6to4)"),
    ("2002:a00:1::", "private (embedded in 6to4)"),
    ("2002:6440:1::1", "shared (CGNAT) (embedded in 6to4)"),
]


@pytest.mark.parametrize("text", ALLOWED)
def test_public_addresses_are_allowed(text: str) -> None:
    ip = ipaddress.ip_address(text)
    assert classify(ip) is None
    check_address(ip, allow_loopback=False)


@pytest.mark.parametrize(("text", "address_class"), FORBIDDEN)
def test_forbidden_addresses(text: str, address_class: str) -> None:
    ip = ipaddress.ip_address(text)
    assert classify(ip) == address_class
    with pytest.raises(net.ForbiddenAddress) as caught:
        check_address(ip, allow_loopback=False)
    assert caught.value.code == "ForbiddenAddress"
    assert caught.value.address_class == address_class
    assert caught.value.transient is False
    assert text not in str(caught.value)  # the class is named, the address is not


@pytest.mark.parametrize(
    ("table", "extra"),
    [(addresses.FORBIDDEN_V4, ["127.0.0.0/8", "169.254.0.0/16"]), (addresses.FORBIDDEN_V6, ["fc00::/7"])],
)
def test_every_listed_range_is_forbidden_at_both_ends(table: Any, extra: list[str]) -> None:
    networks = [network for network, _ in table] + [ipaddress.ip_network(text) for text in extra]
    for network in networks:
        for ip in (network.network_address, network.broadcast_address):
            assert classify(ip) is not None, ip


def test_zone_ids_do_not_change_the_class() -> None:
    assert classify(ipaddress.IPv6Address("fe80::1%eth0")) == "link-local"
    assert classify(ipaddress.IPv6Address("2606:4700::1%1")) is None


@pytest.mark.parametrize("text", ["127.0.0.1", "127.1.2.3", "127.255.255.254", "::1"])
def test_allow_loopback_admits_loopback(text: str) -> None:
    check_address(ipaddress.ip_address(text), allow_loopback=True)


@pytest.mark.parametrize(
    "text",
    [
        "10.0.0.1",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104
        "::",
        "fd00:ec2::254",
        "fe80::1",
        "::ffff:127.0.0.1",  # loopback only in its own two forms
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::",
    ],
)
def test_allow_loopback_admits_nothing_else(text: str) -> None:
    with pytest.raises(net.ForbiddenAddress):
        check_address(ipaddress.ip_address(text), allow_loopback=True)


VALID_URLS = [
    ("https://example.com/cb?x=1&y=2", "https", "example.com", 443, "/cb?x=1&y=2"),
    ("http://example.com", "http", "example.com", 80, "/"),
    ("HTTP://Example.COM:8080/a#frag", "http", "example.com", 8080, "/a"),
    ("http://example.com:/", "http", "example.com", 80, "/"),
    ("https://example.com.:443/", "https", "example.com", 443, "/"),
    ("http://8.8.8.8/x", "http", "8.8.8.8", 80, "/x"),
    ("https://[2606:4700:0:0::1111]:8443/x", "https", "2606:4700::1111", 8443, "/x"),
    ("http://bücher.example/ä?q=ü", "http", "xn--bcher-kva.example", 80, "/%C3%A4?q=%C3%BC"),
    ("http://my_host.internal.example/", "http", "my_host.internal.example", 80, "/"),
    ("http://0x7f000001.example.com/", "http", "0x7f000001.example.com", 80, "/"),  # a name, resolved later
]


@pytest.mark.parametrize(("url", "scheme", "host", "port", "target"), VALID_URLS)
def test_valid_urls(url: str, scheme: str, host: str, port: int, target: str) -> None:
    parsed = validate_url(url, allow_loopback=False)
    assert (parsed.scheme, parsed.host, parsed.port, parsed.target) == (scheme, host, port, target)


def test_parsed_url_authority_and_url() -> None:
    assert validate_url("https://Example.com:443/a?b", allow_loopback=False).url == "https://example.com/a?b"
    assert validate_url("http://example.com:8080", allow_loopback=False).authority == "example.com:8080"
    v6 = validate_url("http://[2606:4700::1111]/", allow_loopback=False)
    assert v6.authority == "[2606:4700::1111]"
    assert v6.ip == ipaddress.IPv6Address("2606:4700::1111")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/file",
        "gopher://example.com:70/_x",
        "data:text/plain,hello",
        "javascript:alert(1)",
        "dict://example.com:11211/stat",
        "ws://example.com/",
        "wss://example.com/",
        "ldap://example.com/",
        "sftp://example.com/",
        "jar:http://example.com/a.jar!/",
        "netdoc:///etc/passwd",
    ],
)
def test_unsupported_schemes(url: str) -> None:
    with pytest.raises(net.UnsupportedScheme) as caught:
        validate_url(url, allow_loopback=True)
    assert caught.value.code == "UnsupportedScheme"


INVALID_URLS = [
    "",
    "example.com/path",
    "//example.com/",
    "http:/example.com/",
    "http:///path",
    "http://:80/",
    "http://user:s3cr3t@example.com/",
    "http://user@example.com/",
    "http://@example.com/",
    "http://example.com@evil.example/",
    "http://evil.example\\@127.0.0.1/",
    "http://example.com:0/",
    "http://example.com:65536/",
    "http://example.com:99999/",
    "http://example.com:-1/",
    "http://example.com:+80/",
    "http://example.com:8o/",
    "http://example.com:١٢٣/",  # Arabic-Indic digits
    "http://exa mple.com/",
    " http://example.com/",
    "http://example.com/ x",
    "http://example.com/\n",
    "http://exa\tmple.com/",
    "http://example.com/\r\nX-Injected: 1",
    "http://example.com\x00/",
    "http://example.com/\x7f",
    "http://example.com/\x85",
    "http://ex\u00a0ample.com/",
    "http://example.com/\u2028",
    "http://[::1/",
    "http://[fe80::1%25eth0]/",
    "http://[not-v6]/",
    "http://[127.0.0.1]/",
    "http://exa%6dple.com/",
    "http://a..b/",
    "http://-/x/",
    "http://" + "a" * 64 + ".example/",
    "http://" + ".".join(["a" * 60] * 5) + "/",
    "http://example.com/" + "a" * 9000,
    # Numeric hosts that are not a canonical dotted quad (WHATWG: "ends in a number").
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0X7F000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://127.0.1/",
    "http://0x7f.0.0.1/",
    "http://0x7f.1/",
    "http://017700000001/",
    "http://127.0.0.01/",
    "http://127.000.000.001/",
    "http://1.2.3.4.5/",
    "http://0/",
    "http://0x/",
    "http://4294967296/",
    "http://08.0.0.1/",
    "http://2852039166/",  # 169.254.169.254
    "http://0xa9fea9fe/",
    "http://0251.0376.0251.0376/",
    "http://www.example.0x1/",
]


@pytest.mark.parametrize("url", INVALID_URLS)
@pytest.mark.parametrize("allow_loopback", [False, True])
def test_invalid_urls(url: str, allow_loopback: bool) -> None:
    with pytest.raises(net.InvalidUrl) as caught:
        validate_url(url, allow_loopback=allow_loopback)
    assert caught.value.code == "InvalidUrl"
    assert "s3cr3t" not in str(caught.value)  # never echo credentials


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.1./",
        "http://127.0.0.1:3000/cb",
        "http://[::1]/",
        "http://[0:0:0:0:0:0:0:1]/",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://foo.localhost/",
        "http://１２７.０.０.１/",  # full-width digits and dots fold to 127.0.0.1
        "http://ｌｏｃａｌｈｏｓｔ/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://[::ffff:7f00:1]/",
        "https://10.0.0.1/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://100.100.100.200/",  # Alibaba Cloud metadata (CGNAT)
        "http://192.168.1.1:8080/",
    ],
)
def test_forbidden_literals_are_refused_without_network(url: str) -> None:
    with pytest.raises(net.ForbiddenAddress):
        validate_url(url, allow_loopback=False)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:3000/cb", "http://localhost:3000/", "http://[::1]:3000/", "http://127.9.9.9/"]
)
def test_allow_loopback_urls(url: str) -> None:
    validate_url(url, allow_loopback=True)


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/", "http://[::ffff:127.0.0.1]/", "http://10.0.0.1/", "http://0.0.0.0/"]
)
def test_allow_loopback_urls_still_refused(url: str) -> None:
    with pytest.raises(net.ForbiddenAddress):
        validate_url(url, allow_loopback=True)


def _fail_if_called(*args: object, **kwargs: object) -> Any:
    raise AssertionError("no name resolution expected")


def test_host_names_pass_validation_without_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _fail_if_called)
    assert validate_url("https://callbacks.internal.example/x", allow_loopback=False).ip is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pw@host.example:8443/p/a?sig=secret#frag", "https://host.example:8443/p/a"),
        ("http://host.example/cb?token=abc", "http://host.example/cb"),
        ("http://host.example", "http://host.example"),
        ("http://h.example/a\x1bb", "http://h.example/a?b"),
        ("user:secret@host", "user:<redacted>"),
        ("not a url", "<redacted>"),
        ("http://[::1", "<unparseable url>"),
    ],
)
def test_redact(url: str, expected: str) -> None:
    assert redact(url) == expected


def test_redact_truncates() -> None:
    text = redact("https://h.example/" + "a" * 500)
    assert len(text) == 200
    assert text.endswith("...")
