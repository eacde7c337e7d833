"""GET /v1/{project_id}/template/transcodings - templates by id, or the project's custom ones (MPC)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.transcode import template_service

router = Router()


@router.get(
    "/v1/<project_id>/template/transcodings",
    summary="ListTemplate",
    description=(
        "template_id: up to 10 ids, repeated or comma-separated (system presets included; unknown ids are"
        " left out). Without ids: the project's custom templates, oldest first, paged by page and size."
    ),
    tags=["Transcoding templates"],
)
def get_transcode_template(
    project_id: Annotated[str, Path()],
    template_id: Annotated[list[str] | None, Query()] = None,
    page: Annotated[int, Query(ge=0)] = 0,
    size: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    return template_service.query_templates(project_id, template_id, page, size)


lambda_handler = make_api_handler(router, Family.MPC)
