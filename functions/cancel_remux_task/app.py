"""DELETE /v1/{project_id}/remux?task_id= - CancelRemuxTask (MPC)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.remux import service

router = Router()


@router.delete("/v1/<project_id>/remux", summary="CancelRemuxTask", tags=["Packaging"])
def cancel_remux_task(
    project_id: Annotated[str, Path()], task_id: Annotated[str, Query(max_length=20)]
) -> Response[str]:
    service.cancel(project_id, task_id)
    return Response(status_code=204, body="")


lambda_handler = make_api_handler(router, Family.MPC)
