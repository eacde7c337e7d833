"""GET /v1/{project_id}/notification/event - the event names Mediaflow can send (MPC family)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.notifications import service

router = Router()


@router.get("/v1/<project_id>/notification/event", summary="ListNotificationEvents", tags=["Notifications"])
def list_notification_events(project_id: Annotated[str, Path()]) -> dict[str, Any]:
    return service.list_event_names()


lambda_handler = make_api_handler(router, Family.MPC)
