"""POST /v1/{project_id}/notification/secrets - a new signing secret, shown once (rotation step 1)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.notifications import service

router = Router()


@router.post(
    "/v1/<project_id>/notification/secrets",
    summary="CreateSigningSecret",
    description="At most two secrets exist; while both do, callbacks carry a signature from each.",
    tags=["Notifications"],
)
def create_signing_secret(project_id: Annotated[str, Path()]) -> Response[dict[str, Any]]:
    return Response(status_code=201, content_type="application/json", body=service.create_secret(project_id))


lambda_handler = make_api_handler(router, Family.MPC)
