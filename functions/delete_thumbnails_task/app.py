"""DELETE /v1/{project_id}/thumbnails?task_id= - cancel a waiting (or stop a running) snapshot task."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.mediaops import thumbnails

router = Router()


@router.delete("/v1/<project_id>/thumbnails", summary="DeleteThumbnailsTask", tags=["Snapshots"])
def delete_thumbnails_task(
    project_id: Annotated[str, Path()], task_id: Annotated[str, Query(max_length=20)]
) -> Response[str]:
    thumbnails.cancel(project_id, task_id)
    return Response(status_code=204, body="")


lambda_handler = make_api_handler(router, Family.MPC)
