"""GET /v1/{project_id}/transcodings/summaries - ListStatSummary (MPC): usage per day."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.usage import summaries

router = Router()


@router.get(
    "/v1/<project_id>/transcodings/summaries",
    summary="ListStatSummary",
    description="start_time/end_time yyyymmdd (UTC, <= 366 days), stat_type; per day also output "
    "minutes by codec and tier, compute seconds and estimated cost.",
    tags=["Transcoding"],
)
def list_stat_summary(
    project_id: Annotated[str, Path()],
    start_time: Annotated[str | None, Query(max_length=8)] = None,
    end_time: Annotated[str | None, Query(max_length=8)] = None,
    stat_type: Annotated[str | None, Query(max_length=32)] = None,
) -> dict[str, Any]:
    return summaries.summaries(project_id, start_time=start_time, end_time=end_time, stat_type=stat_type)


lambda_handler = make_api_handler(router, Family.MPC)
