"""GET /v1/{project_id}/videos - GetVideoList (VOD): the project's videos, paged, newest first."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler, request_id
from mediaflow.api.families import Family
from mediaflow.uploads import listing

router = Router()


@router.get(
    "/v1/<project_id>/videos",
    summary="GetVideoList",
    description="Status (comma-separated), StartTime/EndTime (ISO 8601 UTC), PageNo (from 1), PageSize "
    "(<= 100), SortBy CreationTime:Desc|Asc; PageNo x PageSize <= 5000.",
    tags=["VOD uploads"],
)
def list_videos(
    project_id: Annotated[str, Path()],
    Status: Annotated[str | None, Query()] = None,
    StartTime: Annotated[str | None, Query()] = None,
    EndTime: Annotated[str | None, Query()] = None,
    PageNo: Annotated[str | None, Query()] = None,
    PageSize: Annotated[str | None, Query()] = None,
    SortBy: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    answer = listing.video_list(
        project_id,
        status=Status,
        start_time=StartTime,
        end_time=EndTime,
        page_no=PageNo,
        page_size=PageSize,
        sort_by=SortBy,
    )
    return {"RequestId": request_id(router), **answer}


lambda_handler = make_api_handler(router, Family.VOD)
