"""GET /v1/{project_id}/notification/deliveries - callback deliveries and their attempts (MPC family)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.notifications import service

router = Router()


@router.get(
    "/v1/<project_id>/notification/deliveries",
    summary="ListDeliveries",
    description="Filter by event_id or status (PENDING/RETRYING/SUCCEEDED/FAILED); page: size, marker.",
    tags=["Notifications"],
)
def list_deliveries(
    project_id: Annotated[str, Path()],
    event_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[str | None, Query()] = None,
    size: Annotated[int, Query(ge=1, le=100)] = 10,
    marker: Annotated[str | None, Query(max_length=2048)] = None,
) -> dict[str, Any]:
    return service.list_deliveries(project_id, event_id=event_id, status=status, size=size, marker=marker)


lambda_handler = make_api_handler(router, Family.MPC)
