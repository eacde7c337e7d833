"""POST /v1/{project_id}/videos/{VideoId}/refresh-upload - RefreshUploadVideo (VOD, seed 001);
``/acs/RefreshUploadVideo``: the SDK's RPC form."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api import rpc, vod_errors
from mediaflow.api.app import caller_project, make_api_handler, request_id
from mediaflow.api.families import Family
from mediaflow.uploads import service

router = Router()


@router.post(
    "/v1/<project_id>/videos/<VideoId>/refresh-upload",
    summary="RefreshUploadVideo",
    description=(
        "New upload credentials for the same VideoId and object key; a new upload overwrites the source."
    ),
    tags=["VOD uploads"],
)
def refresh_upload_video(
    project_id: Annotated[str, Path()], VideoId: Annotated[str, Path()]
) -> dict[str, Any]:
    return {"RequestId": request_id(router), **service.refresh_upload_video(project_id, VideoId)}


@router.post("/acs/RefreshUploadVideo", summary="RefreshUploadVideo (RPC)", tags=["VOD RPC"])
def refresh_upload_video_rpc() -> dict[str, Any]:
    video_id = rpc.param(router, "VideoId")
    if not video_id:
        raise vod_errors.missing("The input parameter VideoId that is mandatory is not supplied.")
    return {"RequestId": request_id(router), **service.refresh_upload_video(caller_project(router), video_id)}


lambda_handler = make_api_handler(router, Family.VOD)
