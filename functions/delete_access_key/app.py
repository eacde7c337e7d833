"""DELETE /v1/{project_id}/access-keys/{access_key_id} - remove a key for good."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.access_keys import service
from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family

router = Router()


@router.delete(
    "/v1/<project_id>/access-keys/<access_key_id>",
    summary="DeleteAccessKey",
    description="204 on success; MPC.10404 when the key is not the project's.",
    tags=["Access keys"],
)
def delete_access_key(
    project_id: Annotated[str, Path()], access_key_id: Annotated[str, Path(max_length=64)]
) -> Response[str]:
    service.require_token(router.current_event.request_context.authorizer.raw_event)
    service.delete(project_id, access_key_id)
    return Response(status_code=204, body="")


lambda_handler = make_api_handler(router, Family.MPC)
