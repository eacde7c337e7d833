"""API Gateway (REST) semantics without sockets: routing, events, authorizer policies, throttling.

Kept apart from the HTTP server so each rule is unit-tested on its own.  Behaviour follows the
API Gateway developer guide: resource matching prefers literal segments, authorizer policies are
evaluated like IAM (explicit Deny wins, no matching Allow denies), authorizer context values are
stringified, usage-plan throttling is a token bucket (rate per second, burst capacity) per key.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from local.cfn import ACCOUNT_ID, REGION
from local.views import Api, GatewayResponse, Route

# type -> (default status, default message, x-amzn-ErrorType)
DEFAULT_RESPONSES: dict[str, tuple[int, str | None, str]] = {
    "UNAUTHORIZED": (401, "Unauthorized", "UnauthorizedException"),
    "ACCESS_DENIED": (403, "User is not authorized to access this resource", "AccessDeniedException"),
    "MISSING_AUTHENTICATION_TOKEN": (
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    ),
    "INVALID_API_KEY": (403, "Forbidden", "ForbiddenException"),
    "THROTTLED": (429, "Too Many Requests", "TooManyRequestsException"),
    "AUTHORIZER_FAILURE": (500, None, "AuthorizerFailureException"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, None, "AuthorizerConfigurationException"),
}
EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
TEXT_TYPES = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded", "yaml", "graphql")


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # as received, percent-encoded, without the query string
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        found = [v for k, v in self.headers if k.lower() == name.lower()]
        return found[-1] if found else None


# ---------------------------------------------------------------- routing
def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _specificity(route: Route) -> tuple[Any, ...]:
    kinds = [0 if s.endswith("+}") else 1 if s.startswith("{") else 2 for s in _segments(route.path)]
    return (*kinds, route.method != "ANY")


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The most specific route for ``method path`` and its decoded path parameters."""
    found = []
    parts = [unquote(s) for s in _segments(path)]
    for route in routes:
        if route.method not in (method.upper(), "ANY"):
            continue
        params: dict[str, str] = {}
        template = _segments(route.path)
        ok = True
        for i, seg in enumerate(template):
            if seg.startswith("{") and seg.endswith("+}"):
                if i >= len(parts):
                    ok = False
                else:
                    params[seg[1:-2]] = "/".join(parts[i:])
                break
            if i >= len(parts):
                ok = False
                break
            if seg.startswith("{") and seg.endswith("}"):
                params[seg[1:-1]] = parts[i]
            elif seg != parts[i]:
                ok = False
                break
        else:
            ok = ok and len(template) == len(parts)
        if ok:
            found.append((route, params))
    if not found:
        return None
    return max(found, key=lambda pair: _specificity(pair[0]))


