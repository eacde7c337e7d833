"""GET /v1/{project_id}/transcodings/detail - ListTranscodeDetail (MPC): per-rendition media info."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.transcode import task_detail

router = Router()


@router.get(
    "/v1/<project_id>/transcodings/detail",
    summary="ListTranscodeDetail",
    description="task_id (1-10, repeated or comma-separated): source and per-rendition media info.",
    tags=["Transcoding"],
)
def list_transcode_detail(
    project_id: Annotated[str, Path()], task_id: Annotated[list[str] | None, Query()] = None
) -> dict[str, Any]:
    return task_detail.details(project_id, task_id or [])


lambda_handler = make_api_handler(router, Family.MPC)
