"""PUT /v1/{project_id}/remux - CreateRetryRemuxTask (MPC): queue a FAILED remux task again."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.remux import service

router = Router()


@router.put("/v1/<project_id>/remux", summary="CreateRetryRemuxTask", tags=["Packaging"])
def retry_remux_task(
    project_id: Annotated[str, Path()], body: Annotated[service.RetryRequest, Body()]
) -> dict[str, Any]:
    return service.retry(project_id, body.task_id)


lambda_handler = make_api_handler(router, Family.MPC)
