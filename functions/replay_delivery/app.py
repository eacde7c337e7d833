"""POST /v1/{project_id}/notification/deliveries/{delivery_id}/replay - deliver one again."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.notifications import service

router = Router()


@router.post(
    "/v1/<project_id>/notification/deliveries/<delivery_id>/replay",
    summary="ReplayDelivery",
    tags=["Notifications"],
)
def replay_delivery(
    project_id: Annotated[str, Path()], delivery_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
) -> Response[dict[str, Any]]:
    return Response(
        status_code=202,
        content_type="application/json",
        body=service.replay_delivery(project_id, delivery_id),
    )


lambda_handler = make_api_handler(router, Family.MPC)
