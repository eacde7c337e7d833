"""POST /v1/{project_id}/notification/deliveries/replay - deliver again everything dead-lettered."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.notifications import service

router = Router()


@router.post(
    "/v1/<project_id>/notification/deliveries/replay",
    summary="ReplayFailedDeliveries",
    tags=["Notifications"],
)
def replay_deliveries(project_id: Annotated[str, Path()]) -> Response[dict[str, Any]]:
    return Response(status_code=202, content_type="application/json", body=service.replay_failed(project_id))


lambda_handler = make_api_handler(router, Family.MPC)
