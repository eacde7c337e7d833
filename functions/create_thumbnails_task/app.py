"""POST /v1/{project_id}/thumbnails - CreateThumbnailsTask (MPC): queue snapshots, or take one now."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler, sync_budget_s
from mediaflow.api.families import Family
from mediaflow.mediaops import thumbnails
from mediaflow.mediaops.thumbnail_params import CreateThumbReq

router = Router()


@router.post(
    "/v1/<project_id>/thumbnails",
    summary="CreateThumbnailsTask",
    description=(
        "thumbnail_para: TIME (every `time` s) or DOTS (<= 10 points) / DOTS_MS; format 1 jpg, 2 png; "
        "width/height/max_length never upscale; tar 0 packs; sync 1 answers one point here; "
        "sprite (extension): sheets + WebVTT."
    ),
    tags=["Snapshots"],
)
def create_thumbnails_task(
    project_id: Annotated[str, Path()], body: Annotated[CreateThumbReq, Body()]
) -> dict[str, Any]:
    return thumbnails.create(project_id, body, sync_budget_s(router.lambda_context))


lambda_handler = make_api_handler(router, Family.MPC)
