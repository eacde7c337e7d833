"""The REQUEST authorizer's decision: who is calling, and may they touch this path.

Callers prove who they are with a project token (``X-Auth-Token`` / ``Authorization: Bearer``) or
with one of the vendors' signatures made with the project's access key (``access_keys``):

- no credentials, or an unknown token -> ``Unauthorized`` (API Gateway answers 401);
- a refused signature -> a Deny whose context carries the family's error body (the API's
  ACCESS_DENIED gateway response prints ``$context.authorizer.error_body``), so each SDK reads its
  own error code;
- a path whose ``{project_id}`` is not the caller's -> a Deny (403);
- otherwise Allow for this request (on ``/v1/<project>/*`` and MPC's ``/v1.0-ext/<project>/*``, or
  any route for the project-less SDK paths; nothing is cached: ``ReauthorizeEvery: 0``), with the project in
  the context for handlers, the project's API key as usage identifier (per-project throttling),
  and what the function must still check against the body (``mf_body``).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
)

from mediaflow.access_keys import authenticate, refusals, wire
from mediaflow.api.families import Family, forbidden, render
from mediaflow.errors import ApiError
from mediaflow.projects.store import Project, get_project, project_for_token
from mediaflow.projects.tokens import extract_token
from mediaflow.settings import get_settings
from mediaflow.signatures import Failure, Refused, Scheme


class Unauthorized(Exception):
    def __init__(self) -> None:
        super().__init__("Unauthorized")


def _token_forbidden_body(request_id: str) -> str:
    return json.dumps(
        {
            "RequestId": request_id,
            "Code": "Forbidden",
            "Message": "The token is not allowed to access this project.",
            "error_code": "MPC.10208",
            "error_msg": "Access denied.",
        }
    )


def _body_binding(binding: tuple[str, str] | None) -> str:
    if binding is None:
        return ""
    kind, value = binding
    return kind if kind == "signature" else f"{kind}:{value}"


def authorize(raw_event: dict[str, Any]) -> dict[str, Any]:
    event = APIGatewayAuthorizerRequestEvent(raw_event)
    request_id = str((raw_event.get("requestContext") or {}).get("requestId") or "")
    arn = event.parsed_arn
    policy = APIGatewayAuthorizerResponse(
        principal_id="anonymous",
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
    )
    request = wire.from_event(raw_event, with_body=False)

    def deny(family: Family, error: ApiError) -> dict[str, Any]:
        host = request.header("host") or "mediaflow"
        rendered = render(family, error, request_id, host, "xml", resource=host + request.path)
        policy.context = {"error_body": rendered.body, "error_code": error.code}
        policy.deny_all_routes()
        return policy.asdict()

    token = extract_token(event.headers or {})
    scheme = None if token else authenticate.scheme_of(request)
    context: dict[str, Any] = {}
    project: Project | None
    if token:
        project = project_for_token(token)
        if project is None:
            raise Unauthorized()
        context = {"mf_auth": "token"}
    elif scheme is not None:
        family = refusals.family_of(scheme)
        try:
            bucket = wire.bucket_of(request.header("host") or "")
            if scheme is Scheme.COS and bucket != get_settings().bucket_name:
                raise Refused(Failure.NO_BUCKET)
            caller = authenticate.authenticate(request, scheme)
        except Refused as refused:
            return deny(family, refusals.refusal(scheme, refused.failure))
        project = get_project(caller.project_id)
        context = {
            "mf_auth": "signature",
            "mf_scheme": scheme.value,
            "mf_access_key_id": caller.access_key_id,
            "mf_body": _body_binding(caller.body_binding),
        }
    else:
        raise Unauthorized()

    policy.principal_id = f"project/{project.project_id}"
    policy.context = {"project_id": project.project_id, "project_name": project.name, **context}
    policy.usage_identifier_key = project.api_key or None
    path_project = (event.path_parameters or {}).get("project_id")
    if path_project is not None and path_project != project.project_id:
        if token:
            policy.context["error_body"] = _token_forbidden_body(request_id)
            policy.deny_all_routes()
            return policy.asdict()
        family = refusals.family_of(scheme or Scheme.HUAWEI)
        return deny(family, forbidden(family))
    if path_project is not None:
        policy.allow_route("*", f"/v1/{project.project_id}/*")
        policy.allow_route("*", f"/v1.0-ext/{project.project_id}/*")  # MPC's object listing
    else:  # project-less SDK routes (/acs/<Action>, CI's /jobs...): the context names the project
        policy.allow_all_routes()
    return policy.asdict()
