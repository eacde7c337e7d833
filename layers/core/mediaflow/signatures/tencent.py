"""Tencent COS/CI ``q-sign-algorithm=sha1`` (cos-python-sdk-v5's ``CosS3Auth``), verified server-side.

``Authorization: q-sign-algorithm=sha1&q-ak=<SecretId>&q-sign-time=<start>;<end>&q-key-time=...
&q-header-list=a;b&q-url-param-list=x;y&q-signature=<hex>``. The signed text is
``method\\npath\\nparams\\nheaders\\n`` over the listed parameters and headers (names lower-cased and
values encoded with ``-_.~`` kept); SignKey = HMAC-SHA1(secret, key-time); Signature =
HMAC-SHA1(SignKey, ``sha1\\n<sign-time>\\n<sha1(text)>\\n``). Only listed parameters are signed (the
SDK adds ``?cancel`` after signing). The body is not signed: ``content-length`` is, and
``content-md5`` when the client sends it (the function then compares the digest).
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl, quote, unquote

from mediaflow.signatures import Claim, Failure, Refused, Scheme, SignedRequest, constant_equal

_FIELDS = (
    "q-sign-algorithm",
    "q-ak",
    "q-sign-time",
    "q-key-time",
    "q-header-list",
    "q-url-param-list",
    "q-signature",
)


def applies(request: SignedRequest) -> bool:
    return (request.header("authorization") or "").startswith("q-sign-algorithm=")


def _encode(value: str) -> str:
    return quote(value.encode("utf-8"), "-_.~")


def _window(value: str) -> tuple[int, int]:
    start, sep, end = value.partition(";")
    if not sep or not start.isdigit() or not end.isdigit() or int(end) < int(start):
        raise Refused(Failure.MALFORMED, "q-sign-time is not <start>;<end>")
    return int(start), int(end)


def parse(request: SignedRequest) -> Claim:
    fields = dict(parse_qsl(request.header("authorization") or "", keep_blank_values=True))
    if any(name not in fields for name in _FIELDS) or fields["q-sign-algorithm"] != "sha1":
        raise Refused(Failure.MALFORMED, "the Authorization is not q-sign-algorithm=sha1 with every field")
    start, end = _window(fields["q-sign-time"])
    _window(fields["q-key-time"])
    signature = fields["q-signature"].lower()
    header_names = [n for n in fields["q-header-list"].split(";") if n]
    param_names = [n for n in fields["q-url-param-list"].split(";") if n]
    query = {_encode(k).lower(): v for k, v in request.query}
    headers = {_encode(k).lower(): v for k, v in request.headers.items()}
    if any(name not in headers for name in header_names) or any(name not in query for name in param_names):
        raise Refused(Failure.MALFORMED, "a listed header or parameter is missing from the request")
    params = "&".join(f"{n}={_encode(query[n])}" for n in sorted(param_names))
    signed_headers = "&".join(f"{n}={_encode(headers[n])}" for n in sorted(header_names))
    text = f"{request.method.lower()}\n{unquote(request.path)}\n{params}\n{signed_headers}\n"
    to_sign = f"sha1\n{fields['q-sign-time']}\n{hashlib.sha1(text.encode('utf-8')).hexdigest()}\n"  # noqa: S324 - the scheme's own hash

    def verify(secret: str) -> bool:
        key = hmac.new(secret.encode("utf-8"), fields["q-key-time"].encode("utf-8"), hashlib.sha1).hexdigest()
        mac = hmac.new(key.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha1).hexdigest()
        return constant_equal(mac, signature)

    md5 = request.header("content-md5")
    return Claim(
        scheme=Scheme.COS,
        access_key_id=fields["q-ak"],
        signed_at=float(start),
        valid_until=float(end),
        replay_id=signature,
        nonce_based=False,
        verify=verify,
        body_binding=("md5", md5.strip()) if md5 and "content-md5" in header_names else None,
    )
