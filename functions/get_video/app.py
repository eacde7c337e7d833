"""GET /v1/{project_id}/videos/{VideoId} - GetVideoInfo (VOD), with the probed source (Mezzanine);
``/acs/GetVideoInfo``: the SDK's RPC form."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api import rpc, vod_errors
from mediaflow.api.app import caller_project, make_api_handler, request_id
from mediaflow.api.families import Family
from mediaflow.uploads import service

router = Router()


@router.get(
    "/v1/<project_id>/videos/<VideoId>",
    summary="GetVideoInfo",
    description="A video's status, size, duration and the probed media info of its source.",
    tags=["VOD uploads"],
)
def get_video(project_id: Annotated[str, Path()], VideoId: Annotated[str, Path()]) -> dict[str, Any]:
    return {"RequestId": request_id(router), **service.get_video(project_id, VideoId)}


@router.post("/acs/GetVideoInfo", summary="GetVideoInfo (RPC)", tags=["VOD RPC"])
def get_video_rpc() -> dict[str, Any]:
    video_id = rpc.param(router, "VideoId")
    if not video_id:
        raise vod_errors.missing("The input parameter VideoId that is mandatory is not supplied.")
    return {"RequestId": request_id(router), **service.get_video(caller_project(router), video_id)}


lambda_handler = make_api_handler(router, Family.VOD)
