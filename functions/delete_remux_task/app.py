"""DELETE /v1/{project_id}/remux/task?task_id= - DeleteRemuxTask (MPC): remove an ended task's record."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.remux import service

router = Router()


@router.delete("/v1/<project_id>/remux/task", summary="DeleteRemuxTask", tags=["Packaging"])
def delete_remux_task(
    project_id: Annotated[str, Path()], task_id: Annotated[str, Query(max_length=20)]
) -> Response[str]:
    service.delete(project_id, task_id)
    return Response(status_code=204, body="")


lambda_handler = make_api_handler(router, Family.MPC)
