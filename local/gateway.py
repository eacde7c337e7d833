"""The local REST API: an HTTP server on 127.0.0.1 that behaves like the deployed API Gateway.

Per request: match a template route (else 403 Missing Authentication Token), run the Api's
authorizer (401/403/500 gateway responses), check the usage identifier key and its token bucket
(403 Forbidden / 429), invoke the function with a v1 proxy event and return its response
(502 on function errors, timeouts or malformed results).  Every response carries X-Amzn-RequestId.
The HTTP server holds a crowd: a deep listen backlog and a bounded pool of worker threads.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from local import apigw, console
from local.runtime import Invocation
from local.views import Api, Route

log = logging.getLogger("local.gateway")
LISTEN_BACKLOG = 1024  # connections the kernel queues before accept (the kernel caps it at somaxconn)
WORKERS = 256  # connections served at once; more wait in the pool's queue, in arrival order
KEEP_ALIVE_IDLE_S = 60.0  # API Gateway also closes idle connections
MAX_PAYLOAD = 10 * 1024 * 1024  # API Gateway (REST) refuses larger requests itself
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
        console_dir: Path | None = None,
        edge: Callable[[apigw.Request], apigw.Request] | None = None,
    ) -> None:
        self.console_dir = console_dir
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
        local_answer = self._openapi(req) or self._console(req) or self._preflight(req)
        if local_answer is not None:
            return local_answer
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

    def _openapi(self, req: apigw.Request) -> Response | None:
        if req.method == "GET" and req.path == "/openapi.json" and self.openapi and self.openapi.is_file():
            return 200, [("Content-Type", "application/json")], self.openapi.read_bytes()
        return None

    def _console(self, req: apigw.Request) -> Response | None:
        if self.console_dir is None or req.method not in ("GET", "HEAD"):
            return None
        return console.serve(self.console_dir, req.path)

    def _preflight(self, req: apigw.Request) -> Response | None:
        """SAM's Cors: an OPTIONS method with a mock integration on every resource, outside auth."""
        if req.method != "OPTIONS":
            return None
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            matched = apigw.match_route(self.routes, method, req.path)
            if matched is not None and self.apis[matched[0].rest_api_id].cors:
                headers = list(self.apis[matched[0].rest_api_id].cors.items())
                return 200, [("Content-Type", "application/json"), *headers], b"{}"
        return None

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
    timeout = KEEP_ALIVE_IDLE_S  # an idle keep-alive connection gives its worker back
    server: _Server

    def _serve(self) -> None:
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_PAYLOAD:  # API Gateway's payload quota: refused before any function
            self.close_connection = True
            message = b'{"message":"Request payload must be at most 10485760 bytes"}'
            status = 413 if length > 0 else 400
            self._send(status, [("Content-Type", "application/json")], message, request_id)
            return
        body = self.rfile.read(length) if length else b""
        # the request-target as sent (urlsplit would read "//[x" as a host and raise)
        path, _, query = self.path.partition("#")[0].partition("?")
        req = apigw.Request(
            method=self.command,
            path=path or "/",
            query=query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
        )
        try:
            status, headers, data = self.server.gateway.handle(req, request_id)
        except Exception:
            log.exception("gateway error on %s %s", self.command, self.path)
            status, headers, data = INTERNAL_ERROR
        self._send(status, headers, data, request_id)
        log.info(
            "%s %s -> %d (%.0f ms)", self.command, self.path, status, (time.monotonic() - started) * 1000
        )

    def _send(self, status: int, headers: list[tuple[str, str]], data: bytes, request_id: str) -> None:
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("X-Amzn-RequestId", request_id)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    def __getattr__(self, name: str) -> Any:
        """Any other method (TRACE, CONNECT, made-up ones) matches no route: API Gateway's 403,
        not http.server's 501."""
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        """Access lines are logged by ``_serve`` with timings instead."""


class _Server(HTTPServer):
    """Connections are served by a bounded pool of threads; a crowd beyond the pool waits, queued
    in order, instead of being reset. The listen backlog (``request_queue_size``) is what the
    kernel holds before accept: Python's default of 5 reset connections under a crowd of 100."""

    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, port: int, gateway: Gateway, workers: int = WORKERS) -> None:
        self.gateway = gateway
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gateway")
        super().__init__(("127.0.0.1", port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self._pool.submit(self._serve, request, client_address)

    def _serve(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)


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
