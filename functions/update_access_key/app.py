"""PUT /v1/{project_id}/access-keys/{access_key_id} - disable or enable a key (rotation)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.access_keys import service
from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family

router = Router()


@router.put(
    "/v1/<project_id>/access-keys/<access_key_id>",
    summary="UpdateAccessKey",
    description='Body {"credential": {"status": "inactive" | "active"}}; a disabled key is refused at once.',
    tags=["Access keys"],
)
def update_access_key(
    project_id: Annotated[str, Path()],
    access_key_id: Annotated[str, Path(max_length=64)],
    body: Annotated[service.CredentialRequest, Body()],
) -> dict[str, Any]:
    service.require_token(router.current_event.request_context.authorizer.raw_event)
    return service.update(project_id, access_key_id, body)


lambda_handler = make_api_handler(router, Family.MPC)
