"""Builds the Lambda handler of one API operation from its Powertools ``Router``.

Every API function is ``handler = make_api_handler(router, Family.X)``: request validation from
the route's type hints, the family's error shape for every failure, the project guard, the
correlation id (API Gateway's request id, echoed as ``RequestId``), and EMF metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel

from mediaflow.access_keys.body_check import check_body
from mediaflow.api import boundary
from mediaflow.api.boundary import BodyRule, rule_for
from mediaflow.api.families import (
    Family,
    FamilyError,
    Rendered,
    forbidden,
    internal,
    negotiate,
    render,
    validation_error,
)
from mediaflow.errors import ApiError, Forbidden
from mediaflow.observability import logger, metrics
from mediaflow.settings import get_settings

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def request_id(app: APIGatewayRestResolver) -> str:
    return str(app.current_event.request_context.request_id or "")


def caller_project(app: APIGatewayRestResolver) -> str:
    """The project the authorizer resolved from the caller's token or access key (the SDK routes
    without ``{project_id}`` in their path, ``/acs/<Action>`` and CI's ``/jobs``..., rely on it)."""
    authorizer = app.current_event.request_context.authorizer
    value = authorizer.get("project_id") if authorizer else None
    return str(value or "")


def project_guard(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    """Defence in depth: the authorizer already denies a foreign project_id; check again here."""
    path_project = (app.current_event.path_parameters or {}).get("project_id")
    if path_project is not None and path_project != caller_project(app):
        raise Forbidden("project mismatch")
    return next_middleware(app)


def body_guard(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    """The half of a signature check that needs the body (the authorizer never sees it)."""
    check_body(app.current_event.raw_event)
    return next_middleware(app)


def _rendered(family: Family, error: ApiError, event: Mapping[str, Any]) -> Rendered:
    headers = {str(k).lower(): str(v or "") for k, v in (event.get("headers") or {}).items()}
    body = None if event.get("isBase64Encoded") else event.get("body")
    wanted = {"Accept": headers.get("accept", ""), "Content-Type": headers.get("content-type", "")}
    fmt = negotiate(wanted, body) if family is Family.CI else "xml"
    request = str((event.get("requestContext") or {}).get("requestId") or "")
    host = headers.get("host") or "mediaflow"
    return render(family, error, request, host, fmt, resource=host + str(event.get("path") or ""))


def _answer(app: APIGatewayRestResolver, family: Family, error: ApiError) -> Response:
    rendered = _rendered(family, error, app.current_event.raw_event)
    return Response(status_code=rendered.status, content_type=rendered.content_type, body=rendered.body)


def build_resolver(family: Family, *routers: Router) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)
    app.use(middlewares=[project_guard, body_guard])

    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        logger.info("request refused", extra={"code": exc.code, "status": exc.status})
        return _answer(app, exc.family if isinstance(exc, FamilyError) else family, exc)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response:
        error = validation_error(family, list(exc.errors()))
        logger.info("invalid request", extra={"code": error.code, "detail": error.message})
        return _answer(app, family, error)

    @app.exception_handler(Forbidden)
    def _forbidden(_: Forbidden) -> Response:
        return _answer(app, family, forbidden(family))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unhandled error")
        return _answer(app, family, internal(family))

    return app


SYNC_MAX_S = 25.0  # API Gateway answers within 29 s: a synchronous operation never plans on more
SYNC_MARGIN_S = 3.0


def sync_budget_s(context: Any) -> float:
    """Seconds a synchronous operation (a single snapshot, a metadata extraction) may take."""
    remaining = context.get_remaining_time_in_millis() / 1000 if context is not None else SYNC_MAX_S
    return max(1.0, min(SYNC_MAX_S, remaining - SYNC_MARGIN_S))


def with_cors(event: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """A browser on another origin (the console) may read the answer: API Gateway's proxy
    integration passes headers through, so the function adds them (the preflight is the API's)."""
    origin = get_settings().cors_origin
    headers = {k.lower() for k in (event.get("headers") or {})}
    if origin and "origin" in headers:
        response.setdefault("headers", {})["Access-Control-Allow-Origin"] = origin
        response["headers"]["Access-Control-Expose-Headers"] = "X-Amzn-RequestId"
        if origin != "*":
            response["headers"]["Vary"] = "Origin"
    return response


def body_rules(
    app: APIGatewayRestResolver,
    family: Family,
    max_body_bytes: int | None,
    document: type[BaseModel] | None = None,
) -> dict[str, BodyRule]:
    """``"METHOD /resource"`` -> the route's input rule (``mediaflow.api.boundary``)."""
    rules = {}
    for route in app._static_routes + app._dynamic_routes:  # Powertools keeps its routes here
        params = route.dependant.body_params
        model = params[0].type_ if params else None
        body_model = model if isinstance(model, type) and issubclass(model, BaseModel) else None
        resource = route.openapi_path.replace("<", "{").replace(">", "}")
        key = f"{route.method.upper()} {resource}"
        rules[key] = rule_for(body_model, family, max_body_bytes, document)
    return rules


def make_api_handler(
    router: Router,
    family: Family,
    *,
    max_body_bytes: int | None = None,
    document: type[BaseModel] | None = None,
) -> LambdaHandler:
    """The Lambda handler of ``router``'s operations. ``max_body_bytes`` overrides the route's
    default body limit; ``document`` names the model of a CI ``<Request>`` (for the OpenAPI
    document: the route parses the body itself). See ``mediaflow.api.boundary``."""
    app = build_resolver(family, router)
    rules: dict[str, BodyRule] = {}

    def rule(event: Mapping[str, Any]) -> BodyRule:
        if not rules:  # built on first use: the CI limit is a setting, read after import
            rules.update(body_rules(app, family, max_body_bytes, document))
        key = f"{str(event.get('httpMethod') or '').upper()} {event.get('resource')}"
        return rules.get(key) or (next(iter(rules.values())) if len(rules) == 1 else boundary.UNKNOWN_ROUTE)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            event = boundary.admit(event, rule(event), family)
        except ApiError as exc:
            logger.info("request refused at the boundary", extra={"code": exc.code, "status": exc.status})
            rendered = _rendered(family, exc, event)
            return with_cors(
                event,
                {
                    "statusCode": rendered.status,
                    "headers": {"Content-Type": rendered.content_type},
                    "body": rendered.body,
                    "isBase64Encoded": False,
                },
            )
        return with_cors(event, app.resolve(event, context))

    handler.app = app  # type: ignore[attr-defined]  # tests and the OpenAPI generator reach the resolver
    handler.body_rules = lambda: body_rules(app, family, max_body_bytes, document)  # type: ignore[attr-defined]
    return handler