def method_arn(api_id: str, stage: str, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/{stage}/{method.upper()}/{path.lstrip('/')}"


# ---------------------------------------------------------------- authorizer policy
def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def evaluate_policy(policy: dict[str, Any], arn: str) -> str:
    """``"allow"``, ``"deny"`` (explicit) or ``"implicit-deny"`` for execute-api:Invoke on ``arn``."""
    allowed = False
    for statement in _as_list(policy.get("Statement", [])):
        actions = _as_list(statement.get("Action", []))
        if not any(_wildcard(str(a).lower()).fullmatch("execute-api:invoke") for a in actions):
            continue
        if not any(_wildcard(str(r)).fullmatch(arn) for r in _as_list(statement.get("Resource", []))):
            continue
        effect = str(statement.get("Effect", "")).lower()
        if effect == "deny":
            return "deny"
        allowed = allowed or effect == "allow"
    return "allow" if allowed else "implicit-deny"


@dataclass
class AuthDecision:
    """Admitted when ``response_type`` is None; otherwise the gateway response to send."""

    response_type: str | None = None
    message: str | None = None
    principal_id: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    usage_key: str | None = None


def decide(error: dict[str, Any] | None, result: Any, arn: str) -> AuthDecision:  # noqa: PLR0911
    """Interpret an authorizer invocation the way API Gateway does."""
    if error is not None:
        if error.get("errorMessage") == "Unauthorized":
            return AuthDecision("UNAUTHORIZED", "Unauthorized")
        return AuthDecision("AUTHORIZER_FAILURE")
    if result == "Unauthorized":
        return AuthDecision("UNAUTHORIZED", "Unauthorized")
    if not isinstance(result, dict) or "principalId" not in result or "policyDocument" not in result:
        return AuthDecision("AUTHORIZER_CONFIGURATION_ERROR")
    context = result.get("context") or {}
    if not isinstance(context, dict) or any(isinstance(v, (dict, list)) for v in context.values()):
        return AuthDecision("AUTHORIZER_CONFIGURATION_ERROR")
    verdict = evaluate_policy(result["policyDocument"], arn)
    stringified = {
        k: None if v is None else (str(v).lower() if isinstance(v, bool) else str(v))
        for k, v in context.items()
    }
    if verdict != "allow":  # a Deny's context still reaches the gateway response ($context.authorizer.*)
        message = EXPLICIT_DENY if verdict == "deny" else None
        return AuthDecision("ACCESS_DENIED", message, context=stringified)
    return AuthDecision(None, None, str(result["principalId"]), stringified, result.get("usageIdentifierKey"))


# ---------------------------------------------------------------- throttling
class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` per second; one request takes one token."""

    def __init__(self, rate: float, burst: int, now: float | None = None) -> None:
        self.rate, self.burst = rate, max(1, burst)
        self.tokens = float(self.burst)
        self.updated = time.monotonic() if now is None else now

    def take(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Throttler:
    """One token bucket per usage identifier key."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        with self._lock:
            bucket = self._buckets.setdefault(key, TokenBucket(self.rate, self.burst))
            return bucket.take()


# ---------------------------------------------------------------- events and responses
def _multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def request_context(api: Api, route: Route, req: Request, request_id: str) -> dict[str, Any]:
    now = time.time()
    return {
        "accountId": ACCOUNT_ID,
        "apiId": api.api_id,
        "resourceId": "local",
        "resourcePath": route.path,
        "httpMethod": req.method,
        "path": f"/{api.stage}{req.path}",
        "stage": api.stage,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": int(now * 1000),
        "protocol": "HTTP/1.1",
        "domainName": req.header("Host") or "localhost",
        "identity": {"sourceIp": req.source_ip, "userAgent": req.header("User-Agent"), "apiKey": None},
    }


def authorizer_event(
    api: Api, route: Route, req: Request, params: dict[str, str], request_id: str
) -> dict[str, Any]:
    """The REQUEST authorizer payload (no body, like API Gateway)."""
    headers, multi_headers = _multi(req.headers)
    query, multi_query = _multi(parse_qsl(req.query, keep_blank_values=True))
    return {
        "type": "REQUEST",
        "methodArn": method_arn(api.api_id, api.stage, req.method, req.path),
        "resource": route.path,
        "path": req.path,
        "httpMethod": req.method,
        "headers": headers or {},
        "multiValueHeaders": multi_headers or {},
        "queryStringParameters": query or {},
        "multiValueQueryStringParameters": multi_query or {},
        "pathParameters": params,
        "stageVariables": {},
        "requestContext": request_context(api, route, req, request_id),
    }


def is_binary(content_type: str | None, body: bytes, binary_types: tuple[str, ...]) -> bool:
    if not body:
        return False
    ctype = (content_type or "").split(";")[0].strip().lower()
    if binary_types:
        if any(_wildcard(t.lower()).fullmatch(ctype) for t in binary_types):
            return True
    elif ctype and not any(marker in ctype for marker in TEXT_TYPES):
        return True
    # A body that is not UTF-8 cannot be a text event here; it goes base64-encoded (API Gateway
    # would pass it on mangled), so the function's input boundary sees the bytes and refuses them.
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def proxy_event(
    api: Api, route: Route, req: Request, params: dict[str, str], request_id: str, auth: AuthDecision | None
) -> dict[str, Any]:
    """The Lambda proxy (payload 1.0) event for a REST API."""
    headers, multi_headers = _multi(req.headers)
    query, multi_query = _multi(parse_qsl(req.query, keep_blank_values=True))
    binary = is_binary(req.header("Content-Type"), req.body, api.binary_media_types)
    context = request_context(api, route, req, request_id)
    if auth is not None:
        context["authorizer"] = {"principalId": auth.principal_id, **auth.context, "integrationLatency": 0}
        context["identity"]["apiKey"] = auth.usage_key
    body: str | None = None
    if req.body:
        body = base64.b64encode(req.body).decode() if binary else req.body.decode("utf-8")
    return {
        "resource": route.path,
        "path": req.path,
        "httpMethod": req.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": binary,
    }


class MalformedProxyResponse(Exception):
    """The function's return value is not a Lambda proxy response."""


def proxy_response(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """statusCode, headers (single and multi-value) and the decoded body of a proxy result."""
    if not isinstance(result, dict):
        raise MalformedProxyResponse(f"expected an object, got {type(result).__name__}")
    try:
        status = int(result.get("statusCode", 200))
    except (TypeError, ValueError) as exc:
        raise MalformedProxyResponse("statusCode is not a number") from exc
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    multi_lower = {k.lower() for k in multi}
    for key, value in (result.get("headers") or {}).items():
        if key.lower() not in multi_lower:
            headers.append((key, str(value)))
    for key, values in multi.items():
        headers.extend((key, str(v)) for v in _as_list(values))
    body = result.get("body")
    if body is None:
        data = b""
    elif result.get("isBase64Encoded"):
        data = base64.b64decode(body)
    else:
        data = str(body).encode("utf-8")
    return status, headers, data


def gateway_response(
    api: Api | None,
    kind: str,
    request_id: str,
    message: str | None = None,
    authorizer: dict[str, Any] | None = None,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """A gateway response: the template's own (or its DEFAULT_4XX/5XX), else API Gateway's default.
    ``$context.authorizer.<key>`` reads the authorizer's context (a Deny's too), empty when absent."""
    status, default_message, error_type = DEFAULT_RESPONSES[kind]
    message = message if message is not None else default_message
    family = "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
    responses = api.gateway_responses if api else {}
    custom: GatewayResponse | None = responses.get(kind) or responses.get(family)
    template = '{"message":$context.error.messageString}'
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)]
    if custom is not None:
        status = custom.status_code if custom.status_code is not None and kind in responses else status
        if custom.templates:
            template = custom.templates.get("application/json") or next(iter(custom.templates.values()))
        headers.extend(custom.headers.items())
    context = authorizer or {}
    template = re.sub(r"\$context\.authorizer\.(\w+)", lambda m: str(context.get(m.group(1)) or ""), template)
    body = (
        template.replace("$context.requestId", request_id)
        .replace("$context.error.messageString", json.dumps(message))
        .replace("$context.error.message", message or "")
        .replace("$context.error.responseType", kind)
    )
    return status, headers, body.encode()
