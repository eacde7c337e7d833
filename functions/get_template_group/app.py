"""GET /v1/{project_id}/template_group/transcodings - template groups by id or name, or all (MPC)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.transcode import group_service

router = Router()


@router.get(
    "/v1/<project_id>/template_group/transcodings",
    summary="ListTemplateGroup",
    description=(
        "group_id and group_name: up to 10 each, repeated or comma-separated (unknown ones are left"
        " out). Without either: every group of the project, oldest first, paged by page and size."
    ),
    tags=["Transcoding template groups"],
)
def get_template_group(
    project_id: Annotated[str, Path()],
    group_id: Annotated[list[str] | None, Query()] = None,
    group_name: Annotated[list[str] | None, Query()] = None,
    page: Annotated[int, Query(ge=0)] = 0,
    size: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    return group_service.query_groups(project_id, group_id, group_name, page, size)


lambda_handler = make_api_handler(router, Family.MPC)
