"""POST /v1/{project_id}/videos - CreateUploadVideo (VOD); ``/acs/CreateUploadVideo``: the SDK's RPC form."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api import rpc
from mediaflow.api.app import caller_project, make_api_handler, request_id
from mediaflow.api.families import Family
from mediaflow.uploads import service
from mediaflow.uploads.models import CreateUploadVideoRequest

router = Router()


@router.post(
    "/v1/<project_id>/videos",
    summary="CreateUploadVideo",
    description="Create a video and get one-key STS upload credentials (valid 3000 s).",
    tags=["VOD uploads"],
)
def create_upload_video(
    project_id: Annotated[str, Path()], body: Annotated[CreateUploadVideoRequest, Body()]
) -> dict[str, Any]:
    return {"RequestId": request_id(router), **service.create_upload_video(project_id, body)}


@router.post("/acs/CreateUploadVideo", summary="CreateUploadVideo (RPC)", tags=["VOD RPC"])
def create_upload_video_rpc() -> dict[str, Any]:
    body = rpc.parse(CreateUploadVideoRequest, router)
    return {"RequestId": request_id(router), **service.create_upload_video(caller_project(router), body)}


lambda_handler = make_api_handler(router, Family.VOD)
