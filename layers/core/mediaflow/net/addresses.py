"""Which destinations outbound HTTP may reach: URL syntax, address classes, checked resolution.

Only public unicast addresses are allowed. The decision is made on the exact addresses that will be
connected to (every address a name resolves to), so DNS rebinding between check and connect cannot
happen. The ranges are listed explicitly rather than taken from ``ipaddress.is_global`` alone,
whose tables differ between Python patch releases (3.11 and 3.12 must decide alike).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from mediaflow.net.errors import DnsFailure, ForbiddenAddress, InvalidUrl, Timeout, UnsupportedScheme

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

LOOPBACK = "loopback"
_N4, _N6 = ipaddress.IPv4Network, ipaddress.IPv6Network

# Order matters only for the name reported (broadcast inside 240/4, 6to4 relay inside nothing).
FORBIDDEN_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_N4("255.255.255.255/32"), "broadcast"),
    (_N4("0.0.0.0/8"), "unspecified"),
    (_N4("10.0.0.0/8"), "private"),
    (_N4("100.64.0.0/10"), "shared (CGNAT)"),
    (_N4("127.0.0.0/8"), LOOPBACK),
    (_N4("169.254.0.0/16"), "link-local"),
    (_N4("172.16.0.0/12"), "private"),
    (_N4("192.0.0.0/24"), "IETF protocol assignment"),
    (_N4("192.0.2.0/24"), "documentation"),
    (_N4("192.88.99.0/24"), "6to4 relay anycast"),
    (_N4("192.168.0.0/16"), "private"),
    (_N4("198.18.0.0/15"), "benchmarking"),
    (_N4("198.51.100.0/24"), "documentation"),
    (_N4("203.0.113.0/24"), "documentation"),
    (_N4("224.0.0.0/4"), "multicast"),
    (_N4("240.0.0.0/4"), "reserved"),
)
FORBIDDEN_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_N6("::/128"), "unspecified"),
    (_N6("::1/128"), LOOPBACK),
    (_N6("::ffff:0:0/96"), "IPv4-mapped"),
    (_N6("::ffff:0:0:0/96"), "IPv4-translated"),
    (_N6("::/96"), "IPv4-compatible"),
    (_N6("64:ff9b:1::/48"), "NAT64 local-use"),
    (_N6("100::/64"), "discard-only"),
    (_N6("2001::/32"), "Teredo"),
    (_N6("2001:db8::/32"), "documentation"),
    (_N6("2001::/23"), "IETF protocol assignment"),
    (_N6("3fff::/20"), "documentation"),
    (_N6("5f00::/16"), "SRv6 SID"),
    (_N6("fc00::/7"), "unique-local"),
    (_N6("fe80::/10"), "link-local"),
    (_N6("fec0::/10"), "site-local"),
    (_N6("ff00::/8"), "multicast"),
)
# Forms that carry an IPv4 address: allowed exactly when the embedded address is.
_NAT64 = _N6("64:ff9b::/96")
_GLOBAL_UNICAST_V6 = _N6("2000::/3")  # everything outside it is unassigned or special-purpose


def classify(ip: IPAddress) -> str | None:
    """The forbidden class ``ip`` belongs to, or None for a public unicast address."""
    if isinstance(ip, ipaddress.IPv4Address):
        return _classify_v4(ip)
    ip = ipaddress.IPv6Address(ip.packed)  # drop a zone id; it does not change the class
    embedded, form = (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), "NAT64") if ip in _NAT64 else (None, "")
    if ip.sixtofour is not None:
        embedded, form = ip.sixtofour, "6to4"
    if embedded is not None:
        inner = _classify_v4(embedded)
        return f"{inner} (embedded in {form})" if inner else None
    for network, name in FORBIDDEN_V6:
        if ip in network:
            return name
    if ip not in _GLOBAL_UNICAST_V6:
        return "reserved"
    return _by_properties(ip)


def _classify_v4(ip: ipaddress.IPv4Address) -> str | None:
    for network, name in FORBIDDEN_V4:
        if ip in network:
            return name
    return _by_properties(ip)


def _by_properties(ip: IPAddress) -> str | None:
    # A safety net for ranges a newer Python knows about and the tables above do not.
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_link_local or ip.is_loopback:
        return "reserved"
    return None


def check_address(ip: IPAddress, *, allow_loopback: bool) -> None:
    """Raise ForbiddenAddress unless ``ip`` may be connected to.

    ``allow_loopback`` admits 127.0.0.0/8 and ::1 only (the local stack's receivers); loopback
    embedded in another form (::ffff:127.0.0.1, 6to4, NAT64) stays forbidden.
    """
    address_class = classify(ip)
    if address_class is None or (allow_loopback and address_class == LOOPBACK):
        return
    raise ForbiddenAddress(address_class, str(ip))


@dataclass(frozen=True)
class ParsedUrl:
    scheme: str  # "http" or "https"
    host: str  # lower-case ASCII name, or the IP address text without brackets
    port: int
    target: str  # path and query as sent on the request line
    ip: IPAddress | None  # set when the host is an IP literal

    @property
    def authority(self) -> str:
        """The Host header: the name as written, port only when not the scheme's default."""
        host = f"[{self.host}]" if self.ip is not None and self.ip.version == 6 else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.authority}{self.target}"

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


_DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_CHARS = 8192
_BRACKETED = re.compile(r"\[(?P<host>[^\]]*)\](?::(?P<port>[^:]*))?")
_PLAIN = re.compile(r"(?P<host>[^:\[\]]*)(?::(?P<port>[^:]*))?")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# WHATWG URL: a host whose last label is a number is an IPv4 address (127.1, 0x7f000001, ...).
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")


