"""DELETE /v1/{project_id}/transcodings?task_id= - cancel a waiting (or stop a running) task (MPC)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.transcode import tasks

router = Router()


@router.delete("/v1/<project_id>/transcodings", summary="DeleteTranscodingTask", tags=["Transcoding"])
def cancel_transcode_task(
    project_id: Annotated[str, Path()],
    task_id: Annotated[str, Query(pattern=r"^[0-9]{1,20}$", description="A task id (digits)")],
) -> Response[str]:
    tasks.cancel_task(project_id, task_id)
    return Response(status_code=204, body="")


lambda_handler = make_api_handler(router, Family.MPC)
