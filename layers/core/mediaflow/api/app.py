"""Builds the Lambda handler of one API operation from its Powertools ``Router``.

Every API function is ``handler = make_api_handler(router, Family.X)``: request validation from
the route's type hints, the family's error shape for every failure, the project guard, the
correlation id (API Gateway's request id, echoed as ``RequestId``), and EMF metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths

from mediaflow.access_keys.body_check import check_body
from mediaflow.api.families import (
    Family,
    FamilyError,
    forbidden,
    internal,
    negotiate,
    render,
    validation_error,
)
from mediaflow.errors import ApiError, Forbidden
from mediaflow.observability import logger, metrics

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


def _answer(app: APIGatewayRestResolver, family: Family, error: ApiError) -> Response:
    event = app.current_event
    host = (event.headers or {}).get("Host") or "mediaflow"
    body = None if event.is_base64_encoded else event.body
    fmt = negotiate(event.headers or {}, body) if family is Family.CI else "xml"
    rendered = render(family, error, request_id(app), host, fmt, resource=host + (event.path or ""))
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


def make_api_handler(router: Router, family: Family) -> LambdaHandler:
    app = build_resolver(family, router)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)

    handler.app = app  # type: ignore[attr-defined]  # tests and the OpenAPI generator reach the resolver
    return handler
