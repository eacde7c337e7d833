"""POST /v1/{project_id}/url-uploads - UploadMediaByURL (VOD): one job and one video per URL;
``/acs/UploadMediaByURL``: the SDK's RPC form."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api import rpc
from mediaflow.api.app import caller_project, make_api_handler, request_id
from mediaflow.api.families import Family
from mediaflow.ingest import service
from mediaflow.ingest.models import UploadMediaByURLRequest

router = Router()


@router.post(
    "/v1/<project_id>/url-uploads",
    summary="UploadMediaByURL",
    description="Pull up to 20 media files from http(s) URLs; answers one JobId per URL (async).",
    tags=["VOD URL ingest"],
)
def upload_media_by_url(
    project_id: Annotated[str, Path()], body: Annotated[UploadMediaByURLRequest, Body()]
) -> dict[str, Any]:
    return {"RequestId": request_id(router), **service.upload_media_by_url(project_id, body)}


@router.post("/acs/UploadMediaByURL", summary="UploadMediaByURL (RPC)", tags=["VOD RPC"])
def upload_media_by_url_rpc() -> dict[str, Any]:
    body = rpc.parse(UploadMediaByURLRequest, router)
    return {"RequestId": request_id(router), **service.upload_media_by_url(caller_project(router), body)}


lambda_handler = make_api_handler(
    router, Family.VOD, max_body_bytes=512 * 1024
)  # 20 URLs of up to 8 KiB, twice
