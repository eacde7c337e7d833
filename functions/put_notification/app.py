"""PUT /v1/{project_id}/notification - events to send, callback URL and body format (MPC family)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.notifications import service

router = Router()


@router.put(
    "/v1/<project_id>/notification",
    summary="UpdateNotification",
    description="Huawei's {notifications:[{event_name,status}]} plus the callback url and body format.",
    tags=["Notifications"],
)
def put_notification(
    project_id: Annotated[str, Path()], body: Annotated[service.PutNotificationRequest, Body()]
) -> dict[str, Any]:
    return service.put_notification(project_id, body)


lambda_handler = make_api_handler(router, Family.MPC)
