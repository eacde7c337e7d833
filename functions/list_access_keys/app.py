"""GET /v1/{project_id}/access-keys - the project's access keys (without secrets)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.access_keys import service
from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family

router = Router()


@router.get(
    "/v1/<project_id>/access-keys",
    summary="ListAccessKeys",
    description=(
        '{"credentials": [{"access", "status" active|inactive, "description", "create_time", "update_time"}]}'
    ),
    tags=["Access keys"],
)
def list_access_keys(project_id: Annotated[str, Path()]) -> dict[str, Any]:
    service.require_token(router.current_event.request_context.authorizer.raw_event)
    return service.list_all(project_id)


lambda_handler = make_api_handler(router, Family.MPC)
