"""The local REST API: an HTTP server on 127.0.0.1 that behaves like the deployed API Gateway.

Per request: match a template route (else 403 Missing Authentication Token), run the Api's
authorizer (401/403/500 gateway responses), check the usage identifier key and its token bucket
(403 Forbidden / 429), invoke the function with a v1 proxy event and return its response
(502 on function errors, timeouts or malformed results).  Every response carries X-Amzn-RequestId.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from local import apigw
from local.runtime import Invocation
from local.views import Api, Route

log = logging.getLogger("local.gateway")
Invoke = Callable[[str, Any], Invocation]
Response = tuple[int, list[tuple[str, str]], bytes]
INTERNAL_ERROR: Response = (
    502,
    [("Content-Type", "application/json"), ("x-amzn-ErrorType", "InternalServerErrorException")],
    b'{"message": "Internal server error"}',
)


class Gateway:
    """Routes, authorizes, throttles and invokes; independent of the HTTP server for testing."""

    def __init__(
        self,
        apis: dict[str, Api],
        routes: list[Route],
        invoke: Invoke,
        openapi: Path | None,
        edge: Callable[[apigw.Request], apigw.Request] | None = None,
    ) -> None:
        self.edge = edge  # the SDK endpoint's edge function in front of the API (local/edge.py)
        self.apis = apis
        self.routes = routes
        self.invoke = invoke
        self.openapi = openapi
        self.throttlers = {
            logical: apigw.Throttler(api.rate_limit, api.burst_limit or int(api.rate_limit))
            for logical, api in apis.items()
            if api.rate_limit is not None
        }

    def handle(self, req: apigw.Request, request_id: str) -> Response:
        if req.method == "GET" and req.path == "/openapi.json" and self.openapi and self.openapi.is_file():
            return 200, [("Content-Type", "application/json")], self.openapi.read_bytes()
        if self.edge is not None:
            req = self.edge(req)
        matched = apigw.match_route(self.routes, req.method, req.path)
        if matched is None:
            return apigw.gateway_response(self._only_api(), "MISSING_AUTHENTICATION_TOKEN", request_id)
        route, params = matched
        api = self.apis[route.rest_api_id]
        auth = self._authorize(api, route, req, params, request_id)
        rejection = auth.response_type or self._usage_plan(api, route, req, auth)
        if rejection is not None:
            return apigw.gateway_response(api, rejection, request_id, auth.message, auth.context)
        event = apigw.proxy_event(api, route, req, params, request_id, auth if auth.principal_id else None)
        outcome = self.invoke(route.function_id, event)
        if outcome.error is not None:
            return INTERNAL_ERROR
        try:
            return apigw.proxy_response(outcome.result)
        except apigw.MalformedProxyResponse as exc:
            log.error("%s returned a malformed proxy response: %s", route.function_id, exc)
            return INTERNAL_ERROR

    def _usage_plan(self, api: Api, route: Route, req: apigw.Request, auth: apigw.AuthDecision) -> str | None:
        """API key presence (403 Forbidden) and per-key throttling (429), as API Gateway applies them."""
        required = api.api_key_required if route.api_key_required is None else route.api_key_required
        if not required:
            return None
        key = auth.usage_key if api.api_key_source == "AUTHORIZER" else req.header("x-api-key")
        if not key:
            return "INVALID_API_KEY"
        throttler = self.throttlers.get(api.logical_id)
        if throttler is not None and not throttler.allow(key):
            return "THROTTLED"
        return None

    def _only_api(self) -> Api | None:
        return next(iter(self.apis.values())) if len(self.apis) == 1 else None

    def _authorize(
        self, api: Api, route: Route, req: apigw.Request, params: dict[str, str], request_id: str
    ) -> apigw.AuthDecision:
        name = route.authorizer or api.default_authorizer
        if name in (None, "NONE", "AWS_IAM"):
            return apigw.AuthDecision()
        authorizer = api.authorizers[name]
        arn = apigw.method_arn(api.api_id, api.stage, req.method, req.path)
        if authorizer.payload_type == "TOKEN":
            token = req.header(authorizer.token_header)
            if not token:
                return apigw.AuthDecision("UNAUTHORIZED", "Unauthorized")
            event: dict[str, Any] = {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}
        else:
            missing_header = any(req.header(h) is None for h in authorizer.identity_headers)
            query = dict(parse_qsl(req.query))
            if missing_header or any(q not in query for q in authorizer.identity_query):
                return apigw.AuthDecision("UNAUTHORIZED", "Unauthorized")
            event = apigw.authorizer_event(api, route, req, params, request_id)
        outcome = self.invoke(authorizer.function_id, event)
        decision = apigw.decide(outcome.error, outcome.result, arn)
        if outcome.error is not None and decision.response_type == "AUTHORIZER_FAILURE":
            log.error("authorizer %s failed: %s", authorizer.function_id, outcome.error.get("errorMessage"))
        return decision


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        req = apigw.Request(
            method=self.command,
            path=parts.path or "/",
            query=parts.query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
        )
        try:
            status, headers, data = self.server.gateway.handle(req, request_id)
        except Exception:
            log.exception("gateway error on %s %s", self.command, self.path)
            status, headers, data = INTERNAL_ERROR
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("X-Amzn-RequestId", request_id)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        log.info(
            "%s %s -> %d (%.0f ms)", self.command, self.path, status, (time.monotonic() - started) * 1000
        )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Access lines are logged by ``_serve`` with timings instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, gateway: Gateway) -> None:
        self.gateway = gateway
        super().__init__(("127.0.0.1", port), _Handler)


class GatewayServer:
    """The HTTP server around a Gateway, served from a background thread."""

    def __init__(self, gateway: Gateway, port: int = 3000) -> None:
        self._server = _Server(port, gateway)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