def has_unsafe_chars(text: str) -> bool:
    return any(ord(ch) <= 0x20 or 0x7F <= ord(ch) <= 0x9F or ch.isspace() for ch in text)


def parse_url(url: str) -> ParsedUrl:
    """Syntactic checks only (no DNS): scheme, no userinfo, a sane host and port, no control bytes."""
    if not isinstance(url, str) or not url:
        raise InvalidUrl("URL is empty")
    if len(url) > MAX_URL_CHARS:
        raise InvalidUrl(f"URL is longer than {MAX_URL_CHARS} characters")
    # Checked before urlsplit, which silently deletes tabs and newlines.
    if has_unsafe_chars(url):
        raise InvalidUrl("URL contains whitespace or control characters")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidUrl("URL cannot be parsed") from exc
    if not parts.scheme:
        raise InvalidUrl("URL needs an http:// or https:// scheme")
    if parts.scheme not in _DEFAULT_PORTS:
        raise UnsupportedScheme(f"scheme {parts.scheme[:20]!r} is not supported; use http or https")
    if "@" in parts.netloc:
        raise InvalidUrl("URL must not contain credentials (user:password@)")
    match = _BRACKETED.fullmatch(parts.netloc) or _PLAIN.fullmatch(parts.netloc)
    if not match or not match["host"]:
        raise InvalidUrl("URL has no host")
    host, ip = _parse_host(match["host"], bracketed=parts.netloc.startswith("["))
    port = _parse_port(match["port"], _DEFAULT_PORTS[parts.scheme])
    # Non-ASCII in path or query is percent-encoded, as browsers send it.
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    target = re.sub(r"[^\x21-\x7e]+", lambda m: quote(m.group(), safe=""), target)
    return ParsedUrl(parts.scheme, host, port, target, ip)


def _parse_port(text: str | None, default: int) -> int:
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 5 or not 1 <= int(text) <= 65535:
        raise InvalidUrl("URL port must be a number from 1 to 65535")
    return int(text)


def _parse_host(text: str, *, bracketed: bool) -> tuple[str, IPAddress | None]:
    if bracketed:
        if "%" in text:
            raise InvalidUrl("IPv6 zone identifiers are not allowed in URLs")
        try:
            v6 = ipaddress.IPv6Address(text)
        except ValueError as exc:
            raise InvalidUrl("URL host is not a valid IPv6 address") from exc
        return v6.compressed, v6
    try:
        # IDNA also folds full-width digits and dots, so it runs before the numeric check.
        host = text.lower().encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidUrl("URL host is not a valid host name") from exc
    host = host.removesuffix(".")
    labels = host.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        try:
            v4 = ipaddress.IPv4Address(host)  # strict: four decimal parts, no leading zeros
        except ValueError as exc:
            raise InvalidUrl("URL host is a numeric address but not a dotted-quad IPv4 address") from exc
        return str(v4), v4
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidUrl("URL host is not a valid host name")
    return host, None


def validate_url(url: str, *, allow_loopback: bool) -> ParsedUrl:
    """Everything that can be refused without network I/O (for request-time API validation)."""
    parsed = parse_url(url)
    if parsed.ip is not None:
        check_address(parsed.ip, allow_loopback=allow_loopback)
    elif not allow_loopback and (parsed.host == "localhost" or parsed.host.endswith(".localhost")):
        raise ForbiddenAddress(LOOPBACK)  # RFC 6761: these names always mean the local host
    return parsed


def redact(url: str, *, limit: int = 200) -> str:
    """A URL safe to log: no credentials, query or fragment (they may hold signatures or tokens)."""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return "<unparseable url>"
    netloc = parts.netloc.rpartition("@")[2]
    if not netloc:
        return f"{parts.scheme}:<redacted>" if parts.scheme else "<redacted>"
    text = f"{parts.scheme}://{netloc}{parts.path}"
    text = "".join("?" if has_unsafe_chars(ch) else ch for ch in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_NO_SUCH_NAME = frozenset(
    getattr(socket, name)
    for name in ("EAI_NONAME", "EAI_NODATA", "EAI_FAMILY", "EAI_SERVICE")
    if hasattr(socket, name)
)
_AddrInfo = Sequence[tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[Any, ...]]]


def resolve(host: str, port: int, *, timeout_s: float) -> list[IPAddress]:
    """Every address ``host`` resolves to (one getaddrinfo), in the resolver's order.

    getaddrinfo cannot be cancelled, so it runs in a daemon thread that is abandoned when the
    exchange's deadline passes.
    """
    answers: list[_AddrInfo] = []
    errors: list[Exception] = []

    def lookup() -> None:
        try:
            answers.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            errors.append(exc)

    worker = threading.Thread(target=lookup, name="mediaflow-dns", daemon=True)
    worker.start()
    worker.join(max(timeout_s, 0.0))
    if errors:
        error = errors[0]
        if isinstance(error, socket.gaierror):
            permanent = error.errno in _NO_SUCH_NAME
            raise DnsFailure(f"cannot resolve host: {error.strerror}", transient=not permanent)
        raise DnsFailure("cannot resolve host", transient=True)
    if not answers:
        raise Timeout("DNS resolution timed out")
    addresses: list[IPAddress] = []
    for *_, sockaddr in answers[0]:
        ip = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise DnsFailure("host has no addresses")
    return addresses


def resolve_checked(url: ParsedUrl, *, allow_loopback: bool, timeout_s: float) -> list[IPAddress]:
    """The addresses to connect to; refuses if ANY of them is forbidden (no partial trust)."""
    addresses = [url.ip] if url.ip is not None else resolve(url.host, url.port, timeout_s=timeout_s)
    for ip in addresses:
        check_address(ip, allow_loopback=allow_loopback)
    return addresses
