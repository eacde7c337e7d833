"""GET /v1/{project_id}/notification - the project's callback configuration (MPC family)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.notifications import service

router = Router()


@router.get("/v1/<project_id>/notification", summary="ShowNotification", tags=["Notifications"])
def get_notification(project_id: Annotated[str, Path()]) -> dict[str, Any]:
    return service.get_notification(project_id)


lambda_handler = make_api_handler(router, Family.MPC)
