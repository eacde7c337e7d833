"""The REQUEST authorizer's decision: who is calling, and may they touch this project's paths.

- no token, or an unknown one -> ``Unauthorized`` (API Gateway answers 401);
- a valid token whose project is not the path's ``{project_id}`` -> an explicit Deny (403);
- otherwise Allow on ``/v1/<project>/*`` (and MPC's ``/v1.0-ext/<project>/*``) only, with
  ``project_id`` in the context for handlers and the project's API key as usage identifier, so the
  usage plan throttles per project.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
)

from mediaflow.projects.store import project_for_token
from mediaflow.projects.tokens import extract_token


class Unauthorized(Exception):
    def __init__(self) -> None:
        super().__init__("Unauthorized")


def authorize(raw_event: dict[str, Any]) -> dict[str, Any]:
    event = APIGatewayAuthorizerRequestEvent(raw_event)
    token = extract_token(event.headers or {})
    project = project_for_token(token) if token else None
    if project is None:
        raise Unauthorized()

    arn = event.parsed_arn
    policy = APIGatewayAuthorizerResponse(
        principal_id=f"project/{project.project_id}",
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        context={"project_id": project.project_id, "project_name": project.name},
        usage_identifier_key=project.api_key or None,
    )
    path_project = (event.path_parameters or {}).get("project_id")
    if path_project == project.project_id:
        policy.allow_route("*", f"/v1/{project.project_id}/*")
        policy.allow_route("*", f"/v1.0-ext/{project.project_id}/*")  # MPC's object listing
    else:
        policy.deny_all_routes()
    return policy.asdict()
