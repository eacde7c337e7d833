"""DELETE /v1/{project_id}/notification/secrets/{secret_id} - retire a secret (rotation step 2)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.notifications import service

router = Router()


@router.delete(
    "/v1/<project_id>/notification/secrets/<secret_id>", summary="DeleteSigningSecret", tags=["Notifications"]
)
def delete_signing_secret(
    project_id: Annotated[str, Path()], secret_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
) -> Response[str]:
    service.delete_secret(project_id, secret_id)
    return Response(status_code=204, body="")


lambda_handler = make_api_handler(router, Family.MPC)
