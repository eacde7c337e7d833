"""GET /v1/{project_id}/url-uploads - GetURLUploadInfos (VOD, seed 004); ``/acs/GetURLUploadInfos``:
the SDK's RPC form."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api import rpc
from mediaflow.api.app import caller_project, make_api_handler, request_id
from mediaflow.api.families import Family
from mediaflow.ingest import service

router = Router()


@router.get(
    "/v1/<project_id>/url-uploads",
    summary="GetURLUploadInfos",
    description="URL-ingest jobs by JobIds (<= 10; wins) or UploadURLs (<= 10, each URL-encoded).",
    tags=["VOD URL ingest"],
)
def get_url_upload_infos(
    project_id: Annotated[str, Path()],
    JobIds: Annotated[
        str | None,
        Query(pattern=r"^[^,]*(,[^,]*){0,9}$", description="<= 10 ids; unknown ones are listed in NonExists"),
    ] = None,
    UploadURLs: Annotated[
        str | None,
        Query(
            max_length=10 * 8192 + 9, pattern=r"^[^,]*(,[^,]*){0,9}$", description="<= 10 URL-encoded URLs"
        ),
    ] = None,
) -> dict[str, Any]:
    return {"RequestId": request_id(router), **service.get_url_upload_infos(project_id, JobIds, UploadURLs)}


@router.post("/acs/GetURLUploadInfos", summary="GetURLUploadInfos (RPC)", tags=["VOD RPC"])
def get_url_upload_infos_rpc() -> dict[str, Any]:
    project_id, job_ids, urls = (
        caller_project(router),
        rpc.param(router, "JobIds"),
        rpc.param(router, "UploadURLs"),
    )
    return {"RequestId": request_id(router), **service.get_url_upload_infos(project_id, job_ids, urls)}


lambda_handler = make_api_handler(router, Family.VOD)
