"""POST /v1/{project_id}/access-keys - a new AccessKeyId/secret pair (the secret is shown once)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.access_keys import service
from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family

router = Router()


@router.post(
    "/v1/<project_id>/access-keys",
    summary="CreateAccessKey",
    description=(
        'Body (optional): {"credential": {"description": "..."}}. Answers 201 {"credential": {"access", '
        '"secret", "status", "description", "create_time", "update_time"}}; at most two active keys '
        "per project. The secret is never shown again. Token callers only."
    ),
    tags=["Access keys"],
)
def create_access_key(project_id: Annotated[str, Path()]) -> Response[dict[str, Any]]:
    event = router.current_event
    service.require_token(event.request_context.authorizer.raw_event)
    request = service.CredentialRequest.model_validate(event.json_body or {}) if event.body else None
    created = service.create(project_id, request or service.CredentialRequest())
    return Response(status_code=201, content_type="application/json", body=created)


lambda_handler = make_api_handler(router, Family.MPC)
